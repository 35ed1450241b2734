"""The dashboard in a real Chromium with no internet: the map, its incidents and its filters.

`streamlit run app.py` runs on a free port with a temporary database (the first run
stores the sample articles of data/samples). Every request to a host other than
127.0.0.1 is aborted; the test fails if any was attempted (a CDN script, stylesheet,
font or tile), if a vendored file did not load, or if the page logged an error.

What is checked, with the expected numbers taken from the database itself:
the boundaries draw; the incident markers and clusters add up to the incidents drawn;
a date filter given in the URL (a shared link) and a region clicked on the map change
the KPI and the map to exactly what the store counts for that filter, and both land in
the URL; a marker's popup shows the incident with its evidence, and the click opens the
incident's record under the map.

Run: .venv/bin/python -m pytest tests/browser -m browser
Screenshots: test-artifacts/map.png (every incident), map-dated.png, map-filtered.png,
export.png (GEO_UPDATE_SCREENSHOT=1 also copies map.png to docs/screenshot.png for the README).
"""

from __future__ import annotations

import re
import time
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from geo import boundaries, mapview
from geo.filters import IncidentFilter

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
LOAD_TIMEOUT_MS = 60_000
DATE_FROM = date(2022, 1, 1)

# In the map iframe: a point inside a path of class `cls` that nothing else covers,
# as the position within that path (for Playwright's hover and click).
_FIND_UNCOVERED_POINT = """
(cls) => {
  const paths = Array.from(document.querySelectorAll('path.' + cls));
  const spots = [[0.5, 0.5], [0.4, 0.6], [0.6, 0.4], [0.5, 0.3], [0.5, 0.7], [0.3, 0.5], [0.7, 0.5],
                 [0.35, 0.35], [0.65, 0.65], [0.35, 0.65], [0.65, 0.35]];
  for (let i = 0; i < paths.length; i++) {
    const r = paths[i].getBoundingClientRect();
    for (const [fx, fy] of spots) {
      const x = r.left + r.width * fx, y = r.top + r.height * fy;
      if (document.elementFromPoint(x, y) === paths[i]) {
        return {index: i, x: x - r.left, y: y - r.top};
      }
    }
  }
  return null;
}
"""

# Markers not in a cluster plus the sizes of the clusters shown, once loading settles.
_MARKER_TOTAL = """
(n) => new Promise((resolve) => {
  const t0 = Date.now();
  const count = () => Array.from(document.querySelectorAll('.marker-cluster span'))
      .reduce((a, e) => a + parseInt(e.textContent, 10), 0) + document.querySelectorAll('path.mim-incident').length;
  let last = -1, same = 0;
  const tick = () => {
    const c = count();
    same = c === last ? same + 1 : 0;
    last = c;
    if ((c === n && same >= 3) || Date.now() - t0 > 20000) resolve(c); else setTimeout(tick, 100);
  };
  tick();
})
"""

# Click one incident marker (by its index in the payload, or the first of a CSS class),
# clustered or not, as Leaflet reports a click on a marker to the marker's layer.
_CLICK_A_MARKER = """
(sel) => {
  const group = Object.values(window).find((v) => v && v.mimCount !== undefined && v.getLayers);
  const m = group.getLayers().find((l) => sel === null || l.mimIndex === sel
                                       || (typeof sel === 'string' && l.options.className.includes(sel)));
  group.fire('click', {layer: m, sourceTarget: m, propagatedFrom: m, latlng: m.getLatLng()});
  return m.mimIndex;
}
"""


def _map_frame(page):
    """The map's frame (the newest, while a rerun replaces the map)."""
    frame = page.locator(MAP_IFRAME).last.element_handle().content_frame()
    assert frame is not None, "no st_folium frame"
    return frame


