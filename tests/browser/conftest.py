"""Fixtures for the browser tests: a real `streamlit run app.py` and headless Chromium.

The browser is Debian's /usr/bin/chromium driven by Python Playwright (never
`playwright install`: nothing is downloaded). Every request to a host other than
127.0.0.1 is aborted and recorded, so a test sees any attempt to reach a CDN.
Tests skip, with the reason, when Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1"}
STARTUP_TIMEOUT_S = 60


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real headless Chromium (slow-ish)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class StreamlitServer:
    url: str
    process: subprocess.Popen
    log_path: Path
    db_url: str = ""

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def _wait_healthy(server: StreamlitServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    health = server.url + "_stcore/health"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(health, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit not healthy after {STARTUP_TIMEOUT_S}s:\n{server.log()}")


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium; CI's setup installs it)")
    pytest.importorskip("playwright.sync_api", reason="the playwright pip package is not installed")
    return CHROMIUM


def _die_with_parent() -> None:
    """In the child: get SIGTERM when pytest dies, so a killed run leaves no server behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the finally below still stops it
        pass


@pytest.fixture(scope="session")
def streamlit_server(chromium_path, tmp_path_factory) -> StreamlitServer:
    """`streamlit run app.py` on a free local port, stopped after the session."""
    tmp = tmp_path_factory.mktemp("streamlit")
    port = _free_port()
    env = dict(os.environ)
    db_url = f"sqlite:///{tmp / 'incidents.sqlite'}"
    env["GEO_DATABASE_URL"] = db_url
    env["GEO_DATA_DIR"] = str(tmp / "full-data")
    env["PYTHONUNBUFFERED"] = "1"
    log_path = tmp / "streamlit.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    server = StreamlitServer(f"http://127.0.0.1:{port}/", proc, log_path, db_url)
    try:
        _wait_healthy(server)
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def streamlit_store(streamlit_server):
    """The server's incident store, opened by the test to know what the page should show."""
    from geo.store import open_store

    store = open_store(streamlit_server.db_url)
    try:
        yield store
    finally:
        store.close()


@dataclass
class Guard:
    """Records what the page tried to fetch from outside, and local failures."""

    aborted: list[str] = field(default_factory=list)
    failed_local: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    static_responses: list[tuple[int, str, str]] = field(default_factory=list)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def offline_page(browser):
    """A page where every non-127.0.0.1 request is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    guard = Guard()

    def route(r):
        url = r.request.url
        if urlsplit(url).hostname not in LOCAL_HOSTS:
            guard.aborted.append(url)
            return r.abort()
        return r.continue_()

    page.route("**/*", route)
    page.on("console", lambda m: guard.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: guard.console_errors.append(str(e)))

    def on_response(resp):
        if "/app/static/" in resp.url:
            guard.static_responses.append((resp.status, resp.url, resp.headers.get("content-type", "")))
        if resp.status >= 400 and urlsplit(resp.url).hostname in LOCAL_HOSTS:
            guard.failed_local.append(f"{resp.status} {resp.url}")

    page.on("response", on_response)
    page.on("requestfailed", lambda req: guard.failed_local.append(f"failed {req.url}")
            if urlsplit(req.url).hostname in LOCAL_HOSTS else None)
    try:
        yield page, guard
    finally:
        context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def readme_screenshot():
    """Function copying a screenshot to docs/screenshot.png when GEO_UPDATE_SCREENSHOT=1."""

    def save(src: Path) -> None:
        if os.environ.get("GEO_UPDATE_SCREENSHOT") == "1":
            (ROOT / "docs").mkdir(exist_ok=True)
            shutil.copyfile(src, ROOT / "docs" / "screenshot.png")

    return save
