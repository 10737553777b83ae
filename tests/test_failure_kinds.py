"""Failure kinds are `FailureKind` members in code: the enum is the one list of what an attempt can be recorded as."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from agentspec.agents.base import AgentResult
from agentspec.failures import FailureKind, as_kind
from agentspec.store.sqlite import AttemptRecord

PACKAGE = Path(__file__).resolve().parents[1] / "agentspec"
KINDS = {kind.value for kind in FailureKind}
# Strings equal to a kind that are not one: wire fields and flag names that happen to share the word.
NOT_KINDS = {
    ("agentspec/agents/claude_code.py", "max_turns"),  # Claude Code's own `terminal_reason` value
    ("agentspec/cli/run_commands.py", "max_tokens"),  # the --max-tokens flag
    ("agentspec/serve/anthropic.py", "max_tokens"),  # Anthropic's stop_reason
    ("agentspec/serve/protocol.py", "max_tokens"),  # a request field
}


def _modules() -> list[tuple[str, ast.Module]]:
    root = PACKAGE.parent
    return [
        (path.relative_to(root).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "failures.py" or path.parent != PACKAGE
    ]


def _keys_and_lookups(tree: ast.Module) -> set[int]:
    """Ids of string constants used as dict keys, subscripts or `.get()` names: field names, not values."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            ids.update(id(key) for key in node.keys if key is not None)
        elif isinstance(node, ast.Subscript):
            ids.add(id(node.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            ids.update(id(arg) for arg in node.args[:1])
    return ids


def test_no_kind_is_a_bare_string_outside_the_enum() -> None:
    found = []
    for path, tree in _modules():
        names = _keys_and_lookups(tree)
        for node in ast.walk(tree):
            kind = isinstance(node, ast.Constant) and node.value in KINDS and id(node) not in names
            if kind and (path, node.value) not in NOT_KINDS:
                found.append(f"{path}:{node.lineno}: {node.value!r} (use FailureKind.{node.value.upper()})")
    assert found == []


def _is_kind_target(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "failure_kind") or (
        isinstance(node, ast.Name) and node.id == "failure_kind"
    )


def _written_kinds(node: ast.AST) -> list[ast.expr]:
    """The expressions `node` puts where a failure kind goes: an argument, an assignment, a comparison."""
    if isinstance(node, ast.keyword) and node.arg == "failure_kind":
        return [node.value]
    if isinstance(node, ast.Assign):
        pairs = [(t, node.value) for t in node.targets]
        for target in node.targets:
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs += list(zip(target.elts, node.value.elts, strict=False))
        return [value for target, value in pairs if _is_kind_target(target)]
    if isinstance(node, ast.Compare) and _is_kind_target(node.left):
        return [v for c in node.comparators for v in (c.elts if isinstance(c, ast.Tuple | ast.Set) else [c])]
    return []


def test_no_string_is_written_where_a_kind_goes() -> None:
    """A misspelt kind in the usual places (argument, assignment, comparison) is caught even without mypy."""
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            found += [
                f"{path}:{v.lineno}: {v.value!r}"
                for v in _written_kinds(node)
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            ]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "ForeignKind":
                found.append(f"{path}:{node.lineno}: agentspec invents a kind outside the enum")
    assert found == []


def test_stored_kinds_load_as_members_and_unknown_ones_are_kept() -> None:
    old = {
        "key": "k", "task": "t", "spec_hash": "h", "agent": "a", "model": "m", "trial": 1, "outcome": "failed",
        "failure_kind": "tool_format", "tests_passed": 0, "tests_total": 1, "duration_s": 1.0,
    }  # fmt: skip
    record = AttemptRecord(**json.loads(json.dumps(old)))
    assert record.failure_kind is FailureKind.TOOL_FORMAT
    assert json.loads(json.dumps(record.as_dict()))["failure_kind"] == "tool_format"
    newer = AttemptRecord(**{**old, "failure_kind": "a_newer_kind"})
    assert newer.failure_kind == "a_newer_kind" and not isinstance(newer.failure_kind, FailureKind)
    assert AgentResult(failure_kind="max_turns").failure_kind is FailureKind.MAX_TURNS  # type: ignore[arg-type]
    assert as_kind("harness_own") == "harness_own"
