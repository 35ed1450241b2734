"""Asking the online geocoder again for the places it could not answer for.

When the online geocoder is down, too slow or rate limiting during an ingest, the article
is stored anyway: nothing waits on a remote service. A place that only the online
geocoder could have found keeps ``geocode_status="retry"`` and no point
(:mod:`geo.extract`). :func:`retry_pending` takes those incidents up again, later: it
extracts the articles they came from once more, now with the geocoder answering. The same
text gives the same mentions and the same context (the article's regions and other
places), so each place gets the answer the first ingest would have had.

Each incident is updated in its own transaction and only while it is still waiting
(``expect={"geocode_status": "retry"}``): a reviewer's correction made meanwhile wins.
A place the geocoder now says it does not know becomes "unresolved" (asked no more); one
it still cannot answer for stays "retry" for the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Collection

from .extract import Extractor
from .gazetteer import fold
from .geocode import GeocodeContext
from .store.base import IncidentStore, StoreConflictError
from .text.records import RETRY, Article, Incident

log = logging.getLogger(__name__)

#: Fields a new answer replaces on the stored incident.
LOCATION_FIELDS = ("lat", "lon", "geo_precision", "country", "admin1", "admin2", "border_zone",
                   "distance_to_border_km", "nearest_country")
#: Articles extracted together (one spatial join per batch).
BATCH = 32


@dataclass
class RetryReport:
    """What :func:`retry_pending` did."""

    pending: int = 0          # incidents waiting when the run started
    resolved: int = 0         # now located
    not_found: int = 0        # the geocoder answered that it does not know the place
    still_pending: int = 0    # the geocoder failed again: next run
    changed_meanwhile: int = 0  # someone edited the incident during the run: left alone
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"retry: {self.pending} places waiting; {self.resolved} located, {self.not_found} unknown to the "
                f"geocoder, {self.still_pending} still waiting"
                + (f", {self.changed_meanwhile} edited meanwhile" if self.changed_meanwhile else "")
                + (f", {len(self.errors)} errors" if self.errors else ""))

    def to_dict(self) -> dict[str, Any]:
        return {"pending": self.pending, "resolved": self.resolved, "not_found": self.not_found,
                "still_pending": self.still_pending, "changed_meanwhile": self.changed_meanwhile,
                "errors": list(self.errors)}


def count_pending(store: IncidentStore) -> int:
    """How many incidents wait for the online geocoder."""
    return len(store.pending_geocodes())


def retry_pending(
    store: IncidentStore,
    *,
    extractor: Extractor | None = None,
    limit: int | None = None,
    ids: Collection[int] | None = None,
    force: bool = False,
) -> RetryReport:
    """Geocode again every incident waiting with ``geocode_status="retry"`` (only those in
    ``ids`` when given; at most ``limit``). ``extractor`` defaults to one with the online
    geocoder on, caching in the store's database. ``force`` asks the service even if it
    failed just now (a person pressed "retry"); otherwise a service that keeps failing is
    skipped quickly (the provider's breaker) and its places simply stay waiting."""
    report = RetryReport()
    rows = store.pending_geocodes()
    if ids is not None:
        wanted = set(ids)
        rows = [r for r in rows if r["id"] in wanted]
    if limit is not None:
        rows = rows[:max(0, int(limit))]
    report.pending = len(rows)
    if not rows:
        return report
    if extractor is None:
        from .geocache import GeoCache

        extractor = Extractor(online=True, geocode_cache=GeoCache.for_store(store))
    provider = extractor.geocoder.provider
    if force and provider is not None:
        provider.reset()

    by_article: dict[str, list[dict]] = {}
    orphans: list[dict] = []
    for r in rows:
        if r["article_ids"]:
            by_article.setdefault(r["article_ids"][0], []).append(r)
        else:
            orphans.append(r)
    aids = list(by_article)
    for i in range(0, len(aids), BATCH):
        articles = []
        for aid in aids[i:i + BATCH]:
            a = store.get_article(aid)
            if a is None:  # deleted meanwhile: geocode the name alone
                orphans.extend(by_article.pop(aid))
                continue
            articles.append(Article(text=a["text"], title=a.get("title") or "", published=a.get("published"),
                                    language=a.get("language") or "en", url=a.get("url")))
        for res in extractor.extract_many(articles):
            found = _by_place(res.incidents)
            for row in by_article.get(res.article.id, []):
                new = found.get(fold(row["place"] or ""))
                if new is None:
                    new = _geocode_alone(extractor, row)
                _apply(store, row, new, report)
    for row in orphans:
        _apply(store, row, _geocode_alone(extractor, row), report)
    log.info("%s", report.summary())
    return report


def _by_place(incidents: list[Incident]) -> dict[str, Incident]:
    """The best new incident per place name (located ones first)."""
    out: dict[str, Incident] = {}
    for inc in incidents:
        key = fold(inc.place or "")
        old = out.get(key)
        if old is None or (old.lat is None and inc.lat is not None):
            out[key] = inc
    return out


def _geocode_alone(extractor: Extractor, row: dict) -> Incident:
    """The place name geocoded without its article (the article is gone, or the text no
    longer yields that mention, e.g. after a gazetteer change)."""
    inc = Incident(place=row["place"] or "", place_kind=row.get("place_kind") or "place")
    res = extractor.geocoder.geocode(inc.place, GeocodeContext(), proper_noun=True, strict=False)
    if res.resolved and not res.fallback and res.lat is not None:
        inc.lat, inc.lon, inc.geocode_status = res.lat, res.lon, "resolved"
        inc.geo_precision = res.geo_precision or inc.geo_precision
        extractor.join_incidents([inc])
    else:
        inc.geocode_status = RETRY if res.retry else "unresolved"
    return inc


def _apply(store: IncidentStore, row: dict, new: Incident, report: RetryReport) -> None:
    iid = row["id"]
    if new.geocode_status == RETRY:
        report.still_pending += 1
        return
    if new.geocode_status == "resolved" and new.lat is not None and new.lon is not None:
        changes: dict[str, Any] = {k: getattr(new, k) for k in LOCATION_FIELDS}
        changes["geocode_status"] = "resolved"
    else:
        changes = {"geocode_status": "unresolved"}
    try:
        store.update_incident(iid, expect={"geocode_status": RETRY}, **changes)
    except StoreConflictError:
        report.changed_meanwhile += 1
        return
    except Exception as exc:  # noqa: BLE001 - report it, keep going with the others
        report.errors.append(f"incident {iid}: {type(exc).__name__}: {exc}")
        return
    if changes["geocode_status"] == "resolved":
        report.resolved += 1
    else:
        report.not_found += 1
