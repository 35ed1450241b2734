"""URL and feed ingest: schemes, addresses, redirects, time, size and content types.

Every server here is on loopback, which the fetch policy refuses by default: the happy
paths opt in with ``allow_private`` (GEO_ALLOW_PRIVATE_URLS=1) and the refusals run
without it. Tests that need "this one server is fine, the next hop is not" treat only
127.0.0.1 as public (``public_loopback``), so the real policy judges every other address.
"""

from __future__ import annotations

import gzip
import ipaddress
import os
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import unquote

import pytest

from geo import _http, config
from geo.errors import (
    FetchError,
    FetchRefusedError,
    FetchTimeoutError,
    InputTooLargeError,
    InvalidInputError,
)
from geo.text.loading import fetch_document, load_article, load_articles

REPO = Path(__file__).resolve().parents[2]
BODY = (
    "Gunmen attacked an army post in Diéma on Sunday, killing two soldiers, a local official said. "
    "The attackers fled on motorcycles."
)
PAGE = f"<html><head><title>Attack in Diéma</title></head><body><article><p>{BODY}</p></article></body></html>"


def page(h):
    h.reply(PAGE.encode("utf-8"))


@pytest.fixture
def public_loopback(monkeypatch):
    """Treat 127.0.0.1 (the test servers) as a public address; every other address is
    judged by the real policy. For "an allowed hop, then a refused one"."""
    real = _http.address_problem

    def problem(ip):
        return None if ip == ipaddress.ip_address("127.0.0.1") else real(ip)

    monkeypatch.setattr(_http, "address_problem", problem)


# ---------------------------------------------------------------- happy paths


def test_article_page_is_fetched_with_allow_private(allow_private, serve_routes):
    srv, seen = serve_routes({"/a": page})
    a = load_article(srv.url + "a", fetch=True, published="2024-05-06")
    assert "Gunmen attacked an army post in Diéma" in a.text and a.title == "Attack in Diéma"
    assert a.url == srv.url + "a"
    headers = {k.lower(): v for k, v in seen[0]["headers"].items()}
    assert headers["user-agent"] == config.get_settings().user_agent
    assert headers["host"] == srv.url.split("/")[2]


