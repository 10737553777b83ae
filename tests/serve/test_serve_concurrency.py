"""Many attempts at once: parallel streaming requests are served side by side."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from agentspec.serve import Faults, ModelServer
from agentspec.spec.model import Spec
from tests.serve.wire import BUILTIN_TOOLS, PATHS, PROTOCOLS, parse_sse, request


async def _stream(http: httpx.AsyncClient, protocol: str, spec: Spec) -> str:
    body = request(protocol, "reference", [{"role": "user", "content": spec.instructions}], BUILTIN_TOOLS, stream=True)
    async with http.stream("POST", PATHS[protocol], json=body) as response:
        assert response.status_code == 200
        return (await response.aread()).decode()


def _written(protocol: str, text: str) -> set[str]:
    if protocol == "ollama":
        chunks = [json.loads(line) for line in text.splitlines()]
        return {t["function"]["arguments"]["path"] for c in chunks for t in c["message"].get("tool_calls", [])}
    arguments: dict[int, str] = {}
    for _, data in parse_sse(text):
        if data == "[DONE]":
            continue
        payload = json.loads(data)
        if protocol == "openai":
            for call in payload["choices"][0]["delta"].get("tool_calls", []) if payload["choices"] else []:
                arguments[call["index"]] = arguments.get(call["index"], "") + call["function"].get("arguments", "")
        elif payload["type"] == "content_block_delta":
            arguments[payload["index"]] = arguments.get(payload["index"], "") + payload["delta"]["partial_json"]
    return {json.loads(a)["path"] for a in arguments.values()}


def test_eight_parallel_streams(seed_specs: list[Spec], server: ModelServer) -> None:
    server.faults = Faults(latency=1.0)
    jobs = [(PROTOCOLS[i % 3], spec) for i, spec in enumerate(seed_specs)]
    assert len(jobs) == 8

    async def run() -> list[str]:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            return await asyncio.gather(*(_stream(http, protocol, spec) for protocol, spec in jobs))

    started = time.perf_counter()
    texts = asyncio.run(run())
    elapsed = time.perf_counter() - started
    # One after another they would take 8 s; together, about 1.
    assert elapsed < 4, f"8 requests with 1 s latency took {elapsed:.2f} s: not served in parallel"
    for (protocol, spec), text in zip(jobs, texts, strict=True):
        changed = {f.path for f in spec.solution if f.text != {s.path: s.text for s in spec.files}.get(f.path)}
        assert _written(protocol, text) == changed, spec.id
    assert len(server.requests) == 8 and all(r.stream for r in server.requests)
