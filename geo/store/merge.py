"""When two articles report the same incident: the rules, as pure functions.

An incident from a new article joins an incident already stored (``source="article"``;
imported ACLED/UCDP events are never merged with articles or each other) when all hold:

- **place**: both have coordinates within :data:`MERGE_KM` km of each other (great-circle),
  or neither has coordinates and their place names fold to the same text;
- **date**: their date windows overlap, with :data:`DAY_SLACK` day(s) of slack (reports of
  a night attack straddle midnight). The window of a date is the day itself (precision
  "day"), the date +/- 6 days ("week": relative weeks are approximate), the calendar month
  ("month"). An incident without a date only merges with another without a date;
- **type**: the same event type, or one of them has none, or both are in the same
  :data:`COMPATIBLE_TYPES` group (an attack on a base is often reported as a clash).

Among several candidates the nearest (then the closest in date, then the oldest) wins.
The merged incident keeps every source article, counts them (``source_count``), keeps
every fatality figure with who reported it and every evidence span, unites actors, and
takes the more precise location and date of the two.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta
from typing import Any, Mapping

from ..filters import fold_text

MERGE_KM = 5.0
DAY_SLACK = 1
WEEK_HALF_DAYS = 6
#: Groups of event types that may describe one event.
COMPATIBLE_TYPES: tuple[frozenset[str], ...] = (
    frozenset({"armed clash", "attack on military position"}),
)
#: How much to widen a lat/lon box (degrees) to find candidates before measuring distance.
BOX_LAT_DEG = MERGE_KM / 110.0 + 0.001


def date_window(d: date | None, precision: str | None) -> tuple[date | None, date | None]:
    """The days a date of this precision may stand for (inclusive)."""
    if d is None:
        return None, None
    if precision == "month":
        last = calendar.monthrange(d.year, d.month)[1]
        return d.replace(day=1), d.replace(day=last)
    if precision == "week":
        return d - timedelta(days=WEEK_HALF_DAYS), d + timedelta(days=WEEK_HALF_DAYS)
    return d, d


def windows_overlap(a: tuple[date | None, date | None], b: tuple[date | None, date | None]) -> bool:
    if a[0] is None or b[0] is None:
        return a[0] is None and b[0] is None
    slack = timedelta(days=DAY_SLACK)
    return a[0] - slack <= b[1] and b[0] - slack <= a[1]


def types_compatible(a: str | None, b: str | None) -> bool:
    if a is None or b is None or a == b:
        return True
    return any(a in g and b in g for g in COMPATIBLE_TYPES)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def box_lon_deg(lat: float) -> float:
    """Half-width in longitude of the candidate box at this latitude."""
    return BOX_LAT_DEG / max(0.05, math.cos(math.radians(lat)))


def same_place(a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
    """Distance in km when ``a`` and ``b`` are the same place by the rules above, else None."""
    if a.get("lat") is not None and a.get("lon") is not None:
        if b.get("lat") is None or b.get("lon") is None:
            return None
        d = haversine_km(a["lat"], a["lon"], b["lat"], b["lon"])
        return d if d <= MERGE_KM else None
    if b.get("lat") is not None:
        return None
    pa, pb = fold_text(a.get("place")), fold_text(b.get("place"))
    return 0.0 if pa and pa == pb else None


def is_same_incident(a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
    """Distance in km when ``a`` and ``b`` (dicts with the store's columns) are one incident."""
    if not types_compatible(a.get("event_type"), b.get("event_type")):
        return None
    wa = (a.get("date_start"), a.get("date_end"))
    wb = (b.get("date_start"), b.get("date_end"))
    if not windows_overlap(wa, wb):
        return None
    return same_place(a, b)


_DATE_RANK = {"day": 0, "week": 1, "month": 2, None: 3}


def more_precise_date(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether ``b``'s date is more precise than ``a``'s."""
    if b.get("date") is None:
        return False
    if a.get("date") is None:
        return True
    return _DATE_RANK.get(b.get("date_precision"), 3) < _DATE_RANK.get(a.get("date_precision"), 3)


def more_precise_place(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether ``b``'s location is more precise than ``a``'s."""
    if b.get("lat") is None:
        return False
    if a.get("lat") is None:
        return True
    return (b.get("geo_precision") or 9) < (a.get("geo_precision") or 9)
