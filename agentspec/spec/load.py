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
from agentspec.spec.locate import Key, KeyPositions, locate_keys
from agentspec.spec.model import File, Spec, cross_field_problems, resolve_source

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_CROSS_FIELD = "cross_field"


def load_spec(path: Path) -> Spec:
    """Load and validate one spec file, reading referenced files; raise `SpecError` with every problem."""
    spec, problems = try_load_spec(path)
    if problems or spec is None:
        raise SpecError(problems)
    return spec


def try_load_spec(path: Path) -> tuple[Spec | None, list[Problem]]:
    """Load one spec file; return the spec (or None) and the problems found, all of them."""
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        return None, [Problem(path, 1, 1, "", f"cannot read the spec: {exc.strerror or exc}")]
    try:
        text = raw_bytes.decode("utf-8-sig")  # editors on Windows may add a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw_bytes[: exc.start].count(b"\n") + 1
        return None, [Problem(path, line, 1, "", "the spec is not valid UTF-8; save it as UTF-8")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [_toml_problem(path, exc)]

    positions = locate_keys(text)
    root = path.parent
    problems: list[Problem] = []
    spec: Spec | None = None
    try:
        spec = Spec.model_validate(data, context={"root": root})
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            if error["type"] != _CROSS_FIELD and not _is_cross_field_message(error):
                problems.append(_validation_problem(path, positions, error))
        # Checks that span fields run on the raw data too, so they show alongside field errors.
        for field, message in cross_field_problems(data):
            problems.append(_problem_at(path, positions, _parse_field(field), message))
    if spec is None:
        return None, _unique(problems)
    return _resolved(spec, root), []


def _resolved(spec: Spec, root: Path) -> Spec:
    """The spec with every `source` read into `content` (validation already checked they exist)."""

    def read(entry: File) -> File:
        if entry.content is not None or entry.source is None:
            return entry
        data = resolve_source(root, entry.source).read_bytes()
        return entry.model_copy(update={"content": data.decode("utf-8")})

    return spec.model_copy(
        update={
            "files": [read(f) for f in spec.files],
            "tests": [read(t) for t in spec.tests],
            "solution": [read(s) for s in spec.solution],
        }
    )


def _toml_problem(path: Path, exc: tomllib.TOMLDecodeError) -> Problem:
    message = str(exc)
    match = _TOML_POSITION.search(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
    message = _TOML_POSITION.sub("", message).strip()
    return Problem(path, line, column, "", f"TOML syntax error: {message}")


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
    located: Key = (*prefix, *loc)
    kind = error["type"]
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
    message = error["msg"].removeprefix("Value error, ")
    if kind == "literal_error" and isinstance(error.get("input"), str):
        expected = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        close = difflib.get_close_matches(error["input"], expected, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {close[0]!r}?"
    elif not kind.startswith("value_error") and "input" in error and not isinstance(error["input"], dict | list):
        message += f" (got {_short(error['input'])})"
    return _problem_at(path, positions, loc, message)


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


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in problems:
        key = (problem.field, problem.message)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return sorted(unique, key=lambda p: (p.line, p.column))
