"""Safe downloads of URLs that users give as input (articles and feeds). Private plumbing.

:func:`fetch` is the only way :mod:`geo.text.loading` reads a URL. The URL comes from a
user, a feed or a redirect, so every hop is treated as hostile:

- **schemes**: ``http`` and ``https`` only (``file:``, ``ftp:``, ``data:``, ``gopher:`` ...
  are refused), no user name or password in the URL, no spaces or control characters.
- **addresses**: the host name is resolved once and every address it resolves to must
  be public. Loopback, private, link-local, multicast, reserved, unspecified, shared
  (CGNAT) and other non-global addresses are refused, IPv4 and IPv6 alike, including
  IPv4 addresses embedded in IPv6 ones (``::ffff:127.0.0.1``, NAT64, 6to4, Teredo).
  The connection then goes to the checked address itself (the Host header, TLS SNI and
  certificate check still use the name), so a DNS answer that changes between the check
  and the connection (DNS rebinding) cannot redirect it. ``GEO_ALLOW_PRIVATE_URLS=1``
  lifts the address check (an intranet news archive, tests on loopback).
- **redirects**: followed by hand, at most ``GEO_FETCH_MAX_REDIRECTS`` (5); each new URL
  goes through every check above again. A loop is reported as one.
- **time**: ``GEO_FETCH_TIMEOUT`` (10 s) to connect and for each read, and a total
  deadline ``GEO_FETCH_DEADLINE`` (30 s) for the whole fetch, redirects included. The
  deadline is enforced by a watchdog that shuts the socket, so a server that drips one
  byte at a time (in the headers or the body) cannot hold the fetch open.
- **size**: a ``Content-Length`` over ``GEO_MAX_INPUT_BYTES`` is refused before the body
  is read; otherwise the body is streamed and the fetch stops as soon as it passes the
  limit. Compressed bodies (gzip, deflate) are decompressed in bounded steps and the
  limit applies to the decompressed size, so a compression bomb stops early too.
- **content types**: only :data:`ALLOWED_CONTENT_TYPES` (HTML, plain text, JSON, RSS,
  Atom, XML); anything else, or no ``Content-Type`` at all, is refused before the body
  is read.

No proxy settings, cookies or credentials are used: the request goes straight to the
checked address. Errors are :class:`~geo.errors.FetchRefusedError` (the policy said no),
:class:`~geo.errors.FetchTimeoutError`, :class:`~geo.errors.InputTooLargeError` and
:class:`~geo.errors.FetchError` (anything else), all :class:`~geo.errors.InvalidInputError`.
"""

from __future__ import annotations

import codecs
import http.client
import ipaddress
import re
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.exceptions import HTTPError as _Urllib3Error
from urllib3.exceptions import SSLError as _Urllib3SSLError

from .config import Settings, get_settings
from .errors import FetchError, FetchRefusedError, FetchTimeoutError, InputTooLargeError

#: Media types accepted from a server: article pages, plain text, JSON and feeds.
ALLOWED_CONTENT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "application/json",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
    }
)
_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/rdf+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,application/json;q=0.8,text/plain;q=0.8"
)
SCHEMES = ("http", "https")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_BAD_URL_CHARS = re.compile(r"[\x00-\x20\x7f]")
_CHARSET = re.compile(r";\s*charset\s*=\s*\"?([A-Za-z0-9._:+-]{1,40})\"?", re.IGNORECASE)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_CHECKS = (
    ("is_unspecified", "an unspecified address"),
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address"),
    ("is_multicast", "a multicast address"),
    ("is_private", "a private address"),
    ("is_reserved", "a reserved address"),
)


@dataclass(frozen=True)
class Fetched:
    """A downloaded document: its bytes and what the server said they are."""

    url: str  # the URL the body came from (after redirects)
    body: bytes
    content_type: str  # media type, lower case ("text/html")
    charset: str | None  # the declared charset, when it names a known codec
    redirects: tuple[str, ...] = ()  # the URLs that answered with a redirect, in order


# ---------------------------------------------------------------- URL and address checks


