"""Model servers over HTTPS: the CA bundle a user names in SSL_CERT_FILE is trusted, and nothing else is.

The clients share one TLS context per CA setting (building one loads the whole CA bundle); these tests hold
that sharing to the behaviour of a fresh context: a change of SSL_CERT_FILE takes effect at once.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agentspec.errors import BackendError
from agentspec.providers.http import HttpClient
from agentspec.providers.settings import ProviderSettings, Timeouts


class _Models(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"data": [{"id": "served-model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself, and its key (openssl, as a user would make one)."""
    openssl = shutil.which("openssl")
    assert openssl, "openssl is part of every Debian image (apt-get install openssl)"
    cert, key = folder / "server.pem", folder / "server.key"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on a free loopback port, and the certificate that vouches for it."""
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with ThreadingHTTPServer(("127.0.0.1", 0), _Models) as server:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"https://127.0.0.1:{server.server_address[1]}", cert
        server.shutdown()


def list_models(url: str) -> Any:
    async def ask() -> Any:
        client = HttpClient(url, ProviderSettings(retries=0), Timeouts(), {}, "start the server")
        try:
            return await client.get_json("/v1/models")
        finally:
            await client.aclose()

    return asyncio.run(ask())


def test_a_server_whose_certificate_is_in_ssl_cert_file_is_trusted(
    https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert = https_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    for _ in range(2):  # the second client reuses the first one's context
        assert list_models(url) == {"data": [{"id": "served-model"}]}


def test_a_certificate_nobody_vouches_for_is_refused_even_after_it_was_trusted(
    https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url, cert = https_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    assert list_models(url)["data"]
    other, _ = self_signed(tmp_path)  # same name, another key: not the server's
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    with pytest.raises(BackendError, match="(?i)certificate"):
        list_models(url)
