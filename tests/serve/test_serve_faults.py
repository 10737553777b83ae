"""Fault injection: latency, HTTP errors, malformed tool calls, broken streams, context and model errors."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from agentspec.serve import FAULT_HEADER, Faults, ModelServer, serve_in_thread
from agentspec.spec.model import Spec
from tests.serve.wire import BUILTIN_TOOLS, PATHS, PROTOCOLS, chat, parse_sse, request

HI = [{"role": "user", "content": "hi"}]


def _task(specs: list[Spec]) -> list[dict[str, str]]:
    return [{"role": "user", "content": next(s for s in specs if s.id == "ttl-cache").instructions}]


def test_latency_delays_the_first_byte(client: httpx.Client, server: ModelServer) -> None:
    server.faults = Faults(latency=3)
    started = time.perf_counter()
    assert chat(client, "ollama", request("ollama", "nop", HI, stream=True)).status == 200
    assert time.perf_counter() - started >= 3
    assert server.requests[-1].fault == "latency"
    started = time.perf_counter()
    client.get("/api/tags")
    assert time.perf_counter() - started < 2  # listing models is not delayed


def test_error_rate_is_deterministic_with_a_seed(seed_specs: list[Spec]) -> None:
    def statuses(seed: int) -> list[int]:
        body = request("ollama", "nop", HI, stream=False)
        running = serve_in_thread(seed_specs, faults=Faults(error_rate=0.5, seed=seed))
        with running, httpx.Client(base_url=running.url) as http:
            return [http.post("/api/chat", json=body).status_code for _ in range(20)]

    first = statuses(7)
    assert first == statuses(7)
    assert {200, 429, 500} == set(first)
    assert first != statuses(8)


@pytest.mark.parametrize(
    ("protocol", "status", "body"),
    [
        ("ollama", 500, {"error": "llama runner process has terminated: exit status 2"}),
        (
            "openai",
            429,
            {
                "error": {
                    "message": "rate limit exceeded, retry later",
                    "type": "RateLimitError",
                    "param": None,
                    "code": 429,
                }
            },
        ),
        ("anthropic", 529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    ],
)
def test_forced_errors_in_each_protocols_shape(
    client: httpx.Client, server: ModelServer, protocol: str, status: int, body: dict
) -> None:
    server.faults = Faults(error=status, retry_after=2)
    response = client.post(PATHS[protocol], json=request(protocol, "nop", HI, stream=True))
    assert response.status_code == status
    payload = response.json()
    payload.pop("request_id", None)
    assert payload == body
    if status != 500:
        assert response.headers["retry-after"] == "2" and response.headers["retry-after-ms"] == "2000"
    assert server.requests[-1].fault == "error"


def test_fault_header_overrides_per_request(client: httpx.Client, server: ModelServer) -> None:
    body = request("openai", "nop", HI, stream=False)
    assert (
        client.post(PATHS["openai"], json=body, headers={FAULT_HEADER: "error=503; retry-after=0"}).status_code == 503
    )
    assert client.post(PATHS["openai"], json=body).status_code == 200
    bad = client.post(PATHS["openai"], json=body, headers={FAULT_HEADER: "explode"})
    assert bad.status_code == 400 and "unknown fault 'explode'" in bad.json()["error"]["message"]


def test_legacy_vllm_error_shape(client: httpx.Client, server: ModelServer) -> None:
    server.faults = Faults(legacy_errors=True)
    response = client.post(PATHS["openai"], json=request("openai", "missing", HI, stream=False))
    assert response.json() == {
        "object": "error",
        "message": "The model `missing` does not exist.",
        "type": "NotFoundError",
        "param": None,
        "code": 404,
    }


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_malformed_json_arguments(
    seed_specs: list[Spec], client: httpx.Client, server: ModelServer, stream: bool
) -> None:
    server.faults = Faults(malformed="json")
    openai = chat(client, "openai", request("openai", "reference", _task(seed_specs), BUILTIN_TOOLS, stream=stream))
    ((name, arguments),) = openai.calls
    assert name == "write_file"
    with pytest.raises(json.JSONDecodeError):
        json.loads(arguments)
    # Ollama carries arguments as objects: the broken call comes out as text, as when its parser fails.
    ollama = chat(client, "ollama", request("ollama", "reference", _task(seed_specs), BUILTIN_TOOLS, stream=stream))
    assert ollama.calls == [] and ollama.text.startswith('<tool_call>\n{"name": "write_file"')
    assert server.requests[-1].fault == "malformed"


def test_malformed_anthropic_stream_has_broken_partial_json(
    seed_specs: list[Spec], client: httpx.Client, server: ModelServer
) -> None:
    server.faults = Faults(malformed="json")
    answer = chat(client, "anthropic", request("anthropic", "reference", _task(seed_specs), BUILTIN_TOOLS, stream=True))
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.calls[0][1])


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_tool_calls_as_text_and_unknown_tools(seed_specs: list[Spec], client: httpx.Client, protocol: str) -> None:
    body = request(protocol, "reference", _task(seed_specs), BUILTIN_TOOLS, stream=False)
    text = chat(client, protocol, body, headers={FAULT_HEADER: "malformed=text"})
    assert text.calls == [] and json.loads(text.text.split("\n")[1])["arguments"]["path"] == "cache.py"
    named = chat(client, protocol, body, headers={FAULT_HEADER: "malformed=name"})
    assert [name for name, _ in named.calls] == ["create_file"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_drop_mid_stream(client: httpx.Client, server: ModelServer, protocol: str) -> None:
    server.faults = Faults(drop_mid_stream=True)
    for stream in (True, False):
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(PATHS[protocol], json=request(protocol, "nop", HI, stream=stream))
        assert server.requests[-1].fault == "drop_mid_stream"
    server.faults = Faults()
    assert client.get("/api/tags").status_code == 200


def test_error_mid_stream(client: httpx.Client, server: ModelServer) -> None:
    server.faults = Faults(error_mid_stream=True)
    ollama = client.post(PATHS["ollama"], json=request("ollama", "nop", HI, stream=True)).text.splitlines()
    assert len(ollama) == 2 and json.loads(ollama[1]) == {"error": "llama runner process has terminated: exit status 2"}
    openai = parse_sse(client.post(PATHS["openai"], json=request("openai", "nop", HI, stream=True)).text)
    assert json.loads(openai[1][1])["error"]["code"] == 500 and openai[-1] == (None, "[DONE]")
    anthropic = parse_sse(client.post(PATHS["anthropic"], json=request("anthropic", "nop", HI, stream=True)).text)
    assert anthropic[-1][0] == "error" and json.loads(anthropic[-1][1])["error"]["type"] == "overloaded_error"


@pytest.mark.parametrize(
    ("protocol", "message"),
    [
        ("ollama", "the input length exceeds the context length"),
        ("openai", "This model's maximum context length is 50 tokens. However, you requested"),
        ("anthropic", "prompt is too long: "),
    ],
)
def test_context_length(
    seed_specs: list[Spec], client: httpx.Client, server: ModelServer, protocol: str, message: str
) -> None:
    server.faults = Faults(context_length=50)
    response = client.post(
        PATHS[protocol], json=request(protocol, "reference", _task(seed_specs), stream=False, max_tokens=100)
    )
    assert response.status_code == 400 and message in response.text
    assert chat(client, protocol, request(protocol, "nop", HI, stream=False)).status == 200


@pytest.mark.parametrize(
    ("protocol", "message"),
    [
        ("ollama", "registry.ollama.ai/library/notools does not support tools"),
        ("openai", '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'),
        ("anthropic", 'tools: model "notools" does not support tool use'),
    ],
)
def test_model_without_tools(seed_specs: list[Spec], client: httpx.Client, protocol: str, message: str) -> None:
    refused = chat(client, protocol, request(protocol, "notools", _task(seed_specs), BUILTIN_TOOLS, stream=False))
    assert refused.status == 400 and message in repr(refused.raw)
    answered = chat(client, protocol, request(protocol, "notools", _task(seed_specs), stream=False))
    assert answered.status == 200 and "cache.py\n```\n" in answered.text


@pytest.mark.parametrize(
    ("protocol", "body"),
    [
        ("ollama", {"error": 'model "missing-model" not found, try pulling it first'}),
        (
            "openai",
            {
                "error": {
                    "message": "The model `missing-model` does not exist.",
                    "type": "NotFoundError",
                    "param": None,
                    "code": 404,
                }
            },
        ),
        ("anthropic", {"type": "error", "error": {"type": "not_found_error", "message": "model: missing-model"}}),
    ],
)
def test_model_not_found(client: httpx.Client, protocol: str, body: dict) -> None:
    answer = chat(client, protocol, request(protocol, "missing-model", HI, stream=True))
    assert answer.status == 404
    answer.raw.pop("request_id", None)
    assert answer.raw == body


def test_strict_server_refuses_unknown_names(seed_specs: list[Spec]) -> None:
    with serve_in_thread(seed_specs, default_model=None) as strict, httpx.Client(base_url=strict.url) as http:
        assert http.post("/api/chat", json=request("ollama", "qwen3:8b", HI, stream=False)).status_code == 404
        assert http.post("/api/chat", json=request("ollama", "nop", HI, stream=False)).status_code == 200


def test_faults_validate() -> None:
    with pytest.raises(ValueError):
        Faults(error_rate=2)
    with pytest.raises(ValueError):
        Faults(malformed="sideways")  # type: ignore[arg-type]
