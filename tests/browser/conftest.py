"""Fixtures for the browser tests: a real `streamlit run app.py` and headless Chromium.

The browser is Debian's /usr/bin/chromium driven by Python Playwright (never
`playwright install`: nothing is downloaded). Every request to a host other than
127.0.0.1 is aborted and recorded, so a test sees any attempt to reach a CDN.
Tests skip, with the reason, when Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for bench.liveapp, the one way to run the app (the load bench's too)

from bench.liveapp import LiveApp, streamlit_app  # noqa: E402
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


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real headless Chromium (slow-ish)")


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium; CI's setup installs it)")
    pytest.importorskip("playwright.sync_api", reason="the playwright pip package is not installed")
    return CHROMIUM


@pytest.fixture(scope="session")
def streamlit_server(chromium_path, tmp_path_factory) -> Iterator[LiveApp]:
    """`streamlit run app.py` on a free local port and an empty database (its first run
    stores the sample articles), stopped after the session."""
    with streamlit_app(tmp_path_factory.mktemp("streamlit")) as app:
        yield app


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
