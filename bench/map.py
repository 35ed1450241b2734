"""The dashboard map at 1,000, 10,000 and 100,000 incidents.

    python bench/run.py map --json            # the three sizes
    python bench/run.py map --json --size N   # one size

For each size, one JSON line ``{"name": "map", "incidents": N, "build_seconds": s,
"html_bytes": b, ...}``: building the page's map from a filtered frame (payload with
the rich popups of the newest incidents, Folium map, rendered HTML) and the size of that
HTML. Targets (issue #6): 10,000 incidents under 1 s and under 3 MB.

Further keys:
- ``browser_seconds`` (when Debian's Chromium and Playwright are present): the exported
  page opened offline in headless Chromium until every incident is in a cluster or drawn;
  ``browser_first_clusters_seconds``: until the first clusters show.
- at 100,000: ``apptest_*_seconds``, the server time of the whole map page under
  Streamlit's AppTest on a SQLite store holding that many incidents: the first run, a
  rerun with nothing changed, filter changes (a region; a year; back to everything,
  seen before; five event types of six, never seen: about 83,000 incidents to query
  and draw). Target: a filter change under 1 s.

Incidents are synthetic: points drawn inside Mali's regions (more near the borders, as
reported attacks are), joined to regions and border zones by ``geo.spatial``, with
dates over three years and the extractor's event types and actors.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from geo import boundaries, mapview, spatial

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000)
TYPES = tuple(mapview.EVENT_COLOURS)
ACTORS = (["JNIM"], ["Islamic State Sahel"], ["Malian armed forces", "JNIM"], ["Wagner Group/Africa Corps"],
          ["Unidentified armed group", "Civilians"])


def synthetic_rows(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` incidents with every store column the map and the filters read."""
    rng = np.random.default_rng(seed)
    mali = boundaries.mali()
    minx, miny, maxx, maxy = mali.bounds
    lats: list[float] = []
    lons: list[float] = []
    import shapely

    while len(lats) < n:
        k = (n - len(lats)) * 2
        x, y = rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)
        inside = shapely.contains_xy(mali, x, y)
        lons.extend(x[inside].tolist())
        lats.extend(y[inside].tolist())
    lat, lon = np.round(np.array(lats[:n]), 4), np.round(np.array(lons[:n]), 4)
    joined = spatial.join(spatial.points_frame(lat, lon))
    days = rng.integers(0, 3 * 365, n)
    df = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "lat": lat, "lon": lon,
        "date": [date(2022, 1, 1) + timedelta(days=int(d)) for d in days],
        "event_type": rng.choice(TYPES, n),
        "geo_precision": rng.choice([1, 1, 1, 1, 2, 2, 3, 4], n),
        "fatalities": rng.choice([np.nan, 0, 1, 2, 5, 12, 40], n),
        "place": [f"Village {i % 5000}" for i in range(n)],
        "admin1": joined["admin1"].astype(object).where(joined["admin1"].notna(), None).to_numpy(),
        "border_zone": joined["border_zone"].astype(object).where(joined["border_zone"].notna(), None).to_numpy(),
        "distance_to_border_km": joined["distance_to_border_km"].to_numpy(),
        "source_count": 1,
    })
    df["actors"] = [ACTORS[i % len(ACTORS)] for i in range(n)]
    return df


def _details(df: pd.DataFrame, limit: int = mapview.RICH_POPUPS) -> dict:
    out = {}
    for r in df.head(limit).to_dict("records"):
        row = {**r, "evidence": [{"text": f"Gunmen attacked {r['place']} at dawn, residents said; the army "
                                          "confirmed the attack the next day."}],
               "fatalities_detail": [] if pd.isna(r["fatalities"]) else [
                   {"count": int(r["fatalities"]), "who_reported": "the army", "victims": "people"}],
               "nearest_country": "Niger"}
        out[int(r["id"])] = mapview.popup_details(row, [{"title": f"Report {r['id']}",
                                                         "url": f"https://example.org/{r['id']}",
                                                         "published": r["date"]}])
    return out


def build(df: pd.DataFrame, layers: dict, *, asset_base: str = mapview.DEFAULT_BASE_URL) -> tuple[str, float]:
    """What the map page does on a new filter: payload (with rich popups), map, HTML."""
    t = time.perf_counter()
    frame = df.sort_values(["date", "id"], ascending=False)
    payload = mapview.prepare_payload(mapview.incident_payload(frame, _details(frame), areas=layers["areas"]))
    m = mapview.incident_map(payload, layers=layers, region_counts=frame["admin1"].value_counts().to_dict(),
                             asset_base=asset_base)
    html = m.get_root().render()
    return html, time.perf_counter() - t


