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
from pyproj import Geod

from . import boundaries
from .boundaries import METRIC_CRS, TRIBORDER_NAME
from .config import get_settings
from .errors import InvalidInputError

#: Columns :func:`join` adds.
JOIN_COLUMNS = ("country", "admin1", "admin2", "admin3", "border_zone", "distance_to_border_km", "nearest_country")
#: A point inside Mali's outline but just outside every admin polygon (the two sources'
#: outlines differ by up to a few km) takes the nearest unit within this distance.
ADMIN_SNAP_DEG = 0.25
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class _BorderIndex:
    tree: shapely.STRtree
    segments: np.ndarray          # shapely LineStrings (metric CRS)
    neighbour: np.ndarray         # country name per segment
    to_lonlat: Any                # pyproj Transformer metric -> lon/lat
    to_metric: Any


@lru_cache(maxsize=1)
def _border_index() -> _BorderIndex:
    from pyproj import Transformer

    lines = boundaries.border_lines().to_crs(METRIC_CRS)
    segs, names = [], []
    for geom, name in zip(lines.geometry, lines["neighbour"]):
        for part in shapely.get_parts(geom):
            coords = shapely.get_coordinates(part)
            if len(coords) < 2:
                continue
            pairs = np.stack([coords[:-1], coords[1:]], axis=1)
            segs.append(shapely.linestrings(pairs))
            names.append(np.full(len(pairs), name, dtype=object))
    segments = np.concatenate(segs)
    return _BorderIndex(
        tree=shapely.STRtree(segments),
        segments=segments,
        neighbour=np.concatenate(names),
        to_lonlat=Transformer.from_crs(METRIC_CRS, 4326, always_xy=True),
        to_metric=Transformer.from_crs(4326, METRIC_CRS, always_xy=True),
    )


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
    """Index into ``layer`` of the polygon containing each point, -1 for none (first hit wins)."""
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0:
        return out
    pi, li = layer.sindex.query(points, predicate="intersects")
    # keep the first hit per point
    order = np.argsort(pi, kind="stable")
    pi, li = pi[order], li[order]
    first = np.ones(len(pi), dtype=bool)
    first[1:] = pi[1:] != pi[:-1]
    out[pi[first]] = li[first]
    return out


def _admin_names(points: np.ndarray, in_mali: np.ndarray, layer: gpd.GeoDataFrame) -> np.ndarray:
    names = np.full(len(points), None, dtype=object)
    idx = np.flatnonzero(in_mali)
    if len(idx) == 0:
        return names
    hit = _polygon_hits(points[idx], layer)
    miss = hit < 0
    if miss.any():
        mi, li = layer.sindex.nearest(points[idx][miss], max_distance=ADMIN_SNAP_DEG, return_all=False)
        fill = np.full(int(miss.sum()), -1, dtype=np.int64)
        fill[mi] = li
        hit[miss] = fill
    ok = hit >= 0
    names[idx[ok]] = layer["name"].to_numpy()[hit[ok]]
    return names


def _border_distance(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic km to the nearest point of Mali's border, and the neighbour across it."""
    bi = _border_index()
    mx, my = bi.to_metric.transform(lon, lat)
    pts = shapely.points(mx, my)
    pi, si = bi.tree.query_nearest(pts, all_matches=False)
    seg = np.empty(len(pts), dtype=np.int64)
    seg[pi] = si
    segments = bi.segments[seg]
    nearest = shapely.line_interpolate_point(segments, shapely.line_locate_point(segments, pts))
    nxy = shapely.get_coordinates(nearest)
    nlon, nlat = bi.to_lonlat.transform(nxy[:, 0], nxy[:, 1])
    _, _, dist_m = _GEOD.inv(lon, lat, nlon, nlat)
    return np.asarray(dist_m) / 1000.0, bi.neighbour[seg]


def join(gdf: gpd.GeoDataFrame, border_km: float | None = None, triborder_km: float | None = None) -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` (points, EPSG:4326) with :data:`JOIN_COLUMNS` added.

    - country: name of the country (Mali or a neighbour) the point lies in, else None;
    - admin1/admin2/admin3: Mali's units (2 and 3 only with full data), None outside Mali;
    - border_zone: the tri-border area if within ``triborder_km`` of the tripoint (in Mali,
      Burkina Faso or Niger), else "Mali–X border" for points in Mali within ``border_km``
      of the border with X, else None;
    - distance_to_border_km: geodesic distance to Mali's international border;
    - nearest_country: the neighbour that shares the nearest stretch of that border.
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
    pts = out.geometry.values._data if hasattr(out.geometry.values, "_data") else np.asarray(out.geometry.values)
    pts = np.asarray(pts)
    xy = shapely.get_coordinates(pts)
    lon, lat = xy[:, 0], xy[:, 1]

    countries = boundaries.countries()
    ci = _polygon_hits(pts, countries)
    country = np.full(n, None, dtype=object)
    country[ci >= 0] = countries["name"].to_numpy()[ci[ci >= 0]]
    iso3 = np.full(n, None, dtype=object)
    iso3[ci >= 0] = countries["iso3"].to_numpy()[ci[ci >= 0]]
    in_mali = iso3 == "MLI"

    out["country"] = country
    for level in (1, 2, 3):
        layer = boundaries.admin_layer(level)
        out[f"admin{level}"] = _admin_names(pts, in_mali, layer) if layer is not None else None

    dist_km, neighbour = _border_distance(lon, lat)
    zone = np.full(n, None, dtype=object)
    near = in_mali & (dist_km <= border_km)
    zone[near] = np.char.add(np.char.add("Mali–", neighbour[near].astype(str)), " border").astype(object)
    tp = boundaries.tripoint()
    _, _, tp_m = _GEOD.inv(lon, lat, np.full(n, tp.x), np.full(n, tp.y))
    tri = (np.asarray(tp_m) / 1000.0 <= triborder_km) & np.isin(iso3, ["MLI", "BFA", "NER"])
    zone[tri] = TRIBORDER_NAME
    out["border_zone"] = zone
    out["distance_to_border_km"] = np.round(dist_km, 3)
    out["nearest_country"] = neighbour
    return out


def locate(lat: float, lon: float) -> dict:
    """Join one point; the dict of the ``python -m geo locate`` contract."""
    row = join(points_frame([lat], [lon])).iloc[0]
    return {
        "country": row["country"],
        "admin1": row["admin1"],
        "admin2": row["admin2"],
        "border_zone": row["border_zone"],
        "distance_to_border_km": float(row["distance_to_border_km"]),
        "nearest_country": row["nearest_country"],
    }
