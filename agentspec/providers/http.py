"""The HTTP layer every provider shares: deadlines, retries with backoff, and error mapping.

Connect, first-token, idle and total deadlines are kept apart (`Timeouts`). A request is sent again
after a refused or dropped connection, a 429 or 5xx answer (waiting as long as Retry-After asks, up
to a cap), or a stream that broke off; never after a deadline passed, since a slow model would only
be slow again.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import json
import os
import random
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from agentspec.errors import BackendError
from agentspec.failures import FailureKind
from agentspec.providers.classify import ServerUnreachable, TransientError, error_text, status_error
from agentspec.providers.settings import ProviderSettings, Timeouts

T = TypeVar("T")


def tls_context() -> ssl.SSLContext:
    """The TLS settings every client shares: httpx's defaults, honouring `SSL_CERT_FILE` and `SSL_CERT_DIR`.

    Each new client used to load the CA bundle again: about 90 ms of CPU (measured), paid by every attempt
    and every preflight, for servers that are mostly plain HTTP on loopback. Built once per CA setting.
    """
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context()


class StreamClock:
    """Moves a stream's deadline: first token, then idle gaps, never past the total."""

    def __init__(self, deadline: asyncio.Timeout, timeouts: Timeouts) -> None:
        self._deadline = deadline
        self._timeouts = timeouts
        self._loop = asyncio.get_running_loop()
        self.started = self._loop.time()
        self.first_token_s: float | None = None
        self._total_at = self.started + timeouts.total_s
        deadline.reschedule(min(self.started + timeouts.first_token_s, self._total_at))

    def token(self) -> None:
        """Note that generated content arrived (the first call fixes the time to first token)."""
        if self.first_token_s is None:
            self.first_token_s = self._loop.time() - self.started
            self.line()

    def line(self) -> None:
        """Note that a line arrived; once tokens flow, the idle deadline starts again."""
        if self.first_token_s is not None:
            self._deadline.reschedule(min(self._loop.time() + self._timeouts.idle_s, self._total_at))

    def phase(self) -> str:
        """Which deadline passed, for the error message."""
        if self.first_token_s is None and self._timeouts.first_token_s < self._timeouts.total_s:
            return f"no first token within {self._timeouts.first_token_s:g}s"
        if self._loop.time() >= self._total_at - 0.001:
            return f"the request took longer than its total timeout of {self._timeouts.total_s:g}s"
        return f"the stream went silent for {self._timeouts.idle_s:g}s"


@dataclass(frozen=True)
class Result:
    """What one successful exchange gave: the consumer's value and how it went."""

    value: Any
    duration_s: float
    first_token_s: float | None
    retries: int


Consumer = Callable[[AsyncIterator[str], StreamClock], Awaitable[T]]


class HttpClient:
    """An httpx client bound to one server, with the retry and deadline policy of `ProviderSettings`."""

    def __init__(
        self, base_url: str, settings: ProviderSettings, timeouts: Timeouts, headers: Mapping[str, str], hint: str
    ) -> None:
        """Open the client.

        Args:
            base_url: The server's URL; request paths are relative to it.
            settings: Retry policy.
            timeouts: This model's deadlines.
            headers: Sent with every request (credentials, versions).
            hint: How to start the server, said when it cannot be reached.
        """
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.timeouts = timeouts
        self.hint = hint
        limit = httpx.Timeout(connect=timeouts.connect_s, read=None, write=timeouts.connect_s, pool=None)
        merged = {**headers, **settings.headers}
        self._client = httpx.AsyncClient(base_url=self.base_url, headers=merged, timeout=limit, verify=tls_context())

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    def url(self, path: str) -> str:
        """The full URL of `path` (absolute URLs are left as they are)."""
        return path if "://" in path else self.base_url + path

    async def get_json(self, path: str, *, retries: int | None = None) -> Any:
        """GET `path` and parse its JSON answer."""
        result = await self.exchange("GET", path, None, _read_json, retries=retries)
        return result.value

    async def post_json(self, path: str, body: Mapping[str, Any], *, retries: int | None = None) -> Result:
        """POST `body` and parse the JSON answer (not streamed: only the total deadline applies)."""
        return await self.exchange("POST", path, body, _read_json, retries=retries)

    async def stream(self, path: str, body: Mapping[str, Any], consume: Consumer[T]) -> Result:
        """POST `body` and hand the answer's lines to `consume`, under the streaming deadlines."""
        return await self.exchange("POST", path, body, consume, streaming=True)

    async def exchange(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        consume: Consumer[T],
        *,
        streaming: bool = False,
        retries: int | None = None,
    ) -> Result:
        """Send one request, with retries; `consume` reads the answer's lines (a 2xx answer only)."""
        budget = self.settings.retries if retries is None else retries
        attempt = 0
        while True:
            try:
                value, clock = await self._once(method, path, body, consume, streaming)
            except TransientError as exc:
                if attempt >= budget:
                    error = ServerUnreachable if exc.unreachable else BackendError
                    raise error(f"{exc} (gave up after {attempt + 1} tries)") from exc
                await asyncio.sleep(self._delay(attempt, exc.retry_after_s))
                attempt += 1
                continue
            duration = asyncio.get_running_loop().time() - clock.started
            return Result(value, duration, clock.first_token_s if streaming else None, attempt)

    def _delay(self, attempt: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), self.settings.max_backoff_s)
        delay = min(self.settings.backoff_s * 2.0**attempt, self.settings.max_backoff_s)
        return delay * random.uniform(0.5, 1.0)

    async def _once(
        self, method: str, path: str, body: Mapping[str, Any] | None, consume: Consumer[T], streaming: bool
    ) -> tuple[T, StreamClock]:
        url = self.url(path)
        timeouts = self.timeouts if streaming else _whole(self.timeouts)
        deadline = asyncio.timeout(None)
        try:
            async with deadline:
                clock = StreamClock(deadline, timeouts)
                async with self._client.stream(method, path, json=body) as response:
                    if response.status_code >= 400:
                        text = error_text(await response.aread())
                        raise status_error(response.status_code, text, url, _retry_after(response))
                    return await consume(_lines(response, clock), clock), clock
        except TimeoutError as exc:
            if not deadline.expired():
                raise
            raise BackendError(f"{url}: {clock.phase()}", failure_kind=FailureKind.BACKEND_TIMEOUT) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise TransientError(f"cannot reach {url}: {_reason(exc)}; {self.hint}", unreachable=True) from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise TransientError(f"the connection to {url} broke: {_reason(exc)}") from exc
        except httpx.HTTPError as exc:
            raise BackendError(f"{url}: {_reason(exc)}") from exc


def _whole(timeouts: Timeouts) -> Timeouts:
    """Without streaming the first token is the whole reply, so the total deadline is the only one."""
    return Timeouts(timeouts.connect_s, timeouts.total_s, timeouts.total_s, timeouts.total_s)


async def _lines(response: httpx.Response, clock: StreamClock) -> AsyncIterator[str]:
    async for line in response.aiter_lines():
        clock.line()
        yield line


async def _read_json(lines: AsyncIterator[str], clock: StreamClock) -> Any:
    text = "\n".join([line async for line in lines])
    clock.token()
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BackendError(f"the server sent something that is not JSON: {text[:200]!r}") from exc


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment: float = email.utils.parsedate_to_datetime(value).timestamp()
        return moment - time.time()
    except (TypeError, ValueError):
        return None


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
