"""The spec field reference, made from the spec model's own field descriptions (the JSON Schema's source)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from agentspec.publish import blocks
from agentspec.publish.escape import heading, raw_block, text
from agentspec.spec.model import File, Grading, Limits, Review, Scaling, Spec, TestFile

PAGE = "reference/spec-fields.md"
SECTIONS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("The spec (top level)", Spec),
    ("[[files]] and [[solution]]", File),
    ("[[tests]]", TestFile),
    ("[grading]", Grading),
    ("[limits]", Limits),
    ("[review]", Review),
    ("[[review.scaling]]", Scaling),
)
_MODULES = re.compile(r"\b(?:[a-z_]+\.)+(?=[A-Za-z])")


def _type(annotation: Any) -> str:
    shown = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    return _MODULES.sub("", shown.replace("typing.", ""))


def _default(info: Any) -> str:
    if info.is_required():
        return "required"
    if info.default is not PydanticUndefined:
        return repr(info.default)
    value = info.default_factory() if info.default_factory else None
    return "see its section" if isinstance(value, BaseModel) else repr(value)


def reference_markdown() -> str:
    """Every field of a spec file: its type, default and description."""
    parts = [
        "# Spec fields\n\n",
        "Every field a spec file may hold, generated from the model that validates specs "
        "(`agentspec schema` prints the same as JSON Schema). The authoring guide explains how to use them.\n\n",
    ]
    for section, model in SECTIONS:
        rows = [
            [
                blocks.code(name),
                blocks.code(_type(info.annotation)),
                blocks.code(_default(info)),
                text(info.description),
            ]
            for name, info in model.model_fields.items()
        ]
        parts.append(f"## {heading(section)}\n")
        parts.append(raw_block(blocks.table(["Field", "Type", "Default", "Description"], rows)))
    return "".join(parts)
