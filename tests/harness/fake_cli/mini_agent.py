"""A tiny coding-agent CLI for the `command:` agent's tests: one Ollama chat request, whole-file edits.

    python mini_agent.py --prompt-file FILE --model NAME --url BASE_URL

It sends the prompt (no tools) to BASE_URL/api/chat, writes every "path, then a fenced block" in the
reply into the current folder, and prints one JSON line: turns, tokens_in, tokens_out, details.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
from pathlib import Path

BLOCK = re.compile(r"^(\S+\.\w+)\n```\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompt-file", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--url", required=True)
    args = parser.parse_args()
    prompt = Path(args.prompt_file).read_text(encoding="utf-8")
    body = {"model": args.model, "stream": False, "messages": [{"role": "user", "content": prompt}]}
    request = urllib.request.Request(
        args.url.rstrip("/") + "/api/chat", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        reply = json.load(response)
    text = reply["message"]["content"]
    written = []
    for path, content in BLOCK.findall(text):
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        written.append(path)
    summary = {
        "turns": 1,
        "tokens_in": reply.get("prompt_eval_count", 0),
        "tokens_out": reply.get("eval_count", 0),
        "details": {"written": written},
    }
    print(f"mini-agent: wrote {len(written)} files", file=sys.stderr)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
