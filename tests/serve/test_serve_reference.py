"""The reference model solves every seed spec through every protocol, with whatever tools the client has."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from agentspec.runner.workspace import make_workspace, read_tree, reference_files
from agentspec.spec.model import Spec
from tests.conftest import SPECS
from tests.serve.wire import (
    BUILTIN_TOOLS,
    CLAUDE_CODE_TOOLS,
    PROTOCOLS,
    WRITE_ONLY_TOOLS,
    apply,
    apply_whole_files,
    chat,
    request,
)

SPEC_IDS = sorted(path.stem for path in SPECS.glob("*.toml"))
TOOLSETS = {"builtin": BUILTIN_TOOLS, "claude-code": CLAUDE_CODE_TOOLS, "write-only": WRITE_ONLY_TOOLS}
EXPECTED_TOOL = {"builtin": "write_file", "claude-code": "Bash", "write-only": "Write"}


def _spec(specs: list[Spec], spec_id: str) -> Spec:
    return next(s for s in specs if s.id == spec_id)


def _assert_reference(spec: Spec, root: Path) -> None:
    tree = read_tree(root)
    for entry in reference_files(spec):
        assert tree[entry.path] == entry.text, entry.path
        assert (root / entry.path).read_bytes() == entry.text.encode("utf-8")


def test_every_seed_spec_is_served() -> None:
    assert len(SPEC_IDS) == 8


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("spec_id", SPEC_IDS)
def test_tool_calls_reproduce_the_reference(
    seed_specs: list[Spec], client: httpx.Client, tmp_path: Path, spec_id: str, protocol: str, stream: bool
) -> None:
    spec = _spec(seed_specs, spec_id)
    for toolset, tools in TOOLSETS.items():
        root = make_workspace(spec, tmp_path / toolset)
        # Harnesses wrap the task in their own words; Claude Code names its working directory.
        system = f"You are a coding agent.\nWorking directory: {root}\nUse the tools."
        prompt = f"<context>date: today</context>\n\n{spec.instructions}\n\nThanks!"
        body = request(
            protocol, "reference", [{"role": "user", "content": prompt}], tools, stream=stream, system=system
        )
        answer = chat(client, protocol, body)
        assert answer.status == 200
        assert answer.stop in {"tool_calls", "tool_use", "stop"}
        assert answer.calls and {name for name, _ in answer.calls} == {EXPECTED_TOOL[toolset]}
        assert answer.usage["prompt"] > 50 and answer.usage["completion"] > 10
        apply(answer.arguments(), root)
        _assert_reference(spec, root)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("spec_id", SPEC_IDS)
def test_whole_files_without_tools(
    seed_specs: list[Spec], client: httpx.Client, tmp_path: Path, spec_id: str, protocol: str
) -> None:
    spec = _spec(seed_specs, spec_id)
    root = make_workspace(spec, tmp_path)
    body = request(protocol, "reference", [{"role": "user", "content": spec.instructions}], stream=protocol == "ollama")
    answer = chat(client, protocol, body)
    assert answer.calls == [] and answer.stop in {"stop", "end_turn"}
    written = apply_whole_files(answer.text, root)
    assert written and set(written) <= {f.path for f in spec.solution}
    _assert_reference(spec, root)


def test_whole_files_use_the_fence_aiders_prompt_shows(
    seed_specs: list[Spec], client: httpx.Client, tmp_path: Path
) -> None:
    spec = _spec(seed_specs, "ttl-cache")
    system = (
        "To suggest changes to a file you MUST use this format:\n\npath/to/filename.js\n<source>\n// code\n</source>\n"
    )
    body = request(
        "ollama", "ollama_chat/reference", [{"role": "user", "content": spec.instructions}], stream=False, system=system
    )
    answer = chat(client, "ollama", body)
    assert "cache.py\n<source>\n" in answer.text and "```" not in answer.text
    root = make_workspace(spec, tmp_path)
    assert apply_whole_files(answer.text, root, fence=("<source>", "</source>")) == ["cache.py"]
    _assert_reference(spec, root)


def test_no_spec_matched(client: httpx.Client) -> None:
    body = request(
        "openai", "reference", [{"role": "user", "content": "Write me a poem."}], BUILTIN_TOOLS, stream=False
    )
    answer = chat(client, "openai", body)
    assert answer.calls == [] and "none of the 8 specs" in answer.text
