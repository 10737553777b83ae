"""`agentspec serve` as users run it: one line of URLs, a line per request, a clean stop on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import SPECS, RunCli


def _start(*args: str | Path, cwd: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "agentspec", "serve", "--port", "0", *map(str, args)]
    return subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy()
    )


def test_serve_prints_urls_logs_requests_and_stops_cleanly(tmp_path: Path) -> None:
    process = _start(SPECS, "--latency", "0", cwd=tmp_path)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(
            r"listening on (http://127\.0\.0\.1:\d+) \(Ollama: (\S+), OpenAI: (\S+), Anthropic: (\S+)\)", line
        )
        assert found, line
        url, ollama, openai, anthropic = found.groups()
        assert ollama == url and openai == f"{url}/v1" and anthropic == url.rstrip(";")
        assert "8 specs" in line
        with httpx.Client(base_url=url) as http:
            assert http.get("/api/tags").status_code == 200
            body = {"model": "nop", "messages": [{"role": "user", "content": "hi"}], "stream": False}
            assert http.post("/v1/chat/completions", json=body).json()["choices"][0]["finish_reason"] == "stop"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert "GET /api/tags 200" in stderr and "POST /v1/chat/completions 200 model=nop stream=false" in stderr
    assert stderr.rstrip().endswith("agentspec serve: stopped")


def test_serve_stops_on_sigterm_and_finds_no_specs(tmp_path: Path) -> None:
    process = _start("--quiet", cwd=tmp_path)
    assert process.stdout is not None
    assert "0 specs" in process.stdout.readline()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0 and "Traceback" not in stderr


def test_serve_rejects_bad_flags(cli: RunCli) -> None:
    done = cli("serve", "--port", "0", "--error-rate", "2", SPECS)
    assert done.returncode == 2 and "error_rate must be between 0 and 1" in done.stderr
