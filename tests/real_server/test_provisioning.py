"""The tier's cache folder: where it is, whatever HOME says, and a failed step named in the error."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from tests.real_server.llama import ProvisionError, cache_dir, provision
from tests.real_server.serve_llama import parse


def test_the_cache_folder_does_not_follow_the_tests_fresh_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AGENTSPEC_LLAMA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "agentspec-llama"
    monkeypatch.setenv("AGENTSPEC_LLAMA_DIR", str(tmp_path / "llama"))
    assert cache_dir() == tmp_path / "llama"


def test_a_failed_step_is_named(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file where the folder should be")
    with pytest.raises(ProvisionError, match=r"creating the cache folder .*taken.* failed"):
        provision(tmp_path / "taken" / "llama")


def test_the_launcher_takes_llama_servers_flags() -> None:
    args = parse(["--model", "m.gguf", "--alias", "smollm2", "--port", "8080", "-c", "768", "-np", "1", "-n", "64"])
    assert (args.model, args.alias, args.port, args.ctx_size, args.parallel, args.n_predict) == (
        "m.gguf",
        "smollm2",
        8080,
        768,
        1,
        64,
    )
    assert parse(["-m", "m.gguf", "--port", "1", "--jinja", "--chat-template-file", "t.jinja", "-t", "2"]).threads == 2