def address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``ip`` is not a public address ("a loopback address", ...), or None if it is."""
    candidates: list[Any] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
            return address_problem(ip.ipv4_mapped)
        if any(ip in net for net in _NAT64):  # 64:ff9b::7f00:1 is 127.0.0.1 through NAT64
            return address_problem(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.is_site_local:
            return "a site-local address"
        if ip.sixtofour is not None:  # 2002:7f00:1:: carries 127.0.0.1
            candidates.append(ip.sixtofour)
        if ip.teredo is not None:
            candidates.extend(ip.teredo)
    for addr in candidates:
        for attr, label in _CHECKS:
            if getattr(addr, attr):
                return label
        if not addr.is_global:
            return "not a public address"
    return None


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of ``url``, or :class:`FetchRefusedError` saying what is wrong."""
    if not isinstance(url, str) or not url:
        raise FetchRefusedError("refused to fetch: no URL given")
    m = _SCHEME.match(url)
    scheme = m.group(1).lower() if m else ""
    if scheme not in SCHEMES:
        what = f"{scheme}:" if scheme else "a URL without a scheme"
        raise FetchRefusedError(f"refused to fetch {url!r}: only http and https URLs are fetched, not {what}")
    if _BAD_URL_CHARS.search(url):
        raise FetchRefusedError(f"refused to fetch {url!r}: the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefusedError(f"refused to fetch {url}: not a valid URL ({exc})") from None
    if parts.username is not None or parts.password is not None:
        raise FetchRefusedError(f"refused to fetch {url}: URLs with a user name or password are not fetched")
    host = parts.hostname or ""
    if not host:
        raise FetchRefusedError(f"refused to fetch {url}: the URL has no host name")
    if port == 0:
        raise FetchRefusedError(f"refused to fetch {url}: not a valid URL (port 0)")
    if _ip_literal(host) is None:
        try:  # labels checked; an international name becomes its ASCII form (Host, TLS, DNS)
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchRefusedError(f"refused to fetch {url}: {host!r} is not a valid host name") from None
    return scheme, host, port or (443 if scheme == "https" else 80)


def _ip_literal(host: str) -> Any:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def resolve(host: str, port: int, timeout: float, url: str = "") -> list[str]:
    """The addresses ``host`` resolves to (getaddrinfo, bounded by ``timeout`` seconds)."""
    if _ip_literal(host) is not None:
        return [host]
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name="geo-fetch-resolve", daemon=True)
    worker.start()
    worker.join(max(0.0, timeout))
    if worker.is_alive():
        raise FetchTimeoutError(f"could not fetch {url or host}: resolving {host} took longer than {timeout:g} s")
    if "error" in box:
        raise FetchError(f"could not fetch {url or host}: cannot resolve {host} ({box['error']})")
    return list(dict.fromkeys(info[4][0] for info in box["infos"]))


def checked_addresses(url: str, host: str, addresses: list[str], allow_private: bool) -> list[str]:
    """``addresses`` if every one is public (or ``allow_private``); else :class:`FetchRefusedError`."""
    if not addresses:
        raise FetchError(f"could not fetch {url}: {host} has no address")
    if allow_private:
        return addresses
    for a in addresses:
        ip = _ip_literal(a)
        problem = "not an IP address" if ip is None else address_problem(ip)
        if problem:
            shown = host if host == a else f"{host} ({a})"
            raise FetchRefusedError(
                f"refused to fetch {url}: {shown} is {problem}; only public addresses are fetched "
                "(set GEO_ALLOW_PRIVATE_URLS=1 to allow local and private ones)"
            )
    return addresses


# ---------------------------------------------------------------- connections pinned to an address