def _kpi(page, label: str):
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def _wait_map(page, expect, expected_total: int):
    """The (new) map iframe has drawn its legend for ``expected_total`` incidents."""
    fl = page.frame_locator(MAP_IFRAME).last
    count = fl.locator(f".{mapview.LEGEND_CLASS} .mim-count")
    expect(count).to_have_attribute("data-total", str(expected_total), timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(MAP_IFRAME)).to_have_count(1, timeout=LOAD_TIMEOUT_MS)
    return fl, int(count.get_attribute("data-count"))


def test_dashboard_offline(streamlit_server, streamlit_store, offline_page, artifacts_dir, readme_screenshot):
    from playwright.sync_api import expect

    page, guard = offline_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    store = streamlit_store
    started = time.monotonic()

    # ---- the default view: every incident (the first run stored the sample articles)
    page.goto(streamlit_server.url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Mali Incident Map")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    total_all = store.count(IncidentFilter())
    assert total_all >= 15, "the sample articles were not stored on first run"
    _, drawn_all = _wait_map(page, expect, total_all)
    expect(_kpi(page, "Incidents")).to_have_text(f"{total_all:,}")
    assert _map_frame(page).evaluate(_MARKER_TOTAL, drawn_all) == drawn_all
    shot = artifacts_dir / "map.png"
    page.screenshot(path=str(shot))

    # ---- a shared link with a date filter
    page.goto(streamlit_server.url + f"?date_from={DATE_FROM.isoformat()}", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Mali Incident Map")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    flt = IncidentFilter(date_from=DATE_FROM)
    n_dated = store.count(flt)
    assert 0 < n_dated < total_all, (n_dated, total_all)

    fl, drawn = _wait_map(page, expect, n_dated)
    expect(_kpi(page, "Incidents")).to_have_text(f"{n_dated:,}")
    assert 0 < drawn <= n_dated

    # The boundaries draw.
    n_admin1 = len(boundaries.admin1())
    expect(fl.locator(f"path.{mapview.ADMIN1_CLASS}")).to_have_count(n_admin1, timeout=LOAD_TIMEOUT_MS)
    expect(fl.locator(f"path.{mapview.BORDER_ZONE_CLASS}")).to_have_count(len(boundaries.border_zones()))
    expect(fl.locator(f"path.{mapview.COUNTRY_CLASS}")).to_have_count(len(boundaries.countries()))
    expect(fl.locator(f"path.{mapview.CHOROPLETH_CLASS}")).to_have_count(n_admin1)
    expect(fl.locator(f"pattern#{mapview.HATCH_ID}")).to_have_count(1)
    expect(fl.locator(".leaflet-control-layers")).to_have_count(1)

    # Every drawn incident is a marker or inside a cluster.
    frame = _map_frame(page)
    assert frame.evaluate(_MARKER_TOTAL, drawn) == drawn
    assert fl.locator(".marker-cluster").count() + fl.locator(f"path.{mapview.INCIDENT_CLASS}").count() > 0
    page.screenshot(path=str(artifacts_dir / "map-dated.png"))

    # ---- click a region on the map: the filter narrows to it
    # (All of the map in view first: a first click into a partly hidden iframe scrolls
    # the page between mouse down and up, and the browser then reports no click.)
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    point = frame.evaluate(_FIND_UNCOVERED_POINT, mapview.CHOROPLETH_CLASS)
    assert point is not None, "no region of the choropleth can be clicked"
    region_path = fl.locator(f"path.{mapview.CHOROPLETH_CLASS}").nth(point["index"])
    region_path.hover(position={"x": point["x"], "y": point["y"]}, force=True)
    tooltip = fl.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text("Region", timeout=5_000)
    tip = tooltip.inner_text()
    region = next((n for n in boundaries.admin1()["name"] if n in tip), None)
    assert region, f"no region name in the tooltip {tip!r}"
    region_path.click(position={"x": point["x"], "y": point["y"]}, force=True)

    flt2 = IncidentFilter(date_from=DATE_FROM, admin1=(region,))
    n_region = store.count(flt2)
    expect(_kpi(page, "Incidents")).to_have_text(f"{n_region:,}", timeout=LOAD_TIMEOUT_MS)
    expect(_kpi(page, "Regions affected")).to_have_text("1" if n_region else "0")
    fl, drawn2 = _wait_map(page, expect, n_region)
    query = parse_qs(urlsplit(page.url).query)
    assert query.get("admin1") == [region] and query.get("date_from") == [DATE_FROM.isoformat()], page.url
    expect(page.get_by_role("heading", name="Mali Incident Map")).to_be_visible()

    # ---- a marker's popup: the incident, its evidence, escaped; the click selects it
    if drawn2:
        frame = _map_frame(page)
        assert frame.evaluate(_MARKER_TOTAL, drawn2) == drawn2
        markers = fl.locator(f"path.{mapview.INCIDENT_CLASS}")
        if markers.count():
            markers.first.click(force=True)       # a real click on a marker drawn on its own
        else:
            frame.evaluate(_CLICK_A_MARKER, None)  # all in clusters: the marker's click event
        popup = fl.locator(".leaflet-popup-content .mim-popup")
        expect(popup).to_be_visible(timeout=10_000)
        expect(popup).to_contain_text("Place as written")
        expect(popup).to_contain_text(region)
        m = re.search(r"Incident #(\d+)", popup.inner_text())
        assert m, popup.inner_text()
        incident = store.get_incident(int(m.group(1)))
        assert incident and incident["admin1"] == region
        if incident.get("evidence"):
            expect(popup.locator("blockquote").first).to_be_visible()
        # streamlit-folium reports the click: the record opens under the map.
        expect(page.get_by_text(f"Incident #{incident['id']}:")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    page.screenshot(path=str(artifacts_dir / "map-filtered.png"))
    elapsed = time.monotonic() - started

    # Nothing left 127.0.0.1: no CDN script, stylesheet, font or tile was even requested.
    assert guard.aborted == [], f"the page tried to reach the internet: {guard.aborted}"
    static = guard.static_responses
    assert static, "no vendored asset was loaded from /app/static"
    bad = [s for s in static if s[0] != 200]
    assert not bad, bad
    for status, url, ctype in static:
        if url.endswith(".js"):
            assert "javascript" in ctype, (url, ctype)  # served with nosniff
        elif url.endswith(".css"):
            assert ctype.startswith("text/css"), (url, ctype)
    assert any(u.endswith("/leaflet.js") for _, u, _ in static)
    assert any(u.endswith("/leaflet.markercluster.js") for _, u, _ in static)
    assert not [f for f in guard.failed_local if "/app/static/" in f], guard.failed_local
    assert not guard.console_errors, guard.console_errors
    assert elapsed < 120, f"the scenario took {elapsed:.1f}s"
    readme_screenshot(shot)


HOSTILE_PLACE = '<img src=x onerror="window.__pwned=1">Kidal'


def test_standalone_export_with_plugins_offline(chromium_path, browser, tmp_path, artifacts_dir):
    """An HTML export (file:// assets) of the incident map draws with no network.

    Checks what the dashboard scenario does not: markercluster, leaflet.heat (shown),
    the awesome-markers plugin and Font Awesome's webfont, a region-level incident's
    uncertainty area, and that a hostile place name stays text (no script runs).
    """
    import folium
    import pandas as pd
    from playwright.sync_api import expect

    from geo import assets

    n = 60
    df = pd.DataFrame({
        "id": range(1, n + 1),
        "lat": [12.0 + i * 0.1 for i in range(n)], "lon": [-8.0 + i * 0.12 for i in range(n)],
        "date": [date(2024, 1, 1 + i % 28) for i in range(n)],
        "event_type": ["armed clash", "attack on military position", "abduction"] * (n // 3),
        "geo_precision": [1] * (n - 2) + [3, 4], "fatalities": [i % 7 for i in range(n)],
        "place": [HOSTILE_PLACE] + [f"P{i}" for i in range(1, n)],
        "admin1": ["Kidal"] + ["Mopti"] * (n - 1), "border_zone": [None] * (n - 1) + ["Mali–Niger border"],
    })
    details = {1: mapview.popup_details(
        {"place": HOSTILE_PLACE, "actors": ["<b>JNIM</b>"],
         "evidence": [{"text": f"Gunmen attacked {HOSTILE_PLACE} at dawn."}],
         "fatalities_detail": [{"count": 3, "who_reported": "<script>x</script>"}]},
        [{"title": "<i>t</i>", "url": "javascript:alert(1)", "published": date(2024, 1, 2)}])}
    layers = mapview.base_layers()
    payload = mapview.incident_payload(df, details, areas=layers["areas"])
    m = mapview.incident_map(payload, layers=layers, asset_base=assets.file_base_url(), show_heat=True)
    folium.Marker([16.77, -3.0], icon=folium.Icon(icon="fire", prefix="fa", color="red"),
                  tooltip=mapview.esc("Timbuktu <b>x</b>")).add_to(m)
    html_path = tmp_path / "export.html"
    m.save(str(html_path))

    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    outside, errors = [], []

    def route(r):
        if not r.request.url.startswith("file://"):
            outside.append(r.request.url)
            return r.abort()
        return r.continue_()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda req: errors.append(f"failed {req.url}"))
    try:
        page.goto(html_path.as_uri())
        expect(page.locator(f"path.{mapview.ADMIN1_CLASS}")).to_have_count(len(boundaries.admin1()))
        expect(page.locator(".marker-cluster").first).to_be_visible()
        assert page.evaluate(_MARKER_TOTAL, n) == n
        expect(page.locator("canvas.leaflet-heatmap-layer")).to_have_count(1)
        expect(page.locator(".awesome-marker i.fa-fire")).to_have_count(1)
        fa_loaded = page.evaluate(
            """async () => { await document.fonts.ready;
                 await document.fonts.load('900 14px "Font Awesome 6 Free"');
                 return document.fonts.check('900 14px "Font Awesome 6 Free"'); }"""
        )
        assert fa_loaded, "Font Awesome webfont did not load from static/"
        # The hostile incident's popup: its place is text, the javascript: link is dropped.
        page.evaluate(_CLICK_A_MARKER, 0)
        popup = page.locator(".leaflet-popup-content .mim-popup")
        expect(popup).to_contain_text('<img src=x onerror="window.__pwned=1">Kidal')
        expect(popup.locator("mark").first).to_contain_text("Kidal")
        assert popup.locator("img").count() == 0 and popup.locator("a").count() == 0
        # A region-level incident opens with its region drawn (the uncertainty area).
        page.evaluate(_CLICK_A_MARKER, "mim-p3")
        expect(page.locator(f"path.{mapview.UNCERTAINTY_CLASS}")).to_have_count(1)
        assert page.evaluate("() => window.__pwned") is None, "a place name ran a script"
        # Data layers draw above the boundaries (which sit in their own lower panes):
        # the heat map's canvas is the topmost element where it has painted pixels.
        heat_on_top = page.evaluate(
            """() => { const c = document.querySelector('canvas.leaflet-heatmap-layer');
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 const r = c.getBoundingClientRect(), k = c.width / r.width;
                 for (let i = 3; i < d.length; i += 4) { if (d[i] > 200) {
                     const p = i >> 2, x = r.left + (p % c.width) / k, y = r.top + Math.floor(p / c.width) / k;
                     const el = document.elementFromPoint(x, y);
                     return el === c || !!(el && el.closest('.leaflet-marker-pane, .leaflet-popup-pane'))
                         || (el && el.classList && el.classList.contains('mim-incident')); } }
                 return null; }"""
        )
        assert heat_on_top is True, heat_on_top
        page.screenshot(path=str(artifacts_dir / "export.png"))
    finally:
        context.close()
    assert outside == [], f"the export tried to reach the internet: {outside}"
    assert errors == [], errors
