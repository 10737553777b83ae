"""The builtin agent's tools on a real workspace and sandbox: confinement, edits, tests, shell."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest

from agentspec.agents.base import AgentTask
from agentspec.agents.builtin import text_tool_call
from agentspec.agents.tools import TOOL_NAMES, Toolbox, ToolOutcome
from agentspec.providers import ToolCall
from agentspec.runner.workspace import make_workspace
from agentspec.sandbox import Sandbox
from agentspec.spec import load_spec
from tests.conftest import SPECS

SANDBOX = Sandbox()


@pytest.fixture
def toolbox(tmp_path: Path) -> Toolbox:
    spec = load_spec(SPECS / "merge-sorted-lists.toml")
    workspace = make_workspace(spec, tmp_path / "workspace")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return Toolbox(AgentTask(spec, workspace, scratch, SANDBOX), shell_timeout_s=1.0)


def call(toolbox: Toolbox, name: str, arguments: dict[str, Any] | None = None) -> ToolOutcome:
    tool_call = ToolCall("c1", name, {} if arguments is None else arguments)
    return asyncio.run(toolbox.call(tool_call, 60.0))


def test_list_read_write_edit(toolbox: Toolbox) -> None:
    listing = call(toolbox, "list_files")
    assert listing.ok and "merge.py (" in listing.text and "test_merge.py (" in listing.text
    assert "edge_cases" not in listing.text  # the hidden test is not in the workspace
    assert "def merge_sorted_lists" in call(toolbox, "read_file", {"path": "merge.py"}).text

    assert call(toolbox, "write_file", {"path": "pkg/new.py", "content": "x = 1\ny = 1\n"}).ok
    assert (toolbox.root / "pkg" / "new.py").read_text() == "x = 1\ny = 1\n"
    assert call(toolbox, "list_files", {"path": "pkg"}).text == "pkg/new.py (12 bytes)"

    twice = call(toolbox, "edit_file", {"path": "pkg/new.py", "old": "= 1", "new": "= 2"})
    assert not twice.ok and not twice.format_error and "occurs 2 times" in twice.text
    missing = call(toolbox, "edit_file", {"path": "pkg/new.py", "old": "z = 1", "new": "z = 2"})
    assert not missing.ok and "does not occur" in missing.text
    assert call(toolbox, "edit_file", {"path": "pkg/new.py", "old": "y = 1", "new": "y = 2"}).ok
    assert (toolbox.root / "pkg" / "new.py").read_text() == "x = 1\ny = 2\n"
    assert call(toolbox, "write_file", {"path": "empty.txt", "content": ""}).ok


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.txt", "pkg/../../outside.txt", "link/passwd", "file-link"])
def test_paths_outside_the_workspace_are_refused(toolbox: Toolbox, tmp_path: Path, path: str) -> None:
    (toolbox.root / "link").symlink_to("/etc")
    (tmp_path / "secret.txt").write_text("secret")
    (toolbox.root / "file-link").symlink_to(tmp_path / "secret.txt")
    for name, arguments in [
        ("read_file", {"path": path}),
        ("write_file", {"path": path, "content": "x"}),
        ("edit_file", {"path": path, "old": "secret", "new": "x"}),
        ("list_files", {"path": path}),
    ]:
        outcome = call(toolbox, name, arguments)
        assert not outcome.ok and not outcome.format_error, (name, outcome.text)
        assert "outside the workspace" in outcome.text
    assert (tmp_path / "secret.txt").read_text() == "secret"
    assert not (tmp_path / "outside.txt").exists()


def test_symlink_inside_the_workspace_is_followed(toolbox: Toolbox) -> None:
    (toolbox.root / "alias.py").symlink_to(toolbox.root / "merge.py")
    assert "def merge_sorted_lists" in call(toolbox, "read_file", {"path": "alias.py"}).text


def test_malformed_calls_are_format_errors(toolbox: Toolbox) -> None:
    unknown = call(toolbox, "create_file", {"path": "a"})
    assert unknown.format_error and "unknown tool 'create_file'" in unknown.text
    assert all(name in unknown.text for name in TOOL_NAMES)
    not_json = asyncio.run(
        toolbox.call(ToolCall("c", "read_file", None, '{"path": ', "the arguments are not valid JSON"), 60)
    )
    assert not_json.format_error and "not valid JSON" in not_json.text
    assert call(toolbox, "read_file", {}).format_error
    assert call(toolbox, "write_file", {"path": "a.py", "content": 3}).format_error
    assert call(toolbox, "run_shell", {"command": ""}).format_error


def test_run_tests_runs_only_the_visible_tests(toolbox: Toolbox) -> None:
    before = call(toolbox, "run_tests")
    assert before.ok and "failed" in before.text.splitlines()[0]
    assert "edge_cases" not in before.text
    solution = toolbox.task.spec.solution[0]
    call(toolbox, "write_file", {"path": solution.path, "content": solution.text})
    after = call(toolbox, "run_tests")
    first = after.text.splitlines()[0]
    assert first.startswith("pytest exit status 0: ") and first.endswith(" passed") and "failed" not in first


def test_run_shell(toolbox: Toolbox) -> None:
    done = call(toolbox, "run_shell", {"command": "echo made > made.txt && cat made.txt && echo oops >&2"})
    assert done.ok and done.text.startswith("exit status 0") and "made" in done.text and "oops" in done.text
    assert (toolbox.root / "made.txt").read_text() == "made\n"
    assert call(toolbox, "run_shell", {"command": "exit 3"}).text.startswith("exit status 3")
    slow = call(toolbox, "run_shell", {"command": "sleep 10"})
    assert slow.ok and slow.text.startswith("timed out") and slow.duration_s < 5


@pytest.mark.skipif(SANDBOX.mode != "bwrap", reason="confinement needs bubblewrap")
def test_run_shell_is_confined(toolbox: Toolbox, tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        probe = f"python -c \"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)\""
        assert "ConnectionRefusedError" in call(toolbox, "run_shell", {"command": probe}).text
    call(toolbox, "run_shell", {"command": f"echo x > {tmp_path}/escape.txt"})
    assert not (tmp_path / "escape.txt").exists()  # only the workspace is the host's; /tmp is private


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ('<tool_call>\n{"name": "write_file", "arguments": {"path": "a"}}\n</tool_call>', "<tool_call>"),
        ('[TOOL_CALLS]write_file[ARGS]{"path": "a"}', "[TOOL_CALLS]"),
        ('```json\n{"name": "read_file", "arguments": {"path": "a.py"}}\n```', '"name": "read_file"'),
        ("<function=run_shell><parameter=command>ls</parameter></function>", "<function="),
        ('read_file(path="merge.py")', "read_file(path="),
        ("I fixed the off-by-one in merge.py; read_file shows the loop now ends correctly.", None),
        ("Done: all tests pass.", None),
    ],
)
def test_tool_calls_written_as_text(text: str, marker: str | None) -> None:
    assert text_tool_call(text) == marker
