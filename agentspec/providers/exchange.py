"""The exchange the three wire protocols share: one JSON POST to a chat path, read as a stream or whole."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from agentspec.errors import BackendError
from agentspec.failures import FailureKind
from agentspec.providers.base import Message, Provider, Reply, ToolSpec
from agentspec.providers.http import HttpClient, StreamClock
from agentspec.providers.truncation import PromptWatch


class HttpProvider(Provider):
    """A provider whose `chat` is one POST to `chat_path` over `self.http`; subclasses build and read it."""

    chat_path: ClassVar[str]
    http: HttpClient
    # Servers of this protocol may cut an over-long prompt and answer 200 (Ollama, llama.cpp with context shift):
    # how to name them, and what to do about it. None: they refuse such a prompt instead, and nothing is watched.
    truncating_server: ClassVar[str | None] = None
    truncation_advice: ClassVar[str] = ""
    _prompts: PromptWatch | None = None

    @abstractmethod
    def body(self, messages: Sequence[Message], tools: Sequence[ToolSpec], stream: bool) -> dict[str, Any]:
        """The request body in this protocol."""

    @abstractmethod
    async def _consume(self, lines: AsyncIterator[str], clock: StreamClock) -> Reply:
        """Read a streamed reply (NDJSON or SSE lines) into one `Reply`."""

    @abstractmethod
    def _whole(self, data: Any) -> Reply:
        """Read a whole (not streamed) JSON reply."""

    async def chat(self, messages: Sequence[Message], tools: Sequence[ToolSpec], *, stream: bool) -> Reply:
        """One exchange at `chat_path`, streamed or whole, with its timings and retries on the reply."""
        body = self.body(messages, tools, stream)
        if stream:
            result = await self.http.stream(self.chat_path, body, self._consume)
            reply: Reply = result.value
        else:
            result = await self.http.post_json(self.chat_path, body)
            reply = self._whole(result.value)
        reply = replace(reply, duration_s=result.duration_s, first_token_s=result.first_token_s, retries=result.retries)
        if self.truncating_server is not None:
            self._check_truncation(messages, tools, reply)
        return reply

    def _check_truncation(self, messages: Sequence[Message], tools: Sequence[ToolSpec], reply: Reply) -> None:
        """Raise `context_truncated` when the reply's prompt count shows the server cut the prompt silently."""
        if self._prompts is None:
            self._prompts = PromptWatch()
        truncated = self._prompts.check(messages, tools, reply.usage.input_tokens)
        if truncated is not None:
            raise BackendError(
                f"{self.truncating_server} at {self.http.base_url} cut the prompt of {self.model!r} to fit its "
                f"context without an error: {truncated}. {self.truncation_advice}",
                failure_kind=FailureKind.CONTEXT_TRUNCATED,
            )

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()
