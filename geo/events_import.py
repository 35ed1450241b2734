"""Imports of the event data analysts already hold: ACLED CSV exports and UCDP GED CSV.

    python -m geo import-events FILE --format acled|ucdp [--db URL]

Each row becomes one incident with ``source="acled"`` / ``"ucdp"`` and the source's event
id (``source_event_id``); importing the same file again adds nothing (the pair is unique
in the store). Our own admin / border join is recomputed from the coordinates
(:func:`geo.spatial.join`) and the source's own values are kept beside ours:
``source_admin1/2/3`` and ``source_location`` as columns, every other column of the row
in ``source_values`` (JSON). Rows that cannot be used are reported with their line
number and event id and skipped; the rest is imported. Besides malformed values, a row is
refused when it holds a NUL character (PostgreSQL cannot store one), a date outside the
years :data:`MIN_YEAR`-:data:`MAX_YEAR`, a figure above :data:`MAX_COUNT`, or a value
longer than its column keeps (event id and event type 64 characters; admin names and
each actor 128). Files are read as UTF-8 (with or without BOM), as UTF-16 or UTF-32 when
they start with a BOM, else as Windows-1252.

ACLED column mapping (the ACLED export / API layout)
====================  ============================================================
ACLED                 incident
====================  ============================================================
event_id_cnty         source_event_id (required)
event_date            date (required; YYYY-MM-DD, "15 January 2024", "15-January-2024",
                      "15/01/2024")
time_precision        date_precision: 1 day, 2 week, 3 month (empty: day)
sub_event_type,       event_type, through :data:`ACLED_EVENT_TYPES` (sub-event first);
event_type            types without an equivalent keep ACLED's event type, lower-cased
actor1, assoc_actor_1 actors (";"-separated associates split), canonical names where we
actor2, assoc_actor_2 know the group (:data:`ACTOR_PATTERNS`), else as written
latitude, longitude   lat, lon (required)
geo_precision         geo_precision: 1 town, 2 near a town / district, 3 region
location              place and source_location
admin1, admin2,       source_admin1, source_admin2, source_admin3
admin3
fatalities            fatalities (reported by "ACLED"; empty: unknown)
notes                 notes (searchable)
everything else       source_values (including event_type, sub_event_type, actors,
                      inter codes, country, iso, source, source_scale, tags, timestamp)
====================  ============================================================

UCDP GED column mapping (the GED CSV layout, version 23.1 and later)
====================  ============================================================
UCDP                  incident
====================  ============================================================
id                    source_event_id (required)
date_start, date_end  date = date_start (required), and the date window
date_prec             date_precision: 1 day, 2-3 week, 4-5 month (5 is "more than a month":
                      the exact window is kept in date_start / date_end)
type_of_violence      event_type: 1 state-based and 2 non-state -> "armed clash",
                      3 one-sided -> "violence against civilians"
side_a, side_b        actors (canonical names where we know the group)
latitude, longitude   lat, lon (required)
where_prec            geo_precision: 1 -> 1, 2-3 -> 2, 4-5 -> 3, 6-7 -> 5
where_coordinates     place and source_location
adm_1, adm_2          source_admin1, source_admin2
best                  fatalities (reported by "UCDP"; low / high kept in source_values)
source_headline       notes (searchable)
everything else       source_values
====================  ============================================================
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable

from .errors import InvalidInputError
from .text import actors as _actors
from .text import events as _events

log = logging.getLogger(__name__)

FORMATS = ("acled", "ucdp")

ACLED_REQUIRED = ("event_id_cnty", "event_date", "latitude", "longitude")
UCDP_REQUIRED = ("id", "date_start", "latitude", "longitude")

#: ACLED sub-event type (then event type) -> our event type (geo.text.events).
ACLED_EVENT_TYPES = {
    "armed clash": _events.ARMED_CLASH,
    "government regains territory": _events.ARMED_CLASH,
    "non-state actor overtakes territory": _events.ARMED_CLASH,
    "attack": _events.VIOLENCE_CIVILIANS,
    "sexual violence": _events.VIOLENCE_CIVILIANS,
    "abduction/forced disappearance": _events.ABDUCTION,
    "remote explosive/landmine/ied": _events.REMOTE_VIOLENCE,
    "air/drone strike": _events.REMOTE_VIOLENCE,
    "shelling/artillery/missile attack": _events.REMOTE_VIOLENCE,
    "suicide bomb": _events.REMOTE_VIOLENCE,
    "grenade": _events.REMOTE_VIOLENCE,
    "chemical weapon": _events.REMOTE_VIOLENCE,
    "looting/property destruction": _events.LOOTING,
    "battles": _events.ARMED_CLASH,
    "explosions/remote violence": _events.REMOTE_VIOLENCE,
    "violence against civilians": _events.VIOLENCE_CIVILIANS,
}
UCDP_EVENT_TYPES = {"1": _events.ARMED_CLASH, "2": _events.ARMED_CLASH, "3": _events.VIOLENCE_CIVILIANS}
UCDP_GEO_PRECISION = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 3, "6": 5, "7": 5}
UCDP_DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "month"}
ACLED_DATE_PRECISION = {"1": "day", "2": "week", "3": "month"}

#: Actor names as ACLED and UCDP write them -> our canonical names (geo.text.actors).
ACTOR_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), name) for p, name in (
        (r"^(?:JNIM\b|Jama'?a?t? Nus?rat al.?Islam)", _actors.JNIM),
        (r"^Katiba (?:Macina|Serma)", _actors.KATIBA_MACINA),
        (r"^(?:Islamic State (?:\(?Sahel|\(?Greater Sahara|in the Greater Sahara)|IS Sahel|ISGS|IS Greater Sahara)",
         _actors.IS_SAHEL),
        (r"^(?:Military Forces of Mali|Police Forces of Mali|Government of Mali)", _actors.FAMA),
        (r"^(?:Wagner Group|Africa Corps)", _actors.WAGNER),
        (r"^(?:CSP|CMA|FLA|MNLA|Azawad|Coordination of Azawad|Permanent Strategic Framework)\b", _actors.SEPARATISTS),
        (r"^(?:Dan Na Ambassagou|Dozo)", _actors.DAN_NA),
        (r"^(?:MINUSMA|United Nations Multidimensional Integrated Stabilization Mission in Mali)", _actors.MINUSMA),
        (r"^(?:Military Forces of France|Operation Barkhane|Government of France)", _actors.FRENCH),
        (r"^Civilians\b", _actors.CIVILIANS),
        (r"^Unidentified Armed Group", _actors.UNIDENTIFIED),
    )
)

_DATE_FORMATS = ("%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%d/%m/%Y", "%Y/%m/%d")
#: Event dates outside these years are refused as typos (and year 9999 would overflow
#: the date window of a week or month).
MIN_YEAR, MAX_YEAR = 1900, 2100
#: The largest figure the store's integer columns hold.
MAX_COUNT = 2**31 - 1


@dataclass
class BadRow:
    """One row that was skipped, and why."""

    line: int
    event_id: str | None
    reason: str

    def __str__(self) -> str:
        return f"line {self.line} (event {self.event_id or '?'}): {self.reason}"


@dataclass
class ImportReport:
    """What an import did."""

    path: str
    fmt: str
    rows: int = 0
    inserted: int = 0
    existing: int = 0
    duplicates: int = 0
    bad: list[BadRow] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.bad)

    def summary(self) -> str:
        return (f"import-events {self.fmt}: {self.rows} rows, {self.inserted} imported, {self.existing} already "
                f"present, {self.duplicates} repeated in the file, {self.skipped} malformed skipped")

    def to_dict(self) -> dict:
        return {"path": self.path, "format": self.fmt, "rows": self.rows, "inserted": self.inserted,
                "existing": self.existing, "duplicates": self.duplicates, "skipped": self.skipped,
                "bad_rows": [{"line": b.line, "event_id": b.event_id, "reason": b.reason} for b in self.bad]}


class RowError(ValueError):
    pass


# ------------------------------------------------------------------ field parsers

def canonical_actor(name: str) -> str:
    """Our canonical name for an actor as ACLED / UCDP write it, else the name as written."""
    name = " ".join(name.split())
    for pat, canon in ACTOR_PATTERNS:
        if pat.search(name):
            return canon
    return name


def _split_actors(*values: str | None) -> list[str]:
    out: list[str] = []
    for v in values:
        for part in (v or "").split(";"):
            part = part.strip()
            if part:
                out.append(canonical_actor(part))
    return list(dict.fromkeys(out))


def parse_date(raw: str | None, what: str = "date") -> date:
    s = (raw or "").strip()
    if not s:
        raise RowError(f"{what} is empty")
    d = None
    try:
        if len(s) > 10 and s[10] not in "T ":   # a date, or a date and time; not "2024-01-05x"
            raise ValueError(s)
        d = date.fromisoformat(s[:10])
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                d = datetime.strptime(s, fmt).date()
                break
            except ValueError:
                continue
    if d is None:
        raise RowError(f"{what} {s!r} is not a date")
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise RowError(f"{what} {d} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    return d


def _coord(raw: str | None, what: str, limit: float) -> float:
    s = (raw or "").strip()
    if not s:
        raise RowError(f"{what} is empty")
    try:
        v = float(s)
    except ValueError:
        raise RowError(f"{what} {s!r} is not a number") from None
    if not (-limit <= v <= limit):
        raise RowError(f"{what} {v} is out of range [-{limit:g}, {limit:g}]")
    return v


def _count(raw: str | None, what: str) -> int | None:
    s = (raw or "").strip()
    if not s:
        return None
    try:
        f = float(s)
    except ValueError:
        raise RowError(f"{what} {s!r} is not a number") from None
    if f < 0 or not f.is_integer():
        raise RowError(f"{what} {s!r} is not a whole number >= 0")
    if f > MAX_COUNT:
        raise RowError(f"{what} {s!r} is too large")
    return int(f)


def _code(raw: str | None, mapping: dict[str, Any], what: str, default: Any) -> Any:
    s = (raw or "").strip()
    if not s:
        return default
    if s.endswith(".0"):
        s = s[:-2]
    if s not in mapping:
        raise RowError(f"{what} {s!r} is not one of {', '.join(mapping)}")
    return mapping[s]


def _text(raw: str | None) -> str | None:
    s = " ".join((raw or "").split())
    return s or None


def _rest(raw: dict[str, str], used: Iterable[str]) -> dict[str, str]:
    skip = set(used)
    return {k: v for k, v in raw.items() if k not in skip and v not in (None, "")}


# ------------------------------------------------------------------ row mappings

def acled_row(raw: dict[str, str]) -> dict[str, Any]:
    """One ACLED row -> incident columns (RowError when unusable)."""
    eid = _text(raw.get("event_id_cnty"))
    if not eid:
        raise RowError("event_id_cnty is empty")
    d = parse_date(raw.get("event_date"), "event_date")
    lat = _coord(raw.get("latitude"), "latitude", 90)
    lon = _coord(raw.get("longitude"), "longitude", 180)
    fat = _count(raw.get("fatalities"), "fatalities")
    sub = (raw.get("sub_event_type") or "").strip().lower()
    ev = (raw.get("event_type") or "").strip().lower()
    event_type = ACLED_EVENT_TYPES.get(sub) or ACLED_EVENT_TYPES.get(ev) or (ev or None)
    loc = _text(raw.get("location"))
    return _check_lengths({
        "source": "acled",
        "source_event_id": eid,
        "place": loc,
        "place_kind": "place",
        "lat": lat,
        "lon": lon,
        "geo_precision": _code(raw.get("geo_precision"), {"1": 1, "2": 2, "3": 3}, "geo_precision", 1),
        "geocode_status": "source",
        "date": d,
        "date_precision": _code(raw.get("time_precision"), ACLED_DATE_PRECISION, "time_precision", "day"),
        "event_type": event_type,
        "actors": _split_actors(raw.get("actor1"), raw.get("assoc_actor_1"), raw.get("actor2"),
                                raw.get("assoc_actor_2")),
        "fatalities": fat,
        "fatalities_detail": [] if fat is None else [{"count": fat, "who_reported": "ACLED", "is_claim": False}],
        "source_admin1": _text(raw.get("admin1")),
        "source_admin2": _text(raw.get("admin2")),
        "source_admin3": _text(raw.get("admin3")),
        "source_location": loc,
        "notes": _text(raw.get("notes")),
        "source_values": _rest(raw, ("event_id_cnty", "event_date", "latitude", "longitude", "fatalities",
                                     "location", "admin1", "admin2", "admin3", "notes")),
    }, _ACLED_SOURCES)


def ucdp_row(raw: dict[str, str]) -> dict[str, Any]:
    """One UCDP GED row -> incident columns (RowError when unusable)."""
    eid = _text(raw.get("id"))
    if not eid:
        raise RowError("id is empty")
    if eid.endswith(".0"):
        eid = eid[:-2]
    d0 = parse_date(raw.get("date_start"), "date_start")
    d1 = parse_date(raw.get("date_end"), "date_end") if _text(raw.get("date_end")) else d0
    if d1 < d0:
        raise RowError(f"date_end {d1} is before date_start {d0}")
    lat = _coord(raw.get("latitude"), "latitude", 90)
    lon = _coord(raw.get("longitude"), "longitude", 180)
    best = _count(raw.get("best"), "best")
    for k in ("low", "high", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"):
        _count(raw.get(k), k)
    loc = _text(raw.get("where_coordinates"))
    return _check_lengths({
        "source": "ucdp",
        "source_event_id": eid,
        "place": loc,
        "place_kind": "place",
        "lat": lat,
        "lon": lon,
        "geo_precision": _code(raw.get("where_prec"), UCDP_GEO_PRECISION, "where_prec", 1),
        "geocode_status": "source",
        "date": d0,
        "date_precision": _code(raw.get("date_prec"), UCDP_DATE_PRECISION, "date_prec", "day"),
        "date_start": d0,
        "date_end": d1,
        "event_type": _code(raw.get("type_of_violence"), UCDP_EVENT_TYPES, "type_of_violence", None),
        "actors": _split_actors(raw.get("side_a"), raw.get("side_b")),
        "fatalities": best,
        "fatalities_detail": [] if best is None else [{"count": best, "who_reported": "UCDP", "is_claim": False}],
        "source_admin1": _text(raw.get("adm_1")),
        "source_admin2": _text(raw.get("adm_2")),
        "source_location": loc,
        "notes": _text(raw.get("source_headline")),
        "source_values": _rest(raw, ("id", "date_start", "date_end", "latitude", "longitude", "best",
                                     "where_coordinates", "adm_1", "adm_2", "source_headline")),
    }, _UCDP_SOURCES)


@functools.lru_cache(maxsize=None)
def _column_limits() -> dict[str, int]:
    """Longest text the store keeps per incident column (its VARCHAR lengths), and per
    actor name (``actors``)."""
    from .store.schema import build_tables

    t = build_tables(False)
    out = {c.name: c.type.length for c in t.incident.c if getattr(c.type, "length", None)}
    out["actors"] = t.incident_actors.c.actor.type.length
    return out


def _check_lengths(row: dict[str, Any], sources: dict[str, str]) -> dict[str, Any]:
    """RowError when a value is longer than its column keeps (PostgreSQL would refuse
    the whole import; SQLite would keep it, so both refuse the row alike)."""
    limits = _column_limits()
    for key, value in row.items():
        n = limits.get(key)
        if n is None:
            continue
        for v in (value if isinstance(value, list) else [value]):
            if isinstance(v, str) and len(v) > n:
                raise RowError(f"{sources.get(key, key)} is longer than {n} characters")
    return row


_ACLED_SOURCES = {"source_event_id": "event_id_cnty", "event_type": "event_type", "actors": "an actor",
                  "source_admin1": "admin1", "source_admin2": "admin2", "source_admin3": "admin3"}
_UCDP_SOURCES = {"source_event_id": "id", "actors": "side_a or side_b", "source_admin1": "adm_1",
                 "source_admin2": "adm_2"}

_MAPPERS: dict[str, tuple[Callable[[dict], dict], tuple[str, ...], str]] = {
    "acled": (acled_row, ACLED_REQUIRED, "event_id_cnty"),
    "ucdp": (ucdp_row, UCDP_REQUIRED, "id"),
}


# ------------------------------------------------------------------ reading

#: Byte-order marks of the encodings read when a file starts with one (UTF-32 first: its
#: little-endian mark starts with UTF-16's).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def _decode(data: bytes, path: str) -> str:
    for bom, enc in _BOMS:   # spreadsheets save "Unicode text" as UTF-16 with a BOM
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as exc:
                raise InvalidInputError(f"{path}: starts as {enc.upper()} but is not ({exc.reason} at byte "
                                        f"{exc.start})") from None
    if b"\x00" in data[:4096]:
        raise InvalidInputError(f"{path}: binary data, not a CSV file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_rows(path: str | Path, fmt: str) -> tuple[list[dict[str, Any]], list[BadRow], int, int]:
    """Parse a file: (good rows as incident columns, bad rows, data rows read, repeats)."""
    if fmt not in _MAPPERS:
        raise InvalidInputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    mapper, required, id_col = _MAPPERS[fmt]
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"{p}: no such file")
    text = _decode(p.read_bytes(), str(p))
    if not text.strip():
        raise InvalidInputError(f"{p}: the file is empty")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise InvalidInputError(f"{p}: no CSV header ({exc})") from None
    missing = [c for c in required if c not in header]
    if missing:
        other = "ucdp" if fmt == "acled" else "acled"
        hint = ""
        if all(c in header for c in _MAPPERS[other][1]):
            hint = f" (it looks like a {other.upper()} file: use --format {other})"
        raise InvalidInputError(f"{p}: not in the {fmt.upper()} CSV layout, missing column(s) "
                                f"{', '.join(missing)}{hint}")
    good: list[dict[str, Any]] = []
    bad: list[BadRow] = []
    seen: set[str] = set()
    n = repeats = 0
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            bad.append(BadRow(start, None, f"unreadable CSV ({exc})"))
            n += 1
            last_line = reader.line_num
            continue
        last_line = reader.line_num
        if not values or all(not v.strip() for v in values):
            continue  # blank line
        n += 1
        raw = dict(zip(header, values))
        eid = _text(raw.get(id_col))
        if len(values) != len(header):
            bad.append(BadRow(start, eid, f"{len(values)} fields where the header has {len(header)}"))
            continue
        nul = next((h for h, v in zip(header, values) if "\x00" in v), None)
        if nul is not None:
            bad.append(BadRow(start, eid, f"{nul} holds a NUL character"))
            continue
        try:
            row = mapper(raw)
        except RowError as exc:
            bad.append(BadRow(start, eid, str(exc)))
            continue
        if row["source_event_id"] in seen:
            repeats += 1
            continue
        seen.add(row["source_event_id"])
        good.append(row)
    return good, bad, n, repeats


def join_rows(rows: list[dict[str, Any]]) -> None:
    """Our admin / border join, in one vectorised pass, written into the rows."""
    if not rows:
        return
    from . import spatial
    from .store.rows import clean

    j = spatial.join(spatial.points_frame([r["lat"] for r in rows], [r["lon"] for r in rows]))
    cols = {c: j[c].tolist() for c in spatial.JOIN_COLUMNS}
    for i, r in enumerate(rows):
        for c in spatial.JOIN_COLUMNS:
            v = clean(cols[c][i])
            r[c] = float(v) if c == "distance_to_border_km" and v is not None else v


def import_events(
    path: str | Path,
    fmt: str,
    *,
    store: Any = None,
    db: str | None = None,
    batch: int = 5000,
    progress: bool | None = None,
) -> ImportReport:
    """Import an ACLED or UCDP CSV into the store (``store``, else :func:`geo.store.open_store`)."""
    fmt = (fmt or "").lower()
    good, bad, n, repeats = read_rows(path, fmt)
    for b in bad:
        log.info("%s: %s", path, b)
    report = ImportReport(path=str(path), fmt=fmt, rows=n, duplicates=repeats, bad=bad)
    if not good:
        return report
    from .store import open_store

    own = store is None
    st = store or open_store(db)
    try:
        existing_ids = st.existing_events(fmt, [r["source_event_id"] for r in good])
        todo = [r for r in good if r["source_event_id"] not in existing_ids]
        report.existing += len(good) - len(todo)
        join_rows(todo)
        bar = None
        if progress is not False and todo:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), unit="event", desc="import", leave=False, disable=None if progress is None else False)
        for i in range(0, len(todo), batch):
            res = st.insert_events(todo[i:i + batch])
            report.inserted += res.inserted
            report.existing += res.existing
            if bar is not None:
                bar.update(len(todo[i:i + batch]))
        if bar is not None:
            bar.close()
        if report.inserted >= 10_000:
            st.optimize()
    finally:
        if own:
            st.close()
    return report
