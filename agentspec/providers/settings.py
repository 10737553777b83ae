"""How providers talk to a server: streaming, timeouts (per model if need be), retries, credentials, sampling."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Most tokens per reply unless a run or spec says otherwise: enough for a whole file written in one call,
# small enough that a prompt plus this fits vLLM's check against max_model_len on a 32k context.
DEFAULT_MAX_TOKENS = 4096


@dataclass(frozen=True)
class Timeouts:
    """The deadlines of one model request, in seconds.

    Attributes:
        connect_s: To open the TCP connection. Only this kind of failure is safe to retry at once.
        first_token_s: From sending the request to the first generated token (streaming), which covers
            loading the model and reading the prompt; slow local models need a long one.
        idle_s: Longest silence between two streamed lines once tokens flow.
        total_s: The whole request, first byte to last (also the only deadline when not streaming).
    """

    connect_s: float = 10.0
    first_token_s: float = 600.0
    idle_s: float = 180.0
    total_s: float = 1800.0

    def __post_init__(self) -> None:
        for name in ("connect_s", "first_token_s", "idle_s", "total_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")


@dataclass(frozen=True)
class ProviderSettings:
    """Settings shared by every provider; a run uses one, the CLI builds it from flags.

    Attributes:
        stream: Stream replies (NDJSON for Ollama, SSE for OpenAI and Anthropic) or take them whole.
        timeouts: The default deadlines of a request.
        model_timeouts: Deadlines for particular models, keyed by `provider/name` or bare name.
        retries: How many times a failed request is sent again (429, 5xx, refused or dropped connections);
            a request that was merely slow is never sent again.
        backoff_s: The first retry's delay; it doubles each time, with jitter, up to `max_backoff_s`.
        max_backoff_s: The longest delay between retries, also the cap on a server's Retry-After.
        api_key: A key for the server; otherwise OPENAI_API_KEY, ANTHROPIC_API_KEY or
            ANTHROPIC_AUTH_TOKEN are read from the environment.
        think: Ollama's `think` field, always sent unless None (False keeps thinking models quick).
        num_ctx: Ollama's `options.num_ctx`, the context window to load the model with.
        max_tokens: Most tokens per reply, sent with every request (`max_tokens`, Ollama's `num_predict`);
            None leaves it to the server (Anthropic requires one: DEFAULT_MAX_TOKENS is sent there).
        temperature: Sampling temperature, or None for the server's default.
        headers: More HTTP headers for every request (a gateway's, or `x-agentspec-fault` for `agentspec serve`).
    """

    stream: bool = True
    timeouts: Timeouts = field(default_factory=Timeouts)
    model_timeouts: Mapping[str, Timeouts] = field(default_factory=dict)
    retries: int = 4
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    api_key: str | None = None
    think: bool | str | None = False
    num_ctx: int | None = None
    max_tokens: int | None = DEFAULT_MAX_TOKENS
    temperature: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def timeouts_for(self, provider: str, name: str) -> Timeouts:
        """The deadlines for one model: its own entry if it has one, else the defaults."""
        for key in (f"{provider}/{name}", name):
            if key in self.model_timeouts:
                return self.model_timeouts[key]
        return self.timeouts
