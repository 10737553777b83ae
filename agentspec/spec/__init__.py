"""The task spec: its model, loading with located errors, suites, schema and authoring."""

from agentspec.spec.load import load_spec
from agentspec.spec.model import File, Grading, Limits, Review, Scaling, Spec, TestFile
from agentspec.spec.suite import LoadedSuite, discover, load_specs, load_suite

__all__ = [
    "File",
    "Grading",
    "Limits",
    "LoadedSuite",
    "Review",
    "Scaling",
    "Spec",
    "TestFile",
    "discover",
    "load_spec",
    "load_specs",
    "load_suite",
]
