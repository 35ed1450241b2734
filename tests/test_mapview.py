"""The map: only vendored assets, escaped strings, no tiles by default, maxZoom set; the
incident layers built in the browser from a compact payload, and what that payload holds."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from pathlib import Path

import folium
import folium.plugins
import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from geo import assets, boundaries, mapview

ROOT = Path(__file__).resolve().parent.parent
STATIC = assets.STATIC_DIR

HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = '<img src=x onerror="alert(2)">'

_SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc=\"([^\"]+)\"", re.I)
_LINK_HREF = re.compile(r"<link[^>]*\bhref=\"([^\"]+)\"", re.I)


def _fake_admin1(name: str = "Kayes") -> gpd.GeoDataFrame:
    rows = [
        {"code": f"ML-{i}", "name": name if i == 1 else f"Region {i}", "name_en": HOSTILE_IMG if i == 1 else None,
         "name_fr": f"Région {i}", "later_regions_within": (HOSTILE, "Kita") if i == 1 else (),
         "geometry": box(-12 + i * 1.7, 11, -10.3 + i * 1.7, 24)}
        for i in range(1, 10)
    ]
    return gpd.GeoDataFrame(rows, crs=4326)


@pytest.fixture
def fake_boundaries(monkeypatch):
    """Tiny boundaries with hostile names, in place of the embedded data."""
    monkeypatch.setattr(boundaries, "admin1", lambda: _fake_admin1(HOSTILE))
    monkeypatch.setattr(
        boundaries, "countries",
        lambda: gpd.GeoDataFrame(
            [{"iso3": "MLI", "name": "Mali", "geometry": box(-12.3, 10, 4.3, 25)},
             {"iso3": "SEN", "name": HOSTILE, "geometry": box(-17, 12, -12.3, 16.7)}], crs=4326),
    )
    monkeypatch.setattr(
        boundaries, "border_zones",
        lambda *a, **k: gpd.GeoDataFrame(
            [{"name": "Mali–Senegal border", "kind": "border", "geometry": box(-12.3, 12, -11.8, 15)},
             {"name": HOSTILE, "kind": "triborder", "geometry": box(0, 14, 2, 15.5)}], crs=4326),
    )


def _render(m: folium.Map) -> str:
    return m.get_root().render()


def _decode_js(text: str) -> str:
    """Undo Jinja's tojson \\uXXXX escapes so we see the strings the browser gets."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda mt: chr(int(mt.group(1), 16)), text)


def _asset_urls(html_text: str) -> list[str]:
    return _SCRIPT_SRC.findall(html_text) + _LINK_HREF.findall(html_text)


def _assert_local(urls: list[str], base: str = "/app/static") -> None:
    assert urls
    for url in urls:
        assert not re.match(r"^(https?:)?//", url), f"CDN URL in the page: {url}"
        assert url.startswith(base + "/vendor/"), url
        assert (STATIC / url[len(base) + 1:]).is_file(), f"{url} is not under static/"


# ---------------------------------------------------------------- assets


def test_base_map_loads_only_vendored_assets(fake_boundaries):
    out = _render(mapview.base_map())
    urls = _asset_urls(out)
    _assert_local(urls)
    # Leaflet, its css and Font Awesome are among them.
    assert any(u.endswith("leaflet@1.9.3/dist/leaflet.js") for u in urls)
    assert any(u.endswith("fontawesome-free@6.2.0/css/all.min.css") for u in urls)
    assert "cdn." not in out and "cdnjs" not in out and "bootstrapcdn" not in out


def test_real_boundaries_map_loads_only_vendored_assets():
    out = _render(mapview.base_map())
    _assert_local(_asset_urls(out))


def test_plugins_we_use_are_vendored(fake_boundaries):
    m = mapview.base_map()
    folium.plugins.MarkerCluster().add_to(m)
    folium.plugins.FastMarkerCluster([[14.5, -4.2], [16.3, -3.0]]).add_to(m)
    folium.plugins.HeatMap([[14.5, -4.2, 1.0]]).add_to(m)
    urls = _asset_urls(_render(m))
    _assert_local(urls)
    for name in ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css", "leaflet_heat.min.js"):
        assert any(u.endswith(name) for u in urls), name


