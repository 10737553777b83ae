"""The JSON Schema kept in the repo matches the spec model, so editors validate what agentspec does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from agentspec.spec.schema import spec_schema_text

REPO = Path(__file__).resolve().parents[1]


def test_committed_schema_is_current() -> None:
    committed = (REPO / "schema" / "spec.schema.json").read_text(encoding="utf-8")
    assert committed == spec_schema_text(), "schema is stale: run `agentspec schema > schema/spec.schema.json`"


def test_schema_command_prints_it() -> None:
    done = subprocess.run([sys.executable, "-m", "agentspec", "schema"], capture_output=True, text=True, check=True)
    schema = json.loads(done.stdout)
    assert schema["additionalProperties"] is False
    assert {"id", "title", "kind", "instructions", "tests"} <= set(schema["required"])
    assert schema["properties"]["files"]["description"].startswith("Starter files")
