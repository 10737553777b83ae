"""The layout check at import: can the spec's tests even be collected against its starter and its reference?

Each spec is materialised twice (starter plus tests, reference plus tests) and its tests are collected
(`pytest --collect-only`) through grading's own invocation (`run_pytest`: same flags, same sandbox, same
environment). A collection error against the reference means the task is broken as laid out (a helper
module missing, tests that import from a path nobody puts on `sys.path`), so the importer refuses it. A
collection error against the starter is normal: a TDD task's tests import names that do not exist yet.

Starting pytest costs about a second on a busy machine, so specs are collected in batches: one pytest
run per side collects every spec of a batch, each materialised in a folder of its own. Specs in a
batch share no module name (they would shadow each other on `sys.path`); a spec with a custom grading
command, a conftest or a pytest config is collected alone (their effect is not confined to a folder);
a batch whose run ends abnormally is collected again one spec at a time.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from agentspec.pytest_run.invoke import DEFAULT_COMMAND, run_pytest
from agentspec.runner.workspace import reference_files
from agentspec.sandbox import Sandbox
from agentspec.spec.materialise import write_files
from agentspec.spec.model import PYTEST_CONTROL_FILES, Spec, TestFile

# pytest's exit codes for "collected", "some tests failed" (not run here), "collection errors", "no tests".
_NORMAL_EXITS = frozenset({0, 1, 2, 5})
_COUNT_LINE = re.compile(r"^(?P<path>\S.*\.py): (?P<count>\d+)$", re.MULTILINE)
_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Collection:
    """What pytest collected from a spec's tests on one side (starter or reference)."""

    tests: int
    # test module path -> the collection error's exception line (e.g. "ModuleNotFoundError: No module named 'x'")
    errors: dict[str, str] = field(default_factory=dict)
    # Set when pytest could not run at all (timeout, crash); then `tests` and `errors` mean nothing.
    failure: str | None = None


@dataclass(frozen=True)
class LayoutCheck:
    """A spec's tests collected against its starter and its reference solution."""

    spec: Spec
    starter: Collection
    reference: Collection

    @property
    def problems(self) -> list[str]:
        """Why the spec's tests cannot be collected against the reference; empty when they can."""
        reference = self.reference
        if reference.failure:
            return [f"collecting the tests against the reference solution failed: {reference.failure}"]
        found = [
            f"{path} cannot be collected against the reference solution: {reason}"
            for path, reason in sorted(reference.errors.items())
        ]
        if not found and reference.tests == 0:
            found.append("no tests were collected against the reference solution")
        return found

    @property
    def note(self) -> str:
        """One line on the starter side, worth telling the user (collection errors there are normal)."""
        starter = self.starter
        if starter.failure:
            return f"the starter could not be collected: {starter.failure}"
        line = f"{self.reference.tests} tests collected against the reference, {starter.tests} against the starter"
        if starter.errors:
            line += f" ({len(starter.errors)} test module(s) do not import on the starter yet: normal for a TDD task)"
        return line


async def check_layouts(specs: Sequence[Spec], sandbox: Sandbox, scratch: Path) -> list[LayoutCheck]:
    """Collect every spec's tests against its starter and its reference, in batches; results in `specs`' order."""
    results: dict[int, LayoutCheck] = {}
    for number, batch in enumerate(_batches(specs)):
        folder = scratch / f"batch-{number}"
        members = [(index, specs[index]) for index in batch]
        checked = await _check_batch(members, sandbox, folder)
        if checked is None:  # the batch's run ended abnormally: one spec at a time says which one did it
            checked = {}
            for index, spec in members:
                alone = await _check_batch([(index, spec)], sandbox, folder / f"alone-{index}")
                checked.update(alone or {index: _failed(spec, "pytest did not finish")})
        results.update(checked)
        shutil.rmtree(folder, ignore_errors=True)
    return [results[index] for index in range(len(specs))]


def _batches(specs: Sequence[Spec]) -> list[list[int]]:
    """Indexes of `specs` grouped so that specs in one group share no top-level module name."""
    batches: list[tuple[list[int], set[str]]] = []
    for index, spec in enumerate(specs):
        names = _module_names(spec)
        if spec.grading.command != DEFAULT_COMMAND or _controls_pytest(spec):
            batches.append(([index], {"*"}))
            continue
        for members, taken in batches:
            if "*" not in taken and not taken & names:
                members.append(index)
                taken.update(names)
                break
        else:
            batches.append(([index], set(names)))
    return [members for members, _ in batches]


