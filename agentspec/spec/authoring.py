"""Writing specs: a commented skeleton for a new task, or one spec imported from a folder of code and tests.

Both produce TOML text that `load_spec` accepts as is. Imported files keep their exact bytes: values are
written with tomli-w, as readable multi-line strings except where those would not read back the same
(tomli-w turns a CRLF inside a multi-line string into LF), which fall back to one escaped line.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import tomli_w

from agentspec.errors import UsageError
from agentspec.spec.folder import SkippedFile, read_folder
from agentspec.spec.model import Spec
from agentspec.spec.templates import KINDS, OTHER_KIND, SCHEMA_LINE, SKELETON

"""First line of a written spec: Taplo (Even Better TOML) fetches the schema for completion and checks."""

DEFAULT_INSTRUCTIONS = "The tests in this workspace fail. Change the code so that they pass; do not edit the tests."


@dataclass(frozen=True)
class ImportedSpec:
    """The spec text `import_folder` made, and what it left out (worth telling the user)."""

    text: str
    skipped: tuple[SkippedFile, ...]
    # The file the instructions were read from, when they came from one (worth saying: it was picked up).
    instructions_file: Path | None = None


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
    tests: Path | None = None,
    title: str | None = None,
    kind: str | None = None,
    instructions: str | None = None,
    instructions_file: Path | None = None,
) -> ImportedSpec:
    """Turn a folder of code and tests into one self-contained spec, every file inline.

    Test files (see `is_test_path`) become `[[tests]]`, the other files `[[files]]`; every file of
    `tests` is a test file, placed under a folder of that folder's name (`tests/`). Files of `solution`
    that differ from the starter, or are new, become `[[solution]]`. The instructions come from
    `instructions`, else `instructions_file`, else an `instructions.md` or `README.md` in `folder`
    (left out of the starter; beside it for a folder called `starter`), else a generic prompt.
    Caches, `.git`, `*.pyc`, hidden files and folders, symlinks, virtual environments and files that
    are not UTF-8 text are left out; all but the caches are listed in `skipped`.

    Args:
        folder: The task as the agent should find it: code, and tests unless `tests` is given.
        spec_id: The spec's id.
        solution: A folder whose files lay over the starter to solve the task.
        tests: A folder of tests kept apart from the code (a starter/tests/solution layout).
        title: Defaults to the id as words.
        kind: Defaults to 'bug-fix'.
        instructions: The agent's prompt.
        instructions_file: A file holding the agent's prompt (Markdown, say).

    Raises:
        UsageError: Bad id, a folder that is missing, a starter/tests/solution layout without `tests`,
            or no test file found.
    """
    check_spec_id(spec_id)
    if tests is None:
        _refuse_split_layout(folder, solution)
    prompt, prompt_file = _instructions(folder, instructions, instructions_file)
    # A solution or tests folder kept inside the task folder is not part of the starter.
    kept_apart = [p for p in (solution, tests, prompt_file) if p is not None]
    starter, skipped = read_folder(folder, leave_out=kept_apart)
    test_files = {path: text for path, text in starter.items() if is_test_path(path)}
    if tests is not None:
        found, tests_skipped = read_folder(tests)
        skipped.extend(tests_skipped)
        test_files.update({f"{tests.resolve().name}/{path}": text for path, text in found.items()})
    if not test_files:
        where = f"{tests}" if tests is not None else f"{folder}"
        raise UsageError(
            f"{where}: no test files found (looked for test_*.py, *_test.py, conftest.py and tests/); "
            "a spec needs tests (pass --tests DIR if they are in a folder of their own)"
        )
    files = {path: text for path, text in starter.items() if path not in test_files}
    changed: dict[str, str] = {}
    if solution is not None:
        overlay, solution_skipped = read_folder(solution, leave_out=[p for p in (tests,) if p is not None])
        skipped.extend(solution_skipped)
        for path, text in overlay.items():
            if is_test_path(path) or path in test_files:
                if test_files.get(path) != text:
                    reason = f"a test file in the solution folder; tests come from {tests or folder}"
                    skipped.append(SkippedFile(solution / path, reason))
            elif files.get(path) != text:
                changed[path] = text
    document: dict[str, Any] = {
        "id": spec_id,
        "title": title or title_from_id(spec_id),
        "kind": kind or "bug-fix",
        "instructions": prompt or DEFAULT_INSTRUCTIONS,
    }
    sections = {
        "files": [{"path": p, "content": t} for p, t in files.items()],
        "tests": [{"path": p, "content": t} for p, t in test_files.items()],
        "solution": [{"path": p, "content": t} for p, t in changed.items()],
    }
    defaulted = [name for name, value in (("title", title), ("kind", kind), ("instructions", prompt)) if not value]
    header = [f"# Imported by `agentspec import` from {folder.resolve().name}/."]
    if prompt_file is not None:
        header.append(f"# Instructions from {prompt_file.name}.")
    if defaulted:
        header.append(f"# Placeholders to review: {', '.join(defaulted)}.")
    header += [f"# Not imported: {entry}" for entry in skipped]
    return ImportedSpec(render_spec(document, sections, header), tuple(skipped), prompt_file)


def render_spec(document: Mapping[str, Any], sections: Mapping[str, list[dict[str, Any]]], header: list[str]) -> str:
    """Spec text: the schema line and `header` as comments, the top-level keys, then each array of tables.

    Raises:
        RuntimeError: The text does not read back as `document` plus `sections` (a tomli-w surprise).
    """
    lines = [SCHEMA_LINE, *header]
    chunks = ["".join(_comment(line) + "\n" for line in lines) + "\n" + _dump(document)]
    for section, entries in sections.items():
        chunks += [f"[[{section}]]\n" + _dump(entry) for entry in entries]
    text = "\n".join(chunks)
    # Each value was checked alone; this guards the whole document against a surprise from tomli-w.
    if tomllib.loads(text) != {**document, **{k: v for k, v in sections.items() if v}}:
        raise RuntimeError("the imported spec does not read back as written; please report this bug")
    return text


# Subfolders of a task kept in parts: the code to start from, its tests, the solved code.
_PART_DIRS = ("starter", "tests", "solution")
_INSTRUCTION_FILES = ("instructions.md", "README.md")


def _refuse_split_layout(folder: Path, solution: Path | None) -> None:
    """Refuse a folder whose starter, tests and solution sit in subfolders: importing it whole breaks the task."""
    subfolders = {p.name: p for p in folder.iterdir() if p.is_dir()} if folder.is_dir() else {}
    starter = subfolders.get("starter")
    inner_solution = subfolders.get("solution")
    if solution is not None and inner_solution is not None and inner_solution.resolve() == solution.resolve():
        inner_solution = None
    if starter is None and inner_solution is None:
        return
    code = starter or folder
    parts = [f"agentspec import {code}"]
    if "tests" in subfolders:
        parts.append(f"--tests {subfolders['tests']}")
    if solution is not None or inner_solution is not None:
        parts.append(f"--solution {solution or inner_solution}")
    found = ", ".join(f"{name}/" for name in _PART_DIRS if name in subfolders)
    raise UsageError(
        f"{folder}: holds {found} subfolders, so importing it whole would make a broken task "
        f"(the tests could not import the starter's code); point at each part: {' '.join(parts)} --id ID"
    )


def _instructions(folder: Path, text: str | None, file: Path | None) -> tuple[str | None, Path | None]:
    """The agent's prompt and the file it came from: given text, given file, or a file found in `folder`."""
    if text is not None and file is not None:
        raise UsageError("give the instructions either as text (--instructions) or as a file (--instructions-file)")
    if text is not None:
        return text, None
    # A starter kept in parts has its task's README beside it, not in it.
    places = [folder, folder.parent] if folder.name == "starter" else [folder]
    candidates = [file] if file is not None else [place / name for place in places for name in _INSTRUCTION_FILES]
    for candidate in candidates:
        if not candidate.is_file() or candidate.is_symlink():
            if file is not None:
                raise UsageError(f"{candidate}: no such instructions file")
            continue
        try:
            found = candidate.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            found = None
        if found and found.strip():
            return found, candidate
        if file is not None:  # a file found by name that is empty or binary is simply not the prompt
            what = "not UTF-8 text" if found is None else "empty"
            raise UsageError(f"{candidate}: the instructions file is {what}")
    return None, None


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


def _literal(text: str) -> str:
    """`text` as a TOML multi-line literal string, which keeps backslashes and quotes as they are."""
    if "'''" in text:
        raise ValueError("a TOML literal string cannot hold '''")
    return f"'''\n{text}'''"
