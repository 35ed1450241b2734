"""Fixtures for the hardening tests: fetch settings, loopback routes, a hang guard.

The loopback servers come from tests/conftest.py (``serve_handler``). Loopback is a
refused address by default, so happy paths opt in with ``allow_private`` and the
refusals are asserted without it.
"""

from __future__ import annotations

import http.server
import multiprocessing
import os
import threading
from typing import Callable, Iterator

import pytest

from geo import config

FETCH_VARS = (
    "GEO_ALLOW_PRIVATE_URLS",
    "GEO_FETCH_TIMEOUT",
    "GEO_FETCH_DEADLINE",
    "GEO_FETCH_MAX_REDIRECTS",
    "GEO_MAX_INPUT_BYTES",
)

#: Seconds a hostile-input case may run before the test calls it a hang. Not a speed
#: assertion: every case finishes in well under a second; the quadratic code these tests
#: guard against took minutes to hours on the same inputs. Speed is measured in
#: bench/hostile.py.
HANG_SECONDS = float(os.environ.get("GEO_TEST_HANG_SECONDS", "120"))


@pytest.fixture(autouse=True)
def clean_fetch_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No fetch or size setting leaks in from the developer's environment."""
    for var in FETCH_VARS:
        monkeypatch.delenv(var, raising=False)
    config.get_settings.cache_clear()
    yield
    config.get_settings.cache_clear()


@pytest.fixture
def set_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``set_env(GEO_X="1", ...)``: set variables and re-read the settings."""

    def apply(**values: str) -> None:
        for k, v in values.items():
            monkeypatch.setenv(k, v)
        config.get_settings.cache_clear()

    return apply


@pytest.fixture
def allow_private(set_env) -> None:
    """Let fetching reach the tests' own loopback servers."""
    set_env(GEO_ALLOW_PRIVATE_URLS="1")


class Routes(http.server.BaseHTTPRequestHandler):
    """A handler whose ``routes`` map a path to ``fn(handler)``; requests are recorded."""

    routes: dict[str, Callable[["Routes"], None]] = {}
    seen: list[dict] = []
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        type(self).seen.append({"path": self.path, "headers": dict(self.headers)})
        fn = type(self).routes.get(self.path.split("?", 1)[0])
        if fn is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            fn(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading, as it should

    def reply(self, body: bytes, content_type: str | None = "text/html; charset=utf-8", status: int = 200,
              headers: dict | None = None, length: bool = True) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve_routes(serve_handler):
    """``serve_routes({"/path": fn})`` -> (server, seen requests); ``fn(handler)`` answers."""

    def start(routes: dict[str, Callable[[Routes], None]]):
        handler = type("TestRoutes", (Routes,), {"routes": dict(routes), "seen": []})
        srv = serve_handler(handler)
        return srv, handler.seen

    return start


def _child(conn, fn, args, kwargs) -> None:
    try:
        conn.send(("value", fn(*args, **kwargs)))
    except BaseException as exc:  # noqa: BLE001 - sent back to the test
        conn.send(("error", exc))
    finally:
        conn.close()


def run_bounded(fn: Callable, *args, **kwargs):
    """``fn(*args, **kwargs)`` in a forked child; the test fails, and the child is killed,
    if it is still running after HANG_SECONDS (so a regression does not hang the suite or
    leave a runaway thread behind). Without ``fork`` (macOS, Windows) it runs in a thread.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return _run_in_thread(fn, *args, **kwargs)
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, kwargs), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(HANG_SECONDS):
            pytest.fail(f"still running after {HANG_SECONDS:.0f} s: super-linear behaviour on hostile input")
        kind, value = parent.recv()
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
    if kind == "error":
        raise value
    return value


def _run_in_thread(fn: Callable, *args, **kwargs):
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(HANG_SECONDS)
    if worker.is_alive():
        pytest.fail(f"still running after {HANG_SECONDS:.0f} s: super-linear behaviour on hostile input")
    if "error" in box:
        raise box["error"]
    return box.get("value")


@pytest.fixture(scope="session")
def bounded():
    """The :func:`run_bounded` helper, as a fixture."""
    return run_bounded
