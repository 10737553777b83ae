"""Test helpers: a tiny client for the three protocols, tool sets of real harnesses, and applying tool calls."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from agentspec.spec.materialise import write_file

PROTOCOLS = ("ollama", "openai", "anthropic")
PATHS = {"ollama": "/api/chat", "openai": "/v1/chat/completions", "anthropic": "/v1/messages"}


def _tool(name: str, properties: dict[str, Any], required: list[str], description: str = "") -> dict[str, Any]:
    return {
        "name": name,
        "description": description or name,
        "parameters": {"type": "object", "properties": properties, "required": required},
    }


STRING = {"type": "string"}
# agentspec's builtin agent.
BUILTIN_TOOLS = [
    _tool("read_file", {"path": STRING}, ["path"]),
    _tool("write_file", {"path": STRING, "content": STRING}, ["path", "content"]),
    _tool("edit_file", {"path": STRING, "old": STRING, "new": STRING}, ["path", "old", "new"]),
    _tool("list_files", {"path": STRING}, []),
    _tool("run_tests", {}, []),
    _tool("run_shell", {"command": STRING}, ["command"]),
]
# Claude Code's Bash, Read, Edit, Write and TodoWrite, trimmed to what matters.
CLAUDE_CODE_TOOLS = [
    _tool("TodoWrite", {"todos": {"type": "array"}}, ["todos"]),
    _tool(
        "Write",
        {
            "file_path": {"type": "string", "description": "The absolute path to the file to write (must be absolute)"},
            "content": STRING,
        },
        ["file_path", "content"],
    ),
    _tool("Read", {"file_path": STRING}, ["file_path"]),
    _tool("Edit", {"file_path": STRING, "old_string": STRING, "new_string": STRING}, ["file_path"]),
    _tool(
        "Bash",
        {
            "command": STRING,
            "timeout": {"type": "number"},
            "description": STRING,
            "run_in_background": {"type": "boolean"},
        },
        ["command"],
    ),
]
WRITE_ONLY_TOOLS = [CLAUDE_CODE_TOOLS[1], CLAUDE_CODE_TOOLS[2]]


@dataclass
class Answer:
    """A chat answer in neutral form, assembled from a body or a stream."""

    status: int
    text: str = ""
    calls: list[tuple[str, str]] = field(default_factory=list)
    stop: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    raw: Any = None

    def arguments(self) -> list[tuple[str, dict[str, Any]]]:
        """Each call's name and decoded arguments."""
        return [(name, json.loads(arguments)) for name, arguments in self.calls]


