"""Shared base of the rules that read prose: comments, docstrings and a broken file's text."""

from __future__ import annotations

import re

import libcst as cst

from agentspec.review.rule import Rule
from agentspec.review.source import SourceFile

_STRING_START = re.compile(r"^[a-zA-Z]*('''|\"\"\"|'|\")")
_DOCTEST = re.compile(r"^\s*(?:>>>|\.\.\.(?:\s|$))")


def snippet(text: str, limit: int = 60) -> str:
    """Return ``text`` on one line, shortened to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def is_test_file(path: str) -> bool:
    """Tell whether ``path`` names a pytest file (``test_*.py``, ``*_test.py``, ``conftest.py``)."""
    name = re.split(r"[\\/]", path)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


class ProseRule(Rule):
    """A rule that judges prose; subclasses implement `search`.

    Comments are read one at a time, and a run of adjacent comment lines is reported once.
    String statements (docstrings, and strings used as block comments) are read paragraph
    by paragraph, doctest lines left out; a line that starts with a tag (``</think>``)
    starts a paragraph of its own. A file that does not parse is read line by line.
    """

    def __init__(self, file: SourceFile) -> None:
        super().__init__(file)
        self._last_reported_line = -1

    def search(self, text: str) -> tuple[int, str] | None:
        """Return the offset and a message when this prose (comment marker removed) is a problem."""
        raise NotImplementedError

    def visit_Comment(self, node: cst.Comment) -> None:
        """Judge one comment."""
        text = node.value.lstrip("#")
        found = self.search(text.strip())
        if found is not None:
            line, column = self.file.position(node)
            if line != self._last_reported_line + 1:
                self.report_at(line, column, found[1])
            self._last_reported_line = line

    def leave_Expr(self, original_node: cst.Expr) -> None:
        """Judge a string statement (a docstring or a string used as a comment), paragraph by paragraph."""
        value = original_node.value
        strings: list[cst.SimpleString] = []
        while isinstance(value, cst.ConcatenatedString):
            if isinstance(value.left, cst.SimpleString):
                strings.append(value.left)
            value = value.right
        if isinstance(value, cst.SimpleString):
            strings.append(value)
        for string in strings:
            if self._check_string(string):
                return

    def review_text(self) -> None:
        """Read every line of a file that does not parse."""
        for number, raw in enumerate(self.file.lines, start=1):
            self._check_line(number, raw)

    def _check_line(self, number: int, raw: str) -> None:
        found = self.search(raw.strip().lstrip("#").strip())
        if found is not None:
            if number != self._last_reported_line + 1:
                self.report_at(number, len(raw) - len(raw.lstrip()) + 1, found[1])
            self._last_reported_line = number

    def _check_string(self, string: cst.SimpleString) -> bool:
        match = _STRING_START.match(string.value)
        if match is None:
            return False
        body = string.value[match.end() : len(string.value) - len(match.group(1))]
        first_line, first_column = self.file.position(string)
        lines = body.split("\n")
        paragraph: list[int] = []
        for index, raw in enumerate([*lines, ""]):
            prose = bool(raw.strip()) and not _DOCTEST.match(raw)
            if prose and not (paragraph and raw.lstrip().startswith("<")):  # a tag line opens a paragraph
                paragraph.append(index)
                continue
            if paragraph and self._check_paragraph(lines, paragraph, first_line, first_column + match.end()):
                return True
            paragraph = [index] if prose else []
        return False

    def _check_paragraph(self, lines: list[str], indexes: list[int], first_line: int, first_column: int) -> bool:
        text = " ".join(lines[index].strip() for index in indexes)
        found = self.search(text)
        if found is None:
            return False
        offset, message = found
        for index in indexes:
            stripped = lines[index].strip()
            if offset <= len(stripped):
                break
            offset -= len(stripped) + 1
        indent = len(lines[index]) - len(lines[index].lstrip())
        column = first_column + indent if index == 0 else indent + 1
        self.report_at(first_line + index, column, message)
        return True