class _Watchdog:
    """Shuts the current socket when the total deadline passes (from a timer thread)."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def attach(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                self._shut()

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut()

    def _shut(self) -> None:
        if self._sock is not None:
            try:  # the plain socket's shutdown, also under TLS: wakes a blocked read
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
            except (OSError, ValueError, TypeError):
                pass

    def cancel(self) -> None:
        self._timer.cancel()


class _Watched:
    """Mixin: hand each new socket to the fetch's watchdog, so the deadline can close it
    (for HTTPS, before the TLS handshake, which is then watched too)."""

    def __init__(self, *args: Any, watchdog: _Watchdog | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._watchdog = watchdog

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        if self._watchdog is not None:
            self._watchdog.attach(sock)
        return sock


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass

    def connect(self) -> None:
        super().connect()
        if self._watchdog is not None:
            self._watchdog.attach(self.sock)


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _ca_certs() -> str | None:
    try:
        import certifi

        return certifi.where()
    except ImportError:  # pragma: no cover - certifi comes with requests
        return None


def _pool(scheme: str, address: str, host: str, port: int, watchdog: _Watchdog) -> urllib3.HTTPConnectionPool:
    common: dict[str, Any] = {"maxsize": 1, "block": False, "retries": False, "watchdog": watchdog}
    if scheme == "https":
        return _HTTPSPool(
            address,
            port,
            cert_reqs="CERT_REQUIRED",
            ca_certs=_ca_certs(),
            assert_hostname=host,
            server_hostname=host,
            **common,
        )
    return _HTTPPool(address, port, **common)


def _host_header(scheme: str, host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return name if port == default else f"{name}:{port}"


# ---------------------------------------------------------------- fetch


def _media_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    media = header.split(";", 1)[0].strip().lower()
    m = _CHARSET.search(header)
    charset = None
    if m:
        try:
            charset = codecs.lookup(m.group(1)).name
        except LookupError:
            charset = None
    return media, charset


def _settings_values(s: Settings) -> tuple[float, float, int, bool, int]:
    timeout = float(getattr(s, "fetch_timeout", 10.0))
    deadline = float(getattr(s, "fetch_deadline", 30.0))
    redirects = int(getattr(s, "fetch_max_redirects", 5))
    allow = bool(getattr(s, "allow_private_urls", False))
    if not timeout > 0 or not deadline > 0 or redirects < 0:
        raise FetchError(
            "fetch settings must be positive: GEO_FETCH_TIMEOUT, GEO_FETCH_DEADLINE > 0, GEO_FETCH_MAX_REDIRECTS >= 0"
        )
    return timeout, deadline, redirects, allow, int(s.max_input_bytes)


def fetch(url: str, settings: Settings | None = None) -> Fetched:
    """Download ``url`` under the policy in the module docstring."""
    s = settings or get_settings()
    timeout, deadline, max_redirects, allow_private, limit = _settings_values(s)
    watchdog = _Watchdog(deadline)
    original = url.strip() if isinstance(url, str) else url
    current = original
    seen: list[str] = []
    try:
        while True:
            resp, pool = _open(current, s, watchdog, timeout, allow_private)
            try:
                if resp.status in _REDIRECTS:
                    location = resp.headers.get("Location")
                    if not location:
                        raise FetchError(f"could not fetch {current}: HTTP {resp.status} redirect without a Location")
                    nxt = urljoin(current, location.strip())
                    seen.append(current)
                    if nxt in seen:
                        raise FetchRefusedError(f"refused to fetch {original}: redirect loop at {nxt}")
                    if len(seen) > max_redirects:
                        raise FetchRefusedError(
                            f"refused to fetch {original}: more than {max_redirects} redirects "
                            "(GEO_FETCH_MAX_REDIRECTS)"
                        )
                    current = nxt
                    continue
                if not 200 <= resp.status < 300:
                    reason = (resp.reason or "").strip()
                    raise FetchError(f"could not fetch {current}: HTTP {resp.status} {reason}".rstrip())
                media, charset = _media_type(resp.headers.get("Content-Type"))
                if not media:
                    raise FetchRefusedError(
                        f"refused to fetch {current}: the server did not say what it sent (no Content-Type)"
                    )
                if media not in ALLOWED_CONTENT_TYPES:
                    raise FetchRefusedError(
                        f"refused to fetch {current}: content type {media} is not an article or a feed "
                        f"(accepted: {', '.join(sorted(ALLOWED_CONTENT_TYPES))})"
                    )
                body = _read_body(resp, current, limit, watchdog, timeout)
                return Fetched(current, body, media, charset, tuple(seen))
            finally:
                resp.release_conn()
                resp.close()
                pool.close()
    finally:
        watchdog.cancel()


def _open(url: str, s: Settings, watchdog: _Watchdog, timeout: float, allow_private: bool):
    """Check ``url`` and send the GET request to a checked address; the response (headers read)."""
    scheme, host, port = check_url(url)
    remaining = watchdog.remaining()
    if remaining <= 0:
        raise FetchTimeoutError(f"could not fetch {url}: took longer than {watchdog.seconds:g} s (GEO_FETCH_DEADLINE)")
    addresses = checked_addresses(url, host, resolve(host, port, min(timeout, remaining), url), allow_private)
    parts = urlsplit(url)
    target = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_PATH_SAFE + "?")
    headers = {
        "Host": _host_header(scheme, host, port),
        "User-Agent": s.user_agent,
        "Accept": _ACCEPT,
        "Accept-Encoding": "gzip, deflate",
        "Connection": "close",
    }
    last: Exception | None = None
    for address in addresses:
        pool = _pool(scheme, address, host, port, watchdog)
        remaining = max(0.001, watchdog.remaining())
        try:
            resp = pool.urlopen(
                "GET",
                target,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=True,
                release_conn=False,
                timeout=urllib3.Timeout(connect=min(timeout, remaining), read=min(timeout, remaining)),
            )
            return resp, pool
        except NewConnectionError as exc:  # refused or unreachable: try the next address
            pool.close()
            last = exc
            continue
        except Exception as exc:  # noqa: BLE001 - mapped to one clear error below
            pool.close()
            raise _failure(url, exc, watchdog, timeout) from None
    raise _failure(url, last or OSError("no address could be reached"), watchdog, timeout) from None


def _read_body(resp, url: str, limit: int, watchdog: _Watchdog, timeout: float) -> bytes:
    length = resp.headers.get("Content-Length")
    if length is not None and length.strip().isdigit() and int(length) > limit:
        raise InputTooLargeError(
            f"refused to fetch {url}: it is {int(length):,} bytes, over the limit of {limit:,} bytes "
            "(raise it with GEO_MAX_INPUT_BYTES)"
        )
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            chunk = resp.read1(_CHUNK)
            if watchdog.expired:  # the watchdog shut the socket: what came is not the whole body
                raise FetchTimeoutError(
                    f"could not fetch {url}: took longer than {watchdog.seconds:g} s (GEO_FETCH_DEADLINE)"
                )
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise InputTooLargeError(
                    f"stopped fetching {url}: it is over the limit of {limit:,} bytes "
                    "(raise it with GEO_MAX_INPUT_BYTES)"
                )
            chunks.append(chunk)
    except (InputTooLargeError, FetchTimeoutError):
        raise
    except Exception as exc:  # noqa: BLE001
        raise _failure(url, exc, watchdog, timeout) from None
    return b"".join(chunks)


def _failure(url: str, exc: BaseException, watchdog: _Watchdog, timeout: float) -> Exception:
    """One clear error for whatever the network stack raised."""
    if isinstance(exc, (FetchError, InputTooLargeError)):
        return exc
    if watchdog.expired:
        return FetchTimeoutError(f"could not fetch {url}: took longer than {watchdog.seconds:g} s (GEO_FETCH_DEADLINE)")
    if isinstance(exc, NewConnectionError):
        return FetchError(f"could not fetch {url}: cannot connect ({_reason(exc)})")
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, socket.timeout, TimeoutError)):
        return FetchTimeoutError(f"could not fetch {url}: no answer within {timeout:g} s (GEO_FETCH_TIMEOUT)")
    if isinstance(exc, _Urllib3SSLError):
        return FetchError(f"could not fetch {url}: TLS error ({_reason(exc)})")
    if isinstance(exc, (_Urllib3Error, http.client.HTTPException, OSError, ValueError)):
        return FetchError(f"could not fetch {url}: {_reason(exc)}")
    return FetchError(f"could not fetch {url}: {type(exc).__name__}: {exc}")


def _reason(exc: BaseException) -> str:
    text = str(exc)
    # urllib3 prefixes its messages with the connection object's repr: keep the reason
    m = re.search(r"(?:Failed to establish a new connection|Connection refused|Name or service).*", text)
    text = m.group() if m else text
    return text[:300] or type(exc).__name__