def test_plugin_without_vendored_assets_is_refused(fake_boundaries):
    m = mapview.base_map()
    folium.plugins.MiniMap().add_to(m)
    with pytest.raises(assets.UnvendoredAssetError, match="MiniMap"):
        _render(m)


def test_localize_leaves_folium_classes_untouched(fake_boundaries):
    _render(mapview.base_map())
    assert folium.Map.default_js[0][1].startswith("https://")  # instances only, no global patch


def test_asset_base_is_configurable(fake_boundaries, tmp_path):
    m = mapview.base_map(asset_base="static")
    _assert_local(_asset_urls(_render(m)), base="static")
    m = mapview.base_map(asset_base=assets.file_base_url())
    out = tmp_path / "map.html"
    m.save(str(out))
    urls = _asset_urls(out.read_text(encoding="utf-8"))
    assert urls and all(u.startswith("file://") for u in urls)
    assert all(Path(u[len("file://"):]).is_file() for u in urls)


def test_every_referenced_vendored_file_exists():
    for rel in assets.asset_paths():
        assert (STATIC / rel).is_file(), rel


def test_vendored_css_references_resolve():
    """url(...) in vendored stylesheets (fonts, marker images) point at shipped files."""
    checked = 0
    for css in (STATIC / "vendor").rglob("*.css"):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css.read_text(encoding="utf-8")):
            if ref.startswith(("data:", "#")) or re.match(r"^[a-z]+:", ref):
                continue
            target = (css.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), f"{css.relative_to(STATIC)} -> {ref}"
            checked += 1
    assert checked > 10  # Font Awesome webfonts, glyphicons, Leaflet and awesome-markers images


def test_each_vendored_package_has_its_license():
    dirs = [d for d in (STATIC / "vendor").iterdir() if d.is_dir()]
    assert len(dirs) >= 8
    for d in dirs:
        assert any(f.name.upper().startswith(("LICENSE", "MIT-LICEN")) for f in d.iterdir()), d


def test_static_readme_lists_the_pinned_table(monkeypatch):
    spec = importlib.util.spec_from_file_location("vendor_assets", ROOT / "tools" / "vendor_assets.py")
    mod = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "vendor_assets", mod)  # dataclasses look it up
    spec.loader.exec_module(mod)
    readme = (STATIC / "README.md").read_text(encoding="utf-8")
    for p in mod.PACKAGES:
        assert f"{p.name}]" in readme and f"| {p.version} |" in readme and (STATIC / "vendor" / p.dirname).is_dir()
    # geo/assets.py and the vendoring table agree on folders.
    folders = {rel.split("/")[1] for rel in assets.asset_paths()}
    assert folders <= {p.dirname for p in mod.PACKAGES} | {mod.FOLIUM_DIR}


def test_streamlit_serves_static():
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert re.search(r"^\s*enableStaticServing\s*=\s*true", config, re.M)
    assert assets.DEFAULT_BASE_URL == "/app/static"


# ---------------------------------------------------------------- escaping


def test_hostile_names_are_escaped(fake_boundaries):
    out = _decode_js(_render(mapview.base_map()))
    assert HOSTILE not in out
    assert "<img src=x" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in out


def test_geojson_features_escape_and_round():
    gdf = gpd.GeoDataFrame(
        [{"name": HOSTILE, "n": 3, "geometry": Polygon([(0.123456789, 0), (1, 0), (1, 1.987654321)])}], crs=4326
    )
    fc = mapview.geojson_features(gdf, ["name", "n"])
    props = fc["features"][0]["properties"]
    assert props == {"name": "&lt;script&gt;alert(1)&lt;/script&gt;", "n": "3"}
    coords = json.dumps(fc["features"][0]["geometry"])
    assert "0.1235" in coords and "1.9877" in coords and "0.12345" not in coords


