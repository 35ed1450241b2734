"""Hostile strings in the live dashboard, in headless Chromium: shown as text, never run.

Articles are stored through the real paths: one JSON file through ``geo.ingest.ingest``
(loading, cleaning, extraction, geocoding, store), and one article extracted by the real
``Extractor`` and stored with ``store.add_article`` after its place names and actors were
replaced by hostile ones (extraction never makes such names itself, an import or a
reviewer's alias could). Titles, URLs, place names, actors and the text carry
``<script>``, ``<img onerror>``, ``"><svg onload>``, ``javascript:`` URLs, ``{{ 7*7 }}``,
Markdown links and images, RTL overrides and SQL fragments.

A private server (bench/liveapp.py) runs on that database. The page is watched
for dialogs (``alert``), console messages, page errors, any request leaving 127.0.0.1 (a
Markdown image would fetch one) and a ``window.__pwned`` sentinel the payloads would set,
in every frame. Visited: the Map page (a marker's popup, the incident's record under the
map, the incidents table, a shared link with a hostile text filter), the Sources page (its
table, the article's title and text), the Review page. The raw strings must be visible as
written where the page shows them, and the database is intact afterwards.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from urllib.parse import quote

import pytest

from bench.liveapp import streamlit_app

pytestmark = pytest.mark.browser

LOAD_TIMEOUT_MS = 60_000
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
WORD_JOINER = "\u2060"   # ui.common.md_literal's guard against Streamlit's typography


def _js(tag: str) -> str:
    return f"window.__pwned='{tag}';console.log('PWNED {tag}');alert('{tag}')"


SCRIPT = f"<script>{_js('script')}</script>"
IMG = f'<img src=x onerror="{_js("img")}">'
SVG = f'"><svg onload="{_js("svg")}">'
JS_URL = f"javascript:{_js('url')}"
TEMPLATE = "{{ 7*7 }}"
SQL = "'; DROP TABLE incident; --"
RTL = "\u202e"
MARKDOWN = "[click](javascript:alert('md')) ![pixel](http://evil.example/pixel.png) **bold** $x^2$"

TITLE_A = f"{SCRIPT}{IMG} Camp attacked {TEMPLATE} {SQL} {MARKDOWN}"
TEXT_A = (f"Militants attacked the army camp in Boni {IMG} on Sunday 2 March 2025, killing 5 soldiers, the army said. "
          f"{SCRIPT} JNIM {TEMPLATE} claimed the attack. {SQL} {SVG} {JS_URL} {MARKDOWN} "
          "On the same day, the market of Kidal was looted.")
TITLE_B = f"Raid {MARKDOWN} {SVG} {TEMPLATE} {RTL}drawkcab"
TEXT_B = ("Armed men raided Gao on Friday 7 March 2025, killing 3 people, witnesses said. "
          f"Witnesses blamed {SCRIPT} fighters. {SVG} {TEMPLATE} Gunmen also attacked Tessit that day, the army said.")
PLACE = f"Gao {IMG}{TEMPLATE}{SVG} {MARKDOWN} {SQL}"
UNRESOLVED = f"Hostile {IMG} {TEMPLATE} {SQL}"
ACTORS = [f"{SCRIPT}JNIM", SQL, MARKDOWN]
TABLES = {"article", "incident", "incident_sources"}


#: Bidirectional embeddings, overrides and isolates: the page drops them (geo.mapview.esc,
#: ui.common.md_literal) so they cannot make a line read backwards.
BIDI_CONTROLS = {c: None for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _plain(text: str) -> str:
    """What the page should show for ``text``: one line, as written, without bidi controls."""
    return " ".join(text.replace(WORD_JOINER, "").translate(BIDI_CONTROLS).split())


def _seed(db_url: str, tmp) -> dict:
    from geo.extract import Extractor
    from geo.geocode import Geocoder
    from geo.ingest import ingest
    from geo.store import open_store
    from geo.text.records import Article

    doc = tmp / "hostile.json"
    doc.write_text(json.dumps({"title": TITLE_A, "text": TEXT_A, "url": JS_URL, "published": "2025-03-03"}),
                   encoding="utf-8")
    report = ingest([str(doc)], db=db_url)
    assert report.ok and report.added == 1, report.summary()

    ex = Extractor(geocoder=Geocoder(online=False, cache=False))
    art = Article(text=TEXT_B, title=TITLE_B, published=date(2025, 3, 8), language="en", url=JS_URL)
    result = ex.extract_article(art)
    placed = [i for i in result.incidents if i.lat is not None]
    assert len(placed) >= 2, [i.place for i in result.incidents]
    hostile = [dataclasses.replace(placed[0], place=PLACE, actors=ACTORS),
               dataclasses.replace(placed[1], place=UNRESOLVED, actors=ACTORS, lat=None, lon=None,
                                   geocode_status="unresolved")]
    with open_store(db_url) as store:
        store.add_article(result.article, hostile)
        stats = store.stats()
        ids = {r["place"]: r["id"] for r in store.query(columns=["id", "place"])}
    return {"stats": stats, "placed": ids[PLACE], "unresolved": ids[UNRESOLVED], "article_b": result.article.id}


@pytest.fixture(scope="module")
def hostile_app(chromium_path, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-live")
    db_url = f"sqlite:///{tmp / 'incidents.sqlite'}"
    seeded = _seed(db_url, tmp)
    with streamlit_app(tmp, db_url=db_url) as app:
        yield app, seeded


@pytest.fixture
def watched_page(offline_page):
    """The offline page (every non-local request aborted and recorded), with dialogs and
    console messages recorded too."""
    page, guard = offline_page
    seen: dict[str, list[str]] = {"dialogs": [], "console": []}

    def on_dialog(d):
        seen["dialogs"].append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: seen["console"].append(m.text))
    yield page, guard, seen


def _no_script_ran(page, guard, seen, where: str) -> None:
    for frame in page.frames:
        assert frame.evaluate("() => window.__pwned === undefined"), f"{where}: a payload ran in {frame.url}"
    assert seen["dialogs"] == [], f"{where}: dialogs {seen['dialogs']}"
    assert not [m for m in seen["console"] if "PWNED" in m], f"{where}: {seen['console']}"
    assert guard.aborted == [], f"{where}: the page tried to reach {guard.aborted}"


def _main(page):
    return page.locator('[data-testid="stMain"]')


def _no_markup_made(locator, where: str) -> None:
    """No element a payload would have made, inside ``locator``."""
    made = locator.locator("script, svg[onload], img, a[href^='javascript'], .katex").count()
    assert made == 0, f"{where}: {locator.inner_html()[:2000]}"


# The page's incident data (IncidentData) and marker group in the map's frame.
_CLICK_INCIDENT = """
(id) => {
  const D = Object.values(window).find((v) => v && v.det !== undefined && v.popup && v.id);
  const group = Object.values(window).find((v) => v && v.mimCount !== undefined && v.getLayers);
  const m = group.getLayers().find((l) => D.id[l.mimIndex] === id);
  if (!m) { return false; }
  group.fire('click', {layer: m, sourceTarget: m, propagatedFrom: m, latlng: m.getLatLng()});
  return true;
}
"""


def test_hostile_strings_stay_text_in_the_live_dashboard(hostile_app, watched_page, artifacts_dir):
    from playwright.sync_api import expect

    from geo.filters import IncidentFilter
    from geo.store import open_store

    app, seeded = hostile_app
    page, guard, seen = watched_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    main = _main(page)

    # ---- the Map page: KPI, map, a marker's popup
    page.goto(app.url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Mali Incident Map")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    with open_store(app.db_url) as store:
        total = store.count(IncidentFilter())
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Incidents").first).to_contain_text(str(total))
    fl = page.frame_locator(MAP_IFRAME).last
    expect(fl.locator(".mim-legend .mim-count")).to_have_attribute("data-total", str(total), timeout=LOAD_TIMEOUT_MS)
    frame = page.locator(MAP_IFRAME).last.element_handle().content_frame()
    assert frame.evaluate(_CLICK_INCIDENT, seeded["placed"]), "the hostile incident has no marker"
    popup = fl.locator(".leaflet-popup-content .mim-popup")
    expect(popup).to_be_visible(timeout=10_000)
    text = popup.inner_text()
    assert _plain(PLACE) in _plain(text), text
    for actor in ACTORS:
        assert _plain(actor) in _plain(text), (actor, text)
    assert _plain(TITLE_B) in _plain(text)                 # its source, as text: the javascript: URL is no link
    assert TEMPLATE in text
    assert RTL not in text                                  # could make the rest of the line read backwards
    _no_markup_made(popup, "map popup")
    assert popup.locator("a").count() == 0
    _no_script_ran(page, guard, seen, "map popup")

    # ---- the click selects it: its record under the map
    record = page.locator(".st-key-incident_detail")
    expect(record).to_contain_text(f"Incident #{seeded['placed']}:", timeout=LOAD_TIMEOUT_MS)
    expect(record.locator('[data-testid="stHtml"]')).to_contain_text("Place as written", timeout=LOAD_TIMEOUT_MS)
    rec = record.inner_text()
    assert _plain(PLACE) in _plain(rec) and _plain(TITLE_B) in _plain(rec) and TEMPLATE in rec, rec
    _no_markup_made(record.locator('[data-testid="stHtml"]'), "incident record")
    # the button to its article: a Markdown label, shown as written
    button = record.get_by_role("button", name=re.compile("Open the article in Sources"))
    label = button.inner_text()
    assert _plain(label) == _plain("Open the article in Sources: " + TITLE_B[:60]), label
    _no_markup_made(button, "button label")

    # ---- the incidents table (its cells, as the grid exposes them)
    grid = main.locator('[data-testid="stDataFrame"]').first
    # (the grid draws on a canvas; its cells are also in a hidden table, for screen readers)
    expect(grid.locator('[role="gridcell"]', has_text="Gao <img").first).to_be_attached(timeout=LOAD_TIMEOUT_MS)
    cells = grid.locator('[role="gridcell"]').all_text_contents()
    assert _plain(PLACE) in {_plain(c) for c in cells}, cells
    page.screenshot(path=str(artifacts_dir / "hostile-map.png"), full_page=True)
    _no_script_ran(page, guard, seen, "map page")

    # ---- Sources: from the record's button, the article's title and text as written
    button.click()
    expect(page.get_by_role("heading", name="Sources")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    heading = main.locator("h3").first
    expect(heading).to_contain_text("Raid", timeout=LOAD_TIMEOUT_MS)
    assert _plain(heading.inner_text()) == _plain(TITLE_B), heading.inner_html()
    _no_markup_made(heading, "Sources title")
    assert main.get_by_role("link", name="original").count() == 0    # the javascript: URL is no link
    main.get_by_text("Article text").click()
    body = main.locator('[data-testid="stText"]').first
    expect(body).to_contain_text("Witnesses blamed")
    assert _plain(SCRIPT) in _plain(body.inner_text()) and TEMPLATE in body.inner_text()
    table = main.locator('[data-testid="stDataFrame"]').first
    expect(table.locator('[role="gridcell"]').first).to_be_attached(timeout=LOAD_TIMEOUT_MS)
    sources_cells = table.locator('[role="gridcell"]').all_text_contents()
    assert any(_plain(TITLE_A) == _plain(c) for c in sources_cells), sources_cells
    assert not [c for c in sources_cells if c.strip().lower().startswith("javascript:")], sources_cells  # no link
    _no_markup_made(main, "Sources page")
    page.screenshot(path=str(artifacts_dir / "hostile-sources.png"), full_page=True)
    _no_script_ran(page, guard, seen, "Sources page")

    # ---- Review: the unresolved hostile place
    page.get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    heading = main.locator("h3").first
    expect(heading).to_contain_text("Hostile", timeout=LOAD_TIMEOUT_MS)
    assert _plain(heading.inner_text()) == _plain(f"“{UNRESOLVED}”"), heading.inner_html()
    why = main.locator('[data-testid="stHtml"]').first
    assert _plain(TITLE_B) in _plain(why.inner_text())
    assert _plain(SVG) in _plain(why.inner_text()) and TEMPLATE in why.inner_text()   # the evidence, as text
    _no_markup_made(main, "Review page")
    page.screenshot(path=str(artifacts_dir / "hostile-review.png"), full_page=True)
    _no_script_ran(page, guard, seen, "Review page")

    # ---- a shared link whose text filter is hostile: the caption shows it as written
    needle = f"{MARKDOWN} {IMG}"
    page.goto(app.url + "?text=" + quote(needle), wait_until="domcontentloaded")
    caption = main.locator('[data-testid="stCaptionContainer"]').filter(has_text="Showing").first
    expect(caption).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert f'text "{_plain(needle)}"' in _plain(caption.inner_text()), caption.inner_html()
    _no_markup_made(caption, "filter caption")
    _no_script_ran(page, guard, seen, "shared link")

    # ---- the database is intact: every table there, the same rows
    with open_store(app.db_url) as store:
        assert store.stats() == seeded["stats"]
        names = set(store.engine.dialect.get_table_names(store.engine.connect()))
        assert TABLES <= names, names
        assert store.get_incident(seeded["placed"])["place"] == PLACE
        assert store.get_article(seeded["article_b"])["title"] == TITLE_B
    errors = [e for e in guard.console_errors if "_stcore" not in e]
    assert not errors, errors
