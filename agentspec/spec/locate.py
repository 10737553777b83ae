"""Where each key of a TOML document sits, so an error can name its line and column.

`tomllib` gives values without positions; this scanner walks the text once, following table
headers, arrays of tables and (dotted) keys, and jumping over strings, comments and values with
regular expressions (so a 10 MB spec takes well under a second). It keeps an explicit stack for
arrays and inline tables instead of recursing, so deep nesting is measured rather than fatal: the
loader refuses a document nested deeper than `MAX_DEPTH` before `tomllib` recurses into it.
"""

from __future__ import annotations

import contextlib
import re
from bisect import bisect_right
from dataclasses import dataclass, field

Key = tuple[str | int, ...]
Position = tuple[int, int]

# Deeper than any spec or config needs; far below where `tomllib` and pydantic would recurse out.
MAX_DEPTH = 64

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BLANK = re.compile(r"[ \t]*")
_SKIP = re.compile(r"(?:[ \t\r\n]++|#[^\n]*+)++")
_LINE_REST = re.compile(r"[^\n]*")
_SCALAR = re.compile(r"[^\n#,\]\}]*")
# Possessive quantifiers: an unterminated string must fail in linear time, not backtrack exponentially.
_STRINGS = {
    '"""': re.compile(r'"""(?:[^"\\]++|\\[\s\S]|"(?!""))*+"{3,5}'),
    "'''": re.compile(r"'''(?:[^']++|'(?!''))*+'{3,5}"),
    '"': re.compile(r'"(?:[^"\\\n]++|\\[^\n])*+"'),
    "'": re.compile(r"'[^'\n]*+'"),
}


@dataclass
class KeyPositions:
    """Line and column (1-based) of every key and table header in a TOML text.

    Attributes:
        positions: every key, table header and array element found, with the prefixes of each.
        too_deep: where arrays, inline tables or dotted keys first nest deeper than `MAX_DEPTH`.
        unterminated: where a string that never closes begins.
        duplicate: where a key first appears a second time in the same table.
    """

    positions: dict[Key, Position] = field(default_factory=dict)
    too_deep: Position | None = None
    unterminated: Position | None = None
    duplicate: Position | None = None

    def find(self, key: Key) -> Position:
        """Position of `key`, or of its nearest located parent, or (1, 1)."""
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return (1, 1)


def locate_keys(text: str) -> KeyPositions:
    """Scan `text` and return the positions of its keys (best effort; never raises)."""
    scanner = _Scanner(text)
    with contextlib.suppress(IndexError, ValueError):
        scanner.run()
    return scanner.found


@dataclass
class _Frame:
    key: Key
    is_array: bool
    index: int = 0


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.table: Key = ()
        self.array_counts: dict[Key, int] = {}
        self.defined: set[Key] = set()
        self.stack: list[_Frame] = []
        self.found = KeyPositions()

    def position(self, offset: int) -> Position:
        line = bisect_right(self.newlines, offset - 1)
        start = self.newlines[line - 1] + 1 if line else 0
        return (line + 1, offset - start + 1)

    def record(self, key: Key, offset: int) -> None:
        # Prefixes too, so an error about `test` finds `[[test]]` and one about `tool` finds `[tool.agentspec]`.
        positions = self.found.positions
        if key in positions:
            return
        where = self.position(offset)
        for end in range(1, len(key) + 1):
            positions.setdefault(key[:end], where)

    def run(self) -> None:
        text, end = self.text, len(self.text)
        i = 0
        while i < end:
            skipped = _SKIP.match(text, i)
            if skipped:
                i = skipped.end()
                continue
            char = text[i]
            if not self.stack:
                i = self.header(i) if char == "[" else self.key_value(i, self.table)
                if i < 0:
                    return
                continue
            frame = self.stack[-1]
            if char == ("]" if frame.is_array else "}"):
                self.stack.pop()
                i += 1
            elif char == ",":
                frame.index += frame.is_array
                i += 1
            elif frame.is_array:
                element = (*frame.key, frame.index)
                self.record(element, i)
                i = self.value(i, element)
            else:
                i = self.key_value(i, frame.key)
            if i < 0:
                return

    def header(self, i: int) -> int:
        start = i
        is_array = self.text.startswith("[[", i)
        parts, i = self.key_parts(i + (2 if is_array else 1))
        # Inside a header, a prefix that names an array of tables means its latest element.
        resolved: list[str | int] = []
        for number, part in enumerate(parts):
            resolved.append(part)
            latest = self.array_counts.get(tuple(resolved))
            if number < len(parts) - 1 and latest is not None:
                resolved.append(latest)
        if is_array:
            index = self.array_counts.get(tuple(resolved), -1) + 1
            self.array_counts[tuple(resolved)] = index
            resolved.append(index)
        self.table = tuple(resolved)
        if len(parts) > MAX_DEPTH:
            self.found.too_deep = self.found.too_deep or self.position(start)
        elif not is_array and self.table in self.defined:
            self.found.duplicate = self.found.duplicate or self.position(start)
        self.defined.add(self.table)
        self.record(self.table, start)
        return _LINE_REST.match(self.text, i).end()  # type: ignore[union-attr]

    def key_parts(self, i: int) -> tuple[list[str | int], int]:
        text = self.text
        parts: list[str | int] = []
        while True:
            i = _BLANK.match(text, i).end()  # type: ignore[union-attr]
            char = text[i : i + 1]
            if char in ('"', "'"):
                match = _STRINGS[char].match(text, i)
                if not match:
                    self.found.unterminated = self.found.unterminated or self.position(i)
                    return parts, len(text)
                raw = match.group()[1:-1]
                parts.append(raw.replace('\\"', '"').replace("\\\\", "\\") if char == '"' else raw)
                i = match.end()
            else:
                match = _BARE_KEY.match(text, i)
                if not match:
                    break
                parts.append(match.group())
                i = match.end()
            i = _BLANK.match(text, i).end()  # type: ignore[union-attr]
            if text[i : i + 1] != ".":
                break
            i += 1
        return parts, i

    def key_value(self, i: int, base: Key) -> int:
        start = i
        parts, i = self.key_parts(i)
        if not parts or self.text[i : i + 1] != "=":
            # Not a key: skip the rest of the line (or one character inside an inline table).
            rest = _LINE_REST.match(self.text, i).end()  # type: ignore[union-attr]
            return rest if rest > start else start + 1
        key = (*base, *parts)
        if len(parts) > MAX_DEPTH:
            self.found.too_deep = self.found.too_deep or self.position(start)
            return -1
        if key in self.defined:
            self.found.duplicate = self.found.duplicate or self.position(start)
        self.defined.add(key)
        self.record(key, start)
        return self.value(_BLANK.match(self.text, i + 1).end(), key)  # type: ignore[union-attr]

    def value(self, i: int, key: Key) -> int:
        text = self.text
        char = text[i : i + 1]
        if char in ('"', "'"):
            quote = char * 3 if text.startswith(char * 3, i) else char
            match = _STRINGS[quote].match(text, i)
            if not match:
                self.found.unterminated = self.found.unterminated or self.position(i)
                return -1
            return match.end()
        if char in ("[", "{"):
            if len(self.stack) >= MAX_DEPTH:
                self.found.too_deep = self.found.too_deep or self.position(i)
                return -1
            self.stack.append(_Frame(key, is_array=char == "["))
            return i + 1
        end = _SCALAR.match(text, i).end()  # type: ignore[union-attr]
        return end if end > i else i + 1
