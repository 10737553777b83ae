"""Exercism's exercise layout, the corpus behind aider's benchmark, turned into specs.

An exercise is a folder (`exercises/practice/<slug>/` in a track's repository) holding:

- `.meta/config.json` whose `files` lists `solution` (the stubs the student edits), `test` (the test
  modules), `example` (the reference solution, e.g. `.meta/example.py`) and optionally `editor`
  (read-only support files the tests need, e.g. `test_utils.py`), every path relative to the exercise
  (a concept exercise's `exemplar` stands in for a missing `example`);
- `.docs/instructions.md`, optionally `.docs/introduction.md` before it and `.docs/instructions.append.md`
  after it (track-specific notes, e.g. which exception to raise).

The example solution's file name differs from the stub's, so it is written under the stub's name. Test
and editor files become `[[tests]]` (restored before every grading run); stubs become `[[files]]`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from agentspec.errors import UsageError
from agentspec.spec.authoring import check_spec_id, render_spec
from agentspec.spec.model import check_relative_path

_CONFIG = PurePosixPath(".meta/config.json")
_DOCS = (".docs/introduction.md", ".docs/instructions.md", ".docs/instructions.append.md")
_REQUIRED_KEYS = ("solution", "test", "example")
# What the agent is told after the exercise's own text: where to work, and the rule every task has.
_CLOSING = (
    "Write your solution in {stubs}. The tests are in {tests}; do not change them, and keep the names "
    "the tests import. Use only the Python standard library."
)


@dataclass(frozen=True)
class Exercise:
    """One exercise found under the path given: its spec text, or why it could not be imported."""

    folder: Path
    slug: str
    text: str | None = None
    problem: str | None = None


class _Malformed(Exception):
    """An exercise that cannot be imported; the message names the file and, where known, line and column."""


def find_exercises(path: Path) -> list[Path]:
    """The exercise folders at `path`: `path` itself if it is one, else its subfolders, sorted.

    `path` may be one exercise, a folder of exercises (`exercises/practice/`), or a track's
    repository (its `exercises/practice/` is used).

    Raises:
        UsageError: `path` is not a folder, or holds no exercise at all.
    """
    if not path.is_dir():
        raise UsageError(f"{path}: no such folder")
    if _looks_like_exercise(path):
        return [path]
    practice = path / "exercises" / "practice"
    root = practice if practice.is_dir() else path
    found = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and not p.is_symlink())
    if not any(_looks_like_exercise(p) for p in found):
        raise UsageError(
            f"{path}: no Exercism exercise found (an exercise is a folder with .meta/config.json; "
            "point at one exercise or at exercises/practice/)"
        )
    return found


def _looks_like_exercise(folder: Path) -> bool:
    return (folder / ".meta").is_dir() or (folder / ".docs").is_dir()


def import_exercises(path: Path) -> Iterator[Exercise]:
    """Each exercise under `path` as spec text, or with the reason it was not imported; in name order.

    One malformed exercise (no config, bad JSON, a listed file missing) is reported and the rest go on.

    Raises:
        UsageError: `path` holds no exercise at all.
    """
    for folder in find_exercises(path):
        try:
            yield Exercise(folder, folder.name, text=exercise_spec_text(folder))
        except _Malformed as exc:
            yield Exercise(folder, folder.name, problem=str(exc))


def exercise_spec_text(folder: Path) -> str:
    """One exercise as spec text: stubs as the starter, the example under the stub's name, tests, instructions."""
    slug = folder.name
    try:
        check_spec_id(slug)
    except UsageError as exc:
        raise _Malformed(f"{folder}: the folder name is the spec's id: {exc}") from None
    files = _config_files(folder)
    stubs = {path: _read(folder, path, "solution") for path in files["solution"]}
    tests = {path: _read(folder, path, "test") for path in files["test"]}
    tests.update({path: _read(folder, path, "editor") for path in files.get("editor", []) if path not in tests})
    solution = {stub: _read(folder, example, "example") for stub, example in _pair_examples(folder, files)}
    instructions = _instructions(folder, list(stubs), list(files["test"]))
    document: dict[str, Any] = {
        "id": slug,
        "title": " ".join(word.capitalize() for word in slug.replace("_", "-").split("-") if word),
        "kind": "implement",
        "tags": ["exercism"],
        "instructions": instructions,
        "metadata": {"source": "exercism", "exercise": slug},
    }
    sections = {
        "files": [{"path": p, "content": t} for p, t in stubs.items()],
        "tests": [{"path": p, "content": t} for p, t in tests.items()],
        "solution": [{"path": p, "content": t} for p, t in solution.items()],
    }
    header = [f"# Imported by `agentspec import --from exercism` from {slug}/."]
    return render_spec(document, sections, header)


