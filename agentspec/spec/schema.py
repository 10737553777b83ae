"""The JSON Schema of a spec file, for editors (Taplo's `#:schema`) and for the docs."""

from __future__ import annotations

import json
from typing import Any

from agentspec.spec.model import Spec

SCHEMA_ID = "https://agentspec.dev/schema/spec.schema.json"


def spec_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a spec file."""
    schema = Spec.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def spec_schema_text() -> str:
    """The schema as the stable, pretty-printed text kept at `schema/spec.schema.json`."""
    return json.dumps(spec_schema(), indent=2, sort_keys=True) + "\n"
