"""Helpers shared by the store tests and their subprocess drivers (importable as ``storekit``)."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from geo.text.records import Article, Evidence, Fatalities, Incident

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "tests" / "data" / "events"


# ---------------------------------------------------------------- record builders

def make_article(text: str, published: date | None = date(2024, 3, 6), url: str | None = None) -> Article:
    return Article(text=text, title=text[:30], published=published, language="en", url=url)


def make_incident(place: str = "Boni", lat: float | None = 15.0766, lon: float | None = -2.2198,
                  d: date | None = date(2024, 3, 4), precision: str = "day", event_type: str | None = "armed clash",
                  actors=("JNIM",), fatalities=(), geo_precision: int = 1, admin1: str | None = "Mopti",
                  border_zone: str | None = None, evidence: str = "") -> Incident:
    return Incident(
        place=place, lat=lat, lon=lon, geo_precision=geo_precision, admin1=admin1, border_zone=border_zone,
        geocode_status="resolved" if lat is not None else "unresolved", country="Mali" if lat is not None else None,
        date=d, date_precision=precision if d else None, event_type=event_type, actors=list(actors),
        fatalities=[f if isinstance(f, Fatalities) else Fatalities(count=f) for f in fatalities],
        evidence=[Evidence(0, len(evidence), evidence)] if evidence else [],
    )


#: A small deterministic "extractor" for ingest tests: every line "PLACE|LAT|LON|YYYY-MM-DD|TYPE|N"
#: of an article is one incident. It makes counts exact whatever the text pipeline does.
def fake_extract(articles):
    out = []
    for a in articles:
        incs = []
        for line in a.text.splitlines():
            parts = line.split("|")
            if len(parts) != 6:
                continue
            place, lat, lon, d, et, n = parts
            incs.append(make_incident(place=place, lat=float(lat), lon=float(lon), d=date.fromisoformat(d),
                                      event_type=et, fatalities=(int(n),), admin1=None, evidence=line))
        out.append((a, incs))
    return out


def synthetic_articles(n: int, *, distinct: int | None = None, seed: int = 0) -> list[str]:
    """Texts in the fake_extract format. Article i reports two events, i % k and
    (i % k + k // 2) % k (k = ``distinct``, default n): with k < n several articles report
    the same events, so ingest must merge them. Events lie 0.2 degrees apart and on
    different days: two different events never merge."""
    k = distinct or n
    texts = []
    for i in range(n):
        lines = [f"Report {i} (seed {seed}) of two events."]
        for j in dict.fromkeys((i % k, (i % k + k // 2) % k)):
            lat = 11.0 + (j % 40) * 0.2
            lon = -9.0 + (j // 40) * 0.2
            d = date(2023, 1, 1) + timedelta(days=(j * 3) % 600)
            lines.append(f"P{j}|{lat:.4f}|{lon:.4f}|{d.isoformat()}|armed clash|{i % 7}")
        texts.append("\n".join(lines) + "\n")
    return texts


def events_of(text: str) -> list[str]:
    """The event keys (place names) an article in the fake_extract format reports."""
    return [line.split("|")[0] for line in text.splitlines() if line.count("|") == 5]


PYTHON = sys.executable
