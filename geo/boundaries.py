"""Admin levels, countries and border zones, loaded once and cached.

Border zones are computed, not stored: for each neighbour, the part of Mali within
``border_km`` of the border line it shares with Mali (buffers drawn in a metric CRS), and
the Liptako-Gourma tri-border area, a disc of ``triborder_km`` around the Mali–Burkina
Faso–Niger tripoint clipped to those three countries. National zones lie inside Mali
only; the tri-border area spans all three countries, because that is how analysts use it.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry.base import BaseGeometry

from . import datasets
from .config import get_settings
from .errors import DataFileError
from .gazetteer import fold

#: An azimuthal equidistant projection centred on Mali: distances from the centre are
#: exact, and scale error stays under about 0.3 % anywhere in Mali.
METRIC_CRS = "+proj=aeqd +lat_0=17 +lon_0=-4 +datum=WGS84 +units=m +no_defs"
TRIBORDER_NAME = "Liptako-Gourma tri-border area"


def _read(path, what: str) -> gpd.GeoDataFrame:
    if path is None or not path.is_file():
        raise DataFileError(path or what, f"{what} file is missing")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise DataFileError(path, f"{what} file is unreadable ({exc})") from exc
    if gdf.empty or gdf.geometry.isna().any():
        raise DataFileError(path, f"{what} file has no or empty geometries")
    return gdf.set_crs(4326, allow_override=True)


@lru_cache(maxsize=None)
def _admin1_cached(path: str, mtime: float) -> gpd.GeoDataFrame:
    from pathlib import Path

    gdf = _read(Path(path), "admin-1")
    names = {r["code"]: r for r in datasets.read_table(datasets.ADMIN1_NAMES_FILE)}
    gdf["aliases"] = [
        tuple(a for a in names.get(c, {}).get("aliases", "").split("|") if a) for c in gdf["code"]
    ]
    gdf["later_regions_within"] = [
        tuple(a for a in names.get(c, {}).get("later_regions_within", "").split("|") if a)
        for c in gdf["code"]
    ]
    return gdf


def admin1() -> gpd.GeoDataFrame:
    """Mali's admin-1 units: code, name, name_en, name_fr, aliases, geometry (EPSG:4326)."""
    p = datasets.admin_path(1)
    if p is None or not p.is_file():
        raise DataFileError(p or datasets.embedded_path(datasets.ADMIN1_FILE), "admin-1 file is missing")
    return _admin1_cached(str(p), p.stat().st_mtime)


def admin_layer(level: int) -> gpd.GeoDataFrame | None:
    """Admin layer ``level`` (1-3) or ``None`` when not installed (2 and 3 need full data).

    Levels 2-3 have columns code, name, parent (admin-1 name), geometry.
    """
    if level == 1:
        return admin1()
    p = datasets.admin_path(level)
    if p is None:
        return None
    return _layer_cached(str(p), p.stat().st_mtime, f"admin-{level}")


@lru_cache(maxsize=None)
def _layer_cached(path: str, mtime: float, what: str) -> gpd.GeoDataFrame:
    from pathlib import Path

    return _read(Path(path), what)


def countries() -> gpd.GeoDataFrame:
    """Mali and its seven neighbours: iso3, iso2, name, name_fr, geometry (EPSG:4326)."""
    p = datasets.embedded_path(datasets.COUNTRIES_FILE)
    if not p.is_file():
        raise DataFileError(p, "countries file is missing")
    return _layer_cached(str(p), p.stat().st_mtime, "countries")


def mali() -> BaseGeometry:
    """Mali's outline (Natural Earth 1:10m)."""
    c = countries()
    return c.loc[c["iso3"] == "MLI"].geometry.iloc[0]


@lru_cache(maxsize=8)
def border_lines() -> gpd.GeoDataFrame:
    """The border Mali shares with each neighbour: neighbour_iso3, neighbour, geometry (lines)."""
    c = countries().to_crs(METRIC_CRS)
    mali_m = c.loc[c["iso3"] == "MLI"].geometry.iloc[0]
    rows = []
    for _, n in c[c["iso3"] != "MLI"].iterrows():
        # The world-atlas topology shares arcs, but a 1 m buffer keeps this robust to
        # floating-point noise in the decoded coordinates.
        line = shapely.line_merge(shapely.intersection(mali_m.boundary, n.geometry.buffer(1.0)))
        if line.is_empty:
            continue
        rows.append({"neighbour_iso3": n["iso3"], "neighbour": n["name"], "geometry": line})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS).to_crs(4326)