def _controls_pytest(spec: Spec) -> bool:
    """Whether the spec has a conftest or pytest config, whose effect reaches beyond its folder in a batch."""
    return any(PurePosixPath(f.path).name in PYTEST_CONTROL_FILES for f in [*spec.files, *spec.tests, *spec.solution])


def _module_names(spec: Spec) -> set[str]:
    """Names a spec's files could be imported by: every file's stem and every folder's name."""
    names: set[str] = set()
    for entry in [*spec.files, *spec.tests, *spec.solution]:
        parts = PurePosixPath(entry.path).parts
        names.update(parts[:-1])
        names.add(PurePosixPath(parts[-1]).stem)
    return names


async def _check_batch(
    members: list[tuple[int, Spec]], sandbox: Sandbox, folder: Path
) -> dict[int, LayoutCheck] | None:
    """Collect one batch on both sides at once; None when a side's pytest run ended abnormally."""
    for side in ("starter", "reference"):
        for index, spec in members:
            code = spec.files if side == "starter" else reference_files(spec)
            write_files(folder / side / _slot(index, len(members)), [*code, *spec.tests])
    starter, reference = await asyncio.gather(
        *(_collect(members, folder / side, sandbox) for side in ("starter", "reference"))
    )
    if starter is None or reference is None:
        return None
    return {index: LayoutCheck(spec, starter[index], reference[index]) for index, spec in members}


def _slot(index: int, size: int) -> str:
    """The folder a batch member is materialised in ('' when it is alone, so a custom command runs as usual)."""
    return f"s{index}" if size > 1 else ""


async def _collect(members: list[tuple[int, Spec]], root: Path, sandbox: Sandbox) -> dict[int, Collection] | None:
    """Run grading's pytest with `--collect-only` over a materialised batch; per-member counts and errors."""
    size = len(members)
    if size == 1:
        runner_spec = members[0][1]
    else:
        # One spec that lists every member's tests under its folder: run_pytest then collects them all.
        tests = [
            TestFile(path=f"{_slot(index, size)}/{t.path}", content="") for index, spec in members for t in spec.tests
        ]
        runner_spec = members[0][1].model_copy(update={"tests": tests, "files": [], "solution": []})
    timeout = max(_TIMEOUT_S, max(spec.grading.timeout_s for _, spec in members))
    done, stream = await run_pytest(runner_spec, root, sandbox, timeout, extra_args=["--collect-only", "-q"])
    if done.timed_out:
        return {index: _failed_collection(f"timed out after {timeout:.0f} s") for index, _ in members}
    if done.returncode not in _NORMAL_EXITS:
        if size > 1:
            return None
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        return {members[0][0]: _failed_collection(f"pytest exited with {done.returncode}: {tail[0]}")}
    counts: dict[str, int] = {}
    for match in _COUNT_LINE.finditer(done.stdout):
        counts[match["path"]] = counts.get(match["path"], 0) + int(match["count"])
    # A module that could not be collected comes back as an error whose id is its dotted path.
    errors = {
        t.id.replace(".", "/") + ".py": t.reason.removeprefix("collection error: ")
        for t in stream.tests
        if t.outcome == "error" and t.reason.startswith("collection error")
    }
    found = {}
    for index, _ in members:
        prefix = f"{_slot(index, size)}/" if size > 1 else ""
        found[index] = Collection(
            sum(n for path, n in counts.items() if path.startswith(prefix)),
            {path.removeprefix(prefix): reason for path, reason in errors.items() if path.startswith(prefix)},
        )
    return found


def exception_line(report: str) -> str:
    """The line of a pytest error report that names the exception (`E   ModuleNotFoundError: ...`)."""
    lines = [line[1:].strip() for line in report.splitlines() if line.startswith("E ")]
    named = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Exit|Interrupt)\b", line)]
    return (named or lines or [report.strip().splitlines()[-1] if report.strip() else "unknown error"])[-1]


def _failed_collection(reason: str) -> Collection:
    return Collection(0, {}, reason)


def _failed(spec: Spec, reason: str) -> LayoutCheck:
    return LayoutCheck(spec, _failed_collection(reason), _failed_collection(reason))


def check_layouts_sync(specs: Sequence[Spec], sandbox: Sandbox, scratch: Path) -> list[LayoutCheck]:
    """`check_layouts` for callers without an event loop (the CLI)."""
    return asyncio.run(check_layouts(specs, sandbox, scratch))
