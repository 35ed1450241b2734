"""What the dashboard computes, without the dashboard: queries, aggregates, review, samples.

``app.py`` and ``ui/`` render; everything they show comes from here or from the modules
this one calls (the store, the extractor, the geocoder, :mod:`geo.mapview`). No
Streamlit import: every function is plain Python and tested as such.

- **first run**: :func:`ingest_samples` stores the sample articles in ``data/samples``
  (written for this project) when the database is empty, so the map is never blank;
- **the map page**: :func:`incident_frame` (the filtered incidents, compact columns),
  :func:`map_payload` (what the page draws), :func:`kpis`, :func:`weekly_counts`,
  :func:`region_counts`, :func:`table_frame`, :func:`click_target` (a map click as a
  filter or a selected incident);
- **adding articles**: :func:`load_input` (:func:`load_uploads` for a batch of uploaded
  files: sizes per file and per batch, formats by content) then :func:`preview_frame` and
  :func:`apply_preview` (the user's corrections before saving);
- **review**: :func:`review_queue`, :func:`place_candidates`, :func:`apply_fix` (a fix
  becomes a gazetteer alias);
- **sources and data**: :func:`articles_frame`, :func:`article_incidents`,
  :func:`data_overview`, :func:`geocoder_overview`.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import pandas as pd

from . import mapview
from .config import EMBEDDED_DATA_DIR, get_settings
from .errors import GeoError, InvalidInputError
from .filters import IncidentFilter, fold_text
from .store.base import MAP_COLUMNS
from .text.records import RETRY, as_date

SAMPLES_DIR = EMBEDDED_DATA_DIR / "samples"

#: Columns the map page reads for every filtered incident (compact: no text, no JSON
#: except the actor list).
FRAME_COLUMNS = tuple(dict.fromkeys((*MAP_COLUMNS, "admin2", "review_status")))
#: Columns of the incidents table (only its first rows are read).
TABLE_QUERY_COLUMNS = (*FRAME_COLUMNS, "actors")
#: Columns of the rich popups (the newest incidents only).
DETAIL_COLUMNS = ("id", "place", "admin2", "distance_to_border_km", "nearest_country", "actors",
                  "fatalities_detail", "evidence", "date_precision", "review_status", "source",
                  "source_location")
#: What needs a person: unresolved places, points outside Mali's regions, low confidence.
LOW_CONFIDENCE = 0.5

PRECISION_LABELS = mapview.PRECISION_LABELS


# ------------------------------------------------------------------ extraction and samples

def sample_files() -> list[Path]:
    """The sample articles (JSON, one article each), oldest first by file name."""
    return sorted(SAMPLES_DIR.glob("*.json"))


def make_extractor(store: Any = None, *, online: bool = False) -> Any:
    """An :class:`geo.extract.Extractor` whose geocoder keeps its cache and the users'
    aliases in the store's own database (so review fixes apply to new articles)."""
    from .extract import Extractor
    from .geocache import GeoCache

    return Extractor(online=online, geocode_cache=GeoCache.for_store(store) if store is not None else None)


def extract_fn(extractor: Any) -> Callable[[list], list]:
    """``extractor`` as the ``extract=`` callable :func:`geo.ingest.ingest` accepts."""

    def run(articles: list) -> list:
        return [(r.article, r.incidents) for r in extractor.extract_many(articles)]

    return run


def is_empty(store: Any) -> bool:
    stats = store.stats()
    return not stats.get("articles") and not stats.get("incidents")


def ingest_samples(store: Any, extractor: Any = None) -> Any:
    """Store the sample articles (:func:`sample_files`); returns the ingest report.

    Safe to call twice: articles already stored are skipped by the ingest itself.
    """
    from .ingest import ingest

    ex = extractor or make_extractor(store)
    return ingest([str(p) for p in sample_files()], store=store, extract=extract_fn(ex), progress=False)


# ------------------------------------------------------------------ articles and their sources

def data_version(store: Any) -> tuple:
    """Changes whenever incidents or articles are added, merged or edited (a cache key)."""
    return store.change_token()


def article_links(store: Any, incident_ids: Sequence[int]) -> dict[int, list[dict]]:
    """incident id -> its source articles (``id``, ``title``, ``url``, ``published``)."""
    return store.sources_of(incident_ids) if len(incident_ids) else {}


