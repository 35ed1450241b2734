"""Records -> rows: an extracted :class:`~geo.text.records.Incident` as the store's columns.

Also the derived columns every writer fills the same way: fatality summaries, the date
window, the search text.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from ..filters import incident_search_parts, search_text
from .merge import date_window

if TYPE_CHECKING:  # pragma: no cover
    from ..text.records import Incident


def now() -> datetime:
    return datetime.now(timezone.utc)


def clean(v: Any) -> Any:
    """None for NaN / pandas NA; plain Python scalars for numpy ones."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, float) and math.isnan(v):
        return None
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return v


def _attributed(f: Mapping[str, Any]) -> int:
    """This incident's part of a figure: its ``share`` when the figure was reported for
    several incidents together (split as ACLED does), else the whole ``count``."""
    share = f.get("share")
    return int(share) if share is not None else int(f["count"])


def fatality_summary(detail: Iterable[Mapping[str, Any]]) -> tuple[int | None, int | None]:
    """(highest figure not claimed by a party, highest claimed figure), each counting only
    this incident's share of a figure reported for several incidents together, so sums
    over incidents count every reported death once."""
    plain = [_attributed(f) for f in detail if f.get("count") is not None and not f.get("is_claim")]
    claimed = [_attributed(f) for f in detail if f.get("count") is not None and f.get("is_claim")]
    return (max(plain) if plain else None, max(claimed) if claimed else None)


def unique(seq: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(x for x in seq if x))


def finish_row(row: dict[str, Any]) -> dict[str, Any]:
    """Fill the derived columns of an incident row (window, search text, timestamps)."""
    d = row.get("date")
    if isinstance(d, datetime):
        d = row["date"] = d.date()
    if row.get("date_start") is None or row.get("date_end") is None:
        row["date_start"], row["date_end"] = date_window(d, row.get("date_precision"))
    row["actors"] = unique(row.get("actors") or [])
    row["search_text"] = search_text(incident_search_parts(row))
    t = row.get("created_at") or now()
    row.setdefault("created_at", t)
    row.setdefault("updated_at", t)
    row.setdefault("review_status", "unreviewed")
    row.setdefault("source_count", 1)
    return row


def incident_row(inc: "Incident", article_id: str) -> dict[str, Any]:
    """The columns of one extracted incident reported by ``article_id``."""
    detail = []
    for f in inc.fatalities or []:
        d = f.to_dict() if hasattr(f, "to_dict") else dict(f)
        d["article_id"] = article_id
        detail.append(d)
    fat, claimed = fatality_summary(detail)
    evidence = []
    for e in inc.evidence or []:
        d = e.to_dict() if hasattr(e, "to_dict") else dict(e)
        d["article_id"] = article_id
        evidence.append(d)
    claims = [dict(c, article_id=article_id) if isinstance(c, Mapping) else {"text": str(c), "article_id": article_id}
              for c in (getattr(inc, "claims", None) or [])]
    lat, lon = clean(inc.lat), clean(inc.lon)
    row = {
        "source": "article",
        "source_event_id": None,
        "place": inc.place,
        "place_kind": getattr(inc, "place_kind", None),
        "lat": None if lat is None else float(lat),
        "lon": None if lon is None else float(lon),
        "geo_precision": clean(inc.geo_precision),
        "geocode_status": getattr(inc, "geocode_status", None),
        "country": clean(getattr(inc, "country", None)),
        "admin1": clean(inc.admin1),
        "admin2": clean(inc.admin2),
        "admin3": clean(getattr(inc, "admin3", None)),
        "border_zone": clean(inc.border_zone),
        "distance_to_border_km": clean(inc.distance_to_border_km),
        "nearest_country": clean(inc.nearest_country),
        "date": inc.date,
        "date_precision": inc.date_precision if inc.date else None,
        "event_type": inc.event_type,
        "actors": list(inc.actors or []),
        "fatalities": fat,
        "fatalities_claimed": claimed,
        "fatalities_detail": detail,
        "claims": claims,
        "evidence": evidence,
        "confidence": clean(getattr(inc, "confidence", None)),
        "review_status": "unreviewed",
        "source_count": 1,
    }
    return finish_row(row)
