"""`agentspec serve`: a loopback model server speaking Ollama, OpenAI and Anthropic, with scripted models.

It is agentspec's test double, shipped in the library like httpx's `MockTransport`: tests and
users point real clients and harnesses at it over real HTTP. The scripted models are
`reference` (solves the spec it recognises with the client's own tools), `nop` (answers,
changes nothing) and `notools` (like reference, without tool support); `Faults` injects
latency, errors, malformed tool calls and broken streams.
"""

from agentspec.serve.faults import FAULT_HEADER, Faults
from agentspec.serve.models import MODELS, ModelCard, resolve_model
from agentspec.serve.server import ModelServer, serve_in_thread
from agentspec.serve.state import RequestRecord

__all__ = [
    "FAULT_HEADER",
    "MODELS",
    "Faults",
    "ModelCard",
    "ModelServer",
    "RequestRecord",
    "resolve_model",
    "serve_in_thread",
]
