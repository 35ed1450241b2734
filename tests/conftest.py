"""Shared fixtures: an isolated configuration for every test, and loopback HTTP servers."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from typing import Iterator

import pytest

from geo import config

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every GEO_* path at a fresh temporary folder so no test sees the user's data."""
    root = tmp_path_factory.mktemp("geo-home")
    monkeypatch.setenv("GEO_DATA_DIR", str(root / "full-data"))
    monkeypatch.setenv("GEO_DATABASE_URL", f"sqlite:///{root / 'incidents.sqlite'}")
    for var in ("GEO_GEOCODER", "GEO_GEOCODER_URL", "GEO_MIRROR", "GEO_BORDER_KM", "GEO_TRIBORDER_KM",
                "GEO_ALLOW_PRIVATE_URLS", "GEO_FETCH_TIMEOUT", "GEO_FETCH_DEADLINE", "GEO_FETCH_MAX_REDIRECTS",
                "GEO_DB_BUSY_TIMEOUT", "GEO_DB_RETRIES", "GEO_DB_RETRY_WAIT"):
        monkeypatch.delenv(var, raising=False)
    config.get_settings.cache_clear()
    yield root
    config.get_settings.cache_clear()


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with a free port; ``url`` ends with '/'."""

    def __init__(self, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


@pytest.fixture
def serve_dir():
    """Factory: serve a folder over HTTP on loopback; returns the server (``.url``)."""
    servers: list[LoopbackServer] = []

    def start(folder: Path) -> LoopbackServer:
        srv = LoopbackServer(functools.partial(_QuietFiles, directory=str(folder)))
        servers.append(srv)
        return srv

    yield start
    for s in servers:
        s.close()


@pytest.fixture
def serve_handler():
    """Factory: serve with a custom BaseHTTPRequestHandler class on loopback."""
    servers: list[LoopbackServer] = []

    def start(handler: type[http.server.BaseHTTPRequestHandler]) -> LoopbackServer:
        srv = LoopbackServer(handler)
        servers.append(srv)
        return srv

    yield start
    for s in servers:
        s.close()


@pytest.fixture(scope="session")
def shared_geodata() -> Path:
    """../shared/geodata, or a clear skip where that folder is absent."""
    path = SHARED / "geodata"
    if not (path / "SHA256SUMS").is_file():
        pytest.skip(f"{path} is absent: the full-data download path cannot be tested here")
    return path
