"""Grading the snapshot: the pristine tests run on a copy written from the very bytes that are stored and reviewed."""

from __future__ import annotations

import dataclasses
from pathlib import Path, PurePosixPath

from agentspec.runner.grade import Grade, protected_files, run_tests
from agentspec.runner.snapshot import Snapshot
from agentspec.runner.tree import remove_tree
from agentspec.sandbox import Sandbox
from agentspec.spec.materialise import write_file
from agentspec.spec.model import PYTEST_CONTROL_FILES, Spec


def tampered_in_snapshot(spec: Spec, snapshot: Snapshot) -> list[str]:
    """Protected paths the agent changed, deleted, replaced (by a symlink, a pipe...) or planted."""
    expected = {f.path: f.text.encode("utf-8") for f in protected_files(spec) if not getattr(f, "hidden", False)}
    changed = {path for path, data in expected.items() if snapshot.files.get(path) != data}
    present = [*snapshot.files, *snapshot.skipped]
    changed.update(p for p in present if PurePosixPath(p).name in PYTEST_CONTROL_FILES and p not in expected)
    return sorted(changed)


def write_grading_copy(spec: Spec, snapshot: Snapshot, copy: Path) -> None:
    """Write the snapshot to `copy` without any pytest control file, then every protected file from the spec."""
    remove_tree(copy)
    copy.mkdir(parents=True)
    for path, data in snapshot.files.items():
        if PurePosixPath(path).name not in PYTEST_CONTROL_FILES:
            target = copy / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    for entry in protected_files(spec):
        write_file(copy, entry.path, entry.text)


async def grade_snapshot(spec: Spec, snapshot: Snapshot, scratch: Path, sandbox: Sandbox) -> Grade:
    """Grade the snapshot with the pristine tests in `scratch/grading`; record tampering."""
    copy = scratch / "grading"
    write_grading_copy(spec, snapshot, copy)
    grade = await run_tests(spec, copy, scratch / "report", sandbox)
    return dataclasses.replace(grade, tampered=[*tampered_in_snapshot(spec, snapshot), *grade.tampered])
