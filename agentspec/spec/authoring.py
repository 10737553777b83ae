"""Writing specs: a commented skeleton for a new task, or one spec imported from a folder of code and tests.

Both produce TOML text that `load_spec` accepts as is. Imported files keep their exact bytes: values are
written with tomli-w, as readable multi-line strings except where those would not read back the same
(tomli-w turns a CRLF inside a multi-line string into LF), which fall back to one escaped line.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import tomli_w

from agentspec.errors import UsageError
from agentspec.spec.model import Spec, check_relative_path
from agentspec.spec.templates import KINDS, OTHER_KIND, SCHEMA_LINE, SKELETON

"""First line of a written spec: Taplo (Even Better TOML) fetches the schema for completion and checks."""

DEFAULT_INSTRUCTIONS = "The tests in this workspace fail. Change the code so that they pass; do not edit the tests."

# Tool caches and version control: skipped without a word, nobody expects them in a task.
_NOISE_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
_NOISE_SUFFIXES = (".pyc", ".pyo")
_NOISE_FILES = frozenset({".DS_Store"})


@dataclass(frozen=True)
class SkippedFile:
    """A file or folder `import_folder` left out, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class ImportedSpec:
    """The spec text `import_folder` made, and what it left out (worth telling the user)."""

    text: str
    skipped: tuple[SkippedFile, ...]


def check_spec_id(spec_id: str) -> str:
    """Return `spec_id` if the spec model accepts it as an id; raise `UsageError` otherwise."""
    rules = _id_rules()
    if len(spec_id) > rules["maxLength"] or not re.fullmatch(rules["pattern"], spec_id):
        raise UsageError(
            f"invalid spec id {spec_id!r}: start with a lowercase letter or digit, then use lowercase "
            f"letters, digits, '.', '_' and '-', at most {rules['maxLength']} characters "
            "(e.g. 'fix-off-by-one')"
        )
    return spec_id


@functools.cache
def _id_rules() -> dict[str, Any]:
    """The id's pattern and maximum length, read from the model so they cannot drift apart."""
    rules: dict[str, Any] = Spec.model_json_schema()["properties"]["id"]
    return rules


def title_from_id(spec_id: str) -> str:
    """A first title for a spec: its id as words, e.g. 'fix-off-by-one' gives 'Fix off by one'."""
    words = re.sub(r"[-_.]+", " ", spec_id).strip()
    return words[:1].upper() + words[1:] if words else spec_id


def new_spec_text(spec_id: str, kind: str = "bug-fix") -> str:
    """A commented skeleton spec of this kind that validates as is and holds a tiny healthy task.

    The placeholder task's test fails on the starter and passes on the solution, so `agentspec check`
    accepts the skeleton before the author replaces it with the real task.

    Args:
        spec_id: The new spec's id, also its file name (`<id>.toml`).
        kind: One of the known kinds (bug-fix, tdd, refactor, ...) or a word of your own, which gets
            the bug-fix placeholder and every review rule.

    Raises:
        UsageError: `spec_id` is not a valid id, or `kind` is empty.
    """
    check_spec_id(spec_id)
    if not kind.strip():
        raise UsageError("the kind must not be empty (e.g. 'bug-fix')")
    task, instructions, review = KINDS.get(kind, OTHER_KIND)
    return SKELETON.format(
        id=spec_id,
        title=_toml_value(title_from_id(spec_id)),
        kind=_toml_value(kind),
        instructions=_literal(instructions),
        module=task.module,
        starter=_literal(task.starter),
        test_path=task.test_path,
        test=_literal(task.test),
        solution=_literal(task.solution),
        review=review.format(module=task.module.removesuffix(".py")),
    )


