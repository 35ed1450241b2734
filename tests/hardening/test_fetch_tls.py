"""HTTPS through a pinned address: certificates are verified against the host name.

The fetch connects to the address it checked, not to whatever the name resolves to at
connect time; these tests make sure that does not switch certificate checking off: the
name is still sent (SNI) and the certificate must be valid for it. A self-signed
certificate is made with the ``openssl`` command (skipped where it is absent).
"""

from __future__ import annotations

import http.server
import ipaddress
import shutil
import socket
import ssl
import subprocess

import pytest

from geo import _http
from geo.errors import FetchError
from geo.text.loading import fetch_document

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is absent")


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    key, crt = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=news.example",
         "-addext", "subjectAltName=DNS:news.example", "-keyout", str(key), "-out", str(crt)],
        check=True, capture_output=True, timeout=60,
    )
    return crt, key


class _Page(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802
        type(self).seen.append(dict(self.headers))
        body = b"<html><body><p>Gunmen attacked an army post in Kayes on Sunday.</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def tls_server(serve_handler, cert, monkeypatch):
    """An HTTPS server on 127.0.0.1 for "news.example" (which resolves there, and counts
    as public here), its port, and the requests it saw."""
    handler = type("Page", (_Page,), {"seen": []})
    srv = serve_handler(handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    srv.httpd.socket = ctx.wrap_socket(srv.httpd.socket, server_side=True)
    real_resolve, real_problem = socket.getaddrinfo, _http.address_problem

    def fake_resolve(host, port, *args, **kw):
        if host == "news.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real_resolve(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", fake_resolve)
    monkeypatch.setattr(
        _http, "address_problem", lambda ip: None if ip == ipaddress.ip_address("127.0.0.1") else real_problem(ip)
    )
    return srv.httpd.server_address[1], handler.seen


def test_an_untrusted_certificate_is_refused(tls_server):
    port, seen = tls_server
    with pytest.raises(FetchError, match="TLS error"):
        fetch_document(f"https://news.example:{port}/a")
    assert seen == []


def test_a_trusted_certificate_for_the_name_is_accepted(tls_server, cert, monkeypatch):
    port, seen = tls_server
    monkeypatch.setattr(_http, "_ca_certs", lambda: str(cert[0]))
    doc = fetch_document(f"https://news.example:{port}/a")
    assert b"Kayes" in doc.body and doc.url.startswith("https://news.example")
    assert seen[0]["Host"] == f"news.example:{port}"


def test_a_certificate_for_another_name_is_refused(tls_server, cert, monkeypatch):
    port, _ = tls_server
    monkeypatch.setattr(_http, "_ca_certs", lambda: str(cert[0]))
    with pytest.raises(FetchError, match="TLS error"):
        fetch_document(f"https://127.0.0.1:{port}/a")  # the certificate names news.example only
