"""Plain-words messages for what `tomllib` and pydantic report in their own terms."""

from __future__ import annotations

import datetime
import re
import tomllib
from typing import Any

from pydantic_core import ErrorDetails

from agentspec.spec.locate import KeyPositions, Position

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")
_KEY_AT_LINE = re.compile(r"\s*([A-Za-z0-9_.\"' -]+?)\s*=")

# What each strict type check expects, in words.
_EXPECTED = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string in quotes",
    "list_type": "an array [...]",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}
METADATA_VALUE = "expected a string, number, boolean or list of strings"


def describe(value: Any) -> str:
    """A TOML value's kind and a short rendering of it: `the string '50'`, `the number 1.5`."""
    if isinstance(value, bool):
        kind = "the boolean"
        shown = "true" if value else "false"
    elif isinstance(value, int | float):
        kind, shown = "the number", repr(value)
    elif isinstance(value, str):
        kind, shown = "the string", repr(value)
    elif isinstance(value, list):
        return f"an array of {len(value)} item{'s' * (len(value) != 1)}"
    elif isinstance(value, dict):
        return "a table"
    elif isinstance(value, datetime.date | datetime.time):
        kind, shown = "the date/time", value.isoformat()
    else:
        kind, shown = "the value", repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{kind} {shown}"


def type_message(error: ErrorDetails) -> str | None:
    """A wrong-type error as `expected X, got Y` with the fix, or None when it is not a type error."""
    expected = _EXPECTED.get(error["type"])
    if expected is None:
        return None
    value = error.get("input")
    message = f"expected {expected}, got {describe(value)}"
    if isinstance(value, str) and error["type"] != "string_type" and _looks_like(expected, value.strip()):
        message += "; write it without quotes"
    elif isinstance(value, float) and "whole" in expected and value.is_integer():
        message += f"; write {int(value)}"
    return message


def _looks_like(expected: str, text: str) -> bool:
    if expected == "true or false":
        return text in ("true", "false")
    try:
        float(text.replace("_", ""))
    except ValueError:
        return False
    return "number" in expected


def bound_message(error: ErrorDetails) -> str | None:
    """A length or range error in words, or None."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "greater_than":
        return f"must be more than {ctx.get('gt')} (got {describe(error.get('input'))})"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')} (got {describe(error.get('input'))})"
    if kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
        return "must not be empty"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} items"
    if kind == "string_too_long":
        return f"is too long: at most {ctx.get('max_length')} characters"
    if kind == "too_long":
        return f"has too many items: at most {ctx.get('max_length')}"
    return None


def toml_message(
    exc: tomllib.TOMLDecodeError | RecursionError, text: str, positions: KeyPositions
) -> tuple[Position, str]:
    """Where a TOML syntax error is and what to do about it, in words."""
    if isinstance(exc, RecursionError):
        return positions.too_deep or (1, 1), "arrays or inline tables are nested too deeply"
    raw = str(exc)
    match = _TOML_POSITION.search(raw)
    detail = _TOML_POSITION.sub("", raw).strip()
    if match and match.group(1):
        position = (int(match.group(1)), int(match.group(2)))
    else:
        position = positions.unterminated or positions.duplicate or (text.count("\n") + 1, 1)
    lines = text.splitlines()
    line_text = lines[position[0] - 1] if 0 < position[0] <= len(lines) else ""
    key = _KEY_AT_LINE.match(line_text)
    name = key.group(1).strip() if key else None
    lowered = detail.lower()
    if "hex value" in lowered or "escape" in lowered:
        backslash = line_text.rfind("\\", 0, position[1])
        position = (position[0], backslash + 1) if backslash >= 0 else position
        message = (
            "a backslash in a double-quoted string starts an escape; for Windows paths use single quotes "
            "('C:\\Users\\ada') or forward slashes"
        )
    elif lowered == "invalid value" and name:
        value = line_text.split("=", 1)[1].split("#", 1)[0].strip().strip("'\"")
        message = f'the value of {name!r} is not valid TOML; text needs quotes: {name} = "{value}"'
    elif "unterminated" in lowered or "'''" in detail or '"""' in detail:
        message = "a string opens here and never closes; add the closing quotes"
    elif "overwrite" in lowered or "declare" in lowered:
        message = "this key or table is defined twice; keep one"
    else:
        message = f"TOML syntax error: {detail}" + (f" (in the value of {name!r})" if name else "")
    if positions.unterminated and "never closes" in message:
        position = positions.unterminated
    return position, message
