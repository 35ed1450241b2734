"""The spatial join: points -> country, admin units, border zone and distance to the border.

One vectorised pass per layer (shapely 2 STRtree queries; no per-row Python loops), so a
million points join in seconds. Distances are geodesic: the nearest point on Mali's
border is found in a metric CRS, then the distance to it is measured on the WGS84
ellipsoid with pyproj.Geod, so projection scale error does not enter the figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod, Transformer

from . import boundaries
from .boundaries import METRIC_CRS, TRIBORDER_NAME
from .config import get_settings
from .errors import InvalidInputError

#: Columns :func:`join` adds.
JOIN_COLUMNS = ("country", "admin1", "admin2", "admin3", "border_zone", "distance_to_border_km", "nearest_country")
#: Natural Earth 1:10m outlines are good to a km or two: a point this close to the country
#: its source names (a GeoNames row tagged Mali) is taken to lie in that country.
COUNTRY_HINT_TOLERANCE_KM = 5.0
#: A point inside Mali's outline but just outside every admin polygon (the two sources'
#: outlines differ by up to a few km) takes the nearest unit within this distance.
ADMIN_SNAP_DEG = 0.25
_GEOD = Geod(ellps="WGS84")


#: Border lines are simplified (Douglas-Peucker, metres) and densified so that straight
#: segments join vertices at most BORDER_STEP_M apart. The nearest vertex is found with a
#: KD-tree on the unit sphere and the exact nearest point is taken on the two segments
#: beside it. Error bound: simplification adds at most BORDER_SIMPLIFY_M, and the
#: nearest-vertex step at most half a step before refinement (which nearly always makes
#: it exact): under 1 km in the worst case, centimetres in practice.
BORDER_SIMPLIFY_M = 100.0
BORDER_STEP_M = 1600.0
#: Polygons are cut into tiles of this size (degrees) before indexing: small tiles with
#: few vertices make point-in-polygon tests cheap (the trick osmnx calls quadrat cutting).
TILE_DEG = 1.0


def _unit_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    c = np.cos(la)
    return np.column_stack([c * np.cos(lo), c * np.sin(lo), np.sin(la)])


@dataclass(frozen=True)
class _BorderIndex:
    tree: Any                     # scipy cKDTree over densified border vertices (unit sphere)
    xyz: np.ndarray               # vertex coordinates, shape (n, 3)
    part: np.ndarray              # id of the line part each vertex belongs to
    neighbour: np.ndarray         # index into neighbour_names, per vertex
    neighbour_names: list[str]


@lru_cache(maxsize=1)
def _border_index() -> _BorderIndex:
    from scipy.spatial import cKDTree

    lines = boundaries.border_lines().to_crs(METRIC_CRS)
    xys, parts, names = [], [], []
    part_id = 0
    neighbour_names = lines["neighbour"].tolist()
    for code, geom in enumerate(lines.geometry):
        simple = shapely.simplify(geom, BORDER_SIMPLIFY_M, preserve_topology=True)
        for part in shapely.get_parts(shapely.segmentize(simple, BORDER_STEP_M)):
            coords = shapely.get_coordinates(part)
            xys.append(coords)
            parts.append(np.full(len(coords), part_id))
            names.append(np.full(len(coords), code, dtype=np.int64))
            part_id += 1
    xy = np.concatenate(xys)
    lon, lat = Transformer.from_crs(METRIC_CRS, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])
    xyz = _unit_xyz(np.asarray(lon), np.asarray(lat))
    return _BorderIndex(tree=cKDTree(xyz), xyz=xyz, part=np.concatenate(parts),
                        neighbour=np.concatenate(names), neighbour_names=neighbour_names)


@dataclass(frozen=True)
class _TiledLayer:
    tree: shapely.STRtree
    owner: np.ndarray             # row of the source layer each tile came from


_TILES: dict[int, tuple[gpd.GeoDataFrame, _TiledLayer]] = {}


def _tiled(layer: gpd.GeoDataFrame) -> _TiledLayer:
    """The tile index of a layer, built once per layer object (layers are cached upstream)."""
    hit = _TILES.get(id(layer))
    if hit is not None and hit[0] is layer:
        return hit[1]
    minx, miny, maxx, maxy = layer.total_bounds
    xs = np.arange(np.floor(minx), maxx + TILE_DEG, TILE_DEG)
    ys = np.arange(np.floor(miny), maxy + TILE_DEG, TILE_DEG)
    gx, gy = np.meshgrid(xs[:-1], ys[:-1])
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + TILE_DEG, gy.ravel() + TILE_DEG)
    geoms = layer.geometry.values
    li, ci = shapely.STRtree(cells).query(np.asarray(geoms), predicate="intersects")
    pieces = shapely.intersection(np.asarray(geoms)[li], cells[ci])
    keep = ~shapely.is_empty(pieces)
    pieces, owner = pieces[keep], li[keep]
    shapely.prepare(pieces)
    tiled = _TiledLayer(tree=shapely.STRtree(pieces), owner=owner)
    _TILES[id(layer)] = (layer, tiled)
    return tiled


def validate_points(gdf: gpd.GeoDataFrame) -> None:
    """Raise :class:`InvalidInputError` unless every geometry is a point with valid lon/lat."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InvalidInputError(f"expected a GeoDataFrame of points, got {type(gdf).__name__}")
    if gdf.empty:
        return
    geoms = gdf.geometry.values
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        raise InvalidInputError(f"points must be in EPSG:4326 (lon/lat), got {gdf.crs}")
    bad_type = ~np.asarray(shapely.get_type_id(geoms) == 0)
    xy = shapely.get_coordinates(geoms[~bad_type]) if (~bad_type).any() else np.empty((0, 2))
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    x[~bad_type], y[~bad_type] = xy[:, 0], xy[:, 1]
    bad = bad_type | ~np.isfinite(x) | ~np.isfinite(y) | (np.abs(x) > 180) | (np.abs(y) > 90)
    if bad.any():
        rows = list(gdf.index[bad][:5])
        raise InvalidInputError(
            f"{int(bad.sum())} row(s) are not valid lon/lat points (first: {rows}); "
            "longitude must be in [-180, 180] and latitude in [-90, 90]"
        )