def _browser_seconds(df: pd.DataFrame, layers: dict) -> dict:
    chromium = Path(os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium"))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    if not chromium.is_file():
        return {}
    from geo import assets

    html, _ = build(df, layers, asset_base=assets.file_base_url())
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "map.html"
        path.write_text(html, encoding="utf-8")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
            t = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector(".marker-cluster, path.mim-incident", timeout=120_000)
            first = time.perf_counter() - t
            page.wait_for_function(
                """(n) => Array.from(document.querySelectorAll('.marker-cluster span'))
                      .reduce((a, e) => a + parseInt(e.textContent, 10), 0)
                      + document.querySelectorAll('path.mim-incident').length >= n""",
                arg=len(df), timeout=120_000, polling=100)
            full = time.perf_counter() - t
            browser.close()
    return {"browser_first_clusters_seconds": round(first, 2), "browser_seconds": round(full, 2)}


def _store_rows(df: pd.DataFrame) -> list[dict]:
    rows = []
    for r in df.to_dict("records"):
        rows.append({
            "source": "acled", "source_event_id": f"B{r['id']}", "place": r["place"], "lat": r["lat"],
            "lon": r["lon"], "geo_precision": int(r["geo_precision"]), "geocode_status": "resolved",
            "country": "Mali", "admin1": r["admin1"], "border_zone": r["border_zone"],
            "distance_to_border_km": r["distance_to_border_km"], "date": r["date"], "date_precision": "day",
            "event_type": r["event_type"], "actors": list(r["actors"]),
            "fatalities": None if pd.isna(r["fatalities"]) else int(r["fatalities"]),
        })
    return rows


def _apptest(df: pd.DataFrame) -> dict:
    """Server time of the map page under AppTest with ``len(df)`` stored incidents."""
    from streamlit.testing.v1 import AppTest

    from geo import config
    from geo.store import open_store

    tmp = Path(tempfile.mkdtemp(prefix="bench-map-"))
    old = {k: os.environ.get(k) for k in ("GEO_DATABASE_URL", "GEO_DATA_DIR")}
    try:
        url = f"sqlite:///{tmp / 'incidents.sqlite'}"
        t = time.perf_counter()
        with open_store(url) as store:
            store.insert_events(_store_rows(df))
            store.optimize()
        stored = time.perf_counter() - t
        os.environ["GEO_DATABASE_URL"] = url
        os.environ["GEO_DATA_DIR"] = str(tmp / "full-data")
        config.get_settings.cache_clear()
        cwd = os.getcwd()
        os.chdir(ROOT)
        try:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
            t = time.perf_counter()
            at.run()
            first = time.perf_counter() - t
            if at.exception:
                raise RuntimeError(f"the map page failed: {[e.value for e in at.exception]}")
            t = time.perf_counter()
            at.run()
            same = time.perf_counter() - t
            region = sorted(df["admin1"].dropna().unique())[0]
            t = time.perf_counter()
            at.multiselect(key="f_admin1").set_value([region]).run()
            region_s = time.perf_counter() - t
            t = time.perf_counter()
            at.date_input(key="f_dates").set_value((date(2023, 1, 1), date(2023, 12, 31))).run()
            date_s = time.perf_counter() - t
            t = time.perf_counter()
            at.button(key="f_reset").click().run()
            back_s = time.perf_counter() - t
            # a broad filter seen for the first time: five event types of six (~83% of rows)
            t = time.perf_counter()
            at.multiselect(key="f_types").set_value(list(TYPES[:5])).run()
            broad_s = time.perf_counter() - t
            if at.exception:
                raise RuntimeError(f"the map page failed: {[e.value for e in at.exception]}")
        finally:
            os.chdir(cwd)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        config.get_settings.cache_clear()
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "store_insert_seconds": round(stored, 2),
        "apptest_first_run_seconds": round(first, 3),
        "apptest_rerun_unchanged_seconds": round(same, 3),
        "apptest_filter_region_seconds": round(region_s, 3),
        "apptest_filter_dates_seconds": round(date_s, 3),
        "apptest_filters_cleared_seconds": round(back_s, 3),
        "apptest_filter_broad_seconds": round(broad_s, 3),
    }


def run(size: int | None = None, seed: int = 0, browser: bool = True) -> list[dict]:
    layers = mapview.base_layers()
    build(synthetic_rows(50, seed), layers)  # warm up: boundaries, templates
    out = []
    for n in ([size] if size else SIZES):
        df = synthetic_rows(n, seed)
        html, seconds = build(df, layers)
        result = {"name": "map", "incidents": n, "build_seconds": round(seconds, 3),
                  "html_bytes": len(html.encode("utf-8"))}
        if browser:
            result.update(_browser_seconds(df, layers))
        if n >= 100_000:
            result.update(_apptest(df))
        out.append(result)
        print(f"  map: {n:,} incidents done", file=sys.stderr)
    return out
