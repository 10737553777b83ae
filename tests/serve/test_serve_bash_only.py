"""A bash-only client (mini-swe-agent): one fenced command per reply without tools, and a submit command to end."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest

from agentspec.runner.workspace import make_workspace, read_tree, reference_files
from agentspec.serve.reference import SUBMIT
from agentspec.spec.model import Spec
from tests.serve.wire import PROTOCOLS, chat, request

# mini-swe-agent 2.4.6's text-based prompt (mini_textbased.yaml), trimmed to what a client shows the model.
TEXT_SYSTEM = (
    "Your response must contain exactly ONE bash code block with ONE command.\n"
    "<format_example>\nTHOUGHT: ...\n\n```mswea_bash_command\nyour_command_here\n```\n</format_example>"
)
TOOL_SYSTEM = "You are a helpful assistant that can interact with a computer."
BASH_TOOL = {
    "name": "bash",
    "description": "Execute a bash command",
    "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
}
FENCED = re.compile(r"```mswea_bash_command\s*\n(.*?)\n```", re.DOTALL)


def _task(spec: Spec) -> str:
    return f"Please solve this issue: {spec.instructions}\n\nFinish by issuing `echo {SUBMIT}`."


def _spec(specs: list[Spec], spec_id: str) -> Spec:
    return next(s for s in specs if s.id == spec_id)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_one_fenced_command_writes_the_reference_then_submits(
    seed_specs: list[Spec], client: httpx.Client, tmp_path: Path, protocol: str
) -> None:
    spec = _spec(seed_specs, "find-duplicates")
    root = make_workspace(spec, tmp_path)
    messages = [{"role": "user", "content": _task(spec)}]
    first = chat(client, protocol, request(protocol, "reference", messages, stream=False, system=TEXT_SYSTEM))
    assert first.calls == []
    commands = FENCED.findall(first.text)
    assert len(commands) == 1, first.text
    subprocess.run(["bash", "-c", commands[0]], cwd=root, check=True)
    tree = read_tree(root)
    assert all(tree[entry.path] == entry.text for entry in reference_files(spec))
    messages += [
        {"role": "assistant", "content": first.text},
        {"role": "user", "content": "<returncode>0</returncode>"},
    ]
    second = chat(client, protocol, request(protocol, "reference", messages, stream=False, system=TEXT_SYSTEM))
    assert FENCED.findall(second.text) == [f"echo {SUBMIT}"]


def test_with_its_bash_tool_the_last_call_is_the_submit_command(seed_specs: list[Spec], client: httpx.Client) -> None:
    spec = _spec(seed_specs, "ttl-cache")
    messages: list[dict[str, object]] = [{"role": "user", "content": _task(spec)}]
    body = request("openai", "reference", messages, [BASH_TOOL], stream=False, system=TOOL_SYSTEM)
    first = chat(client, "openai", body)
    assert first.calls and {name for name, _ in first.calls} == {"bash"}
    messages += [{"role": "assistant", "content": first.text}, {"role": "user", "content": "ok"}]
    body = request("openai", "reference", messages, [BASH_TOOL], stream=False, system=TOOL_SYSTEM)
    second = chat(client, "openai", body)
    assert second.arguments() == [("bash", {"command": f"echo {SUBMIT}"})]


@pytest.mark.parametrize("tools", [[BASH_TOOL], None], ids=["tool", "text"])
def test_nop_submits_at_once_and_writes_nothing(seed_specs: list[Spec], client: httpx.Client, tools: object) -> None:
    spec = _spec(seed_specs, "ttl-cache")
    system = TOOL_SYSTEM if tools else TEXT_SYSTEM
    body = request("openai", "nop", [{"role": "user", "content": _task(spec)}], tools, stream=False, system=system)  # type: ignore[arg-type]
    answer = chat(client, "openai", body)
    if tools:
        assert answer.arguments() == [("bash", {"command": f"echo {SUBMIT}"})]
    else:
        assert FENCED.findall(answer.text) == [f"echo {SUBMIT}"]


def test_clients_without_a_submit_command_are_answered_as_before(seed_specs: list[Spec], client: httpx.Client) -> None:
    # aider's whole-file format and a plain "done" stay as they were for clients that never name the sentinel.
    spec = _spec(seed_specs, "ttl-cache")
    answer = chat(
        client, "openai", request("openai", "nop", [{"role": "user", "content": spec.instructions}], stream=False)
    )
    assert SUBMIT not in answer.text and answer.calls == []
