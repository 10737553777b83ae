"""Reading a spec file: TOML to a validated `Spec`, every problem located at its line and column."""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from agentspec.errors import Problem, SpecError
from agentspec.spec.locate import MAX_DEPTH, Key, KeyPositions, locate_keys
from agentspec.spec.messages import METADATA_VALUE, bound_message, describe, toml_message, type_message
from agentspec.spec.model import File, Spec, cross_field_problems, resolve_source

_CROSS_FIELD = "cross_field"
# Far above any real spec (the seed specs are a few kB) and far below what would exhaust memory.
MAX_FILE_BYTES = 32 * 2**20


def load_spec(path: Path) -> Spec:
    """Load and validate one spec file, reading referenced files; raise `SpecError` with every problem."""
    spec, problems = try_load_spec(path)
    if problems or spec is None:
        raise SpecError(problems)
    return spec


def try_load_spec(path: Path) -> tuple[Spec | None, list[Problem]]:
    """Load one spec file; return the spec (or None) and the problems found, all of them."""
    text, problem = read_toml_text(path, "spec")
    if text is None:
        return None, [problem] if problem else []
    positions = locate_keys(text)
    data, problem = parse_toml(path, text, positions)
    if data is None:
        return None, [problem] if problem else []

    root = path.parent
    problems: list[Problem] = []
    spec: Spec | None = None
    try:
        spec = Spec.model_validate(data, context={"root": root})
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        suggested = _suggested_keys(errors, Spec)
        for error in errors:
            if error["type"] in ("missing", "too_short") and tuple(error["loc"]) in suggested:
                continue  # "unknown key 'test'; did you mean 'tests'?" already says it
            if error["type"] != _CROSS_FIELD and not _is_cross_field_message(error):
                problems.append(_validation_problem(path, positions, error))
        # Checks that span fields run on the raw data too, so they show alongside field errors.
        for field, message in cross_field_problems(data):
            problems.append(_problem_at(path, positions, _parse_field(field), message))
    except RecursionError:
        problems.append(Problem(path, 1, 1, "", "the spec is nested too deeply to check"))
    if spec is None:
        return None, _unique(problems)
    return _resolved(path, spec, positions)