def points_frame(lats, lons, **columns) -> gpd.GeoDataFrame:
    """Build a point GeoDataFrame from latitudes and longitudes, rejecting bad values clearly."""
    try:
        lat = pd.to_numeric(pd.Series(lats, dtype="object"), errors="raise").to_numpy(dtype=float)
        lon = pd.to_numeric(pd.Series(lons, dtype="object"), errors="raise").to_numpy(dtype=float)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"coordinates must be numbers: {exc}") from None
    if lat.shape != lon.shape:
        raise InvalidInputError("latitudes and longitudes differ in length")
    gdf = gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    validate_points(gdf)
    return gdf


def _polygon_hits(points: np.ndarray, layer: gpd.GeoDataFrame) -> np.ndarray:
    """Row of ``layer`` whose polygon contains each point, -1 for none (first hit wins)."""
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0:
        return out
    tiles = _tiled(layer)
    pi, ti = tiles.tree.query(points, predicate="intersects")
    out[pi[::-1]] = tiles.owner[ti[::-1]]  # reversed so the first hit is the one kept
    return out


def _admin_codes(points: np.ndarray, in_mali: np.ndarray, layer: gpd.GeoDataFrame) -> np.ndarray:
    """Row of ``layer`` for each point in Mali (-1 elsewhere), snapping near misses."""
    codes = np.full(len(points), -1, dtype=np.int64)
    idx = np.flatnonzero(in_mali)
    if len(idx) == 0:
        return codes
    hit = _polygon_hits(points[idx], layer)
    miss = hit < 0
    if miss.any():
        mi, li = layer.sindex.nearest(points[idx][miss], max_distance=ADMIN_SNAP_DEG, return_all=False)
        fill = np.full(int(miss.sum()), -1, dtype=np.int64)
        fill[mi] = li
        hit[miss] = fill
    codes[idx] = hit
    return codes


