"""The exchange the three wire protocols share: one JSON POST to a chat path, read as a stream or whole."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from agentspec.providers.base import Message, Provider, Reply, ToolSpec
from agentspec.providers.http import HttpClient, StreamClock


class HttpProvider(Provider):
    """A provider whose `chat` is one POST to `chat_path` over `self.http`; subclasses build and read it."""

    chat_path: ClassVar[str]
    http: HttpClient

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
        return replace(reply, duration_s=result.duration_s, first_token_s=result.first_token_s, retries=result.retries)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()
