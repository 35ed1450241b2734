"""Exports: the incidents an :class:`~geo.filters.IncidentFilter` selects, as CSV, GeoJSON
or GeoPackage.

    python -m geo export --format csv|geojson|gpkg [filters] -o FILE

The dashboard calls :func:`export` with the filter it shows, so a file holds exactly the
incidents on screen. Files are written to a temporary name beside the target and
renamed when complete: an interrupted export never leaves a truncated file behind.

Columns (:data:`EXPORT_COLUMNS`): identity and source (id, source, source_event_id,
source_count, article_ids, article_urls), when (date, date_precision), where (place,
lat, lon, geo_precision, country, admin1-3, border_zone, distance_to_border_km,
nearest_country), what (event_type, actors, fatalities, fatalities_claimed,
fatalities_detail), why we believe it (evidence, confidence, review_status), the
source's own values for imports (source_admin1-3, source_location, source_values), notes.

- CSV: one row per incident; lists joined with "; ", nested values (fatalities_detail,
  evidence, source_values) as JSON text; UTF-8 with a header row.
- GeoJSON (RFC 7946): a FeatureCollection of points (geometry null without coordinates);
  lists and nested values stay JSON arrays / objects.
- GeoPackage: layer "incidents" (EPSG:4326 points), flat columns like the CSV.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import InvalidInputError
from .filters import IncidentFilter

FORMATS = ("csv", "geojson", "gpkg")
SUFFIXES = {"csv": ".csv", "geojson": ".geojson", "gpkg": ".gpkg"}
EXPORT_COLUMNS = (
    "id", "source", "source_event_id", "date", "date_precision", "place", "lat", "lon", "geo_precision",
    "country", "admin1", "admin2", "admin3", "border_zone", "distance_to_border_km", "nearest_country",
    "event_type", "actors", "fatalities", "fatalities_claimed", "source_count", "article_ids", "article_urls",
    "confidence", "review_status", "source_admin1", "source_admin2", "source_admin3", "source_location",
    "notes", "evidence", "fatalities_detail", "source_values",
)
_LISTS = ("actors", "article_ids", "article_urls")
_NESTED = ("evidence", "fatalities_detail", "source_values")
_STORE_COLUMNS = tuple(c for c in EXPORT_COLUMNS if c not in ("article_ids", "article_urls"))
LAYER = "incidents"


@dataclass(frozen=True)
class ExportResult:
    path: str
    fmt: str
    incidents: int

    def summary(self) -> str:
        return f"export {self.fmt}: {self.incidents} incidents written to {self.path}"


def format_for(path: str | Path, fmt: str | None) -> str:
    """The format from ``fmt`` or the file suffix."""
    if fmt:
        f = fmt.lower()
        if f not in FORMATS:
            raise InvalidInputError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
        return f
    suffix = Path(path).suffix.lower().lstrip(".")
    f = {"json": "geojson"}.get(suffix, suffix)
    if f not in FORMATS:
        raise InvalidInputError(f"cannot tell the export format from {Path(path).name!r}: give --format csv|geojson|gpkg")
    return f


def _plain(v: Any) -> Any:
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return v


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for c in EXPORT_COLUMNS:
        v = row.get(c)
        if c in _LISTS:
            v = "; ".join(str(x) for x in (v or []))
        elif c in _NESTED:
            v = json.dumps(v, ensure_ascii=False, default=str) if v else ""
        out[c] = _plain(v)
    return out


def _rows(store: Any, flt: IncidentFilter | None) -> Iterator[list[dict[str, Any]]]:
    yield from store.iter_query(flt, columns=_STORE_COLUMNS)


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.part")


#: A text cell starting with one of these is a formula to a spreadsheet ("=HYPERLINK(...)"
#: in a place name from an article would run when an analyst opens the CSV).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(v: Any) -> Any:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe
    (OWASP's advice for CSV injection); numbers are left as they are."""
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v
    return v


def write_csv(chunks: Iterable[list[dict[str, Any]]], path: Path) -> int:
    """Write incidents as CSV (atomically); text that looks like a formula is defused."""
    n = 0
    tmp = _tmp(path)
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
            w.writeheader()
            for rows in chunks:
                for r in rows:
                    w.writerow({k: _csv_safe(v) for k, v in _flat(r).items()})
                    n += 1
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def write_geojson(chunks: Iterable[list[dict[str, Any]]], path: Path) -> int:
    n = 0
    tmp = _tmp(path)
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write('{"type": "FeatureCollection", "features": [\n')
            for rows in chunks:
                for r in rows:
                    props = {c: _plain(r.get(c)) for c in EXPORT_COLUMNS if c not in ("lat", "lon")}
                    props["lat"], props["lon"] = r.get("lat"), r.get("lon")
                    for c in _LISTS:
                        props[c] = list(props.get(c) or [])
                    geom = None
                    if r.get("lat") is not None and r.get("lon") is not None:
                        geom = {"type": "Point", "coordinates": [r["lon"], r["lat"]]}
                    feat = {"type": "Feature", "id": r.get("id"), "geometry": geom, "properties": props}
                    if n:
                        fh.write(",\n")
                    fh.write(json.dumps(feat, ensure_ascii=False, default=str))
                    n += 1
            fh.write("\n]}\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def write_gpkg(chunks: Iterable[list[dict[str, Any]]], path: Path) -> int:
    import geopandas as gpd
    import pandas as pd

    rows = [_flat(r) for part in chunks for r in part]
    df = pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))
    for c in ("lat", "lon", "distance_to_border_km", "confidence"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in ("id", "geo_precision", "fatalities", "fatalities_claimed", "source_count"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    df["date"] = pd.to_datetime(df["date"], errors="coerce")
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype("string")
    geom = gpd.points_from_xy(df["lon"], df["lat"], crs=4326)
    missing = df["lat"].isna() | df["lon"].isna()
    gdf = gpd.GeoDataFrame(df, geometry=geom, crs=4326)
    if missing.any():
        gdf.loc[missing, "geometry"] = None
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.part.gpkg")
    try:
        gdf.to_file(tmp, layer=LAYER, driver="GPKG", engine="pyogrio", geometry_type="Point")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(gdf)


_WRITERS = {"csv": write_csv, "geojson": write_geojson, "gpkg": write_gpkg}


def export(
    path: str | Path,
    flt: IncidentFilter | None = None,
    *,
    fmt: str | None = None,
    store: Any = None,
    db: str | None = None,
) -> ExportResult:
    """Write the incidents ``flt`` selects to ``path`` (format from ``fmt`` or the suffix)."""
    p = Path(path)
    f = format_for(p, fmt)
    if p.is_dir():
        raise InvalidInputError(f"{p} is a folder: give a file name")
    if not p.parent.exists():
        raise InvalidInputError(f"{p.parent}: no such folder")
    from .store import open_store

    own = store is None
    st = store or open_store(db)
    try:
        n = _WRITERS[f](_rows(st, flt), p)
    finally:
        if own:
            st.close()
    return ExportResult(str(p), f, n)


def export_bytes(flt: IncidentFilter | None, fmt: str, *, store: Any) -> bytes:
    """The same file as bytes (for a download button)."""
    import tempfile

    f = format_for(f"x.{fmt}", fmt)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"incidents{SUFFIXES[f]}"
        export(p, flt, fmt=f, store=store)
        return p.read_bytes()