@lru_cache(maxsize=1)
def tripoint() -> shapely.Point:
    """The Mali–Burkina Faso–Niger tripoint."""
    lines = border_lines().to_crs(METRIC_CRS).set_index("neighbour_iso3")
    bf, ne = lines.geometry["BFA"], lines.geometry["NER"]
    a, b = shapely.ops.nearest_points(bf, ne)
    mid = shapely.Point((a.x + b.x) / 2, (a.y + b.y) / 2)
    return gpd.GeoSeries([mid], crs=METRIC_CRS).to_crs(4326).iloc[0]


@lru_cache(maxsize=8)
def _border_zones(border_km: float, triborder_km: float) -> gpd.GeoDataFrame:
    lines = border_lines().to_crs(METRIC_CRS)
    c = countries().to_crs(METRIC_CRS)
    mali_m = c.loc[c["iso3"] == "MLI"].geometry.iloc[0]
    rows = []
    for _, ln in lines.iterrows():
        zone = shapely.intersection(mali_m, ln.geometry.buffer(border_km * 1000, quad_segs=8))
        rows.append({
            "name": f"Mali–{ln['neighbour']} border", "kind": "border",
            "neighbour_iso3": ln["neighbour_iso3"], "geometry": zone,
        })
    tp = gpd.GeoSeries([tripoint()], crs=4326).to_crs(METRIC_CRS).iloc[0]
    three = c[c["iso3"].isin(["MLI", "BFA", "NER"])].geometry.union_all()
    rows.append({
        "name": TRIBORDER_NAME, "kind": "triborder", "neighbour_iso3": "BFA|NER",
        "geometry": shapely.intersection(tp.buffer(triborder_km * 1000, quad_segs=32), three),
    })
    zones = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS).to_crs(4326)
    # Straight edges in the metric CRS bow slightly in lon/lat: clip again in lon/lat so a
    # national zone never pokes out of Mali's outline as drawn on the map.
    national = zones["kind"] == "border"
    zones.loc[national, "geometry"] = zones.loc[national].geometry.intersection(mali())
    return zones


def border_zones(border_km: float | None = None, triborder_km: float | None = None) -> gpd.GeoDataFrame:
    """Border zones: name ("Mali–Senegal border", ...), kind, neighbour_iso3, geometry."""
    s = get_settings()
    return _border_zones(float(border_km or s.border_km), float(triborder_km or s.triborder_km))


# ---------------------------------------------------------------- names

@lru_cache(maxsize=1)
def _admin1_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    a = admin1()
    for _, r in a.iterrows():
        for n in (r["name"], r["name_en"], r["name_fr"], *r["aliases"], *r["later_regions_within"]):
            keys.setdefault(fold(n), r["name"])
    return keys


def admin1_lookup(text: str) -> str | None:
    """Canonical admin-1 name for a region as written ("Timbuktu", "Segou", "région de Kayes").

    Régions created in 2016 and 2023 (Ménaka, Taoudénit, Bandiagara, Nioro, ...) map to
    the pre-2016 unit that contains them, since that is the frame our polygons use.
    """
    key = fold(text)
    for prefix in ("region de ", "region of ", "the "):
        if key.startswith(prefix):
            key = key[len(prefix):]
    for suffix in (" region", " district"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    return _admin1_keys().get(key)


@lru_cache(maxsize=1)
def _adjectives() -> dict[str, str]:
    out: dict[str, str] = {}
    for r in datasets.read_table(datasets.COUNTRY_NAMES_FILE):
        for w in (r["name"], r["name_fr"], *r["adjectives"].split("|")):
            out[fold(w)] = r["iso3"]
    return out


def country_for_word(word: str) -> str | None:
    """ISO3 code for a country name or adjective: "Senegalese", "mauritanienne" -> "SEN", "MRT"."""
    return _adjectives().get(fold(word))


def neighbour_for_adjective(word: str) -> str | None:
    """Border-zone name for a neighbour's name or adjective ("Senegalese" -> "Mali–Senegal border")."""
    iso3 = country_for_word(word)
    if iso3 is None or iso3 == "MLI":
        return None
    zones = border_zones()
    hit = zones[(zones["kind"] == "border") & (zones["neighbour_iso3"] == iso3)]
    return None if hit.empty else str(hit["name"].iloc[0])


def admin1_frame() -> pd.DataFrame:
    """Admin-1 names without geometry (for lists and filters)."""
    return pd.DataFrame(admin1().drop(columns="geometry"))
