"""Reading a server's error: its message from any of the body shapes servers use, and what kind it is."""

from __future__ import annotations

import json
import re
from typing import Any

from agentspec.errors import BackendError
from agentspec.failures import FailureKind

_CONTEXT = re.compile(
    r"context[ _]?(length|window|size)|maximum context|prompt is too long|too many tokens|"
    r"exceeds? the (available )?context|input length exceeds|reduce the length|exceed_context_size|"
    r"model_context_window_exceeded",
    re.IGNORECASE,
)
_NO_TOOLS = re.compile(
    r"does not support tools|not support tool|tool[ _]choice requires|enable-auto-tool-choice|"
    r"tools? (are|is) not supported|tool use is not supported|tool calling is not supported",
    re.IGNORECASE,
)
_NO_MODEL = re.compile(
    r"model.*(not found|does not exist|not exist)|(not found|unknown|no such).*model|model_not_found|"
    r"not_found_error",
    re.IGNORECASE,
)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})
# aider's report when a reply hit a limit: "Model M has hit a token limit!" then "Input tokens: ~N of M" lines.
_TOKEN_LIMIT = re.compile(r"has hit a token limit!")
_TOKEN_LINE = re.compile(r"^(Input|Output|Total) tokens: ~([\d,]+) of ([\d,]+)", re.MULTILINE)


def token_limit(text: str) -> tuple[FailureKind, dict[str, int]] | None:
    """The failure kind and token counts of a harness's "hit a token limit" report in `text`, or None.

    aider prints the report when a reply stopped at a limit: `context_exceeded` when its advice is to
    reduce input tokens (the prompt filled the context), else `output_truncated` (the reply hit the
    output limit). The counts are aider's approximations, keyed `input_tokens`, `max_input_tokens`, ...
    """
    found = _TOKEN_LIMIT.search(text)
    if found is None:
        return None
    report = text[found.end() : found.end() + 2000]
    counts: dict[str, int] = {}
    for line in _TOKEN_LINE.finditer(report):
        name = line.group(1).lower()
        counts[f"{name}_tokens"] = int(line.group(2).replace(",", ""))
        counts[f"max_{name}_tokens"] = int(line.group(3).replace(",", ""))
    kind = FailureKind.CONTEXT_EXCEEDED if "To reduce input tokens" in report else FailureKind.OUTPUT_TRUNCATED
    return kind, counts


class TransientError(Exception):
    """A failure worth sending the same request again for (the caller decides how often)."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, unreachable: bool = False) -> None:
        self.retry_after_s = retry_after_s
        self.unreachable = unreachable
        super().__init__(message)


class ServerUnreachable(BackendError):
    """No connection to the server could be made (nothing listens there, or it is down)."""


def error_text(body: bytes | str) -> str:
    """The error message in a response body, whatever its shape.

    Handles Ollama's `{"error": "..."}`, OpenAI's and newer vLLM's `{"error": {"message": ...}}`,
    older vLLM's `{"object": "error", "message": ...}`, Anthropic's
    `{"type": "error", "error": {"type": ..., "message": ...}}`, FastAPI's `{"detail": ...}`, and plain text.
    """
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        return text.strip()[:2000] or "(empty response)"
    return payload_error(data) or text.strip()[:2000]


def payload_error(data: Any) -> str | None:
    """The error message carried by a parsed JSON payload, or None when it carries none."""
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, str):
        return error
    if isinstance(error, dict):
        message = str(error.get("message") or error.get("msg") or json.dumps(error))
        kind = error.get("type") or error.get("code")
        return f"{kind}: {message}" if isinstance(kind, str) and kind not in message else message
    if data.get("object") == "error" or data.get("type") == "error":
        return str(data.get("message") or json.dumps(data))
    detail = data.get("detail")
    if detail is not None:
        return detail if isinstance(detail, str) else json.dumps(detail)
    return None


def failure_kind(message: str, status: int | None = None) -> FailureKind:
    """The failure kind of an error message: context_exceeded, no_tool_support, model_not_found or backend_error."""
    if _CONTEXT.search(message):
        return FailureKind.CONTEXT_EXCEEDED
    if _NO_TOOLS.search(message):
        return FailureKind.NO_TOOL_SUPPORT
    if _NO_MODEL.search(message) and status in (None, 400, 404):
        return FailureKind.MODEL_NOT_FOUND
    return FailureKind.BACKEND_ERROR


def status_error(status: int, message: str, url: str, retry_after_s: float | None = None) -> Exception:
    """The exception for an HTTP error status: transient for 429 and 5xx, a `BackendError` otherwise."""
    kind = failure_kind(message, status)
    where = f"{url} answered {status}: {message}"
    if kind == FailureKind.BACKEND_ERROR and status in RETRY_STATUSES:
        return TransientError(where, retry_after_s=retry_after_s)
    if kind == FailureKind.BACKEND_ERROR and status == 404:
        return BackendError(f"{where} (is the base URL right?)")
    if kind == FailureKind.BACKEND_ERROR and status in (401, 403):
        return BackendError(f"{where} (set the API key: --api-key or the provider's *_API_KEY variable)")
    return BackendError(where, failure_kind=kind)


def stream_error(message: str, url: str) -> Exception:
    """The exception for an error that arrived inside a stream: classified, else transient."""
    kind = failure_kind(message)
    text = f"{url} reported an error mid-stream: {message}"
    if kind == FailureKind.BACKEND_ERROR:
        return TransientError(text)
    return BackendError(text, failure_kind=kind)
