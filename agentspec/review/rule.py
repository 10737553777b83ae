"""The base class of reviewer rules, and the code examples every rule carries."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import libcst as cst

from agentspec.review.config import ReviewConfig
from agentspec.review.finding import Severity
from agentspec.review.ids import BUILTIN_PACKAGE, id_of_module
from agentspec.review.source import SourceFile


@dataclass(frozen=True)
class Example:
    """A code example of a rule: it documents the rule and becomes a test.

    Attributes:
        code: The source; common indentation is removed.
        path: The file name the example is reviewed under.
        config: Settings the example needs, e.g. ``thread_safety_required``.
        line: For an INVALID example, a line the rule must report (optional).
    """

    code: str
    path: str = "example.py"
    config: ReviewConfig | None = None
    line: int | None = None

    @property
    def source(self) -> str:
        """Return the code without its common indentation or a leading newline."""
        return textwrap.dedent(self.code.removeprefix("\n"))


class Rule:
    """A reviewer rule: one class per module under ``agentspec.review.rules``.

    A rule looks at the tree through ``visit_<Node>`` and ``leave_<Node>`` methods, named
    after libcst node classes (``visit_Call``, ``leave_ClassDef``); the engine calls those of
    every enabled rule in one traversal of each file. A rule gets a fresh instance per
    file, so instance attributes are per-file state. Rules that need expensive libcst
    metadata list its providers in ``METADATA_DEPENDENCIES`` and read it with
    ``get_metadata``; the engine resolves only what enabled rules declare.

    The class docstring is the rule's user documentation; ``VALID`` and ``INVALID`` are
    examples that must give no finding and at least one finding of the rule.
    """

    id: ClassVar[str]
    severity: ClassVar[Severity]
    message: ClassVar[str]
    VALID: ClassVar[Sequence[str | Example]] = ()
    INVALID: ClassVar[Sequence[str | Example]] = ()
    METADATA_DEPENDENCIES: ClassVar[tuple[Any, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A built-in rule's id is its module's name: defined once, by the file (see review/registry.py).
        if "id" not in cls.__dict__ and cls.__module__.startswith(BUILTIN_PACKAGE + "."):
            cls.id = id_of_module(cls.__module__)

    def __init__(self, file: SourceFile) -> None:
        self.file = file

    @classmethod
    def examples(cls, kind: Literal["VALID", "INVALID"]) -> list[Example]:
        """Return the ``"VALID"`` or ``"INVALID"`` examples, each as an `Example`."""
        raw = cls.VALID if kind == "VALID" else cls.INVALID
        return [item if isinstance(item, Example) else Example(item) for item in raw]

    @property
    def config(self) -> ReviewConfig:
        """Return the settings of this review."""
        return self.file.config

    def report(
        self,
        node: cst.CSTNode,
        message: str | None = None,
        *,
        severity: Severity | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a finding at the start of ``node``; `data` is what the rule measured, for programs to read."""
        self.file.add_at(self.id, severity or self.severity, node, message or self.message, data or {})

    def report_at(
        self,
        line: int,
        column: int,
        message: str | None = None,
        *,
        severity: Severity | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a finding at a 1-based line and column; `data` as for `report`."""
        self.file.add(self.id, severity or self.severity, line, column, message or self.message, data or {})

    def get_metadata(self, provider: Any, node: cst.CSTNode, default: object = None) -> object:
        """Return the metadata ``provider`` computed for ``node`` (declared in ``METADATA_DEPENDENCIES``)."""
        return self.file.metadata.get(provider, {}).get(node, default)

    def review_text(self) -> None:
        """Look at the raw text of a file that does not parse; most rules have nothing to say."""