# ---------------------------------------------------------------- map options


def test_max_zoom_is_set_and_no_tiles_by_default(fake_boundaries):
    m = mapview.base_map()
    out = _render(m)
    assert f'"maxZoom": {mapview.MAX_ZOOM}' in out
    assert not [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert "L.tileLayer" not in out


def test_online_tiles_are_optional_and_attributed(fake_boundaries):
    m = mapview.base_map(tiles="OpenStreetMap.Mapnik")
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert len(tiles) == 1 and "OpenStreetMap" in tiles[0].options["attribution"]
    assert "L.tileLayer" in _render(m)


def test_layers_added_later_are_in_the_layer_control(fake_boundaries):
    m = mapview.base_map()
    group = folium.FeatureGroup(name="Incidents").add_to(m)
    out = _render(m)
    control = out.index("L.control.layers(")
    assert out.index(f"var {group.get_name()} =") < control
    assert f'"Incidents" : {group.get_name()}' in out


def test_base_layers_are_compact_and_complete():
    layers = mapview.base_layers()
    assert len(layers["admin1"]["features"]) == len(boundaries.admin1()) >= 9
    assert len(layers["countries"]["features"]) == len(boundaries.countries())
    assert len(layers["border_zones"]["features"]) == len(boundaries.border_zones())
    (s, w), (n, e) = layers["bounds"]
    assert 9 < s < 11 and 24 < n < 26 and -13 < w < -11 and 3 < e < 5  # Mali
    assert len(json.dumps(layers)) < 1_000_000


def test_geo_modules_do_not_import_streamlit():
    for path in (ROOT / "geo" / "assets.py", ROOT / "geo" / "mapview.py", ROOT / "geo" / "dashboard.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("streamlit", "streamlit_folium") for n in names), path


# ================================================================ incidents

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from datetime import date, timedelta  # noqa: E402


def _incidents(n: int = 5, **overrides) -> pd.DataFrame:
    rows = {
        "id": list(range(1, n + 1)),
        "lat": [14.0 + i * 0.01 for i in range(n)], "lon": [-4.0 - i * 0.01 for i in range(n)],
        "date": [date(2025, 1, 1) + timedelta(days=i) for i in range(n)],
        "event_type": ["armed clash", "abduction", None, "Battles", "armed clash"][:n] + ["armed clash"] * max(0, n - 5),
        "geo_precision": [1, 2, 3, 4, 1][:n] + [1] * max(0, n - 5),
        "fatalities": [3, None, 0, 12, 1][:n] + [1] * max(0, n - 5),
        "place": [HOSTILE, "Boni", "Boni", "Mali–Niger border", "Tessit"][:n] + ["X"] * max(0, n - 5),
        "admin1": ["Mopti"] * n, "border_zone": [None, None, None, "Mali–Niger border", None][:n] + [None] * max(0, n - 5),
    }
    rows.update(overrides)
    return pd.DataFrame(rows)


def test_payload_is_compact_and_escaped():
    p = mapview.incident_payload(_incidents())
    assert p["total"] == p["drawn"] == 5 and p["unlocated"] == 0
    assert len(p["lat"]) == len(p["lon"]) == len(p["id"]) == len(p["t"]) == 5
    # strings once, in tables; columns are indexes (-1: none)
    assert p["places"].count("Boni") == 1 and p["pl"][1] == p["pl"][2]
    assert p["t"][2] == -1 and p["f"][1] == -1 and p["f"][3] == 12
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in p["places"] and HOSTILE not in p["places"]
    assert p["dates"][p["d"][0]] == "2025-01-01"
    assert p["colours"][p["types"].index("armed clash")] == mapview.EVENT_COLOURS["armed clash"]
    assert p["colours"][p["types"].index("Battles")] in mapview.OTHER_COLOURS
    assert p["scale"] == 10 ** mapview.INCIDENT_DECIMALS and all(isinstance(x, int) for x in p["lat"] + p["lon"])
    assert p["lat"][0] / p["scale"] == 14.0 and p["lon"][1] / p["scale"] == -4.01


def test_payload_places_area_level_incidents_at_their_area_never_a_false_pin():
    df = _incidents(3, lat=[None, None, None], lon=[None, None, None],
                    admin1=["Mopti", None, None], border_zone=[None, "Mali–Niger border", None])
    areas = mapview.base_layers()["areas"]
    p = mapview.incident_payload(df, areas=areas)
    assert p["drawn"] == 2 and p["unlocated"] == 1 and p["total"] == 3
    assert p["u"] == [0, 1]                    # flagged: drawn at their area, not as a town
    assert p["p"][0] == 3 and p["p"][1] == 4   # region, border zone precision
    assert [p["lat"][0] / p["scale"], p["lon"][0] / p["scale"]] == [round(v, 3) for v in areas["admin1"]["Mopti"]]
    p = mapview.incident_payload(df)            # without areas: not drawn at all
    assert p["drawn"] == 0 and p["unlocated"] == 3


def test_payload_json_cannot_close_the_script():
    p = mapview.incident_payload(_incidents(), {1: {"ev": ["<mark>x</mark> </script><script>alert(1)</script>"]}})
    text = mapview.payload_json(p)
    assert "</" not in text and json.loads(text)["det"]["1"]["ev"][0].startswith("<mark>x</mark>")


def test_popup_details_escape_everything_from_articles():
    d = mapview.popup_details(
        {"place": "Kidal", "admin2": HOSTILE, "distance_to_border_km": 12.4, "nearest_country": "Algeria",
         "actors": [HOSTILE_IMG], "evidence": [{"text": f"Gunmen hit Kidal. {HOSTILE}"}],
         "fatalities_detail": [{"count": 80, "qualifier": "over", "victims": "militants",
                                "who_reported": HOSTILE, "is_claim": True}],
         "date_precision": "week", "review_status": "confirmed", "source": "acled"},
        [{"title": HOSTILE, "url": "javascript:alert(3)", "published": date(2025, 1, 2)},
         {"title": "ok", "url": "https://example.org/a?x=1&y=2", "published": None},
         {"title": "quoted", "url": 'https://example.org/a"onmouseover="x', "published": None}],
    )
    blob = json.dumps(d)
    assert "<script>" not in blob and "<img" not in blob
    assert d["ev"][0].startswith("Gunmen hit <mark>Kidal</mark>.") and "&lt;script&gt;" in d["ev"][0]
    assert d["fat"][0].startswith("over 80 militants, reported by &lt;script&gt;") and "claim" in d["fat"][0]
    assert d["dist"] == "12 km from the border with Algeria"
    assert d["src"][0][1] == ""                                   # javascript: dropped
    assert d["src"][1][1] == "https://example.org/a?x=1&amp;y=2"
    assert d["src"][2][1] == ""                                   # a quote in a URL: dropped
    assert d["dp"] == "week" and d["rs"] == "confirmed" and d["so"] == "ACLED"


def test_safe_url_and_highlight():
    assert mapview.safe_url("https://x.org/a") == "https://x.org/a"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//x.org", "http://x.org/a b", None, 3):
        assert mapview.safe_url(bad) == ""
    long = "word " * 200 + "Tessit " + "word " * 200
    out = mapview.highlight(long, ["Tessit"], limit=100)
    assert "<mark>Tessit</mark>" in out and out.startswith("…") and out.endswith("…") and len(out) < 160
    assert mapview.highlight("a <b> Tessit", ["tessit"]) == "a &lt;b&gt; <mark>Tessit</mark>"


def test_incident_map_uses_only_vendored_assets_and_lists_its_layers(fake_boundaries):
    p = mapview.incident_payload(_incidents())
    out = _render(mapview.incident_map(p, show_heat=True))
    urls = _asset_urls(out)
    _assert_local(urls)
    for name in ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css", "leaflet_heat.min.js"):
        assert any(u.endswith(name) for u in urls), name
    assert "leaflet.markercluster@1.5.3" in out
    control = out[out.index("overlays :"):out.index("L.control.layers(")]
    for layer in (mapview.INCIDENTS_LAYER, mapview.HEAT_LAYER, mapview.CHOROPLETH_LAYER, mapview.BORDER_ZONES_LAYER):
        assert f'"{layer}" : ' in control, layer
    assert out.count("L.markerClusterGroup(") == 1 and out.count("L.heatLayer(") == 1
    decoded = _decode_js(out)
    assert 'data-count=\\"5\\"' in decoded      # the legend says how many are drawn
    assert HOSTILE not in decoded


def test_incident_map_without_full_data_has_no_admin2_layer_and_with_it_has_one(fake_boundaries):
    p = mapview.incident_payload(_incidents())
    layers = mapview.base_layers()
    assert layers["admin2"] is None
    assert mapview.ADMIN2_LAYER not in _render(mapview.incident_map(p, layers=layers))
    layers["admin2"] = mapview.geojson_features(
        gpd.GeoDataFrame([{"name": "Bankass", "parent": "Mopti", "geometry": box(-4, 13.5, -3, 14.5)}], crs=4326),
        ["name", "parent"])
    out = _render(mapview.incident_map(p, layers=layers, admin2_counts={"Bankass": 4}))
    assert mapview.ADMIN2_LAYER in out and mapview.ADMIN2_CLASS in out


def test_choropleth_classes():
    assert mapview.choropleth_breaks([]) == []
    breaks = mapview.choropleth_breaks([0, 1, 2, 3, 10, 50])
    assert breaks == sorted(breaks) and breaks[-1] == 50 and len(breaks) <= len(mapview.CHORO_COLOURS)
    assert mapview.break_labels([2, 5, 9]) == ["1–2", "3–5", "6–9"]
    assert mapview.break_labels([1, 4]) == ["1", "2–4"]


def test_fit_to_incidents_replaces_the_fit_to_mali(fake_boundaries):
    p = mapview.incident_payload(_incidents())
    out = _render(mapview.incident_map(p, fit="incidents"))
    assert out.count(".fitBounds(") == 1 and '"maxZoom": 9' in out


def test_ten_thousand_incidents_stay_small():
    """Size only (speed is measured by bench/map.py): 10,000 incidents well under 3 MB."""
    n = 10_000
    rng = np.random.default_rng(1)
    df = pd.DataFrame({
        "id": np.arange(n), "lat": rng.uniform(11, 24, n), "lon": rng.uniform(-11, 3, n),
        "date": [date(2024, 1, 1) + timedelta(days=int(x)) for x in rng.integers(0, 700, n)],
        "event_type": rng.choice(list(mapview.EVENT_COLOURS), n), "geo_precision": rng.choice([1, 2, 3, 4], n),
        "fatalities": rng.choice([np.nan, 0, 2, 30], n), "place": [f"Place {i % 2000}" for i in range(n)],
        "admin1": rng.choice(["Kayes", "Mopti", "Gao"], n), "border_zone": rng.choice([None, "Mali–Niger border"], n),
    })
    html_text = _render(mapview.incident_map(mapview.prepare_payload(mapview.incident_payload(df))))
    assert len(html_text.encode("utf-8")) < 1_500_000


def test_bidi_overrides_are_dropped_from_displayed_text():
    """Text that skipped our cleaner (an import, the store API) must not reverse how a
    popup line reads; direction marks, which change no order, stay."""
    from geo.mapview import esc

    hostile = "Kidal \u202egnp.exe\u202c and \u2067isolate\u2069 \u200fmark"
    out = esc(hostile)
    assert not any(ch in out for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert out == "Kidal gnp.exe and isolate \u200fmark"
