"""What the server says about its models, in each protocol's shape."""

from __future__ import annotations

import httpx

from agentspec.serve import ModelServer


def test_ollama_tags_version_and_ps(client: httpx.Client) -> None:
    tags = client.get("/api/tags").json()["models"]
    assert [m["name"] for m in tags] == ["reference:latest", "nop:latest", "notools:latest"]
    for model in tags:
        assert len(model["digest"]) == 64 and model["size"] > 0
        assert model["details"]["quantization_level"] and model["details"]["format"] == "gguf"
    assert client.get("/api/version").json()["version"].count(".") == 2
    assert len(client.get("/api/ps").json()["models"]) == 3
    assert client.get("/").text == "Ollama is running"
    assert client.head("/").status_code == 200


def test_ollama_show(client: httpx.Client) -> None:
    shown = client.post("/api/show", json={"model": "reference"}).json()
    assert "tools" in shown["capabilities"] and "completion" in shown["capabilities"]
    info = shown["model_info"]
    assert info[f"{info['general.architecture']}.context_length"] == 32768
    assert shown["details"]["quantization_level"] == "Q4_K_M"
    assert ".Tools" in shown["template"]
    # aider (through litellm) sends the older `name` field; tags and prefixes are ignored.
    assert client.post("/api/show", json={"name": "reference:latest"}).json()["capabilities"] == shown["capabilities"]
    no_tools = client.post("/api/show", json={"model": "notools"}).json()
    assert "tools" not in no_tools["capabilities"]
    missing = client.post("/api/show", json={"model": "missing-model"})
    assert missing.status_code == 404
    assert missing.json() == {"error": 'model "missing-model" not found, try pulling it first'}


def test_show_reports_the_context_length_fault(seed_specs: list, client: httpx.Client, server: ModelServer) -> None:
    from agentspec.serve import Faults

    server.faults = Faults(context_length=4096)
    info = client.post("/api/show", json={"model": "nop"}).json()["model_info"]
    assert info["agentspec.context_length"] == 4096
    assert {m["max_model_len"] for m in client.get("/v1/models").json()["data"]} == {4096}


def test_openai_models(client: httpx.Client) -> None:
    listing = client.get("/v1/models").json()
    assert listing["object"] == "list"
    assert [m["id"] for m in listing["data"]] == ["reference", "nop", "notools"]
    assert all(m["object"] == "model" and m["max_model_len"] == 32768 for m in listing["data"])
    assert client.get("/v1/models/reference").json()["id"] == "reference"
    assert client.get("/v1/models/missing").status_code == 404


def test_anthropic_models_and_count_tokens(client: httpx.Client) -> None:
    headers = {"anthropic-version": "2023-06-01", "x-api-key": "x"}
    listing = client.get("/v1/models", headers=headers).json()
    assert listing["has_more"] is False and listing["data"][0]["type"] == "model"
    body = {"model": "reference", "messages": [{"role": "user", "content": "hello " * 100}]}
    counted = client.post("/v1/messages/count_tokens?beta=true", json=body, headers=headers).json()
    assert 100 < counted["input_tokens"] < 400


def test_unknown_routes(client: httpx.Client) -> None:
    assert client.get("/api/nothing").status_code == 404
    assert client.get("/v1/nothing").json() == {"detail": "Not Found"}
    anthropic = client.get("/v1/nothing", headers={"anthropic-version": "2023-06-01"})
    assert anthropic.json()["type"] == "error" and anthropic.json()["error"]["type"] == "not_found_error"


def test_request_log(client: httpx.Client, server: ModelServer) -> None:
    client.get("/api/tags")
    client.post("/api/chat", json={"model": "nop", "messages": [{"role": "user", "content": "hi"}]})
    tags, chat = server.requests
    assert (tags.method, tags.path, tags.protocol, tags.status) == ("GET", "/api/tags", None, 200)
    assert (chat.protocol, chat.model, chat.stream, chat.status) == ("ollama", "nop", True, 200)
    assert chat.body["messages"][0]["content"] == "hi"
    server.clear_requests()
    assert server.requests == []
