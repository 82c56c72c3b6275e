"""TLS and credentials, for real: a TLS-terminating proxy with basic auth in front of the node.

The proxy (a threaded ``http.server`` wrapped in TLS, certificates made at run time with
``openssl``: a private CA and a server certificate for 127.0.0.1) checks the
``Authorization`` header as a secured cluster does (401 and a ``security_exception`` body
otherwise) and forwards everything else to the session's node. So the backend's handshake,
CA handling and credentials are exercised end to end, without a security plugin.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from g60_reader.index.errors import IndexUnavailable
from g60_reader.index.registry import open_backend

from .test_backend import drop, newsroom, one_line, unique_index

pytestmark = pytest.mark.opensearch

USER, PASSWORD = "reader", "pa$$:wörd"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(where: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1 signed by it."""
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=g60 test CA", cwd=where,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1", cwd=where,
    )  # fmt: skip
    (where / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext", cwd=where,
    )  # fmt: skip
    return where / "ca.pem", where / "server.pem", where / "server.key"


class Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True
    upstream: tuple[str, int]
    expected: str
    requests: int = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Proxy

    def log_message(self, *args: object) -> None:
        pass

    def _relay(self) -> None:
        self.server.requests += 1
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.headers.get("Authorization") != self.server.expected:
            payload = (
                b'{"error":{"root_cause":[{"type":"security_exception","reason":"missing'
                b' authentication credentials"}],"type":"security_exception"},"status":401}'
            )
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _relay


@pytest.fixture(scope="module")
def tls_proxy(opensearch_url: str, tmp_path_factory) -> Iterator[tuple[int, Path, Proxy]]:
    ca, cert, key = make_certificates(tmp_path_factory.mktemp("tls"))
    server = Proxy(("127.0.0.1", 0), Handler)
    parts = urlsplit(opensearch_url)
    server.upstream = (parts.hostname or "127.0.0.1", parts.port or 9200)
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    server.expected = f"Basic {token}"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], ca, server
    server.shutdown()
    server.server_close()


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def test_tls_with_a_private_ca_and_credentials(opensearch_url, tls_proxy, tmp_path):
    port, ca, server = tls_proxy
    name = unique_index("g60-tls")
    url = f"opensearch+https://{USER}:{_quoted(PASSWORD)}@127.0.0.1:{port}/{name}?ca={ca}"
    backend = open_backend(url)
    assert PASSWORD not in backend.url and "***" in backend.url
    try:
        before = server.requests
        report = backend.update([newsroom(tmp_path / "news")], procs=1)
        assert report.added == 7 and server.requests > before  # through the proxy
        hit = backend.search("长三角").hits[0]
        assert hit.text[hit.spans[0][0] : hit.spans[0][1]] in ("长三角", "長三角")
    finally:
        backend.close()
        drop(opensearch_url, name)


def test_credentials_from_the_environment(opensearch_url, tls_proxy, monkeypatch):
    port, ca, _server = tls_proxy
    monkeypatch.setenv("G60_READER_OPENSEARCH_USER", USER)
    monkeypatch.setenv("G60_READER_OPENSEARCH_PASSWORD", PASSWORD)
    backend = open_backend(f"opensearch+https://127.0.0.1:{port}/{unique_index()}?ca={ca}")
    assert backend.exists() is False  # reached, authenticated, no index yet


def test_verify_false_skips_the_certificate_check(tls_proxy):
    port, _ca, _server = tls_proxy
    url = f"opensearch+https://{USER}:{_quoted(PASSWORD)}@127.0.0.1:{port}/x?verify=false"
    assert open_backend(url).exists() is False


@pytest.mark.parametrize(
    ("make_url", "says"),
    [
        (
            lambda port, ca: f"opensearch+https://{USER}:wrong@127.0.0.1:{port}/x?ca={ca}",
            "refused the credentials",
        ),
        (lambda port, ca: f"opensearch+https://127.0.0.1:{port}/x?ca={ca}", "credentials"),
        (
            lambda port, ca: f"opensearch+https://{USER}:{_quoted(PASSWORD)}@127.0.0.1:{port}/x",
            "TLS certificate is not trusted",
        ),
    ],
    ids=["wrong password", "no credentials", "unknown CA"],
)
def test_refusals_are_one_line(tls_proxy, monkeypatch, make_url, says):
    monkeypatch.delenv("G60_READER_OPENSEARCH_USER", raising=False)
    port, ca, _server = tls_proxy
    url = make_url(port, ca)
    backend = open_backend(url)
    for call in (backend.exists, lambda: backend.search("嘉兴")):
        with pytest.raises(IndexUnavailable) as caught:
            call()
        message = one_line(str(caught.value))
        assert says in message and f"127.0.0.1:{port}/x" in message
        assert "wrong@" not in message and PASSWORD not in message


def test_tls_to_a_plain_http_port_is_one_line(opensearch_url):
    port = urlsplit(opensearch_url).port
    backend = open_backend(f"opensearch+https://127.0.0.1:{port}/x")
    with pytest.raises(IndexUnavailable) as caught:
        backend.exists()
    assert "does not speak TLS" in one_line(str(caught.value))
