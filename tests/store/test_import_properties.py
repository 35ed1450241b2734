"""Property tests (hypothesis) of the ACLED / UCDP CSV importers, on SQLite and PostGIS.

Generated files follow the published layouts (the columns of tests/data/events/) with
arbitrary text in every cell (unicode, quotes, commas, newlines, formula-looking text,
HTML/JS, control characters, long cells), in shuffled column order, with headers in any
case and spacing, sometimes missing optional (or required) columns, with repeated event
ids, blank lines, either line ending, in UTF-8 with or without BOM, Windows-1252 /
latin-1, UTF-16 with a BOM or UTF-16 without one. Some rows are broken on purpose (bad
dates, coordinates, numbers and codes, no id, a wrong number of fields, a NUL character,
a cell over the CSV field limit, values too long or too large for the store).

Each generated file carries its own model of what must happen, and the properties are:
- the importer imports, or raises the documented clear error (InvalidInputError with a
  message saying what is wrong); never any other exception;
- every row is accounted for: imported, a repeat of an earlier event id, or reported bad
  with the line it starts on and the reason; none is dropped silently, none invented;
- every row imported keeps its text: place, notes and the source's admin names as
  written (whitespace runs collapsed, as the importer stores text), every other column
  exactly as written in ``source_values``; dates, coordinates and figures as written;
- coordinates outside [-90, 90] x [-180, 180] are never stored (the row is reported);
- importing the same file again adds nothing.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import GeoError, InvalidInputError
from geo.events_import import import_events
from geo.filters import IncidentFilter
from geo.store import open_store
from storekit import EVENTS


def _header(name: str) -> tuple[str, ...]:
    with open(EVENTS / name, newline="", encoding="utf-8") as fh:
        return tuple(next(csv.reader(fh)))


ACLED_COLUMNS = _header("acled_mali.csv")
UCDP_COLUMNS = _header("ucdp_ged_mali.csv")
assert len(ACLED_COLUMNS) == 31 and len(UCDP_COLUMNS) == 49

#: How each format's columns reach the store (see the docstring of geo/events_import.py).
LAYOUT = {
    "acled": {
        "columns": ACLED_COLUMNS,
        "id": "event_id_cnty",
        "required": ("event_id_cnty", "event_date", "latitude", "longitude"),
        "date": "event_date",
        "count": "fatalities",
        "text": {"place": "location", "source_location": "location", "notes": "notes", "source_admin1": "admin1",
                 "source_admin2": "admin2", "source_admin3": "admin3"},
        "used": ("event_id_cnty", "event_date", "latitude", "longitude", "fatalities", "location", "admin1",
                 "admin2", "admin3", "notes"),
        "codes": {"time_precision": ("", "1", "2", "3", "2.0"), "geo_precision": ("", "1", "2", "3")},
        "short": ("admin1", "admin2", "admin3", "actor1", "actor2", "assoc_actor_1", "assoc_actor_2"),
        "tiny": ("event_type", "sub_event_type"),
        "counts": (),
    },
    "ucdp": {
        "columns": UCDP_COLUMNS,
        "id": "id",
        "required": ("id", "date_start", "latitude", "longitude"),
        "date": "date_start",
        "count": "best",
        "text": {"place": "where_coordinates", "source_location": "where_coordinates", "notes": "source_headline",
                 "source_admin1": "adm_1", "source_admin2": "adm_2"},
        "used": ("id", "date_start", "date_end", "latitude", "longitude", "best", "where_coordinates", "adm_1",
                 "adm_2", "source_headline"),
        "codes": {"type_of_violence": ("", "1", "2", "3"), "where_prec": ("", "1", "2", "4", "6", "7"),
                  "date_prec": ("", "1", "2", "4", "5", "5.0")},
        "short": ("adm_1", "adm_2", "side_a", "side_b"),
        "tiny": (),
        "counts": ("low", "high", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"),
    },
}

#: Text an analyst's file may well hold, and text meant to break things.
NASTY = [
    "", " ", "Boni", "Ségou, Mali", 'He said "stop", then left', "line one\nline two", "crlf\r\nline", "cr\ronly",
    "=HYPERLINK(\"http://evil\")", "+1+2", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0",
    "<script>alert(1)</script>", "<b>bold</b> &amp; &lt;", "javascript:alert(1)", "{{7*7}} ${x}",
    "\x1b[31mred\x1b[0m", "tab\there", "\x07bell\x7f", "\u202eRTL override", "zero\u200bwidth", "\ufeffbom inside",
    "emoji 💥🔥", "مالي", "Тимбукту", "日本語", "a\u2028b\u2029c", "\x85nel", "'; DROP TABLE incident; --",
    "  leading and trailing  ", "многоточие…", "1e309", "NaN", "NULL", "None", ",", '"', '""', "\\", "%s %d %%",
]

ACLED_TYPES = ["Battles", "Armed clash", "Attack", "Remote explosive/landmine/IED", "Explosions/Remote violence"]
_TEXT_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
_ID_CHARS = st.characters(exclude_categories=("Cs", "Cc", "Z"), exclude_characters="\x00\x1c\x1d\x1e\x1f\x85")


def free_text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.one_of(st.text(_TEXT_CHARS, max_size=max_size), st.sampled_from(NASTY))


def norm(s: str | None) -> str | None:
    """Text as the importer stores it: runs of whitespace collapsed, None when empty."""
    out = " ".join((s or "").split())
    return out or None


def norm_id(fmt: str, raw: str) -> str | None:
    eid = norm(raw)
    if eid and fmt == "ucdp" and eid.endswith(".0"):
        eid = eid[:-2]
    return eid


# ---------------------------------------------------------------- the model of one file

@dataclass
class Row:
    cells: dict[str, str]
    bad: str | None = None          # a part of the reason the importer must give, or None: a good row
    unreadable: bool = False        # refused by the CSV reader itself (no event id known)
    values: list[str] | None = None  # the cells as written, in column order (set when written)
    line: int = 0                   # the line the row starts on


def _short(v: object, n: int = 60) -> str:
    r = repr(v)
    return r if len(r) <= n else f"{r[:n]}...({len(r)} chars)"


@dataclass(repr=False)
class Case:
    fmt: str
    columns: list[str]
    header: list[str]
    rows: list[Row]
    encoding: str
    data: bytes = b""
    file_error: str | None = None   # the message part of the InvalidInputError expected, if any
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:   # what a failing example prints: short, every cell cut to size
        rows = "\n".join(f"  line {r.line}: bad={r.bad!r} values={[_short(v) for v in (r.values or [])]}"
                         for r in self.rows)
        return (f"Case({self.fmt}, {self.encoding}, {len(self.data)} bytes, file_error={self.file_error!r}, "
                f"header={[_short(h, 30) for h in self.header]},\n{rows})")

    def _repr_pretty_(self, p, cycle) -> None:   # hypothesis prints examples with this
        p.text(repr(self))


DATE_FORMATS = ("iso", "iso-time", "%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%d/%m/%Y", "%Y/%m/%d")


def write_date(d: date, how: str) -> str:
    if how == "iso":
        return d.isoformat()
    if how == "iso-time":
        return f"{d.isoformat()} 00:00:00.000"
    return d.strftime(how)


def coord(limit: float) -> st.SearchStrategy[str]:
    num = st.one_of(st.floats(-limit, limit, allow_nan=False), st.sampled_from([-limit, limit, 0.0, -0.0]))
    return st.tuples(num, st.sampled_from(["repr", "4f", "e", "spaced"])).map(
        lambda t: {"repr": repr(t[0]), "4f": f"{t[0]:.4f}", "e": f"{t[0]:e}", "spaced": f"  {t[0]!r} "}[t[1]])


def count_cell() -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), st.integers(0, 100_000).map(str), st.integers(0, 500).map(lambda n: f"{n}.0"))


#: Ways to break a row: (what to do, the reason the importer must give).
BREAKS = ["date-impossible", "date-words", "date-empty", "date-range", "lat-empty", "lat-text", "lat-range",
          "lon-range", "lat-nan", "lat-inf", "count-negative", "count-fraction", "count-text", "count-huge",
          "code", "no-id", "too-few", "too-many", "nul", "field-limit", "id-long", "admin-long"]


@st.composite
def good_row(draw, fmt: str, columns: list[str]) -> Row:
    lay = LAYOUT[fmt]
    cells = {}
    for c in columns:
        if c in lay["short"]:
            cells[c] = draw(free_text(100))
        elif c in lay["tiny"]:
            cells[c] = draw(st.one_of(st.text(_TEXT_CHARS, max_size=20), st.sampled_from(ACLED_TYPES)))
        elif c in lay["codes"]:
            cells[c] = draw(st.sampled_from(lay["codes"][c]))
        elif c in lay["counts"] or c == lay["count"]:
            cells[c] = draw(count_cell())
        elif draw(st.integers(0, 60)) == 60:         # now and then a long cell (under the CSV field limit)
            cells[c] = "é" * draw(st.sampled_from([3000, 70_000]))
        else:
            cells[c] = draw(free_text())
    d = draw(st.dates(date(1990, 1, 1), date(2030, 12, 31)))
    cells[lay["date"]] = draw(st.sampled_from(["", " "])) + write_date(d, draw(st.sampled_from(DATE_FORMATS)))
    if fmt == "ucdp" and "date_end" in columns:
        end = d + timedelta(days=draw(st.integers(0, 40)))
        cells["date_end"] = draw(st.sampled_from(["", write_date(end, "iso"), write_date(end, "iso-time")]))
    cells["latitude"] = draw(coord(90))
    cells["longitude"] = draw(coord(180))
    return Row(cells)


def break_row(fmt: str, row: Row, how: str, columns: list[str]) -> Row:
    lay = LAYOUT[fmt]
    c = row.cells
    reasons = {
        "date-impossible": (lay["date"], "2024-13-45", "not a date"),
        "date-words": (lay["date"], "the day before yesterday", "not a date"),
        "date-empty": (lay["date"], "  ", "is empty"),
        "date-range": (lay["date"], "9999-12-30", "date"),
        "lat-empty": ("latitude", "", "latitude is empty"),
        "lat-text": ("latitude", "14,5", "not a number"),
        "lat-range": ("latitude", "91.25", "out of range"),
        "lon-range": ("longitude", "-180.5", "out of range"),
        "lat-nan": ("latitude", "nan", "out of range"),
        "lat-inf": ("latitude", "-inf", "out of range"),
        "count-negative": (lay["count"], "-1", "whole number"),
        "count-fraction": (lay["count"], "2.5", "whole number"),
        "count-text": (lay["count"], "dozens", "not a number"),
        "count-huge": (lay["count"], "99999999999999999999", lay["count"]),
        "code": (next(iter(lay["codes"])), "7", "is not one of"),
        "no-id": (lay["id"], " ", "is empty"),
        "nul": ("notes" if fmt == "acled" else "source_headline", "before\x00after", "NUL"),
        "field-limit": ("notes" if fmt == "acled" else "source_headline", "x" * 140_000, "unreadable CSV"),
        "id-long": (lay["id"], "L" * 80, "longer than"),
        "admin-long": (lay["short"][0], "A" * 300, "longer than"),
    }
    if how in ("too-few", "too-many"):
        row.bad = "fields where the header has"
        row.values = None       # decided when written
        row.cells["__fields__"] = how
        return row
    col, value, reason = reasons[how]
    if how == "date-range" and fmt == "acled" and "time_precision" in columns:
        c["time_precision"] = "2"      # a week around 9999-12-30 reaches past year 9999
    if col not in columns:
        return row                     # the column is not in this file: the row stays good
    c[col] = value
    row.bad = reason
    if how == "field-limit":
        # the reader gives up on the physical line that holds the long cell: the row must
        # fit on that line for the next row to start on the next one
        row.unreadable = True
        for k in c:
            c[k] = _LINE_BREAK.sub(" ", c[k])
    return row


@st.composite
def csv_case(draw, fmt: str) -> Case:
    lay = LAYOUT[fmt]
    all_columns = list(lay["columns"])
    optional = [c for c in all_columns if c not in lay["required"]]
    dropped = set(draw(st.lists(st.sampled_from(optional), max_size=6, unique=True)))
    drop_required = draw(st.sampled_from([None] * 28 + list(lay["required"])))
    if drop_required:
        dropped.add(drop_required)
    columns = [c for c in all_columns if c not in dropped]
    columns = draw(st.permutations(columns))
    header = [draw(st.sampled_from([c, c.upper(), f" {c} ", c.title()])) for c in columns]

    n = draw(st.integers(0, 7))
    rows: list[Row] = []
    ids: list[str] = []
    for i in range(n):
        row = draw(good_row(fmt, columns))
        if ids and draw(st.integers(0, 5)) == 0:        # a repeated event id
            raw = draw(st.sampled_from(ids))
            row.cells[lay["id"]] = draw(st.sampled_from([raw, f"  {raw} ", raw.replace(" ", "  ")]))
        else:
            raw = draw(st.text(_ID_CHARS, min_size=1, max_size=24).filter(
                lambda s: norm_id(fmt, s) and norm_id(fmt, s) not in {norm_id(fmt, x) for x in ids}))
            raw = draw(st.sampled_from([raw, f" {raw}", f"{raw}.0" if fmt == "ucdp" else raw]))
            if not norm_id(fmt, raw) or norm_id(fmt, raw) in {norm_id(fmt, x) for x in ids}:
                raw = f"id{i}x{len(ids)}"
            row.cells[lay["id"]] = raw
        ids.append(row.cells[lay["id"]])
        if draw(st.integers(0, 2)) == 0:
            row = break_row(fmt, row, draw(st.sampled_from(BREAKS)), columns)
        rows.append(row)

    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16",
                                     "utf-16-le"]))
    case = Case(fmt, columns, header, rows, encoding)
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    blank_after = set(draw(st.lists(st.integers(0, max(0, n)), max_size=2)))
    if encoding in ("cp1252", "latin-1"):
        # only what these encodings can hold, and only where cp1252 and latin-1 agree
        def fit(s: str) -> str:
            return "".join(ch if ch.isascii() or 0xA0 <= ord(ch) <= 0xFF else "?" for ch in s)
        case.header = [fit(h) for h in case.header]
        for r in rows:
            r.cells = {k: fit(v) if k != "__fields__" else v for k, v in r.cells.items()}
    write(case, terminator, quoting, blank_after)
    expect_file_error(case, drop_required)
    return case


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class _Writer:
    """CSV as spreadsheets write it: a field is quoted (quotes doubled) when it holds a
    comma, a quote or a line break of any kind (csv.writer leaves a lone CR unquoted
    when the line terminator is LF, which makes another file), or always."""

    def __init__(self, buf: io.StringIO, terminator: str, quote_all: bool) -> None:
        self.buf, self.terminator, self.quote_all = buf, terminator, quote_all

    def writerow(self, values: list[str]) -> None:
        out = []
        for v in values:
            if self.quote_all or any(ch in v for ch in ',"\r\n'):
                v = '"' + v.replace('"', '""') + '"'
            out.append(v)
        self.buf.write(",".join(out) + self.terminator)


def write(case: Case, terminator: str, quoting: int, blank_after: set[int]) -> None:
    buf = io.StringIO(newline="")
    w = _Writer(buf, terminator, quoting == csv.QUOTE_ALL)
    w.writerow(case.header)
    if 0 in blank_after:
        buf.write(terminator)
    for i, r in enumerate(case.rows, 1):
        values = [r.cells[c] for c in case.columns]
        how = r.cells.pop("__fields__", None)
        if how == "too-few":
            values = values[:-1]
        elif how == "too-many":
            values = values + ["extra"]
        r.values = values
        r.line = len(_LINE_BREAK.findall(buf.getvalue())) + 1
        w.writerow(values)
        if i in blank_after:
            buf.write(terminator)
    text = buf.getvalue()
    enc = case.encoding
    case.data = text.encode(enc) if enc != "utf-16-le" else text.encode("utf-16-le")
    if enc in ("latin-1", "cp1252") and not case.data.isascii():
        try:   # latin-1 bytes that happen to form UTF-8 are read as UTF-8: then they are UTF-8
            case.data.decode("utf-8")
            case.notes.append("single-byte text that is also UTF-8")
        except UnicodeDecodeError:
            pass


def expect_file_error(case: Case, drop_required: str | None) -> None:
    has_bom16 = case.data[:2] in (b"\xff\xfe", b"\xfe\xff")
    if not has_bom16 and b"\x00" in case.data[:4096]:
        case.file_error = "binary data"
    elif drop_required:
        case.file_error = f"missing column(s) {drop_required}"


# ---------------------------------------------------------------- checking one case

def fields_of(row: Row, columns: list[str]) -> dict[str, str]:
    return dict(zip(columns, row.values or []))


def check_case(case: Case, url: str, folder: Path) -> None:
    path = folder / f"{case.fmt}.csv"
    path.write_bytes(case.data)
    if case.notes:      # latin-1 bytes that form UTF-8: no way to tell; it must not crash, that is all
        try:
            import_events(path, case.fmt, db=url, progress=False)
        except GeoError:
            pass
        return
    if case.file_error:
        with pytest.raises(InvalidInputError) as err:
            import_events(path, case.fmt, db=url, progress=False)
        assert case.file_error in str(err.value)
        return
    try:
        report = import_events(path, case.fmt, db=url, progress=False)
    except GeoError as exc:   # pragma: no cover - the model says this file is importable
        raise AssertionError(f"refused an importable file: {exc}") from exc
    lay = LAYOUT[case.fmt]

    # every row accounted for, bad ones by the line they start on
    assert report.rows == len(case.rows)
    bad = {b.line: b for b in report.bad}
    assert len(bad) == len(report.bad), "a line reported twice"
    assert set(bad) <= {r.line for r in case.rows}, "a bad row on a line where no row starts"
    kept: dict[str, Row] = {}
    repeats = 0
    for r in case.rows:
        if r.bad:
            assert r.line in bad, f"line {r.line} should be reported ({r.bad}): {report.bad}"
            b = bad[r.line]
            assert r.bad in b.reason, (r.bad, b.reason)
            expect_id = None if r.unreadable else norm(fields_of(r, case.columns).get(lay["id"]))
            assert b.event_id == expect_id
            continue
        assert r.line not in bad, f"good row at line {r.line} reported: {bad.get(r.line)}"
        eid = norm_id(case.fmt, r.cells[lay["id"]])
        if eid in kept:
            repeats += 1
        else:
            kept[eid] = r
    assert report.duplicates == repeats
    assert (report.inserted, report.existing) == (len(kept), 0)
    assert len(report.bad) + report.inserted + report.duplicates == report.rows

    # what the store holds: the first good row of each id, its text as written
    with open_store(url) as st:
        stored = {r["source_event_id"]: r for r in st.query(IncidentFilter(sources=(case.fmt,)))}
        assert set(stored) == set(kept)
        for eid, r in kept.items():
            s = stored[eid]
            cells = fields_of(r, case.columns)
            for col, src in lay["text"].items():
                assert s[col] == norm(cells.get(src)), (col, s[col], cells.get(src))
            expect_values = {k: v for k, v in cells.items() if k not in lay["used"] and v != ""}
            assert s["source_values"] == expect_values
            assert s["lat"] == float(cells["latitude"]) and s["lon"] == float(cells["longitude"])
            assert -90 <= s["lat"] <= 90 and -180 <= s["lon"] <= 180
            count = cells.get(lay["count"], "")
            assert s["fatalities"] == (int(float(count)) if count.strip() else None)
        check_points(st)
        before = st.stats()

    # the same file again adds nothing
    again = import_events(path, case.fmt, db=url, progress=False)
    assert (again.inserted, again.existing, again.duplicates) == (0, len(kept), repeats)
    assert [(b.line, b.reason) for b in again.bad] == [(b.line, b.reason) for b in report.bad]
    with open_store(url) as st:
        assert st.stats() == before


def check_points(st) -> None:
    """No stored point outside the globe's coordinate range (PostGIS: the geometry too)."""
    from sqlalchemy import text

    with st.engine.connect() as conn:
        if st.backend == "postgis":
            wrong = conn.execute(text(
                "SELECT count(*) FROM incident WHERE (geom IS NULL) <> (lat IS NULL OR lon IS NULL) "
                "OR ST_Y(geom) NOT BETWEEN -90 AND 90 OR ST_X(geom) NOT BETWEEN -180 AND 180 "
                "OR ST_Y(geom) <> lat OR ST_X(geom) <> lon")).scalar()
        else:
            wrong = conn.execute(text(
                "SELECT count(*) FROM incident WHERE lat NOT BETWEEN -90 AND 90 OR lon NOT BETWEEN -180 AND 180"
            )).scalar()
    assert wrong == 0


