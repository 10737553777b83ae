"""Finding spec files in folders and loading a whole suite, checking what spans specs (unique ids)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agentspec.errors import Problem, SpecError, UsageError
from agentspec.spec.load import try_load_spec
from agentspec.spec.locate import locate_keys
from agentspec.spec.model import Spec

# TOML files that live among specs but are not specs.
NOT_SPECS = frozenset({"pyproject.toml", "agentspec.toml"})


def discover(paths: Iterable[Path]) -> list[Path]:
    """Spec files named by `paths`: files as given, folders searched recursively for `*.toml`.

    In a folder, `x/` next to `x.toml` holds that spec's referenced files and is not searched,
    nor are hidden folders; `pyproject.toml` and `agentspec.toml` are not specs.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_file() or path.is_symlink():
            found.append(path)
        elif path.is_dir():
            found.extend(_walk(path))
        else:
            raise UsageError(f"{path}: no such file or folder")
    unique: dict[Path, Path] = {}
    for spec_path in found:
        unique.setdefault(spec_path.resolve(), spec_path)
    return list(unique.values())


def _is_spec_name(name: str) -> bool:
    return name.endswith(".toml") and name not in NOT_SPECS


def _walk(folder: Path) -> list[Path]:
    entries = sorted(folder.iterdir())
    # A dangling symlink counts: loading it reports the broken link instead of skipping the spec silently.
    found = [e for e in entries if (e.is_file() or e.is_symlink()) and _is_spec_name(e.name) and not e.is_dir()]
    spec_stems = {e.stem for e in found}
    for entry in entries:
        if entry.is_dir() and not entry.name.startswith((".", "__")) and entry.name not in spec_stems:
            found.extend(_walk(entry))
    return found


@dataclass
class LoadedSuite:
    """Every spec found, the valid ones and the problems of the others."""

    specs: list[tuple[Path, Spec]] = field(default_factory=list)
    problems: dict[Path, list[Problem]] = field(default_factory=dict)
    ids: dict[Path, str | None] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """True when every spec loaded without a problem."""
        return not any(self.problems.values())


def load_suite(paths: Iterable[Path]) -> LoadedSuite:
    """Load every spec under `paths`, collecting all problems (ids must be unique across the suite)."""
    suite = LoadedSuite()
    first_with_id: dict[str, Path] = {}
    for spec_path in discover(paths):
        spec, problems = try_load_spec(spec_path)
        suite.ids[spec_path] = spec.id if spec else None
        if spec is not None:
            if spec.id in first_with_id:
                line, column = locate_keys(spec_path.read_text("utf-8")).find(("id",))
                message = f"id {spec.id!r} is already used by {first_with_id[spec.id]}"
                problems = [Problem(spec_path, line, column, "id", message)]
            else:
                first_with_id[spec.id] = spec_path
        suite.problems[spec_path] = problems
        if spec is not None and not problems:
            suite.specs.append((spec_path, spec))
    return suite


def load_specs(paths: Iterable[Path]) -> list[Spec]:
    """Load a suite for running: every spec valid, or `SpecError` listing every problem."""
    suite = load_suite(paths)
    if not suite.valid:
        raise SpecError([p for problems in suite.problems.values() for p in problems])
    if not suite.specs:
        raise UsageError("no spec files found (looked for *.toml)")
    return [spec for _, spec in suite.specs]
