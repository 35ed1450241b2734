"""The Streamlit page draws the boundaries map in a real Chromium with no internet.

Every request to a host other than 127.0.0.1 is aborted; the test fails if any was
attempted (a CDN script, stylesheet, font or tile), if a vendored file did not load,
or if the admin-1 regions, border zones and countries did not draw.

Run: .venv/bin/python -m pytest tests/browser -m browser
Screenshot: test-artifacts/map.png (GEO_UPDATE_SCREENSHOT=1 also copies it to
docs/screenshot.png for the README).
"""

from __future__ import annotations

import time

import pytest

from geo import boundaries, mapview

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
LOAD_TIMEOUT_MS = 45_000

# In the map iframe: a point inside an admin-1 region that no border zone covers,
# as the position within that region's path (for Playwright's hover).
_FIND_UNCOVERED_POINT = """
(cls) => {
  const paths = Array.from(document.querySelectorAll('path.' + cls));
  for (let i = 0; i < paths.length; i++) {
    const r = paths[i].getBoundingClientRect();
    for (const [fx, fy] of [[0.5, 0.5], [0.4, 0.6], [0.6, 0.4], [0.5, 0.3], [0.5, 0.7]]) {
      const x = r.left + r.width * fx, y = r.top + r.height * fy;
      if (document.elementFromPoint(x, y) === paths[i]) {
        return {index: i, x: x - r.left, y: y - r.top};
      }
    }
  }
  return null;
}
"""


def _map_frame(page):
    for frame in page.frames:
        if "streamlit_folium.st_folium" in frame.url:
            return frame
    raise AssertionError(f"no st_folium frame among {[f.url for f in page.frames]}")


def test_map_draws_offline(streamlit_server, offline_page, artifacts_dir, readme_screenshot):
    from playwright.sync_api import expect

    page, guard = offline_page
    started = time.monotonic()
    page.goto(streamlit_server.url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Mali Incident Map")).to_be_visible(timeout=LOAD_TIMEOUT_MS)

    fl = page.frame_locator(MAP_IFRAME)
    fl.locator(".leaflet-container").wait_for(timeout=LOAD_TIMEOUT_MS)

    n_admin1 = len(boundaries.admin1())
    assert n_admin1 >= 9
    expect(fl.locator(f"path.{mapview.ADMIN1_CLASS}")).to_have_count(n_admin1, timeout=LOAD_TIMEOUT_MS)
    expect(fl.locator(f"path.{mapview.BORDER_ZONE_CLASS}")).to_have_count(len(boundaries.border_zones()))
    expect(fl.locator(f"path.{mapview.COUNTRY_CLASS}")).to_have_count(len(boundaries.countries()))
    assert fl.locator(f"path.{mapview.ADMIN1_CLASS}.leaflet-interactive").count() == n_admin1
    # The hatch pattern the border zones are filled with exists in the page.
    expect(fl.locator(f"pattern#{mapview.HATCH_ID}")).to_have_count(1)
    expect(fl.locator(".leaflet-control-layers")).to_have_count(1)

    # A region's tooltip shows its (escaped) name.
    frame = _map_frame(page)
    point = frame.evaluate(_FIND_UNCOVERED_POINT, mapview.ADMIN1_CLASS)
    assert point is not None, "every admin-1 region centre is covered by another layer"
    fl.locator(f"path.{mapview.ADMIN1_CLASS}").nth(point["index"]).hover(
        position={"x": point["x"], "y": point["y"]}, force=True
    )
    tooltip = fl.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text("ISO 3166-2", timeout=5_000)
    names = [str(n) for n in boundaries.admin1()["name"]]
    assert any(n in tooltip.inner_text() for n in names), tooltip.inner_text()

    # Font Awesome's webfont is served too (no marker uses it yet, so fetch it).
    font = frame.evaluate(
        """async (u) => { const r = await fetch(u); return [r.status, r.headers.get('content-type')]; }""",
        "/app/static/vendor/fontawesome-free@6.2.0/webfonts/fa-solid-900.woff2",
    )
    assert font[0] == 200, font

    shot = artifacts_dir / "map.png"
    page.screenshot(path=str(shot))
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
    assert not [f for f in guard.failed_local if "/app/static/" in f], guard.failed_local
    assert not guard.console_errors, guard.console_errors
    assert elapsed < 60, f"page took {elapsed:.1f}s"
    readme_screenshot(shot)


def test_standalone_export_with_plugins_offline(chromium_path, browser, tmp_path, artifacts_dir):
    """An HTML export (file:// assets) with the plugins we use draws with no network.

    Checks what the base map alone does not exercise: markercluster (needs the map's
    maxZoom with no tiles), leaflet.heat, awesome-markers and Font Awesome's webfont.
    """
    import folium
    import folium.plugins
    from playwright.sync_api import expect

    from geo import assets

    m = mapview.base_map(asset_base=assets.file_base_url())
    points = [[12.0 + i * 0.05, -8.0 + i * 0.07] for i in range(60)]
    folium.plugins.FastMarkerCluster(points, name="clustered").add_to(m)
    cluster = folium.plugins.MarkerCluster(name="markers").add_to(m)
    folium.Marker([16.77, -3.0], icon=folium.Icon(icon="fire", prefix="fa", color="red"),
                  tooltip=mapview.esc("Timbuktu <b>x</b>")).add_to(cluster)
    folium.plugins.HeatMap([[p[0], p[1], 1.0] for p in points], name="heat").add_to(m)
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
        expect(page.locator("canvas.leaflet-heatmap-layer")).to_have_count(1)
        expect(page.locator(".awesome-marker i.fa-fire")).to_have_count(1)
        fa_loaded = page.evaluate(
            """async () => { await document.fonts.ready;
                 await document.fonts.load('900 14px "Font Awesome 6 Free"');
                 return document.fonts.check('900 14px "Font Awesome 6 Free"'); }"""
        )
        assert fa_loaded, "Font Awesome webfont did not load from static/"
        # Data layers draw above the boundaries (which sit in their own lower pane):
        # the heat map's canvas is the topmost element where it has painted pixels.
        heat_on_top = page.evaluate(
            """() => { const c = document.querySelector('canvas.leaflet-heatmap-layer');
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 const r = c.getBoundingClientRect(), k = c.width / r.width;
                 for (let i = 3; i < d.length; i += 4) { if (d[i] > 200) {
                     const p = i >> 2, x = r.left + (p % c.width) / k, y = r.top + Math.floor(p / c.width) / k;
                     return document.elementFromPoint(x, y) === c; } }
                 return null; }"""
        )
        assert heat_on_top is True, heat_on_top
        page.screenshot(path=str(artifacts_dir / "export.png"))
    finally:
        context.close()
    assert outside == [], f"the export tried to reach the internet: {outside}"
    assert errors == [], errors
