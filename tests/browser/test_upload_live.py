"""Uploads on the Add articles page in a real Chromium: our limits and content checks.

A private `streamlit run app.py` (bench/liveapp.py) with GEO_MAX_INPUT_BYTES at
20,000 bytes, so the uploader's own limit is 1 MB (the limit rounded up to whole MiB)
and a file between the two reaches our code. Files go in through the real file input
(Playwright's set_input_files), as a user's would. Checked: a file over our limit, a
binary file called .txt and a file over the uploader's limit each show their error; an
HTML page called .png is read as the article it is; nothing is stored until Save, and
then only that article.
"""

from __future__ import annotations

import pytest

from bench.liveapp import streamlit_app

pytestmark = pytest.mark.browser

LIMIT = 20_000
LOAD_TIMEOUT_MS = 60_000
ARTICLE = ("Militants attacked the army camp in Boni on Sunday 2 March 2025, killing 5 soldiers, "
           "the army said. JNIM claimed the attack.")
HTML = (f"<html><head><title>Camp attacked in Boni</title></head><body><article><p>{ARTICLE}</p>"
        "</article></body></html>")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)


@pytest.fixture(scope="module")
def upload_app(chromium_path, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("upload-live")
    with streamlit_app(tmp, env={"GEO_MAX_INPUT_BYTES": str(LIMIT)}) as app:
        yield app


def _file(name: str, data: bytes, mime: str = "text/plain") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_bad_uploads_show_errors_and_store_nothing(upload_app, offline_page):
    from playwright.sync_api import expect

    from geo.store import open_store

    page, guard = offline_page
    page.goto(upload_app.url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Mali Incident Map")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    with open_store(upload_app.db_url) as store:
        before = store.stats()          # the first run stored the sample articles
    assert before["articles"] > 0

    page.get_by_role("link", name="Add articles").click()
    expect(page.get_by_role("heading", name="Add articles")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    page.get_by_role("tab", name="Upload files").click()
    uploader = page.locator('[data-testid="stFileUploader"]')
    expect(uploader).to_be_visible()

    too_big = (ARTICLE + " ") * (LIMIT // len(ARTICLE) + 20)          # over our limit, under the uploader's
    over_uploader = b"x" * (1024 * 1024 + 10)                          # over the uploader's 1 MB
    uploader.locator('input[type="file"]').set_input_files([
        _file("big.txt", too_big.encode()),
        _file("notes.txt", PNG),
        _file("page.png", HTML.encode(), "image/png"),
        _file("huge.txt", over_uploader),
    ])
    # Streamlit's uploader refuses the file over its limit itself, before sending it.
    expect(uploader).to_contain_text("huge.txt", timeout=LOAD_TIMEOUT_MS)
    expect(uploader).to_contain_text("1.0MB", timeout=LOAD_TIMEOUT_MS)
    go = page.get_by_role("button", name="Find incidents").locator("visible=true")
    expect(go).to_be_enabled(timeout=LOAD_TIMEOUT_MS)
    go.click()

    alerts = page.locator('[data-testid="stAlert"]')
    expect(alerts.filter(has_text="big.txt")).to_contain_text(f"limit of {LIMIT:,} bytes", timeout=LOAD_TIMEOUT_MS)
    expect(alerts.filter(has_text="notes.txt")).to_contain_text("looks like a PNG image, not an article")
    assert alerts.filter(has_text="page.png").count() == 0
    assert alerts.filter(has_text="huge.txt").count() == 0      # never reached the server
    expect(page.get_by_text("Check before saving")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_text("1 article(s)")).to_be_visible()

    with open_store(upload_app.db_url) as store:
        assert store.stats() == before                           # a preview stores nothing

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved 1 article(s)")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    with open_store(upload_app.db_url) as store:
        after = store.stats()
        titles = set(store_titles(store))
    assert after["articles"] == before["articles"] + 1
    assert "Camp attacked in Boni" in titles
    assert guard.aborted == [], guard.aborted
    assert not [e for e in guard.console_errors if "_stcore" not in e], guard.console_errors


def store_titles(store) -> list[str]:
    from geo import dashboard

    return list(dashboard.articles_frame(store)["title"])