def test_feed_is_fetched_and_its_entries_are_articles(allow_private, serve_routes):
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Sahel</title><language>en</language>
    <item><title>Attack in Diéma</title><link>https://example.org/1</link>
      <pubDate>Mon, 06 May 2024 08:00:00 GMT</pubDate><description>&lt;p&gt;{BODY}&lt;/p&gt;</description></item>
    <item><title>Clash near &lt;b onmouseover=alert(1)&gt;Nioro</title><link>javascript:alert(1)</link>
      <pubDate>Tue, 07 May 2024 08:00:00 GMT</pubDate>
      <description>&lt;script&gt;alert(1)&lt;/script&gt;{BODY.replace("Diéma", "Nioro")}</description></item>
    </channel></rss>"""
    srv, _ = serve_routes({"/feed.xml": lambda h: h.reply(rss.encode(), "application/rss+xml")})
    arts = load_articles(srv.url + "feed.xml", fetch=True)
    assert [a.url for a in arts] == ["https://example.org/1", None]  # a javascript: link is dropped
    assert arts[1].title == "Clash near Nioro" and "alert" not in arts[1].text
    assert "Nioro" in arts[1].text


def test_declared_charset_is_used(allow_private, serve_routes):
    text = "Des hommes armés ont attaqué le poste de Diéma mercredi, selon l'armée. " * 3
    srv, _ = serve_routes({"/l1": lambda h: h.reply(text.encode("latin-1"), "text/plain; charset=ISO-8859-1")})
    a = load_article(srv.url + "l1", fetch=True)
    assert "armés" in a.text and "Diéma" in a.text


def test_every_allowed_content_type_is_accepted(allow_private, serve_routes):
    # one server for every case (each loopback server costs half a second to stop)
    srv, _ = serve_routes({"/x": lambda h: h.reply(b"Gunmen attacked Kayes.", unquote(h.path.split("?t=")[1]))})
    for ctype in sorted(_http.ALLOWED_CONTENT_TYPES):
        doc = fetch_document(f"{srv.url}x?t={ctype};%20charset=utf-8")
        assert doc.content_type == ctype and doc.body == b"Gunmen attacked Kayes."
        assert doc.charset == "utf-8"


def test_redirects_are_followed_up_to_the_limit(allow_private, serve_routes):
    routes = {f"/r{i}": (lambda i: lambda h: h.redirect(f"/r{i + 1}"))(i) for i in range(5)}
    routes["/r5"] = page
    srv, _ = serve_routes(routes)
    doc = fetch_document(srv.url + "r0")  # exactly 5 redirects: the default limit
    assert doc.url == srv.url + "r5" and len(doc.redirects) == 5


# ---------------------------------------------------------------- schemes


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.org/article.txt",
        "data:text/html,<p>Gunmen%20attacked%20Kayes</p>",
        "gopher://127.0.0.1:70/_GET",
        "javascript:alert(1)",
        "dict://127.0.0.1:11211/stats",
        "//example.org/article",
    ],
)
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(FetchRefusedError, match="only http and https"):
        fetch_document(url)
    if not url.startswith("//"):
        with pytest.raises(FetchRefusedError, match="only http and https"):
            load_articles(url, fetch=True)  # not quietly read as the text "file:///etc/passwd"


@pytest.mark.parametrize(
    "url,why",
    [
        ("http://user:secret@example.org/a", "user name or password"),
        ("http://example.org@127.0.0.1/a", "user name or password"),
        ("http://exa mple.org/a", "spaces or control"),
        ("http://example.org/a\r\nHost: evil", "spaces or control"),
        ("http://[::1/a", "not a valid URL"),
        ("http://example.org:99999/a", "not a valid URL"),
        ("http:///a", "no host"),
        ("http://example.org:0/a", "port 0"),
        ("http://exa..mple.org/a", "not a valid host name"),
    ],
)
def test_malformed_urls_are_refused(url, why):
    with pytest.raises(FetchRefusedError, match=why):
        fetch_document(url)


def test_cli_refuses_other_schemes_clearly():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.run(
        [sys.executable, "-m", "geo", "extract", "file:///etc/passwd", "--fetch", "--json"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
    )
    assert p.returncode == 2 and "only http and https" in p.stderr and p.stdout == ""


# ---------------------------------------------------------------- addresses


def test_loopback_is_refused_by_default(serve_routes):
    srv, seen = serve_routes({"/a": page})
    with pytest.raises(FetchRefusedError, match="loopback.*GEO_ALLOW_PRIVATE_URLS"):
        load_article(srv.url + "a", fetch=True)
    port = srv.url.split(":")[2].rstrip("/")
    for host in ("localhost", "[::1]", "[::ffff:127.0.0.1]", "2130706433", "0x7f000001", "127.1", "0177.0.0.1"):
        with pytest.raises(FetchRefusedError, match="loopback"):
            fetch_document(f"http://{host}:{port}/a")
    assert seen == []  # nothing reached the server


@pytest.mark.parametrize(
    "address,label",
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "private"),  # reserved, which Python counts as private
        ("255.255.255.255", "private"),
        ("198.18.0.1", "private"),  # benchmarking
        ("100.64.0.1", "not a public"),  # carrier-grade NAT
        ("192.0.2.10", "private"),  # documentation
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("::127.0.0.1", "reserved"),  # IPv4-compatible (deprecated)
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a00:1::1", "private"),  # 6to4 of 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address, label):
    assert label in (_http.address_problem(ipaddress.ip_address(address)) or "public")
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(FetchRefusedError, match=label):
        fetch_document(f"http://{host}/")


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_public_addresses_pass_the_check(address):
    assert _http.address_problem(ipaddress.ip_address(address)) is None


def test_a_name_resolving_to_any_private_address_is_refused(monkeypatch):
    real = socket.getaddrinfo

    def fake(host, port, *args, **kw):
        if host == "news.example":  # one public and one private answer
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:192.168.0.7", port, 0, 0)),
            ]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(FetchRefusedError, match=r"news\.example \(::ffff:192\.168\.0\.7\) is a private"):
        fetch_document("http://news.example/a")


def test_the_connection_goes_to_the_checked_address(monkeypatch, public_loopback, serve_routes):
    """DNS rebinding: a name resolved once, checked, and connected to at that address.

    The fake resolver answers 127.0.0.1 (public here) the first time and a refused,
    unreachable address afterwards: a client that resolves again to connect would fail.
    """
    srv, seen = serve_routes({"/a": page})
    port = int(srv.url.split(":")[2].rstrip("/"))
    real = socket.getaddrinfo
    calls = []

    def fake(host, p, *args, **kw):
        if host == "rebind.example":
            calls.append(host)
            addr = "127.0.0.1" if len(calls) == 1 else "10.255.255.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addr, p))]
        return real(host, p, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    doc = fetch_document(f"http://rebind.example:{port}/a")
    assert b"Diema" in doc.body or "Diéma".encode() in doc.body
    assert calls == ["rebind.example"]  # resolved once
    assert seen[0]["headers"]["Host"] == f"rebind.example:{port}"  # the name, not the address


# ---------------------------------------------------------------- redirects


def test_redirect_loop_is_reported(allow_private, serve_routes):
    srv, _ = serve_routes({"/a": lambda h: h.redirect("/b"), "/b": lambda h: h.redirect("/a")})
    with pytest.raises(FetchRefusedError, match="redirect loop"):
        fetch_document(srv.url + "a")
    srv, _ = serve_routes({"/self": lambda h: h.redirect("/self", 301)})
    with pytest.raises(FetchRefusedError, match="redirect loop"):
        fetch_document(srv.url + "self")


def test_too_many_redirects(allow_private, serve_routes, set_env):
    routes = {f"/r{i}": (lambda i: lambda h: h.redirect(f"/r{i + 1}", 307))(i) for i in range(10)}
    routes["/r10"] = page
    srv, seen = serve_routes(routes)
    with pytest.raises(FetchRefusedError, match="more than 5 redirects"):
        fetch_document(srv.url + "r0")
    assert len(seen) == 6  # stopped at the sixth redirect, nothing fetched past it
    set_env(GEO_FETCH_MAX_REDIRECTS="0")
    with pytest.raises(FetchRefusedError, match="more than 0 redirects"):
        fetch_document(srv.url + "r9")


def test_redirect_to_a_refused_scheme(allow_private, serve_routes):
    locations = ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/_x", "data:text/plain,hi"]
    srv, _ = serve_routes({f"/{n}": (lambda loc: lambda h: h.redirect(loc))(loc) for n, loc in enumerate(locations)})
    for n, location in enumerate(locations):
        with pytest.raises(FetchRefusedError, match="only http and https"):
            fetch_document(f"{srv.url}{n}")


def test_redirect_from_an_allowed_to_a_refused_address(public_loopback, serve_routes):
    targets = [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.2:{port}/a",
        "http://[::1]:{port}/a",
        "http://10.0.0.1/",
        "http://0.0.0.0:{port}/a",
        "http://[fe80::1]:{port}/a",
    ]
    srv, seen = serve_routes({"/a": page})
    port = srv.url.split(":")[2].rstrip("/")
    routes = srv.httpd.RequestHandlerClass.routes
    for n, target in enumerate(targets):
        routes[f"/start{n}"] = (lambda t: lambda h: h.redirect(t))(target.format(port=port))
    assert fetch_document(srv.url + "a").body  # the first server itself is allowed here
    for n, target in enumerate(targets):
        with pytest.raises(FetchRefusedError, match="only public addresses"):
            fetch_document(f"{srv.url}start{n}")
    # the refused hops were never requested: only the allowed server saw anything
    assert [r["path"] for r in seen] == ["/a"] + [f"/start{n}" for n in range(len(targets))]


# ---------------------------------------------------------------- size


def test_oversize_body_with_content_length_is_refused_before_reading(allow_private, serve_routes, set_env):
    set_env(GEO_MAX_INPUT_BYTES="10000")
    srv, _ = serve_routes({"/big": lambda h: h.reply(b"a" * 50_000, "text/plain")})
    with pytest.raises(InputTooLargeError, match="50,000 bytes, over the limit of 10,000"):
        load_article(srv.url + "big", fetch=True)


def test_oversize_body_without_content_length_stops_at_the_limit(allow_private, serve_routes, set_env):
    """A close-delimited body of 20 MB: the fetch stops after ~100 KB and memory stays small."""
    set_env(GEO_MAX_INPUT_BYTES="100000")

    def endless(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Connection", "close")
        h.close_connection = True
        h.end_headers()
        chunk = b"Gunmen attacked Kayes. " * 2000
        for _ in range(20_000_000 // len(chunk)):
            h.wfile.write(chunk)

    srv, _ = serve_routes({"/endless": endless})
    tracemalloc.start()
    try:
        with pytest.raises(InputTooLargeError, match="over the limit of 100,000 bytes"):
            fetch_document(srv.url + "endless")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000


def test_chunked_oversize_body_stops_at_the_limit(allow_private, serve_routes, set_env):
    set_env(GEO_MAX_INPUT_BYTES="100000")

    def chunked(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        piece = b"<p>Gunmen attacked Kayes.</p>" * 1000
        for _ in range(400):
            h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        h.wfile.write(b"0\r\n\r\n")

    srv, _ = serve_routes({"/chunked": chunked})
    with pytest.raises(InputTooLargeError, match="over the limit"):
        fetch_document(srv.url + "chunked")


def test_compression_bomb_stops_at_the_decompressed_limit(allow_private, serve_routes, set_env):
    """50 MB of text gzipped to ~50 KB: the limit applies to what it decompresses to."""
    set_env(GEO_MAX_INPUT_BYTES="1000000")
    bomb = gzip.compress(b"Gunmen attacked Kayes. " * (50_000_000 // 23), compresslevel=9)
    assert len(bomb) < 1_000_000  # the compressed body itself is under the limit
    srv, _ = serve_routes({"/bomb": lambda h: h.reply(bomb, "text/plain", headers={"Content-Encoding": "gzip"})})
    tracemalloc.start()
    try:
        with pytest.raises(InputTooLargeError, match="over the limit of 1,000,000 bytes"):
            fetch_document(srv.url + "bomb")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_gzip_body_within_the_limit_is_decompressed(allow_private, serve_routes):
    srv, _ = serve_routes({"/gz": lambda h: h.reply(gzip.compress(PAGE.encode()), "text/html",
                                                     headers={"Content-Encoding": "gzip"})})
    assert "Diéma" in load_article(srv.url + "gz", fetch=True).text


# ---------------------------------------------------------------- time


def test_server_that_never_answers_times_out(allow_private, set_env):
    set_env(GEO_FETCH_TIMEOUT="0.3", GEO_FETCH_DEADLINE="5")
    with socket.socket() as listener:  # accepts connections (the backlog) and says nothing
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        port = listener.getsockname()[1]
        with pytest.raises(FetchTimeoutError, match="no answer within 0.3 s"):
            fetch_document(f"http://127.0.0.1:{port}/")


def test_body_dripping_one_byte_at_a_time_hits_the_deadline(allow_private, serve_routes, set_env):
    """Each byte arrives well within the read timeout; the total deadline stops it."""
    set_env(GEO_FETCH_TIMEOUT="5", GEO_FETCH_DEADLINE="0.5")

    def drip(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(400):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.02)

    srv, _ = serve_routes({"/drip": drip})
    with pytest.raises(FetchTimeoutError, match="longer than 0.5 s .GEO_FETCH_DEADLINE"):
        fetch_document(srv.url + "drip")


def test_headers_dripping_hit_the_deadline(allow_private, serve_routes, set_env):
    set_env(GEO_FETCH_TIMEOUT="5", GEO_FETCH_DEADLINE="0.5")

    def drip_headers(h):
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
        for _ in range(400):
            h.wfile.write(b"X-Slow: 1\r\n")
            h.wfile.flush()
            time.sleep(0.02)

    srv, _ = serve_routes({"/slowheaders": drip_headers})
    with pytest.raises(FetchTimeoutError, match="GEO_FETCH_DEADLINE"):
        fetch_document(srv.url + "slowheaders")


# ---------------------------------------------------------------- content types and statuses


def test_other_content_types_are_refused(allow_private, serve_routes):
    srv, _ = serve_routes({"/x": lambda h: h.reply(b"Gunmen attacked Kayes.", h.path.split("?t=")[1])})
    for ctype in ("image/png", "application/octet-stream", "application/pdf", "application/zip",
                  "text/javascript", "video/mp4", "application/x-sh", "multipart/form-data"):
        with pytest.raises(FetchRefusedError, match=f"content type {ctype} is not an article or a feed"):
            load_article(f"{srv.url}x?t={ctype}", fetch=True)


def test_missing_content_type_is_refused(allow_private, serve_routes):
    srv, _ = serve_routes({"/x": lambda h: h.reply(b"Gunmen attacked Kayes.", None)})
    with pytest.raises(FetchRefusedError, match="no Content-Type"):
        fetch_document(srv.url + "x")


def test_http_error_status_is_a_clear_error(allow_private, serve_routes):
    srv, _ = serve_routes({"/gone": lambda h: h.reply(b"gone", "text/plain", status=410)})
    with pytest.raises(FetchError, match="HTTP 410"):
        load_article(srv.url + "gone", fetch=True)
    with pytest.raises(FetchError, match="HTTP 404"):
        load_article(srv.url + "missing", fetch=True)


def test_fetch_errors_are_invalid_input_for_existing_callers():
    # the CLI, ingest and the dashboard catch InvalidInputError / GeoError
    assert issubclass(FetchRefusedError, InvalidInputError)
    assert issubclass(FetchTimeoutError, InvalidInputError) and issubclass(FetchTimeoutError, TimeoutError)


def test_settings_are_read_from_the_environment(set_env):
    s = config.get_settings()
    assert (s.allow_private_urls, s.fetch_timeout, s.fetch_deadline, s.fetch_max_redirects) == (False, 10.0, 30.0, 5)
    set_env(GEO_ALLOW_PRIVATE_URLS="yes", GEO_FETCH_TIMEOUT="2", GEO_FETCH_DEADLINE="7", GEO_FETCH_MAX_REDIRECTS="1")
    s = config.get_settings()
    assert (s.allow_private_urls, s.fetch_timeout, s.fetch_deadline, s.fetch_max_redirects) == (True, 2.0, 7.0, 1)
    set_env(GEO_ALLOW_PRIVATE_URLS="maybe")
    with pytest.raises(ValueError, match="GEO_ALLOW_PRIVATE_URLS"):
        config.get_settings()
