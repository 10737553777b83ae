"""Provenance: what an attempt ran on, recorded with it (harness, server, model build, context, reply limit, sampling).

The attempt key stays (spec id, spec content hash, agent, model, trial): none of these facts enter it, so
a store made before provenance was recorded resumes with byte-identical keys, and an unchanged setup resumes.
Versions are facts of a run, known only once it runs (a harness reports its version, a server its build);
they are recorded on every attempt so that reports and the site can tell a harness or model update apart,
and `--rerun` runs a matrix again on a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def attempt_provenance(agent: str, details: Mapping[str, Any], backend: Mapping[str, Any]) -> dict[str, Any]:
    """The provenance of one attempt from its agent's details and its endpoint's preflight facts."""
    from agentspec.version import __version__

    settings = details.get("provider")
    settings = settings if isinstance(settings, Mapping) else {}
    version = details.get("version")
    return {
        "harness": agent,
        "harness_version": version if isinstance(version, str) else f"agentspec {__version__}",
        "server": backend.get("server"),
        "server_version": backend.get("server_version"),
        "model_digest": backend.get("model_digest"),
        "context_length": backend.get("context_length"),
        "quantization": backend.get("quantization"),
        "max_tokens": settings.get("max_tokens"),
        "sampling": {"temperature": settings.get("temperature")},
    }