def request(
    protocol: str,
    model: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    *,
    stream: bool,
    system: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A request body for `protocol`."""
    body: dict[str, Any] = {"model": model, "stream": stream, **extra}
    if protocol == "anthropic":
        body.setdefault("max_tokens", 32000)
        body["messages"] = messages
        if system is not None:
            body["system"] = system
        if tools:
            body["tools"] = [
                {"name": t["name"], "description": t["description"], "input_schema": t["parameters"]} for t in tools
            ]
        return body
    if protocol == "openai" and stream:
        body.setdefault("stream_options", {"include_usage": True})
    body["messages"] = ([{"role": "system", "content": system}] if system is not None else []) + messages
    if tools:
        body["tools"] = [{"type": "function", "function": t} for t in tools]
    return body


def chat(client: httpx.Client, protocol: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Answer:
    """Send a chat request and assemble the answer, streamed or not."""
    response = client.post(PATHS[protocol], json=body, headers=headers)
    if response.status_code != 200:
        return Answer(response.status_code, raw=response.json())
    stream = body.get("stream", protocol == "ollama")
    if not stream:
        return _whole(protocol, response.json())
    assert response.headers["transfer-encoding"] == "chunked"
    if protocol == "ollama":
        assert response.headers["content-type"] == "application/x-ndjson"
        return _ollama_stream([json.loads(line) for line in response.text.splitlines() if line])
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    return _openai_stream(events) if protocol == "openai" else _anthropic_stream(events)


def parse_sse(text: str) -> list[tuple[str | None, str]]:
    """Server-sent events as (event name, data)."""
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        name, data = None, []
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        events.append((name, "\n".join(data)))
    return events


def _whole(protocol: str, body: dict[str, Any]) -> Answer:
    if protocol == "ollama":
        message = body["message"]
        calls = [(c["function"]["name"], json.dumps(c["function"]["arguments"])) for c in message.get("tool_calls", [])]
        usage = {"prompt": body["prompt_eval_count"], "completion": body["eval_count"]}
        return Answer(200, message["content"], calls, body["done_reason"], usage, body)
    if protocol == "openai":
        choice = body["choices"][0]
        message = choice["message"]
        calls = [(c["function"]["name"], c["function"]["arguments"]) for c in message.get("tool_calls") or []]
        usage = {"prompt": body["usage"]["prompt_tokens"], "completion": body["usage"]["completion_tokens"]}
        return Answer(200, message["content"] or "", calls, choice["finish_reason"], usage, body)
    text = "".join(b["text"] for b in body["content"] if b["type"] == "text")
    calls = [(b["name"], json.dumps(b["input"])) for b in body["content"] if b["type"] == "tool_use"]
    usage = {"prompt": body["usage"]["input_tokens"], "completion": body["usage"]["output_tokens"]}
    return Answer(200, text, calls, body["stop_reason"], usage, body)


def _ollama_stream(chunks: list[dict[str, Any]]) -> Answer:
    assert chunks[-1]["done"] is True
    assert all(c["done"] is False for c in chunks[:-1])
    text = "".join(c["message"]["content"] for c in chunks)
    calls = [
        (t["function"]["name"], json.dumps(t["function"]["arguments"]))
        for c in chunks
        for t in c["message"].get("tool_calls", [])
    ]
    usage = {"prompt": chunks[-1]["prompt_eval_count"], "completion": chunks[-1]["eval_count"]}
    return Answer(200, text, calls, chunks[-1]["done_reason"], usage, chunks)


def _openai_stream(events: list[tuple[str | None, str]]) -> Answer:
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(data) for _, data in events[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text, calls, stop, usage = "", {}, None, {}
    for chunk in chunks:
        assert chunk["object"] == "chat.completion.chunk"
        if chunk.get("usage"):
            usage = {"prompt": chunk["usage"]["prompt_tokens"], "completion": chunk["usage"]["completion_tokens"]}
        for choice in chunk["choices"]:
            delta = choice["delta"]
            text += delta.get("content") or ""
            for call in delta.get("tool_calls", []):
                entry = calls.setdefault(call["index"], ["", ""])
                entry[0] += call.get("function", {}).get("name", "")
                entry[1] += call.get("function", {}).get("arguments", "")
            stop = choice["finish_reason"] or stop
    return Answer(200, text, [(n, a) for _, (n, a) in sorted(calls.items())], stop, usage, chunks)


def _anthropic_stream(events: list[tuple[str | None, str]]) -> Answer:
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert "ping" in names
    payloads = [json.loads(data) for _, data in events]
    assert all(p["type"] == name for p, name in zip(payloads, names, strict=True))
    text, calls, blocks = "", [], {}
    for payload in payloads:
        if payload["type"] == "content_block_start":
            blocks[payload["index"]] = payload["content_block"]
            if payload["content_block"]["type"] == "tool_use":
                calls.append([payload["content_block"]["name"], ""])
        elif payload["type"] == "content_block_delta":
            delta = payload["delta"]
            if delta["type"] == "text_delta":
                text += delta["text"]
            else:
                calls[-1][1] += delta["partial_json"]
    start, end = payloads[0]["message"], payloads[-2]
    usage = {"prompt": start["usage"]["input_tokens"], "completion": end["usage"]["output_tokens"]}
    return Answer(200, text, [(n, a) for n, a in calls], end["delta"]["stop_reason"], usage, payloads)


def apply(calls: list[tuple[str, dict[str, Any]]], root: Path) -> None:
    """Carry out write_file, run_shell/Bash and Write calls in `root`, as the harnesses would."""
    for name, arguments in calls:
        if name == "write_file":
            write_file(root, arguments["path"], arguments["content"])
        elif name in {"run_shell", "Bash"}:
            subprocess.run(["bash", "-c", arguments["command"]], cwd=root, check=True, timeout=30)
        elif name == "Write":
            target = Path(arguments["file_path"])
            assert target.is_absolute() and target.is_relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(arguments["content"].encode("utf-8"))
        else:
            raise AssertionError(f"unexpected tool call {name}")


def apply_whole_files(text: str, root: Path, fence: tuple[str, str] = ("```", "```")) -> list[str]:
    """Write the files of a whole-file reply the way aider's `whole` coder parses it; return their paths."""
    written, lines, name, body = [], text.splitlines(keepends=True), None, []
    for index, line in enumerate(lines):
        if line.startswith(fence):
            if name is None:
                name, body = lines[index - 1].strip(), []
            else:
                write_file(root, name, "".join(body))
                written.append(name)
                name = None
        elif name is not None:
            body.append(line)
    return written


def tool_result_messages(protocol: str, answer: Answer) -> list[dict[str, Any]]:
    """The assistant turn and the tool results a client would send back after running `answer`'s calls."""
    if protocol == "anthropic":
        uses = [
            {"type": "tool_use", "id": f"t{i}", "name": n, "input": a} for i, (n, a) in enumerate(answer.arguments())
        ]
        results = [{"type": "tool_result", "tool_use_id": f"t{i}", "content": "ok"} for i in range(len(uses))]
        return [{"role": "assistant", "content": uses}, {"role": "user", "content": results}]
    if protocol == "openai":
        calls = [
            {"id": f"c{i}", "type": "function", "function": {"name": n, "arguments": a}}
            for i, (n, a) in enumerate(answer.calls)
        ]
        results = [{"role": "tool", "tool_call_id": f"c{i}", "content": "ok"} for i in range(len(calls))]
        return [{"role": "assistant", "content": None, "tool_calls": calls}, *results]
    calls = [{"function": {"name": n, "arguments": a}} for n, a in answer.arguments()]
    results = [{"role": "tool", "tool_name": n, "content": "ok"} for n, _ in answer.calls]
    return [{"role": "assistant", "content": "", "tool_calls": calls}, *results]