def articles_frame(store: Any) -> pd.DataFrame:
    """Every stored article with its incident counts: ``id, title, published, language,
    url, ingested_at, incidents, to_review, confirmed, corrected, rejected, status``
    (``url`` only when it is an http(s) URL: the Sources page shows it as a link)."""
    from .text.loading import safe_url

    cols = ["id", "title", "published", "language", "url", "ingested_at", "incidents", "to_review",
            "confirmed", "corrected", "rejected"]
    df = pd.DataFrame(store.articles()).rename(columns={"unreviewed": "to_review"})
    df = df.reindex(columns=cols)
    for c in ("to_review", "confirmed", "corrected", "rejected", "incidents"):
        df[c] = pd.to_numeric(df[c]).fillna(0).astype(int)
    df["status"] = [_article_status(r) for r in df.itertuples()]
    df["url"] = [safe_url(u) for u in df["url"]]  # a link column makes links: http(s) ones only
    return df


def _article_status(r: Any) -> str:
    if r.incidents == 0:
        return "no incidents found"
    if r.to_review == 0:
        return "reviewed"
    if r.to_review == r.incidents:
        return "not reviewed"
    return f"{r.to_review} of {r.incidents} to review"


def article_incidents(store: Any, article_id: str) -> list[dict]:
    """The incidents an article reports (full rows, newest first)."""
    rows = [r for r in (store.get_incident(i) for i in store.article_incident_ids(article_id)) if r]
    rows.sort(key=lambda r: (r.get("date") or date.min, r["id"]), reverse=True)
    return rows


# ------------------------------------------------------------------ the map page