# ---------------------------------------------------------------- the tests

SETTINGS = settings(max_examples=30, deadline=None, derandomize=False, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much,
                                           HealthCheck.large_base_example])


@pytest.fixture(params=["sqlite", "postgis"])
def fresh_url(request):
    """Factory: a new, empty store URL per hypothesis example."""
    if request.param == "sqlite":
        root = Path(tempfile.mkdtemp(prefix="geo-import-props-"))
        counter = iter(range(10**6))
        yield lambda: f"sqlite:///{root / f'store{next(counter)}.sqlite'}"
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    else:
        server = request.getfixturevalue("pg_server")
        yield server.new_database


@SETTINGS
@given(case=csv_case("acled"))
def test_acled_files_import_or_fail_clearly(fresh_url, case):
    with tempfile.TemporaryDirectory() as folder:
        check_case(case, fresh_url(), Path(folder))


@SETTINGS
@given(case=csv_case("ucdp"))
def test_ucdp_files_import_or_fail_clearly(fresh_url, case):
    with tempfile.TemporaryDirectory() as folder:
        check_case(case, fresh_url(), Path(folder))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_the_fixture_files_in_other_encodings_import_the_same(tmp_path, encoding):
    """The ACLED and UCDP fixtures saved as spreadsheets save them (UTF-8 with BOM,
    "Unicode text" = UTF-16 with BOM, Windows-1252) read exactly as the UTF-8 originals."""
    from geo.events_import import read_rows

    for name, fmt in (("acled_mali.csv", "acled"), ("ucdp_ged_mali.csv", "ucdp")):
        text = (EVENTS / name).read_text(encoding="utf-8")
        p = tmp_path / f"{encoding}-{name}"
        p.write_bytes(text.encode(encoding))
        assert read_rows(p, fmt) == read_rows(EVENTS / name, fmt)


@pytest.mark.parametrize("raw, ok", [
    ("2024-01-05", True), ("2024-01-05 00:00:00.000", True), ("2024-01-05T10:00:00", True),
    ("05 January 2024", True), ("2024-01-05garbage", False), ("2024-01-0", False), ("1850-01-01", False),
])
def test_event_dates_are_read_whole(raw, ok):
    from geo.events_import import RowError, parse_date

    if ok:
        assert parse_date(raw).isoformat() == "2024-01-05"
    else:
        with pytest.raises(RowError):
            parse_date(raw)
