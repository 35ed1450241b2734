"""The incident filter shared by the store, the exports and the dashboard.

:class:`IncidentFilter` is an immutable, hashable value (usable as a ``st.cache_data`` key):
every multi-valued field is a sorted tuple without duplicates, so two filters that select
the same thing compare equal. Semantics: values *within* a field are alternatives (OR),
fields combine with AND, an empty field does not filter.

===================  =================================================================
field                selects incidents whose ...
===================  =================================================================
date_from, date_to   ``date`` lies in [date_from, date_to] (both inclusive; an incident
                     without a date is left out when either bound is set)
admin1, admin2       admin-1 / admin-2 name is one of these (our spatial join's value)
border_zone          border zone is one of these ("Mali–Niger border", ...)
actors               actors include at least one of these
event_types          event_type is one of these
precision            geo_precision is one of these (1 town ... 5 country)
max_precision        geo_precision <= this (``precision`` and ``max_precision`` both apply)
min_fatalities       ``fatalities`` (the highest figure not claimed by a party) >= this
text                 every word of the text occurs in the incident's search text (place,
                     admin units, border zone, event type, actors, evidence, notes), case-
                     and accent-insensitive
bbox                 (west, south, east, north) in degrees contains the point (an incident
                     without coordinates is left out)
sources              source is one of these ("article", "acled", "ucdp")
review_status        review status is one of these ("unreviewed", "confirmed", ...)
===================  =================================================================

URL round trip (the dashboard keeps the filter in the query string)::

    params = f.to_query_params()                # {"admin1": "Mopti,Ségou", "date_from": "2024-01-01"}
    st.query_params.from_dict(params)
    f2 = IncidentFilter.from_query_params(st.query_params.to_dict())   # == f

Keys are the field names. Only fields that filter are written. A multi-valued field is
one string with values joined by "," (a literal "," or "\\" inside a value is escaped
with "\\"); :meth:`from_query_params` also accepts a list of strings (repeated keys, e.g.
from :func:`urllib.parse.parse_qs`), each split the same way. Dates are ISO
(YYYY-MM-DD), bbox is "west,south,east,north". Unknown keys are ignored, so the URL may
carry other state. A bad value raises :class:`~geo.errors.InvalidInputError` naming the
key, or with ``strict=False`` is dropped (a hand-edited URL then still opens).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import parse_qs, urlencode

from unidecode import unidecode

from .errors import InvalidInputError
from .text.records import as_date

PRECISIONS = (1, 2, 3, 4, 5)
SOURCES = ("article", "acled", "ucdp")
REVIEW_STATUSES = ("unreviewed", "confirmed", "corrected", "rejected")
#: Multi-valued text fields (tuples of strings).
TEXT_TUPLES = ("admin1", "admin2", "border_zone", "actors", "event_types", "sources", "review_status")

_FOLD_SPACE = re.compile(r"[^a-z0-9]+")


def fold_text(text: str | None) -> str:
    """Lower case, accents removed, punctuation as single spaces: the form text search uses."""
    if not text:
        return ""
    return _FOLD_SPACE.sub(" ", unidecode(str(text)).lower()).strip()


def search_text(parts: Iterable[Any]) -> str:
    """The folded search text of an incident from its parts (strings or lists of strings).

    Each part is folded and parts are separated by " | " so that a search word never spans
    two parts. The store keeps this in a column; :meth:`IncidentFilter.matches` rebuilds it.
    """
    out: list[str] = []
    for p in parts:
        if p is None:
            continue
        if isinstance(p, (list, tuple)):
            out.extend(fold_text(x) for x in p if x)
        else:
            out.append(fold_text(p))
    return " | ".join(x for x in out if x)


def incident_search_parts(inc: Mapping[str, Any]) -> list[Any]:
    """The parts of an incident (a mapping with the store's column names) that text search sees."""
    evidence = [e.get("text") for e in (inc.get("evidence") or []) if isinstance(e, Mapping)]
    return [
        inc.get("place"), inc.get("admin1"), inc.get("admin2"), inc.get("admin3"), inc.get("border_zone"),
        inc.get("event_type"), list(inc.get("actors") or []), evidence, inc.get("notes"),
        inc.get("source_admin1"), inc.get("source_admin2"), inc.get("source_location"),
    ]


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace(",", "\\,")


def _split(raw: str) -> list[str]:
    """Split on unescaped commas, undoing the escapes."""
    out, cur, i = [], [], 0
    while i < len(raw):
        c = raw[i]
        if c == "\\" and i + 1 < len(raw):
            cur.append(raw[i + 1])
            i += 2
            continue
        if c == ",":
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    out.append("".join(cur))
    return [s.strip() for s in out if s.strip()]


def _as_date(value: Any, name: str) -> date | None:
    try:
        return as_date(value)
    except ValueError:
        raise InvalidInputError(f"{name}: {value!r} is not a date (use YYYY-MM-DD)") from None


def _as_tuple(value: Any, name: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items: Iterable[Any] = [value]
    elif isinstance(value, Iterable):
        items = value
    else:
        raise InvalidInputError(f"{name}: expected a list of names, got {type(value).__name__}")
    out = set()
    for v in items:
        if v is None:
            continue
        if not isinstance(v, str):
            raise InvalidInputError(f"{name}: {v!r} is not a name")
        v = " ".join(v.split())
        if v:
            out.add(v)
    return tuple(sorted(out))


def _as_int(value: Any, name: str, lo: int | None = None, hi: int | None = None) -> int | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        f = float(value)
        if not f.is_integer():
            raise ValueError
        n = int(f)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name}: {value!r} is not a whole number") from None
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        rng = f"{lo if lo is not None else ''}..{hi if hi is not None else ''}"
        raise InvalidInputError(f"{name}: {n} is out of range ({rng})")
    return n


def _as_bbox(value: Any) -> tuple[float, float, float, float] | None:
    if value is None or value == "" or value == ():
        return None
    if isinstance(value, str):
        value = [p for p in value.replace(";", ",").split(",") if p.strip()]
    try:
        w, s, e, n = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"bbox: {value!r} is not four numbers west,south,east,north") from None
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise InvalidInputError("bbox: coordinates must be finite numbers")
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
        raise InvalidInputError(f"bbox: {w},{s},{e},{n} is outside lon [-180, 180] / lat [-90, 90]")
    if w > e or s > n:
        raise InvalidInputError(f"bbox: west must be <= east and south <= north (got {w},{s},{e},{n})")
    return (w, s, e, n)


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents to show or export. See the module docstring for the semantics."""

    date_from: date | None = None
    date_to: date | None = None
    admin1: tuple[str, ...] = ()
    admin2: tuple[str, ...] = ()
    border_zone: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    precision: tuple[int, ...] = ()
    max_precision: int | None = None
    min_fatalities: int | None = None
    text: str = ""
    bbox: tuple[float, float, float, float] | None = None
    sources: tuple[str, ...] = ()
    review_status: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "date_from", _as_date(self.date_from, "date_from"))
        set_(self, "date_to", _as_date(self.date_to, "date_to"))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInputError(f"date_from {self.date_from} is after date_to {self.date_to}")
        for name in TEXT_TUPLES:
            set_(self, name, _as_tuple(getattr(self, name), name))
        bad = [s for s in self.sources if s not in SOURCES]
        if bad:
            raise InvalidInputError(f"sources: {bad[0]!r} is not one of {', '.join(SOURCES)}")
        prec = self.precision
        if isinstance(prec, (int, str)) and not isinstance(prec, bool):
            prec = (prec,)
        set_(self, "precision", tuple(sorted({_as_int(p, "precision", 1, 5) for p in (prec or ()) if p != ""})))
        set_(self, "max_precision", _as_int(self.max_precision, "max_precision", 1, 5))
        set_(self, "min_fatalities", _as_int(self.min_fatalities, "min_fatalities", 0))
        set_(self, "text", " ".join(str(self.text or "").split()))
        set_(self, "bbox", _as_bbox(self.bbox))

    # ------------------------------------------------------------------ helpers

    def is_empty(self) -> bool:
        """True when the filter selects everything."""
        return self == IncidentFilter()

    def replace(self, **changes: Any) -> "IncidentFilter":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def text_words(self) -> list[str]:
        """The folded words every match must contain."""
        return fold_text(self.text).split()

    def precision_set(self) -> frozenset[int] | None:
        """The geo_precision values that pass, ``None`` when precision does not filter."""
        allowed = set(self.precision) if self.precision else set(PRECISIONS)
        if self.max_precision is not None:
            allowed = {p for p in allowed if p <= self.max_precision}
        if allowed == set(PRECISIONS):
            return None
        return frozenset(allowed)

    def describe(self) -> str:
        """A short human summary ("all incidents" when empty)."""
        parts = []
        if self.date_from or self.date_to:
            parts.append(f"date {self.date_from or '…'} to {self.date_to or '…'}")
        labels = {"admin1": "region", "admin2": "admin-2", "border_zone": "border zone", "actors": "actor",
                  "event_types": "type", "sources": "source", "review_status": "review"}
        for name, label in labels.items():
            vals = getattr(self, name)
            if vals:
                parts.append(f"{label} {' or '.join(vals)}")
        ps = self.precision_set()
        if ps is not None:
            parts.append("precision " + ",".join(map(str, sorted(ps))))
        if self.min_fatalities is not None:
            parts.append(f"fatalities >= {self.min_fatalities}")
        if self.text:
            parts.append(f'text "{self.text}"')
        if self.bbox:
            parts.append("bbox " + ",".join(f"{v:g}" for v in self.bbox))
        return "; ".join(parts) if parts else "all incidents"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of every field (dates as ISO strings, tuples as lists)."""
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, date):
                d[k] = v.isoformat()
            elif isinstance(v, tuple):
                d[k] = list(v)
        return d

    # ------------------------------------------------------------------ URL round trip

    def to_query_params(self) -> dict[str, str]:
        """Only the fields that filter, as strings (see the module docstring)."""
        out: dict[str, str] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is None or v == () or v == "":
                continue
            if isinstance(v, date):
                out[f.name] = v.isoformat()
            elif f.name == "bbox":
                out[f.name] = ",".join(repr(float(x)) if not float(x).is_integer() else str(int(x)) for x in v)
            elif isinstance(v, tuple):
                out[f.name] = ",".join(_escape(str(x)) for x in v)
            else:
                out[f.name] = str(v)
        return out

    def to_query_string(self) -> str:
        """``to_query_params`` URL-encoded ("admin1=Mopti&date_from=2024-01-01")."""
        return urlencode(self.to_query_params())

    @classmethod
    def from_query_params(cls, params: Mapping[str, Any], *, strict: bool = True) -> "IncidentFilter":
        """Parse what :meth:`to_query_params` wrote (values may also be lists of strings)."""
        names = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, raw in params.items():
            if key not in names:
                continue
            values = [raw] if isinstance(raw, str) or raw is None else list(raw)
            values = [v for v in values if v is not None]
            try:
                kwargs[key] = _parse_param(key, values)
                # validate this one field alone, so that strict=False drops only it
                cls(**{key: kwargs[key]})
            except InvalidInputError:
                if strict:
                    raise
                kwargs.pop(key, None)
        try:
            return cls(**kwargs)
        except InvalidInputError:
            if strict:
                raise
            kwargs.pop("date_to", None)  # the only cross-field check: date_from > date_to
            return cls(**kwargs)

    @classmethod
    def from_query_string(cls, query: str, *, strict: bool = True) -> "IncidentFilter":
        """Parse a URL query string (with or without the leading "?")."""
        return cls.from_query_params(parse_qs(query.lstrip("?"), keep_blank_values=False), strict=strict)

    # ------------------------------------------------------------------ evaluation in Python

    def matches(self, inc: Mapping[str, Any]) -> bool:
        """Whether one incident (a mapping with the store's column names) passes.

        The stores evaluate the same rules in SQL; this is the reference they are tested
        against, and what a caller holding rows in memory can use.
        """
        d = _as_date(inc.get("date"), "date") if inc.get("date") not in (None, "") else None
        if self.date_from and (d is None or d < self.date_from):
            return False
        if self.date_to and (d is None or d > self.date_to):
            return False
        for name, col in (("admin1", "admin1"), ("admin2", "admin2"), ("border_zone", "border_zone"),
                          ("event_types", "event_type"), ("sources", "source"),
                          ("review_status", "review_status")):
            allowed = getattr(self, name)
            if allowed and inc.get(col) not in allowed:
                return False
        if self.actors and not set(self.actors) & set(inc.get("actors") or ()):
            return False
        ps = self.precision_set()
        if ps is not None and inc.get("geo_precision") not in ps:
            return False
        if self.min_fatalities is not None:
            f = inc.get("fatalities")
            if f is None or f < self.min_fatalities:
                return False
        if self.bbox:
            lat, lon = inc.get("lat"), inc.get("lon")
            if lat is None or lon is None:
                return False
            w, s, e, n = self.bbox
            if not (w <= lon <= e and s <= lat <= n):
                return False
        words = self.text_words()
        if words:
            hay = inc.get("search_text")
            if hay is None:
                hay = search_text(incident_search_parts(inc))
            if not all(w in hay for w in words):
                return False
        return True


def _parse_param(key: str, values: Sequence[str]) -> Any:
    if key in ("date_from", "date_to", "max_precision", "min_fatalities", "text"):
        v = values[-1] if values else ""
        return v
    if key == "bbox":
        return values[-1] if values else None
    items = [x for v in values for x in _split(v)]
    if key == "precision":
        return tuple(items)
    return tuple(items)


__all__ = ["IncidentFilter", "fold_text", "search_text", "incident_search_parts", "PRECISIONS", "SOURCES",
           "REVIEW_STATUSES"]