def incident_frame(store: Any, flt: IncidentFilter | None) -> pd.DataFrame:
    """The incidents ``flt`` selects, newest first, with :data:`FRAME_COLUMNS`.

    ``date`` is an ISO string (or None) here, not a ``date``. Read as plain values
    (:meth:`~geo.store.base.IncidentStore.plain_rows`): several times faster than
    ``store.frame`` on 100,000 rows.
    """
    rows = store.plain_rows(flt, FRAME_COLUMNS)
    # object columns (no string-type inference), then numbers where numbers are
    df = pd.DataFrame(rows, columns=list(FRAME_COLUMNS), dtype=object)
    for col in ("id", "lat", "lon", "geo_precision", "fatalities", "source_count"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    if df.empty:
        return df
    # the store's order (newest first, then by id), sorted here: SQLite's sort of every
    # selected row costs more than the query itself
    df = df.sort_values(["date", "id"], ascending=[False, False], na_position="last", kind="stable")
    return df.reset_index(drop=True)


def table_rows(store: Any, flt: IncidentFilter | None, limit: int) -> pd.DataFrame:
    """The first ``limit`` rows of the incidents table (:func:`table_frame`)."""
    return table_frame(store.frame(flt, columns=list(TABLE_QUERY_COLUMNS), limit=limit))


def incident_details(store: Any, flt: IncidentFilter | None, limit: int = mapview.RICH_POPUPS) -> dict[int, dict]:
    """Rich popup parts (:func:`geo.mapview.popup_details`) of the newest ``limit`` incidents."""
    if limit <= 0:
        return {}
    rows = store.query(flt, columns=list(DETAIL_COLUMNS), limit=limit)
    links = article_links(store, [r["id"] for r in rows])
    return {int(r["id"]): mapview.popup_details(r, links.get(int(r["id"]), [])) for r in rows}


def map_payload(store: Any, flt: IncidentFilter | None, frame: pd.DataFrame | None = None,
                layers: Mapping | None = None, rich: int = mapview.RICH_POPUPS) -> dict:
    """What the map page draws for ``flt`` (:func:`geo.mapview.incident_payload`)."""
    df = incident_frame(store, flt) if frame is None else frame
    details = incident_details(store, flt, rich) if len(df) else {}
    areas = (layers or {}).get("areas") if layers is not None else mapview.base_layers()["areas"]
    return mapview.incident_payload(df, details, areas=areas)


@dataclass(frozen=True)
class Kpis:
    incidents: int
    fatalities: int
    regions: int
    border_zones: int = 0       # incidents in a border zone
    located: int = 0            # incidents with their own point


def kpis(df: pd.DataFrame) -> Kpis:
    """Incidents, fatalities (the highest figure not claimed by a party, summed), regions affected."""
    if df.empty:
        return Kpis(0, 0, 0)
    fat = pd.to_numeric(df["fatalities"], errors="coerce")
    located = int((df["lat"].notna() & df["lon"].notna()).sum()) if "lat" in df else 0
    regions = df["admin1"].dropna()
    zoned = int(df["border_zone"].notna().sum()) if "border_zone" in df else 0
    return Kpis(len(df), int(fat.fillna(0).sum()), int(regions[regions != ""].nunique()), zoned, located)


def event_label(value: Any) -> str:
    return value if isinstance(value, str) and value else "unknown"


def weekly_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Incidents per week (weeks start on Monday) and event type: ``week, event_type, incidents``."""
    if df.empty:
        return pd.DataFrame({"week": pd.Series(dtype="datetime64[ns]"), "event_type": pd.Series(dtype=str),
                             "incidents": pd.Series(dtype=int)})
    when = pd.to_datetime(df["date"].astype(object), format="%Y-%m-%d", errors="coerce")
    ok = when.notna()
    week = (when[ok] - pd.to_timedelta(when[ok].dt.day_of_week, unit="D")).dt.normalize()
    types = df.loc[ok, "event_type"].map(event_label)
    out = (pd.DataFrame({"week": week.to_numpy(), "event_type": types.to_numpy()})
           .groupby(["week", "event_type"]).size().reset_index(name="incidents"))
    return out.sort_values(["week", "event_type"]).reset_index(drop=True)


def region_counts(df: pd.DataFrame, column: str = "admin1") -> pd.DataFrame:
    """Incidents and fatalities per region: ``region, incidents, fatalities`` (most first)."""
    if df.empty:
        return pd.DataFrame({"region": pd.Series(dtype=str), "incidents": pd.Series(dtype=int),
                             "fatalities": pd.Series(dtype=int)})
    reg = df[column].where(df[column].notna() & (df[column] != ""), "(not in a Mali region)")
    fat = pd.to_numeric(df["fatalities"], errors="coerce").fillna(0)
    out = (pd.DataFrame({"region": reg.to_numpy(), "fatalities": fat.to_numpy()})
           .groupby("region").agg(incidents=("fatalities", "size"), fatalities=("fatalities", "sum"))
           .reset_index())
    out["fatalities"] = out["fatalities"].astype(int)
    return out.sort_values(["incidents", "region"], ascending=[False, True]).reset_index(drop=True)


def name_counts(df: pd.DataFrame, column: str) -> dict[str, int]:
    """Incidents per value of ``column`` (for the choropleths)."""
    if df.empty or column not in df:
        return {}
    vc = df[column].dropna().value_counts()
    return {str(k): int(v) for k, v in vc.items() if k}


TABLE_COLUMNS = ("id", "date", "place", "admin1", "admin2", "border_zone", "event_type", "actors", "fatalities",
                 "precision", "sources", "review_status")


def table_frame(df: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """The incidents table: readable columns (actors joined, precision in words)."""
    part = df if limit is None else df.head(limit)
    out = pd.DataFrame({
        "id": part["id"].astype(int),
        "date": part["date"],
        "place": part["place"],
        "admin1": part["admin1"],
        "admin2": part["admin2"] if "admin2" in part else None,
        "border_zone": part["border_zone"],
        "event_type": part["event_type"],
        "actors": part["actors"].map(lambda a: ", ".join(a) if isinstance(a, (list, tuple)) else (a or ""))
        if "actors" in part else "",
        "fatalities": pd.to_numeric(part["fatalities"], errors="coerce").astype("Int64"),
        "precision": pd.to_numeric(part["geo_precision"], errors="coerce").map(
            lambda p: PRECISION_LABELS.get(int(p), "") if pd.notna(p) else ""),
        "sources": pd.to_numeric(part["source_count"], errors="coerce").astype("Int64"),
        "review_status": part["review_status"] if "review_status" in part else None,
    })
    return out.reset_index(drop=True)


def facet_options(facets: Mapping[str, Any], flt: IncidentFilter) -> dict[str, list]:
    """Options for each multi-select: the values present plus any the filter (URL) names."""
    out = {}
    for key in ("admin1", "admin2", "border_zone", "actors", "event_types"):
        present = [v for v in (facets.get(key) or []) if v]
        out[key] = sorted(set(present) | set(getattr(flt, key)), key=lambda s: fold_text(s))
    return out


@dataclass(frozen=True)
class ClickTarget:
    """What a click on the map asks for: filter by ``kind`` ("admin1", "admin2",
    "border_zone") = ``value``, or select ``kind="incident"`` with id ``value``."""

    kind: str
    value: Any


_INCIDENT_TIP = re.compile(r"^\s*#(\d+)\b")
_CODE = re.compile(r"ML-(?:[A-Z]{3}|\d{1,2})(?!\d)")


def click_target(value: Mapping | None, *, zones: Iterable[str] = (), locate: Callable | None = None) -> ClickTarget | None:
    """Interpret the last object clicked on the map (what ``st_folium`` returns).

    The tooltip says what was clicked: an incident marker ("#12 · Kayes · 2025-07-01"),
    a border zone ("Border zone…"), an admin-2 unit ("Cercle…") or an admin-1 region
    ("Region…", from the regions or the choropleth). Regions and cercles are found from
    the clicked point (``locate(lat, lon)``, :func:`geo.spatial.locate` by default).
    """
    if not value:
        return None
    tip = str(value.get("last_object_clicked_tooltip") or "")
    where = value.get("last_object_clicked") or {}
    m = _INCIDENT_TIP.match(tip)
    if m:
        return ClickTarget("incident", int(m.group(1)))
    text = " ".join(tip.split())
    if text.startswith("Border zone"):
        names = sorted((z for z in zones if z and z in text), key=len, reverse=True)
        if names:
            return ClickTarget("border_zone", names[0])
        return None
    if not (text.startswith("Region") or text.startswith("Cercle")):
        return None
    lat, lng = where.get("lat"), where.get("lng")
    if lat is None or lng is None:
        return None
    if locate is None:
        from .spatial import locate as _locate

        locate = _locate
    try:
        found = locate(float(lat), float(lng))
    except (GeoError, ValueError):
        return None
    if text.startswith("Cercle"):
        return ClickTarget("admin2", found["admin2"]) if found.get("admin2") else None
    if found.get("admin1"):
        return ClickTarget("admin1", found["admin1"])
    code = _CODE.search(text)
    if code:
        from . import boundaries

        a1 = boundaries.admin1()
        hit = a1.loc[a1["code"] == code.group(0), "name"]
        if len(hit):
            return ClickTarget("admin1", str(hit.iloc[0]))
    return None


# ------------------------------------------------------------------ adding articles

INPUT_KINDS = ("text", "upload", "url", "feed")
#: A batch of uploaded files may hold this many times ``GEO_MAX_INPUT_BYTES`` in all
#: (each file is held to the limit itself): a batch is read, extracted and previewed in
#: memory at once.
UPLOAD_BATCH_FACTOR = 4
MIB = 1024 * 1024


def upload_limits(settings: Any = None) -> tuple[int, int]:
    """(largest file, largest batch) in bytes that :func:`load_uploads` accepts."""
    per_file = (settings or get_settings()).max_input_bytes
    return per_file, per_file * UPLOAD_BATCH_FACTOR


def upload_limit_mb(settings: Any = None) -> int:
    """``GEO_MAX_INPUT_BYTES`` in the whole megabytes (MiB) Streamlit's ``maxUploadSize``
    counts, rounded up, so the uploader refuses what we would refuse, or only a little more."""
    return max(1, math.ceil(upload_limits(settings)[0] / MIB))


@dataclass
class UploadReport:
    """What :func:`load_uploads` made of a batch: the articles read, and for each file
    that could not be read, ``(file name, why)``; ``files`` is ``(file name, articles)``
    for each file read."""

    articles: list
    errors: list[tuple[str, str]]
    files: list[tuple[str, int]]


def _upload_size(value: Any) -> int | None:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value)
    size = getattr(value, "size", None)  # Streamlit's UploadedFile
    return int(size) if isinstance(size, int) and not isinstance(size, bool) else None


def _upload_bytes(value: Any, limit: int) -> bytes:
    """The content of an upload (bytes or a binary file object), at most ``limit + 1`` bytes."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value[: limit + 1])
    if hasattr(value, "seek"):
        value.seek(0)
    data = value.read(limit + 1)
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidInputError("is not a file of bytes")
    return bytes(data)


def load_uploads(files: Iterable[tuple[str, Any]], *, published: Any = None, settings: Any = None) -> UploadReport:
    """Articles from uploaded files, ``(name, content)`` with content bytes or a binary
    file object (a Streamlit ``UploadedFile``); every file is reported on its own.

    Whatever limit the web server applies, each file is held to ``GEO_MAX_INPUT_BYTES``
    and the batch to :data:`UPLOAD_BATCH_FACTOR` times that (a file that would take the
    batch over is refused, the others are still read); the size is checked before the
    content is read. The format is told from the content, never from the file's name
    (:func:`geo.text.loading.sniff_binary`, :func:`~geo.text.loading.detect_format`): a
    ``.txt`` that is a PNG image is refused, a ``.png`` that is an HTML page is read as
    HTML. A file that cannot be read does not stop the others.
    """
    from .text import loading

    per_file, per_batch = upload_limits(settings)
    report = UploadReport([], [], [])
    total = 0
    for name, value in files:
        name = str(name or "the file")
        try:
            size = _upload_size(value)
            data = None
            if size is None:
                data = _upload_bytes(value, per_file)
                size = len(data)
            if size > per_file:
                raise InvalidInputError(
                    f"the file is {size:,} bytes, over the limit of {per_file:,} bytes a file "
                    "(GEO_MAX_INPUT_BYTES); nothing was read from it"
                )
            if total + size > per_batch:
                raise InvalidInputError(
                    f"not read: with it this batch of files would come to {total + size:,} bytes, over the "
                    f"limit of {per_batch:,} bytes a batch ({UPLOAD_BATCH_FACTOR} x GEO_MAX_INPUT_BYTES); "
                    "upload it in another batch"
                )
            if data is None:
                data = _upload_bytes(value, per_file)
            total += len(data)
            got = loading.load_articles(data, published=published, settings=settings)
        except GeoError as exc:
            report.errors.append((name, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - one unreadable file does not stop the batch
            report.errors.append((name, f"could not be read ({type(exc).__name__}: {exc})"))
            continue
        report.articles.extend(got)
        report.files.append((name, len(got)))
    return report


def load_input(kind: str, value: Any, *, published: Any = None, name: str = "", title: str | None = None,
               settings: Any = None) -> list:
    """Articles from one input the user gave; :class:`InvalidInputError` says what is wrong.

    ``kind``: "text" (pasted text, HTML or JSON), "upload" (bytes of a file called
    ``name``), "url" (an article page, fetched) or "feed" (an RSS/Atom URL, fetched, or
    the feed's XML).
    """
    from .text import loading

    if kind == "text":
        if not str(value or "").strip():
            raise InvalidInputError("paste the text of an article first")
        return loading.load_articles(str(value), published=published, title=title or None)
    if kind == "upload":
        try:
            if not isinstance(value, (bytes, bytearray, memoryview)):
                raise InvalidInputError("is not a file of bytes")
            loading.check_size(len(value), settings)  # before a copy is made
            return loading.load_articles(bytes(value), published=published, settings=settings)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{name or 'the file'}: {exc}") from None
    if kind in ("url", "feed"):
        v = str(value or "").strip()
        if not v:
            raise InvalidInputError("give a URL first")
        if v.startswith("<"):
            return loading.load_articles(v, published=published, fmt="feed" if kind == "feed" else "auto")
        if not re.match(r"^https?://\S+$", v, re.IGNORECASE):
            raise InvalidInputError(f"{v!r} is not an http(s) URL")
        return loading.load_articles(v, published=published, fetch=True, fmt="feed" if kind == "feed" else "auto")
    raise InvalidInputError(f"unknown input kind {kind!r}")


PREVIEW_COLUMNS = ("keep", "article", "place", "lat", "lon", "date", "event_type", "fatalities", "admin1",
                   "border_zone", "precision", "status")


def _fatalities_text(inc: Any) -> str:
    return "; ".join(html.unescape(mapview.fatality_text(f.to_dict() if hasattr(f, "to_dict") else f))
                     for f in (inc.fatalities or []))


def preview_frame(results: Sequence[tuple[Any, Sequence[Any]]]) -> pd.DataFrame:
    """One editable row per extracted incident: ``results`` is ``[(article, incidents)]``.

    The index is "article:incident" (positions), which :func:`apply_preview` reads back.
    """
    rows, index = [], []
    for ai, (art, incidents) in enumerate(results):
        for ii, inc in enumerate(incidents):
            index.append(f"{ai}:{ii}")
            rows.append({
                "keep": True,
                "article": (art.title or f"article {ai + 1}")[:80],
                "place": inc.place,
                "lat": None if inc.lat is None else round(float(inc.lat), 5),
                "lon": None if inc.lon is None else round(float(inc.lon), 5),
                "date": inc.date,
                "event_type": inc.event_type,
                "fatalities": _fatalities_text(inc),
                "admin1": inc.admin1,
                "border_zone": inc.border_zone,
                "precision": PRECISION_LABELS.get(int(inc.geo_precision or 1), ""),
                "status": _status_text(inc.geocode_status, inc.lat),
            })
    df = pd.DataFrame(rows, columns=list(PREVIEW_COLUMNS), index=index)
    df["lat"] = pd.to_numeric(df["lat"], errors="coerce")
    df["lon"] = pd.to_numeric(df["lon"], errors="coerce")
    return df


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _as_date(v: Any) -> date | None:
    """A date from the preview table (date, Timestamp, ISO text...); None when it is none."""
    try:
        return as_date(v)
    except ValueError:
        try:
            return as_date(pd.Timestamp(v))   # numpy datetime64 and other forms pandas reads
        except (ValueError, TypeError):
            return None


def apply_preview(results: Sequence[tuple[Any, Sequence[Any]]], edited: pd.DataFrame,
                  geocoder: Any = None) -> list[tuple[Any, list[Any]]]:
    """The articles with their incidents as the user left them in the preview table.

    A row with ``keep`` unticked (or deleted) is dropped. A new place name (with the
    point unchanged) is geocoded again; a moved point is kept as typed (precision: town)
    and joined to Mali's regions and border zones again; date and event type are taken
    as edited. Returns ``[(article, incidents)]`` ready for ``store.add_article``.
    """
    from .text.records import TOWN

    kept: dict[str, Mapping] = {str(k): r for k, r in edited.iterrows()}
    out: list[tuple[Any, list[Any]]] = []
    moved: list[Any] = []
    for ai, (art, incidents) in enumerate(results):
        new_incs = []
        for ii, inc in enumerate(incidents):
            row = kept.get(f"{ai}:{ii}")
            if row is None or not bool(row.get("keep", True)):
                continue
            inc = replace(inc, actors=list(inc.actors), fatalities=list(inc.fatalities), evidence=list(inc.evidence))
            place = str(row.get("place") or "").strip() or inc.place
            lat, lon = _num(row.get("lat")), _num(row.get("lon"))
            old_lat = None if inc.lat is None else round(float(inc.lat), 5)
            old_lon = None if inc.lon is None else round(float(inc.lon), 5)
            point_changed = (lat, lon) != (old_lat, old_lon)
            if point_changed and lat is not None and lon is not None:
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise InvalidInputError(f"row {place!r}: coordinates {lat}, {lon} are out of range")
                inc.lat, inc.lon = lat, lon
                inc.geo_precision = TOWN
                inc.geocode_status = "resolved"
                moved.append(inc)
            elif point_changed:
                inc.lat = inc.lon = None
                inc.geocode_status = "unresolved"
                inc.admin1 = inc.admin2 = inc.border_zone = inc.country = None
                inc.distance_to_border_km = None
            elif place != inc.place and geocoder is not None:
                res = geocoder.geocode(place, strict=False)
                if res.status == "resolved" and res.lat is not None and not res.fallback:
                    inc.lat, inc.lon = res.lat, res.lon
                    inc.geo_precision = int(res.geo_precision or TOWN)
                    inc.geocode_status = "resolved"
                    moved.append(inc)
            inc.place = place
            d = _as_date(row.get("date"))
            if d != inc.date:
                inc.date = d
                inc.date_precision = "day" if d else None
            et = row.get("event_type")
            inc.event_type = et if isinstance(et, str) and et.strip() else None
            new_incs.append(inc)
        out.append((art, new_incs))
    if moved:
        _rejoin(moved)
    return out


def _rejoin(incidents: Sequence[Any]) -> None:
    from . import spatial

    joined = spatial.join(spatial.points_frame([i.lat for i in incidents], [i.lon for i in incidents]))
    for inc, (_, row) in zip(incidents, joined.iterrows()):
        def val(k):
            v = row[k]
            return None if pd.isna(v) else (float(v) if k == "distance_to_border_km" else str(v))

        inc.country, inc.admin1, inc.admin2 = val("country"), val("admin1"), val("admin2")
        inc.border_zone = val("border_zone")
        inc.distance_to_border_km = val("distance_to_border_km")
        inc.nearest_country = val("nearest_country")


def save_articles(store: Any, batch: Sequence[tuple[Any, Sequence[Any]]],
                  progress: Callable[[int, int], None] | None = None) -> dict:
    """Store each article with its incidents; returns counts (added, already, new, merged)."""
    out = {"added": 0, "already": 0, "incidents_new": 0, "incidents_merged": 0}
    for k, (art, incidents) in enumerate(batch, 1):
        res = store.add_article(art, list(incidents))
        if res.added:
            out["added"] += 1
            out["incidents_new"] += res.incidents_new
            out["incidents_merged"] += res.incidents_merged
        else:
            out["already"] += 1
        if progress:
            progress(k, len(batch))
    return out


# ------------------------------------------------------------------ review

#: What a stored geocode_status means, for people.
WAITING_TEXT = "waiting for the online geocoder"


def _status_text(status: str | None, lat: Any) -> str:
    if status == RETRY:
        return WAITING_TEXT
    return "place not found" if lat is None else (status or "")


REVIEW_SCAN_COLUMNS = ("id", "lat", "lon", "geocode_status", "confidence", "admin1", "country", "geo_precision")


def review_queue(store: Any, *, limit: int = 200, low_confidence: float = LOW_CONFIDENCE) -> list[dict]:
    """Unreviewed incidents a person should look at, with ``reasons``: the place was not
    found, the point is outside Mali's regions, or the confidence is low. Newest first."""
    df = store.frame(IncidentFilter(review_status=("unreviewed",)), columns=list(REVIEW_SCAN_COLUMNS))
    if df.empty:
        return []
    conf = pd.to_numeric(df["confidence"], errors="coerce")
    no_point = df["lat"].isna() | df["lon"].isna()
    unresolved = no_point | (df["geocode_status"].fillna("resolved") != "resolved")
    outside = ~no_point & df["admin1"].isna()
    low = conf.notna() & (conf < low_confidence)
    mask = unresolved | outside | low
    out = []
    for idx in df.index[mask][:limit]:
        inc = store.get_incident(int(df.at[idx, "id"]))
        if not inc:
            continue
        reasons = []
        if df.at[idx, "geocode_status"] == RETRY:
            reasons.append(f"{WAITING_TEXT} (it could not be reached; asked again on the next online run)")
        elif no_point[idx]:
            reasons.append("place not found")
        elif unresolved[idx]:
            reasons.append("place not resolved")
        if outside[idx]:
            reasons.append("outside Mali's regions")
        if low[idx]:
            reasons.append(f"low confidence ({conf[idx]:.2f})")
        inc["reasons"] = reasons
        out.append(inc)
    return out


def review_count(store: Any, low_confidence: float = LOW_CONFIDENCE) -> int:
    df = store.frame(IncidentFilter(review_status=("unreviewed",)), columns=list(REVIEW_SCAN_COLUMNS))
    if df.empty:
        return 0
    conf = pd.to_numeric(df["confidence"], errors="coerce")
    no_point = df["lat"].isna() | df["lon"].isna()
    mask = (no_point | (df["geocode_status"].fillna("resolved") != "resolved") | (~no_point & df["admin1"].isna())
            | (conf.notna() & (conf < low_confidence)))
    return int(mask.sum())


def place_candidates(geocoder: Any, name: str, *, admin1: str | None = None, limit: int = 8) -> list[dict]:
    """Gazetteer candidates for a name (for the review picker): name, lat, lon, country,
    admin1, score, label."""
    from .geocode import GeocodeContext

    if not name or not name.strip():
        return []
    ctx = GeocodeContext(regions=(admin1,) if admin1 else ())
    out = []
    for c in geocoder.candidates(name.strip(), ctx, limit=limit):
        where = ", ".join(x for x in (c.admin1, c.country_code) if x)
        out.append({"name": c.name, "lat": float(c.lat), "lon": float(c.lon), "country": c.country_code,
                    "admin1": c.admin1, "score": float(c.score), "geo_precision": int(c.geo_precision or 1),
                    "label": f"{c.name} ({where}) {c.lat:.3f}, {c.lon:.3f} [{c.match}]"})
    return out


def apply_fix(store: Any, geocoder: Any, incident_id: int, *, place_name: str, lat: float, lon: float,
              geo_precision: int = 1, alias: bool = True, same_name: bool = True,
              user: str | None = None) -> dict:
    """Locate an incident where the reviewer says; the name as written becomes an alias.

    Also locates the other unreviewed incidents whose place, as written, is the same name
    and that have no point yet (``same_name``). Returns ``{"incident", "alias", "others"}``.
    """
    from .geocache import Alias, validate_alias

    inc = store.get_incident(int(incident_id))
    if inc is None:
        raise InvalidInputError(f"no incident with id {incident_id}")
    validate_alias(Alias(alias=inc.get("place") or place_name, place_name=place_name, lat=lat, lon=lon))
    note = f"located as {place_name} ({float(lat):.4f}, {float(lon):.4f}) in review"
    changes = {"lat": float(lat), "lon": float(lon), "geo_precision": int(geo_precision),
               "review_status": "corrected", "review_note": note}
    updated = store.update_incident(int(incident_id), **changes)
    written = (inc.get("place") or "").strip()
    stored_alias = None
    if alias and written:
        stored_alias = geocoder.add_alias(written, place_name, float(lat), float(lon), geo_precision=int(geo_precision),
                                          created_by=user, note=f"review of incident {incident_id}")
    others = 0
    if same_name and written:
        key = fold_text(written)
        df = store.frame(IncidentFilter(review_status=("unreviewed",)), columns=["id", "place", "lat"])
        same = df[(df["lat"].isna()) & (df["place"].map(fold_text) == key) & (df["id"] != int(incident_id))]
        for other in same["id"]:
            store.update_incident(int(other), **changes)
            others += 1
    return {"incident": updated, "alias": stored_alias, "others": others}


def set_review(store: Any, incident_id: int, status: str, note: str | None = None) -> dict:
    if status not in ("confirmed", "rejected", "unreviewed", "corrected"):
        raise InvalidInputError(f"unknown review status {status!r}")
    return store.set_review(int(incident_id), status, note)


# ------------------------------------------------------------------ data and settings

def data_overview() -> dict:
    """Boundaries, border zones and gazetteer in use (for the Data page)."""
    from . import boundaries, datasets

    status = datasets.data_status()
    zones = boundaries.border_zones()
    levels = {}
    for lvl in status.get("admin_levels", [1]):
        layer = boundaries.admin_layer(lvl)
        levels[lvl] = 0 if layer is None else len(layer)
    manifest = None
    mpath = datasets.full_data_dir() / "manifest.json"
    if mpath.is_file():
        import json

        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = None
    settings = get_settings()
    return {
        **status,
        "admin_units": levels,
        "countries": len(boundaries.countries()),
        "border_zones": [{"name": n, "kind": k} for n, k in zip(zones["name"], zones["kind"])],
        "border_km": settings.border_km,
        "triborder_km": settings.triborder_km,
        "data_dir": str(settings.data_dir),
        "mirror": settings.mirror,
        "manifest": manifest,
    }


def geocoder_overview(store: Any = None) -> dict:
    """The geocoder settings (from ``GEO_*`` variables) and what its cache holds."""
    s = get_settings()
    out = {
        "online_geocoder": s.geocoder or "off",
        "geocoder_url": s.geocoder_url or "(the provider's own)",
        "user_agent": s.user_agent,
        "min_delay_s": s.geocoder_min_delay,
        "timeout_s": s.geocoder_timeout,
        "retries": s.geocoder_retries,
        "options": sorted(s.geocoder_options) if s.geocoder_options else [],
        "cache_entries": None,
        "aliases": None,
        "waiting": None,
    }
    if store is not None:
        from .geocache import GeoCache
        from .regeocode import count_pending

        cache = GeoCache.for_store(store)
        out["cache_entries"] = cache.cache_size()
        out["aliases"] = len(cache.aliases())
        out["waiting"] = count_pending(store)
    return out


def retry_waiting_places(store: Any) -> Any:
    """Ask the online geocoder again for the places it could not answer for (a person
    pressed the button: asked even if the service failed a moment ago). Returns the
    :class:`geo.regeocode.RetryReport`."""
    from .regeocode import retry_pending

    return retry_pending(store, force=True)


def aliases_frame(store: Any) -> pd.DataFrame:
    from .geocache import ALIAS_FIELDS, GeoCache

    rows = [a.to_dict() for a in GeoCache.for_store(store).aliases()]
    return pd.DataFrame(rows, columns=list(ALIAS_FIELDS))


__all__ = [
    "SAMPLES_DIR", "FRAME_COLUMNS", "sample_files", "make_extractor", "extract_fn", "is_empty", "ingest_samples",
    "data_version", "article_links", "articles_frame", "article_incidents", "incident_frame", "table_rows", "incident_details",
    "map_payload", "Kpis", "kpis", "weekly_counts", "region_counts", "name_counts", "table_frame",
    "facet_options", "ClickTarget", "click_target", "load_input", "load_uploads", "UploadReport", "upload_limits",
    "upload_limit_mb", "UPLOAD_BATCH_FACTOR", "preview_frame", "apply_preview",
    "save_articles", "review_queue", "review_count", "place_candidates", "apply_fix", "set_review",
    "data_overview", "geocoder_overview", "retry_waiting_places", "WAITING_TEXT", "aliases_frame",
]
