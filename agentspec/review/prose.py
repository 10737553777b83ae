"""Shared base of the rules that read prose: comments, docstrings and a broken file's text."""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass

import libcst as cst

from agentspec.review.rule import Rule
from agentspec.review.source import SourceFile

_STRING_START = re.compile(r"^[a-zA-Z]*('''|\"\"\"|'|\")")
_DOCTEST = re.compile(r"^\s*(?:>>>|\.\.\.(?:\s|$))")


def snippet(text: str, limit: int = 60) -> str:
    """Return ``text`` on one line, shortened to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


@dataclass(frozen=True)
class Hit:
    """What a prose rule found in one piece of text.

    Attributes:
        offset: Where in the text the finding starts.
        message: The finding's message.
        kinds: What sort of evidence this is; a rule decides in `ProseRule.enough` which
            kinds, found together in one comment run or docstring, make a finding.
    """

    offset: int
    message: str
    kinds: frozenset[str] = frozenset({"strong"})


def is_test_file(path: str) -> bool:
    """Tell whether ``path`` names a pytest file (``test_*.py``, ``*_test.py``, ``conftest.py``)."""
    name = re.split(r"[\\/]", path)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


class ProseRule(Rule):
    """A rule that judges prose; subclasses implement `search`, and may weigh evidence in `enough`.

    Prose is judged in units: a run of adjacent comment lines, one string statement (a
    docstring, or a string used as a block comment) read paragraph by paragraph with doctest
    lines left out, or a run of adjacent lines that hit in a file that does not parse. The hits of a
    unit add up; the unit is reported once, where its first hit is, as soon as its kinds
    are `enough`. In a string, a line that starts with a tag (``</think>``) starts a
    paragraph of its own.
    """

    def __init__(self, file: SourceFile) -> None:
        super().__init__(file)
        self._unit_line = -1
        self._unit_first: tuple[int, int, str] | None = None
        self._unit_kinds: set[str] = set()
        self._unit_reported = False

    def search(self, text: str) -> Hit | None:
        """Return what is wrong with this prose (comment marker removed), if anything."""
        raise NotImplementedError

    def enough(self, kinds: Set[str]) -> bool:
        """Tell whether the kinds of evidence found in one unit of prose make a finding (default: any)."""
        return bool(kinds)

    def visit_Comment(self, node: cst.Comment) -> None:
        """Judge one comment, as part of a run of adjacent comment lines."""
        line, column = self.file.position(node)
        self._judge(line, column, self.search(node.value.lstrip("#").strip()), continues=line == self._unit_line + 1)
        self._unit_line = line

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
        self._unit_line = -1
        for index, string in enumerate(strings):
            self._check_string(string, continues=index > 0)
        self._unit_line = -1

    def review_text(self) -> None:
        """Read every line of a file that does not parse."""
        for number, raw in enumerate(self.file.lines, start=1):
            self._check_line(number, raw)

    def _check_line(self, number: int, raw: str) -> None:
        found = self.search(raw.strip().lstrip("#").strip())
        if found is not None:  # without comment markers, only lines that hit tell where a unit goes on
            self._judge(number, len(raw) - len(raw.lstrip()) + 1, found, continues=number == self._unit_line + 1)
            self._unit_line = number

    def _judge(self, line: int, column: int, hit: Hit | None, *, continues: bool) -> None:
        if not continues:
            self._unit_first, self._unit_kinds, self._unit_reported = None, set(), False
        if hit is None:
            return
        if self._unit_first is None:
            self._unit_first = (line, column, hit.message)
        self._unit_kinds |= hit.kinds
        if not self._unit_reported and self.enough(self._unit_kinds):
            self._unit_reported = True
            self.report_at(*self._unit_first)

    def _check_string(self, string: cst.SimpleString, *, continues: bool) -> None:
        match = _STRING_START.match(string.value)
        if match is None:
            return
        body = string.value[match.end() : len(string.value) - len(match.group(1))]
        first_line, first_column = self.file.position(string)
        lines = body.split("\n")
        paragraph: list[int] = []
        for index, raw in enumerate([*lines, ""]):
            prose = bool(raw.strip()) and not _DOCTEST.match(raw)
            if prose and not (paragraph and raw.lstrip().startswith("<")):  # a tag line opens a paragraph
                paragraph.append(index)
                continue
            if paragraph:
                self._check_paragraph(lines, paragraph, first_line, first_column + match.end(), continues=continues)
                continues = True
            paragraph = [index] if prose else []

    def _check_paragraph(
        self, lines: list[str], indexes: list[int], first_line: int, first_column: int, *, continues: bool
    ) -> None:
        text = " ".join(lines[index].strip() for index in indexes)
        found = self.search(text)
        index = indexes[0]
        if found is not None:
            offset = found.offset
            for index in indexes:
                stripped = lines[index].strip()
                if offset <= len(stripped):
                    break
                offset -= len(stripped) + 1
        indent = len(lines[index]) - len(lines[index].lstrip())
        column = first_column + indent if index == 0 else indent + 1
        self._judge(first_line + index, column, found, continues=continues)
