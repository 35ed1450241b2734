"""The extraction pipeline: article -> incidents with coordinates, regions and border zones.

    load + clean (geo.text.loading)  ->  mentions and incidents (geo.text.incidents)
      ->  geocode (geo.geocode.Geocoder; regions, areas and border zones as area points)
      ->  spatial join (geo.spatial.join: country, admin1/2, border zone, distance)
      ->  coarse incidents covered by a finer one of the same event are dropped

Where each kind of location is put on the map:

- towns and villages: the geocoder's answer (gazetteer, or the online provider when the
  caller enables it). A name it cannot resolve stays an incident with
  ``geocode_status="unresolved"`` and no coordinates; when the geocoder only offers the
  article's region or border zone as a fallback, that area fills ``admin1`` /
  ``border_zone`` but the coordinates stay empty (never a falsely exact pin). When the
  online geocoder could not answer (down, too slow, rate limiting) the status is
  ``"retry"`` instead: :func:`geo.regeocode.retry_pending` asks again later.
- "near X", "cercle de X": X's point with geo_precision 2.
- a region ("the Kayes region"): the region polygon's representative point, precision 3.
- a vague area ("central Mali"): the representative point of the union of the regions it
  covers (:data:`geo.text.places.AREAS`), precision 3; admin1 is the region containing it.
- a border zone: the zone polygon's representative point, precision 4.
- Mali as a whole: the country's representative point, precision 5.

Offline by default: the geocoder's online step runs only when the caller asks.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Iterable, Sequence

from . import gazetteer as _gazetteer
from .geocode import GeocodeContext, Geocoder
from .text import loading
from .text.incidents import extract_incidents
from .text.records import BORDER_ZONE, COUNTRY, DISTRICT, REGION, RETRY, Article, Incident


@dataclass
class ExtractionResult:
    """One article and its incidents."""

    article: Article
    incidents: list[Incident]

    def to_dict(self) -> dict:
        """The JSON document of the ``python -m geo extract`` contract."""
        a = self.article
        return {
            "article": {
                "id": a.id,
                "title": a.title,
                "published": a.published.isoformat() if a.published else None,
                "language": a.language,
                "url": a.url,
                "removed_duplicates": a.removed_duplicates,
            },
            "incidents": [i.to_dict() for i in self.incidents],
        }


def _none(v: Any) -> Any:
    if v is None:
        return None
    try:
        if isinstance(v, float) and math.isnan(v):
            return None
    except TypeError:
        pass
    s = v if not hasattr(v, "item") else v.item()
    if isinstance(s, float) and math.isnan(s):
        return None
    return s


class Extractor:
    """Extract, geocode and join. Reuse one instance: it caches areas and joined points."""

    def __init__(
        self,
        gazetteer: _gazetteer.Gazetteer | None = None,
        geocoder: Geocoder | None = None,
        *,
        online: bool = False,
        join: bool = True,
        geocode_cache: Any = None,
    ) -> None:
        self.gazetteer = gazetteer or (geocoder.gazetteer if geocoder else _gazetteer.load())
        self.geocoder = geocoder or Geocoder(self.gazetteer, online=online, cache=geocode_cache)
        self.join = join
        self._points: dict[tuple[float, float, str | None], dict] = {}
        # the country a geocoded point's source gives (ISO2), by incident: the join keeps
        # it for points on the border line (see geo.spatial.join, country_hint)
        self._country_hint: dict[int, str | None] = {}
        self._areas: dict[tuple[str, str], tuple[float, float] | None] = {}

    # ---------------------------------------------------------------- public API

    def extract_article(self, article: Article) -> ExtractionResult:
        """Incidents of one loaded article."""
        return self.extract_many([article])[0]

    def extract_many(self, articles: Sequence[Article]) -> list[ExtractionResult]:
        """Incidents of several articles; the spatial join runs once for all of them."""
        results = []
        for a in articles:
            incidents = extract_incidents(a, self.gazetteer)
            self._geocode(a, incidents)
            results.append(ExtractionResult(a, incidents))
        if self.join:
            self._join([i for r in results for i in r.incidents])
        for r in results:
            # coverage first, while each incident still has its own event frame (merging keeps
            # one frame: the body sentence naming the border would lose the town it qualifies)
            r.incidents = _merge_same_place(_drop_covered(r.incidents))
            _attribute_figures(r.incidents)
        return results

    def extract(self, source: Any, **load_kw: Any) -> list[ExtractionResult]:
        """Load ``source`` (path, bytes, text; see :func:`geo.text.loading.load_articles`) and extract."""
        return self.extract_many(loading.load_articles(source, **load_kw))

    # ---------------------------------------------------------------- geocoding

    def _geocode(self, article: Article, incidents: list[Incident]) -> None:
        regions = tuple(
            dict.fromkeys(
                r for i in incidents if i.place_kind in ("region", "place", "unknown") for r in i.regions_hint
            )
        )
        places = tuple(dict.fromkeys(i.place for i in incidents if i.place_kind in ("place", "unknown")))
        place_index = {p: n for n, p in enumerate(places)}
        zones = tuple(dict.fromkeys(i.border_zone for i in incidents if i.border_zone))
        for inc in incidents:
            kind = inc.place_kind
            if kind in ("place", "unknown"):
                others = _context_places(places, place_index[inc.place])
                if inc.anchor:  # "X near Ménaka": the best clue to which X
                    others = (inc.anchor, *others)
                ctx = GeocodeContext(regions=regions, places=others, border_zones=zones)
                res = self.geocoder.geocode(inc.place, ctx, proper_noun=True)
                pending = res.retry
                if kind == "place" and (res.status != "resolved" or res.fallback):
                    # a name found verbatim in the gazetteer has passed the text-side checks
                    # (capitalised, not a common word, not inside a person's name): the
                    # geocoder's own running-text gate (its stoplist: Kati, San...) is lifted
                    res = self.geocoder.geocode(inc.place, ctx, proper_noun=True, strict=False)
                    pending = pending or res.retry
                if res.status != "resolved" or res.fallback or res.lat is None:
                    if inc.anchor:  # "a village near Ménaka": Ménaka's point, "near X" precision
                        ares = self.geocoder.geocode(inc.anchor, ctx, proper_noun=True)
                        if ares.status == "resolved" and not ares.fallback and ares.lat is not None:
                            res = ares
                            inc.geo_precision = max(inc.geo_precision, DISTRICT)
                if res.status == "resolved" and not res.fallback and res.lat is not None:
                    inc.lat, inc.lon = res.lat, res.lon
                    inc.geocode_status = "resolved"
                    inc.geo_precision = max(inc.geo_precision, res.geo_precision or 1)
                    inc.geocoded_as = res.matched_name
                    self._country_hint[id(inc)] = res.country_code
                else:
                    # "retry": the online geocoder failed for a passing reason (down, slow,
                    # rate limiting); geo.regeocode asks it again later
                    inc.geocode_status = RETRY if pending else "unresolved"
                    if res.fallback and res.admin1:
                        inc.admin1 = res.admin1
                    if len(inc.regions_hint) == 1 and not inc.admin1:
                        inc.admin1 = inc.regions_hint[0]
                    if res.fallback and res.geo_precision == BORDER_ZONE and not inc.border_zone:
                        inc.border_zone = res.matched_name
            elif kind == "region":
                self._set_area(inc, "region", inc.place, REGION)
            elif kind == "area":
                self._set_union(inc)
            elif kind == "border":
                self._set_area(inc, "border_zone", inc.place, BORDER_ZONE)
                inc.border_zone = inc.place
            elif kind == "country":
                self._set_area(inc, "country", inc.place, COUNTRY)

    def _set_area(self, inc: Incident, kind: str, name: str, precision: int) -> None:
        key = (kind, name)
        if key not in self._areas:
            res = self.geocoder.geocode_area(name, kind)
            self._areas[key] = (res.lat, res.lon) if res.status == "resolved" and res.lat is not None else None
        pt = self._areas[key]
        inc.geo_precision = precision
        if pt is None:
            inc.geocode_status = "unresolved"
            if kind == "region":
                inc.admin1 = name
            return
        inc.lat, inc.lon = pt
        inc.geocode_status = "resolved"

    def _set_union(self, inc: Incident) -> None:
        key = ("area", "|".join(inc.regions_hint))
        if key not in self._areas:
            self._areas[key] = _union_point(inc.regions_hint)
        pt = self._areas[key]
        inc.geo_precision = REGION
        if pt is None:
            inc.geocode_status = "unresolved"
            return
        inc.lat, inc.lon = pt
        inc.geocode_status = "resolved"

    # ---------------------------------------------------------------- spatial join

    def join_incidents(self, incidents: list[Incident]) -> None:
        """Fill country, admin1/2, border zone and distance of the located incidents."""
        self._join(incidents)

    def _join(self, incidents: list[Incident]) -> None:
        located = [i for i in incidents if i.lat is not None and i.lon is not None]
        keys = {id(i): (*_pkey(i), self._country_hint.pop(id(i), None)) for i in located}
        todo = sorted({k for k in keys.values() if k not in self._points}, key=lambda k: (k[0], k[1], k[2] or ""))
        if todo:
            from . import spatial

            joined = spatial.join(
                spatial.points_frame([p[0] for p in todo], [p[1] for p in todo]),
                country_hint=[p[2] for p in todo],
            )
            cols = ("country", "admin1", "admin2", "border_zone", "distance_to_border_km", "nearest_country")
            values = {c: joined[c].tolist() for c in cols}
            for n, key in enumerate(todo):
                self._points[key] = {c: _none(values[c][n]) for c in cols}
        for inc in located:
            row = self._points[keys[id(inc)]]
            inc.country = row["country"]
            inc.admin1 = row["admin1"]
            inc.admin2 = row["admin2"]
            if inc.place_kind != "border":
                inc.border_zone = row["border_zone"]
            d = row["distance_to_border_km"]
            inc.distance_to_border_km = None if d is None else float(d)
            inc.nearest_country = row["nearest_country"]


#: Other places of the article given to the geocoder as context, at most (the nearest in
#: the text's order). All of them made hostile text with thousands of places quadratic.
MAX_CONTEXT_PLACES = 40


def _context_places(places: tuple[str, ...], n: int) -> tuple[str, ...]:
    """The article's other places (``places`` without ``places[n]``), the nearest ones
    when there are more than :data:`MAX_CONTEXT_PLACES`."""
    if len(places) <= MAX_CONTEXT_PLACES + 1:
        return places[:n] + places[n + 1 :]
    half = MAX_CONTEXT_PLACES // 2
    lo = max(0, min(n - half, len(places) - 1 - MAX_CONTEXT_PLACES))
    window = places[lo : lo + MAX_CONTEXT_PLACES + 1]
    return tuple(p for k, p in enumerate(window, start=lo) if k != n)


def _attribute_figures(incidents: list[Incident]) -> None:
    """Drop repeated figures within an incident, and split each figure reported for
    several incidents together among them (``Fatalities.share``), so that summing
    incidents counts every reported death once."""
    def key(f) -> tuple:
        return (f.count, f.victims, f.is_claim)

    for inc in incidents:
        kept: dict[tuple, Any] = {}
        for f in inc.fatalities:  # the headline and the body giving the same figure
            if key(f) not in kept or (kept[key(f)].who_reported is None and f.who_reported):
                kept[key(f)] = f
        inc.fatalities = list(kept.values())
    holders: dict[tuple, list[tuple[Incident, int]]] = {}
    for inc in incidents:
        for k, f in enumerate(inc.fatalities):
            if f.shared:
                holders.setdefault(key(f), []).append((inc, k))
    for (count, *_), where in holders.items():
        n = len(where)
        for rank, (inc, k) in enumerate(where):
            part = count // n + (1 if rank < count % n else 0)
            inc.fatalities[k] = replace(inc.fatalities[k], share=part)


def _pkey(inc: Incident) -> tuple[float, float]:
    return (round(float(inc.lat), 5), round(float(inc.lon), 5))  # type: ignore[arg-type]


def _union_point(regions: Iterable[str]) -> tuple[float, float] | None:
    """Representative point of the union of admin-1 regions (by canonical name)."""
    from . import boundaries

    a1 = boundaries.admin1()
    geoms = a1[a1["name"].isin(list(regions))].geometry
    if geoms.empty:
        return None
    pt = geoms.union_all().representative_point()
    return (round(pt.y, 5), round(pt.x, 5))


def _covers(coarse: Incident, fine: Incident) -> bool:
    """Whether ``fine`` is a more precise incident of the same event inside ``coarse``."""
    if fine.group != coarse.group or fine.geo_precision >= coarse.geo_precision or fine.lat is None:
        return False
    if coarse.place_kind in ("region", "area"):
        regions = set(coarse.regions_hint) | ({coarse.admin1} if coarse.admin1 else set())
        return fine.admin1 in regions
    if coarse.place_kind == "border":
        return fine.border_zone == coarse.place or _in_border_zone(fine, coarse.place)
    if coarse.place_kind == "country":
        return fine.country == "Mali" or fine.country is None
    return False


#: The national zones the Liptako-Gourma tri-border area lies across: "near the borders
#: with Niger and Burkina Faso" said of a town in that area is the town's location.
_TRIBORDER_NEIGHBOURS = ("Mali–Niger border", "Mali–Burkina Faso border")


def _in_border_zone(fine: Incident, zone_name: str) -> bool:
    """Whether ``fine``'s point lies in the border zone named ``zone_name``. The join names
    one zone per point (the tri-border area first), but zones overlap: a town in the
    tri-border area can also be in the Mali–Burkina Faso zone."""
    from . import boundaries

    if fine.border_zone == boundaries.TRIBORDER_NAME and zone_name in _TRIBORDER_NEIGHBOURS:
        return True
    zones = boundaries.border_zones()
    match = zones.loc[zones["name"] == zone_name, "geometry"]
    if match.empty or fine.lat is None or fine.lon is None:
        return False
    import shapely

    return bool(match.iloc[0].covers(shapely.Point(fine.lon, fine.lat)))


#: At most this many coarse-dated incidents of one place are tried as merge partners.
MAX_MERGE_CANDIDATES = 50


def _date_window(inc: Incident) -> tuple[Any, Any] | None:
    d = inc.date
    if d is None:
        return None
    if inc.date_precision == "week":  # "some day in the week up to" that date
        return (d - timedelta(days=6), d)
    if inc.date_precision == "month":
        return (d.replace(day=1), d)
    return (d, d)


def _merge_same_place(incidents: list[Incident]) -> list[Incident]:
    """One incident per place and event within an article: a headline restating the body
    ("Forty-two soldiers killed in attack on Tessit camp") must not add a second one.

    Two incidents merge when their place as written folds alike, they sit on the same
    point (or neither has one), their date windows overlap and their event types agree
    (the store's merge rule, :func:`geo.store.merge.types_compatible`). The finer date
    wins; evidence, actors and figures are united.
    """
    from .store.merge import types_compatible  # one rule for "same event" everywhere

    out: list[Incident] = []
    # candidates: same place and point, then by day (a window spans at most a month), so
    # the work stays linear however many incidents one article has
    by_day: dict[tuple, dict[Any, list[Incident]]] = {}
    coarse: dict[tuple, list[Incident]] = {}  # week, month or no date: few per place
    for inc in incidents:
        win = _date_window(inc)
        place_key = (_gazetteer.fold(inc.place), inc.lat, inc.lon)
        days = by_day.setdefault(place_key, {})
        pool = coarse.setdefault(place_key, [])
        if win is None:
            candidates = [*pool[:MAX_MERGE_CANDIDATES], *(i for v in list(days.values())[:MAX_MERGE_CANDIDATES] for i in v)]
        else:
            span = (win[1] - win[0]).days
            candidates = [*pool[:MAX_MERGE_CANDIDATES],
                          *(i for k in range(span + 1) for i in days.get(win[0] + timedelta(days=k), ()))]
        twin = None
        for other in candidates:
            owin = _date_window(other)
            if ((win is None or owin is None or (win[0] <= owin[1] and owin[0] <= win[1]))
                    and types_compatible(other.event_type, inc.event_type)):
                twin = other
                break
        if twin is None:
            out.append(inc)
            if inc.date is not None and inc.date_precision == "day":
                days.setdefault(inc.date, []).append(inc)
            else:
                pool.append(inc)
            continue
        finer = {"day": 0, "week": 1, "month": 2}
        if finer.get(inc.date_precision or "", 3) < finer.get(twin.date_precision or "", 3):
            twin.date, twin.date_precision = inc.date, inc.date_precision
        twin.event_type = twin.event_type or inc.event_type
        twin.actors = list(dict.fromkeys([*twin.actors, *inc.actors]))
        twin.evidence = sorted(set(twin.evidence) | set(inc.evidence), key=lambda e: (e.start, e.end))
        twin.fatalities = [*twin.fatalities, *inc.fatalities]
    return out


def _drop_covered(incidents: list[Incident]) -> list[Incident]:
    """Drop a region/area/border/country incident when a finer one of its event lies inside it."""
    by_group: dict[int, list[Incident]] = {}  # only the same event can cover (and not all pairs)
    for inc in incidents:
        by_group.setdefault(inc.group, []).append(inc)
    keep = []
    for inc in incidents:
        if inc.geo_precision >= REGION and inc.place_kind in ("region", "area", "border", "country"):
            if any(_covers(inc, other) for other in by_group[inc.group] if other is not inc):
                continue
        keep.append(inc)
    return keep


_DEFAULT: Extractor | None = None


def default_extractor() -> Extractor:
    """A process-wide offline extractor (built on first use)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Extractor()
    return _DEFAULT


def extract_text(
    text: str,
    *,
    published: Any = None,
    language: str | None = None,
    title: str = "",
    extractor: Extractor | None = None,
) -> ExtractionResult:
    """Extract from one article's plain text (the shortest path for callers and tests)."""
    art = loading.articles_from_text(text, fmt="text", published=published, language=language, title=title or None)[0]
    return (extractor or default_extractor()).extract_article(art)


def extract_source(
    source: str | bytes | os.PathLike,
    *,
    extractor: Extractor | None = None,
    **load_kw: Any,
) -> list[ExtractionResult]:
    """Load any supported input (file, bytes, text, URL with ``fetch=True``) and extract."""
    return (extractor or default_extractor()).extract(source, **load_kw)


__all__ = [
    "ExtractionResult",
    "Extractor",
    "extract_text",
    "extract_source",
    "default_extractor",
    "DISTRICT",
    "REGION",
    "BORDER_ZONE",
    "COUNTRY",
]