def read_toml_text(path: Path, what: str) -> tuple[str | None, Problem | None]:
    """The text of a TOML file, or the problem reading it (too big, unreadable, not UTF-8)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // 2**20
            return None, Problem(path, 1, 1, "", f"the {what} is {size / 2**20:.0f} MB; the limit is {limit} MB")
        raw_bytes = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if path.is_symlink() and not path.exists():
            reason = "the file it links to does not exist"
        return None, Problem(path, 1, 1, "", f"cannot read the {what}: {reason}")
    try:
        return raw_bytes.decode("utf-8-sig"), None  # editors on Windows may add a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw_bytes[: exc.start].count(b"\n") + 1
        return None, Problem(path, line, 1, "", f"the {what} is not valid UTF-8; save it as UTF-8")


def parse_toml(path: Path, text: str, positions: KeyPositions) -> tuple[dict[str, Any] | None, Problem | None]:
    """The TOML document as data, or one located problem (syntax, or nesting deeper than `MAX_DEPTH`)."""
    if positions.too_deep:
        line, column = positions.too_deep
        message = f"arrays, inline tables or dotted keys nested more than {MAX_DEPTH} deep; flatten them"
        return None, Problem(path, line, column, "", message)
    try:
        return tomllib.loads(text), None
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        (line, column), message = toml_message(exc, text, positions)
        return None, Problem(path, line, column, "", message)


def _resolved(path: Path, spec: Spec, positions: KeyPositions) -> tuple[Spec | None, list[Problem]]:
    """The spec with every `source` read into `content` (validation already checked they exist)."""
    problems: list[Problem] = []

    def read(section: str, index: int, entry: File) -> File:
        if entry.content is not None or entry.source is None:
            return entry
        try:
            data = resolve_source(path.parent, entry.source).read_bytes()
        except (OSError, ValueError) as exc:  # changed on disk since validation
            problems.append(_problem_at(path, positions, (section, index, "source"), str(exc)))
            return entry
        return entry.model_copy(update={"content": data.decode("utf-8", errors="replace")})

    resolved = spec.model_copy(
        update={
            "files": [read("files", i, f) for i, f in enumerate(spec.files)],
            "tests": [read("tests", i, t) for i, t in enumerate(spec.tests)],
            "solution": [read("solution", i, s) for i, s in enumerate(spec.solution)],
        }
    )
    return (None, problems) if problems else (resolved, [])


def _is_cross_field_message(error: ErrorDetails) -> bool:
    # The model's own consistency check repeats what cross_field_problems reports with positions.
    return not error["loc"] and error["type"] == "value_error"


def validation_problems(
    path: Path,
    positions: KeyPositions,
    error: ValidationError,
    model: type[BaseModel] = Spec,
    prefix: Key = (),
) -> list[Problem]:
    """Every error of a pydantic validation of TOML data, located in its file (for specs and configs)."""
    return [_validation_problem(path, positions, e, model, prefix) for e in error.errors(include_url=False)]


def _validation_problem(
    path: Path, positions: KeyPositions, error: ErrorDetails, model: type[BaseModel] = Spec, prefix: Key = ()
) -> Problem:
    loc: Key = tuple(error["loc"])
    kind = error["type"]
    if loc[:1] == ("metadata",) and len(loc) > 2:
        # One line for a bad metadata value, not one per member of its union type.
        message = f"{METADATA_VALUE}, got {describe(error.get('input'))}"
        return _problem_at(path, positions, (*prefix, *loc[:2]), message)
    located: Key = (*prefix, *loc)
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = sorted(_allowed_keys(model, loc[:-1]))
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed keys here: {', '.join(allowed)}"
        return _problem_at(path, positions, located, f"unknown key {name!r}; {hint}")
    if model is Spec and loc == ("tests",) and kind in ("missing", "too_short"):
        return _problem_at(path, positions, loc, "a spec needs tests: add at least one [[tests]] table")
    if kind == "missing":
        return _problem_at(path, positions, located, f"required key {str(loc[-1])!r} is missing")
    if kind == "string_pattern_mismatch" and loc[-1:] == ("id",):
        message = "use lowercase letters, digits, '.', '_' and '-', starting with a letter or a digit"
        return _problem_at(path, positions, located, f"{message} (got {describe(error.get('input'))})")
    message = type_message(error) or bound_message(error) or error["msg"].removeprefix("Value error, ")
    message = message.replace("Input should be ", "must be ", 1)
    if kind == "literal_error" and isinstance(error.get("input"), str):
        expected = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        close = difflib.get_close_matches(error["input"], expected, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {close[0]!r}?"
    elif kind == "literal_error":
        message += f" (got {describe(error.get('input'))})"
    return _problem_at(path, positions, located, message)


def _suggested_keys(errors: list[ErrorDetails], model: type[BaseModel]) -> set[Key]:
    """The keys that an unknown key's "did you mean" names (as full paths)."""
    suggested: set[Key] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = tuple(error["loc"])
            close = difflib.get_close_matches(str(loc[-1]), sorted(_allowed_keys(model, loc[:-1])), n=1, cutoff=0.6)
            suggested.update((*loc[:-1], name) for name in close)
    return suggested


def _problem_at(path: Path, positions: KeyPositions, loc: Key, message: str) -> Problem:
    line, column = positions.find(loc)
    return Problem(path, line, column, format_field(loc), message)


def format_field(loc: Key) -> str:
    """`("files", 1, "path")` as `files[1].path`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _parse_field(field: str) -> Key:
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field):
        parts.append(int(index) if index else name)
    return tuple(parts)


def _allowed_keys(root: type[BaseModel], loc: Key) -> set[str]:
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return set()
        model = _inner_model(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return set(model.model_fields)
    return set()


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in problems:
        key = (problem.field, problem.message)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return sorted(unique, key=lambda p: (p.line, p.column))
