"""The base map: only vendored assets, escaped strings, no tiles by default, maxZoom set."""

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
    for path in (ROOT / "geo" / "assets.py", ROOT / "geo" / "mapview.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("streamlit", "streamlit_folium") for n in names), path


def test_app_page_runs(tmp_path, monkeypatch):
    """app.py runs headless (the map itself is only visible in the browser test)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GEO_DATABASE_URL", f"sqlite:///{tmp_path / 'incidents.sqlite'}")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Mali Incident Map"
    assert re.search(r"(embedded|full) data.*gazetteer of [\d,]+ places", at.caption[0].value)