def write_spec(text: str, path: Path, *, overwrite: bool = False) -> Path:
    """Write spec text at `path` as UTF-8, byte for byte, creating folders; refuse to replace a file.

    Raises:
        UsageError: `path` exists and `overwrite` is false.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("wb" if overwrite else "xb") as handle:
            handle.write(text.encode("utf-8"))
    except FileExistsError:
        raise UsageError(f"{path} already exists; choose another id or file name, or remove it first") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder; choose another id or file name") from None
    return path


def write_new_spec(spec_id: str, kind: str, folder: Path) -> Path:
    """Write the skeleton spec to `folder/<spec_id>.toml` and return its path; never replaces a file.

    Raises:
        UsageError: Bad id or kind, or the file already exists.
    """
    text = new_spec_text(spec_id, kind)
    return write_spec(text, folder / f"{spec_id}.toml")


def is_test_path(relative: str) -> bool:
    """True for a test file: `test_*.py`, `*_test.py`, `conftest.py`, or anything under a `tests/` folder."""
    parts = PurePosixPath(relative).parts
    name = parts[-1]
    return (
        "tests" in parts[:-1]
        or name == "conftest.py"
        or (name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")))
    )


def import_folder(
    folder: Path,
    spec_id: str,
    *,
    solution: Path | None = None,
    title: str | None = None,
    kind: str | None = None,
    instructions: str | None = None,
) -> ImportedSpec:
    """Turn a folder of code and tests into one self-contained spec, every file inline.

    Test files (see `is_test_path`) become `[[tests]]`, the other files `[[files]]`. Files of `solution`
    that differ from the starter, or are new, become `[[solution]]`. Caches, `.git`, `*.pyc`, hidden
    files and folders, symlinks, virtual environments and files that are not UTF-8 text are left out;
    all but the caches are listed in `skipped`.

    Args:
        folder: The task as the agent should find it: code and tests.
        spec_id: The spec's id.
        solution: A folder whose files lay over the starter to solve the task.
        title: Defaults to the id as words.
        kind: Defaults to 'bug-fix'.
        instructions: The agent's prompt; defaults to "make the failing tests pass".

    Raises:
        UsageError: Bad id, a folder that is missing, or no test file found.
    """
    check_spec_id(spec_id)
    # A solution folder kept inside the task folder is not part of the starter.
    starter, skipped = _read_folder(folder, leave_out=solution)
    tests = {path: text for path, text in starter.items() if is_test_path(path)}
    if not tests:
        raise UsageError(
            f"{folder}: no test files found (looked for test_*.py, *_test.py, conftest.py and tests/); "
            "a spec needs tests"
        )
    files = {path: text for path, text in starter.items() if path not in tests}
    changed: dict[str, str] = {}
    if solution is not None:
        overlay, solution_skipped = _read_folder(solution)
        skipped.extend(solution_skipped)
        for path, text in overlay.items():
            if is_test_path(path):
                if tests.get(path) != text:
                    reason = f"a test file in the solution folder; tests come from {folder}"
                    skipped.append(SkippedFile(solution / path, reason))
            elif files.get(path) != text:
                changed[path] = text
    document: dict[str, Any] = {
        "id": spec_id,
        "title": title or title_from_id(spec_id),
        "kind": kind or "bug-fix",
        "instructions": instructions or DEFAULT_INSTRUCTIONS,
    }
    sections = {
        "files": [{"path": p, "content": t} for p, t in files.items()],
        "tests": [{"path": p, "content": t} for p, t in tests.items()],
        "solution": [{"path": p, "content": t} for p, t in changed.items()],
    }
    defaulted = [
        name for name, value in (("title", title), ("kind", kind), ("instructions", instructions)) if not value
    ]
    header = [SCHEMA_LINE, f"# Imported by `agentspec import` from {folder.resolve().name}/."]
    if defaulted:
        header.append(f"# Placeholders to review: {', '.join(defaulted)}.")
    header += [f"# Not imported: {entry}" for entry in skipped]
    chunks = ["".join(_comment(line) + "\n" for line in header) + "\n" + _dump(document)]
    for section, entries in sections.items():
        chunks += [f"[[{section}]]\n" + _dump(entry) for entry in entries]
    text = "\n".join(chunks)
    # Each value was checked alone; this guards the whole document against a surprise from tomli-w.
    if tomllib.loads(text) != {**document, **{k: v for k, v in sections.items() if v}}:
        raise RuntimeError("the imported spec does not read back as written; please report this bug")
    return ImportedSpec(text, tuple(skipped))


def _dump(table: Mapping[str, Any]) -> str:
    """`table` as TOML key/value lines: multi-line strings where they read back exactly, else escaped."""
    readable = tomli_w.dumps(table, multiline_strings=True)
    if tomllib.loads(readable) == table:
        return readable
    return tomli_w.dumps(table)


def _comment(line: str) -> str:
    """`line` made safe for a TOML comment, which may hold neither control characters nor invalid UTF-8."""
    line = line.encode("utf-8", "backslashreplace").decode("utf-8")
    return re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", lambda match: f"\\x{ord(match.group()):02x}", line)


def _toml_value(value: str) -> str:
    """`value` as a one-line TOML string."""
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")


def _read_folder(folder: Path, leave_out: Path | None = None) -> tuple[dict[str, str], list[SkippedFile]]:
    """Every importable file under `folder` as {posix path: text}, sorted, and what was left out."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    excluded = leave_out.resolve() if leave_out is not None else None
    found: dict[str, str] = {}
    skipped: list[SkippedFile] = []
    for top, dirs, names in os.walk(folder):
        here = Path(top)
        kept = []
        for name in sorted(dirs):
            reason = "" if (here / name).resolve() == excluded else _skip_dir_reason(here / name)
            if reason is None:
                kept.append(name)
            elif reason:
                skipped.append(SkippedFile(here / name, reason))
        dirs[:] = kept
        for name in sorted(names):
            path = here / name
            relative = path.relative_to(folder).as_posix()
            reason = _skip_file_reason(path, relative)
            if reason is None:
                try:
                    found[relative] = path.read_bytes().decode("utf-8")
                    continue
                except UnicodeDecodeError:
                    reason = "not UTF-8 text (binary files are not supported)"
            if reason:
                skipped.append(SkippedFile(path, reason))
    return dict(sorted(found.items())), skipped


def _skip_dir_reason(path: Path) -> str | None:
    """Why a folder is left out ('' for silently), or None to descend into it."""
    if path.name in _NOISE_DIRS:
        return ""
    if path.is_symlink():
        return "symlinked folder (not followed)"
    if path.name.startswith("."):
        return "hidden folder"
    if (path / "pyvenv.cfg").exists():
        return "virtual environment"
    return None


def _skip_file_reason(path: Path, relative: str) -> str | None:
    """Why a file is left out ('' for silently), or None to import it."""
    if path.name in _NOISE_FILES or path.name.endswith(_NOISE_SUFFIXES):
        return ""
    if path.is_symlink():
        return "symlink (not followed)"
    if not stat.S_ISREG(path.lstat().st_mode):
        return "not a regular file"
    if path.name.startswith("."):
        return "hidden file"
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not UTF-8"
    try:
        check_relative_path(relative)
    except ValueError as exc:
        return f"its name cannot be a spec path: {exc}"
    return None


def _literal(text: str) -> str:
    """`text` as a TOML multi-line literal string, which keeps backslashes and quotes as they are."""
    if "'''" in text:
        raise ValueError("a TOML literal string cannot hold '''")
    return f"'''\n{text}'''"