def _categorical(codes: np.ndarray, names) -> pd.Categorical:
    """Names by row code (-1 = missing), without building a million Python strings."""
    cats = pd.Index(list(names))
    if cats.has_duplicates:  # two units may share a name: map codes onto unique names
        uniq = pd.Index(cats.unique())
        remap = np.append(uniq.get_indexer(cats), -1)
        return pd.Categorical.from_codes(remap[codes], categories=uniq)
    return pd.Categorical.from_codes(codes, categories=cats)


def _border_distance(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic km to the nearest point of Mali's border, and the neighbour across it
    (as an index into ``_border_index().neighbour_names``)."""
    bi = _border_index()
    p = _unit_xyz(lon, lat)
    _, v = bi.tree.query(p, k=1, workers=-1)
    n_vert = len(bi.xyz)
    best_d2 = np.full(len(p), np.inf)
    best = np.zeros_like(p)
    for step in (-1, 1):
        w = np.clip(v + step, 0, n_vert - 1)
        same = bi.part[w] == bi.part[v]
        a = bi.xyz[v]
        ab = np.where(same[:, None], bi.xyz[w], a) - a
        denom = np.einsum("ij,ij->i", ab, ab)
        t = np.einsum("ij,ij->i", p - a, ab) / np.where(denom > 0, denom, 1.0)
        q = a + np.clip(t, 0.0, 1.0)[:, None] * ab
        d2 = np.einsum("ij,ij->i", p - q, p - q)
        better = d2 < best_d2
        best_d2[better], best[better] = d2[better], q[better]
    nlon = np.degrees(np.arctan2(best[:, 1], best[:, 0]))
    nlat = np.degrees(np.arctan2(best[:, 2], np.hypot(best[:, 0], best[:, 1])))
    _, _, dist_m = _GEOD.inv(lon, lat, nlon, nlat)
    return np.asarray(dist_m) / 1000.0, bi.neighbour[v]


def _apply_country_hint(pts: np.ndarray, ci: np.ndarray, hint, countries: gpd.GeoDataFrame) -> np.ndarray:
    """Give a point its source's country when it lies within COUNTRY_HINT_TOLERANCE_KM of it."""
    keys = {}
    for row, (iso3, iso2, name) in enumerate(zip(countries["iso3"], countries["iso2"], countries["name"])):
        keys[iso3] = keys[iso2] = keys[name] = row
    want = np.array([keys.get(h, -1) if isinstance(h, str) else -1 for h in hint], dtype=np.int64)
    todo = np.flatnonzero((want >= 0) & (want != ci))
    if len(todo) == 0:
        return ci
    metric = gpd.GeoSeries(pts[todo], crs=4326).to_crs(METRIC_CRS).values
    polys = countries.to_crs(METRIC_CRS).geometry.values[want[todo]]
    close = shapely.distance(np.asarray(metric), np.asarray(polys)) <= COUNTRY_HINT_TOLERANCE_KM * 1000
    ci = ci.copy()
    ci[todo[close]] = want[todo[close]]
    return ci


def join(
    gdf: gpd.GeoDataFrame,
    border_km: float | None = None,
    triborder_km: float | None = None,
    country_hint=None,
) -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` (points, EPSG:4326) with :data:`JOIN_COLUMNS` added.

    - country: name of the country (Mali or a neighbour) the point lies in, else None;
    - admin1/admin2/admin3: Mali's units (2 and 3 only with full data), None outside Mali;
    - border_zone: the tri-border area if within ``triborder_km`` of the tripoint (in Mali,
      Burkina Faso or Niger), else "Mali–X border" for points in Mali within ``border_km``
      of the border with X, else None;
    - distance_to_border_km: geodesic distance to Mali's international border;
    - nearest_country: the neighbour that shares the nearest stretch of that border.

    ``country_hint``: optional, one country per row (ISO2, ISO3 or name, or None) as the
    point's source says (a gazetteer row's country). Where the point lies outside that
    country by no more than COUNTRY_HINT_TOLERANCE_KM (border towns such as Gogui or
    Tinzaouaten, on the line at 1:10m), the source's country is kept.
    """
    validate_points(gdf)
    s = get_settings()
    border_km = float(border_km if border_km is not None else s.border_km)
    triborder_km = float(triborder_km if triborder_km is not None else s.triborder_km)
    out = gdf.copy()
    n = len(out)
    if n == 0:
        for col in JOIN_COLUMNS:
            out[col] = pd.Series(dtype="float64" if col == "distance_to_border_km" else "object")
        return out
    pts = np.asarray(out.geometry.values)
    xy = shapely.get_coordinates(pts)
    lon, lat = xy[:, 0], xy[:, 1]

    countries = boundaries.countries()
    ci = _polygon_hits(pts, countries)
    if country_hint is not None:
        hint = list(country_hint)
        if len(hint) != n:
            raise InvalidInputError(f"country_hint has {len(hint)} values for {n} points")
        ci = _apply_country_hint(pts, ci, hint, countries)
    mali_row = int(np.flatnonzero(countries["iso3"].to_numpy() == "MLI")[0])
    in_mali = ci == mali_row
    out["country"] = _categorical(ci, countries["name"])
    for level in (1, 2, 3):
        layer = boundaries.admin_layer(level)
        if layer is None:
            out[f"admin{level}"] = pd.Categorical.from_codes(np.full(n, -1), categories=pd.Index([], dtype=object))
        else:
            out[f"admin{level}"] = _categorical(_admin_codes(pts, in_mali, layer), layer["name"])

    bi = _border_index()
    dist_km, nb = _border_distance(lon, lat)
    zone_names = [f"Mali–{c} border" for c in bi.neighbour_names] + [TRIBORDER_NAME]
    zone = np.where(in_mali & (dist_km <= border_km), nb, -1)
    tp = boundaries.tripoint()
    # cheap box first (1 degree of latitude > 110 km), geodesic distance only inside it
    box = np.flatnonzero((np.abs(lat - tp.y) <= triborder_km / 110.0 + 0.05)
                         & (np.abs(lon - tp.x) <= triborder_km / (110.0 * np.cos(np.radians(tp.y + 2))) + 0.05))
    if len(box):
        three = np.flatnonzero(countries["iso3"].isin(["MLI", "BFA", "NER"]).to_numpy())
        _, _, tp_m = _GEOD.inv(lon[box], lat[box], np.full(len(box), tp.x), np.full(len(box), tp.y))
        tri = box[(np.asarray(tp_m) / 1000.0 <= triborder_km) & np.isin(ci[box], three)]
        zone[tri] = len(zone_names) - 1
    out["border_zone"] = pd.Categorical.from_codes(zone, categories=zone_names)
    out["distance_to_border_km"] = np.round(dist_km, 3)
    out["nearest_country"] = pd.Categorical.from_codes(nb, categories=bi.neighbour_names)
    return out


def locate(lat: float, lon: float) -> dict:
    """Join one point; the dict of the ``python -m geo locate`` contract."""
    row = join(points_frame([lat], [lon])).iloc[0]

    def text(v):
        return None if pd.isna(v) else str(v)

    return {
        "country": text(row["country"]),
        "admin1": text(row["admin1"]),
        "admin2": text(row["admin2"]),
        "border_zone": text(row["border_zone"]),
        "distance_to_border_km": float(row["distance_to_border_km"]),
        "nearest_country": text(row["nearest_country"]),
    }
