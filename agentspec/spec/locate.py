"""Where each key of a TOML document sits, so an error can name its line and column.

`tomllib` gives values without positions; this scanner walks the text once, following table
headers, arrays of tables and (dotted) keys, and skipping strings, comments and values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Key = tuple[str | int, ...]
Position = tuple[int, int]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class KeyPositions:
    """Line and column (1-based) of every key and table header in a TOML text."""

    positions: dict[Key, Position] = field(default_factory=dict)

    def find(self, key: Key) -> Position:
        """Position of `key`, or of its nearest located parent, or (1, 1)."""
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return (1, 1)


def locate_keys(text: str) -> KeyPositions:
    """Scan `text` and return the positions of its keys (best effort; never raises)."""
    try:
        return _Scanner(text).run()
    except (IndexError, ValueError):
        return KeyPositions()


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1
        self.line_start = 0
        self.table: Key = ()
        self.array_counts: dict[Key, int] = {}
        self.found = KeyPositions()

    @property
    def col(self) -> int:
        return self.i - self.line_start + 1

    def peek(self, offset: int = 0) -> str:
        j = self.i + offset
        return self.text[j] if j < len(self.text) else ""

    def advance(self, count: int = 1) -> None:
        for _ in range(count):
            if self.i >= len(self.text):
                return
            if self.text[self.i] == "\n":
                self.line += 1
                self.line_start = self.i + 1
            self.i += 1

    def skip_blank(self) -> None:
        while self.peek() in (" ", "\t"):
            self.advance()

    def skip_to_line_end(self) -> None:
        while self.peek() not in ("\n", ""):
            self.advance()

    def run(self) -> KeyPositions:
        while self.i < len(self.text):
            self.skip_blank()
            char = self.peek()
            if char in ("\n", "\r"):
                self.advance()
            elif char == "#":
                self.skip_to_line_end()
            elif char == "[":
                self.header()
            elif char == "":
                break
            else:
                self.key_value(self.table)
        return self.found

    def header(self) -> None:
        position = (self.line, self.col)
        is_array = self.peek(1) == "["
        self.advance(2 if is_array else 1)
        parts = self.key_parts()
        self.advance(2 if is_array else 1)
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
        self.found.positions.setdefault(self.table, position)
        self.skip_to_line_end()

    def key_parts(self) -> list[str | int]:
        parts: list[str | int] = []
        while True:
            self.skip_blank()
            char = self.peek()
            if char in ('"', "'"):
                parts.append(self.quoted_key(char))
            else:
                match = _BARE_KEY.match(self.text, self.i)
                if not match:
                    break
                parts.append(match.group())
                self.advance(match.end() - self.i)
            self.skip_blank()
            if self.peek() != ".":
                break
            self.advance()
        return parts

    def quoted_key(self, quote: str) -> str:
        self.advance()
        start = self.i
        while self.peek() not in (quote, "\n", ""):
            self.advance(2 if self.peek() == "\\" and quote == '"' else 1)
        value = self.text[start : self.i]
        self.advance()
        return value

    def key_value(self, base: Key) -> None:
        position = (self.line, self.col)
        parts = self.key_parts()
        if not parts or self.peek() != "=":
            self.skip_to_line_end()
            return
        key = (*base, *parts)
        self.found.positions.setdefault(key, position)
        self.advance()
        self.value(key)

    def value(self, key: Key) -> None:
        self.skip_blank()
        char = self.peek()
        if char in ('"', "'"):
            self.string(char)
        elif char == "[":
            self.array(key)
        elif char == "{":
            self.inline_table(key)
        else:
            while self.peek() not in ("\n", "", "#", ",", "]", "}"):
                self.advance()

    def string(self, quote: str) -> None:
        if self.peek(1) == quote and self.peek(2) == quote:
            self.advance(3)
            while self.i < len(self.text):
                if quote == '"' and self.peek() == "\\":
                    self.advance(2)
                elif self.peek() == quote and self.peek(1) == quote and self.peek(2) == quote:
                    # A closing delimiter may carry up to two extra quotes that belong to the content.
                    while self.peek(3) == quote:
                        self.advance()
                    self.advance(3)
                    return
                else:
                    self.advance()
            return
        self.advance()
        while self.peek() not in (quote, "\n", ""):
            self.advance(2 if quote == '"' and self.peek() == "\\" else 1)
        self.advance()

    def array(self, key: Key) -> None:
        self.advance()
        index = 0
        while self.i < len(self.text):
            self.skip_blank()
            char = self.peek()
            if char == "]":
                self.advance()
                return
            if char in ("\n", "\r", ","):
                if char == ",":
                    index += 1
                self.advance()
            elif char == "#":
                self.skip_to_line_end()
            else:
                self.found.positions.setdefault((*key, index), (self.line, self.col))
                self.value((*key, index))

    def inline_table(self, key: Key) -> None:
        self.advance()
        while self.i < len(self.text):
            self.skip_blank()
            char = self.peek()
            if char == "}":
                self.advance()
                return
            if char in (",", "\n", "\r"):
                self.advance()
            else:
                before = self.i
                self.key_value(key)
                if self.i == before:
                    self.advance()