def _config_files(folder: Path) -> dict[str, list[str]]:
    """`files` of the exercise's `.meta/config.json`, checked: each key a list of relative paths."""
    config = folder / _CONFIG
    try:
        raw = config.read_bytes()
    except FileNotFoundError:
        raise _Malformed(f"{config}: missing (every exercise needs .meta/config.json listing its files)") from None
    except OSError as exc:
        raise _Malformed(f"{config}: cannot be read: {exc.strerror}") from None
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f":{exc.lineno}:{exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8 text"
        raise _Malformed(f"{config}{where}: not valid JSON: {reason}") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise _Malformed(f"{config}: files: missing (an object with solution, test and example lists)")
    if "example" not in files and "exemplar" in files:  # a concept exercise names its reference the exemplar
        files = {**files, "example": files["exemplar"]}
    checked: dict[str, list[str]] = {}
    for key in (*_REQUIRED_KEYS, "editor"):
        value = files.get(key)
        if value is None and key == "editor":
            continue
        if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
            raise _Malformed(f"{config}: files.{key}: expected a list of file paths, got {json.dumps(value)}")
        if not value:
            raise _Malformed(f"{config}: files.{key}: empty (list the exercise's {key} files)")
        for entry in value:
            try:
                check_relative_path(entry)
            except ValueError as exc:
                raise _Malformed(f"{config}: files.{key}: {entry!r}: {exc}") from None
        checked[key] = value
    return checked


def _pair_examples(folder: Path, files: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(stub path, example path) pairs: by file name where they match, else in order, one for one."""
    stubs, examples = files["solution"], files["example"]
    by_name = {PurePosixPath(stub).name: stub for stub in stubs}
    if all(PurePosixPath(example).name in by_name for example in examples):
        return [(by_name[PurePosixPath(example).name], example) for example in examples]
    if len(stubs) == len(examples):
        return list(zip(stubs, examples, strict=True))
    raise _Malformed(
        f"{folder / _CONFIG}: files.example: cannot tell which stub each example file replaces "
        f"({len(examples)} example files for {len(stubs)} solution files, and their names differ)"
    )


def _read(folder: Path, relative: str, key: str) -> str:
    path = folder / relative
    if path.is_symlink() or not path.is_file():
        raise _Malformed(f"{path}: listed in {_CONFIG} files.{key}, but missing")
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise _Malformed(f"{path}: not UTF-8 text") from None


def _instructions(folder: Path, stubs: list[str], tests: list[str]) -> str:
    """The exercise's introduction, instructions and track notes, then where to write the solution."""
    parts = []
    for relative in _DOCS:
        path = folder / relative
        if path.is_file() and not path.is_symlink():
            try:
                parts.append(path.read_bytes().decode("utf-8").strip())
            except UnicodeDecodeError:
                raise _Malformed(f"{path}: not UTF-8 text") from None
    if not any(parts):
        raise _Malformed(f"{folder / _DOCS[1]}: missing (the exercise's instructions)")
    parts.append(_CLOSING.format(stubs=", ".join(stubs), tests=", ".join(tests)))
    return "\n\n".join(part for part in parts if part) + "\n"
