"""The geocoder chain: place mention -> coordinates a reader can trust, with their precision.

For each name, in order (the first that answers wins):

1. **user corrections** (``place_aliases`` in the incident database, see :mod:`geo.geocache`);
2. names that are themselves an **area** ("Kayes region", "the Senegalese border", "Mali")
   -> :meth:`Geocoder.geocode_area`;
3. the **gazetteer** (embedded, or full when installed): exact folded names first, then
   fuzzy matching (rapidfuzz) for transliteration variants;
4. an **online geopy provider**, only when enabled, through the persistent cache
   (``geocode_cache``): an answer, including "no result", is asked for once;
5. the **area named in the text**: the one region (precision 3) or border zone
   (precision 4) of the :class:`GeocodeContext`, marked ``fallback=True``.

Every :class:`GeocodeResult` records provider, matched name, candidates considered, score
and ``geo_precision`` (1 town/village, 2 district or "near X", 3 region, 4 border zone,
5 country). An in-memory LRU sits in front of the whole chain.

Disambiguation scores each candidate in points: name match (100 exact, 97 alternate name,
fuzzy ratio minus 5), plus country (+15 the article's country, Mali by default; +5 Mali
otherwise; 0 a neighbour), feature class/code (PPLC +8 ... historical -15), population
(up to +9), and the article's context: its regions (+25 inside, -5 outside), other places
it names (up to +20 next to one, falling to 0 at 300 km) and border zones (+10 inside).

Guards against false matches in running text (``strict=True``, the default): only
capitalised mentions of 3+ letters match; words of :data:`STOPLIST` (common English and
French words, Malian personal names) match only with support from the context and never
fuzzily; fuzzy matching needs 5+ letters, and a fuzzy match outside Mali needs support
from the context too.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable

from rapidfuzz import fuzz, process

from . import gazetteer as _gazetteer
from .config import Settings, get_settings
from .errors import GeocoderTimedOut, GeocoderUnavailable, InvalidInputError
from .gazetteer import Place, fold

log = logging.getLogger(__name__)

#: geo_precision values (see DESIGN.md)
TOWN, DISTRICT, REGION, BORDER_ZONE, COUNTRY = 1, 2, 3, 4, 5
PRECISION_LABELS = {TOWN: "town/village", DISTRICT: "district / near", REGION: "region",
                    BORDER_ZONE: "border zone", COUNTRY: "country"}

MALI = "ML"
NEIGHBOURS = ("SN", "MR", "DZ", "NE", "BF", "CI", "GN")

#: Names shorter than this (letters, spaces excluded) never match in running text.
MIN_NAME_LEN = 3
#: Names shorter than this never match fuzzily.
SHORT_NAME_LEN = 5
#: rapidfuzz ratio a fuzzy match needs...
FUZZY_CUTOFF = 88.0
#: ...or this, when both spellings share their consonant skeleton (Sandere/Sandaré: 3+
#: consonants), differ in length by at most one letter, and the name has at least
#: VARIANT_MIN_LEN letters.
VARIANT_CUTOFF = 80.0
VARIANT_MIN_LEN = 6
FUZZY_PENALTY = 5.0
#: Two top candidates closer than this in score, and further apart than AMBIGUOUS_KM, make
#: a result ``ambiguous`` (worth a look in the review screen).
AMBIGUOUS_MARGIN = 5.0
AMBIGUOUS_KM = 25.0
#: Another place the article names adds up to ANCHOR_POINTS to a candidate next to it,
#: falling linearly to 0 at ANCHOR_KM; within SUPPORT_KM it vouches for the candidate.
ANCHOR_POINTS = 20.0
ANCHOR_KM = 300.0
SUPPORT_KM = 150.0
#: A candidate in the same Malian region as another place the article names: the places
#: of one report are most often in one region, which distance alone does not capture
#: (Boni, 170 km from Bandiagara in Mopti, against a look-alike Bouani 120 km away in Ségou).
SAME_REGION_POINTS = 10.0

#: Words (folded) that are also gazetteer names, in the embedded or the full GeoNames data:
#: common English and French words, and common Malian personal names (Keïta, Touré, Sékou).
#: They never match fuzzily, and match exactly only as capitalised mentions that the
#: article's context supports (a region, a nearby place or a border zone it names).
STOPLIST = frozenset(fold(w) for w in """
    a about after air all also am an and are area army as at attack attacks au aux bad bank bar base
    bay be bell ber best big bon bonne border bridge bus but by camp can cap cent centre center chef
    city close coast come cote court da dans de des dire do does du east el en est et even fin for
    fort from garde gare go gold good grand grande guard had has he her here hill his hope i if il in
    is it its jaw jour kati la las le les lies light lion long los ma mai main man many march market
    may me media mine mines moi mon more most my new nord north not now of off old on one or ou our
    out over paris par peace place plus point police pont port post pour quartier rain red river road
    rock rose route rue sa sable said saint sale salt san sans santa say se sea ses she so son south
    sous spring station sud sur ta tete the them then there they this to town two un une up us very
    ville village war was we well west what when where which who will with won yes you zone
    ancien bacon bande bingo bone bougie brevet complexe dame diane doris fete handy hippo libre logo
    madam mafia magenta make mama mango metro modeste pascal petit pere polo put rosa sacre solo somme
    tabou tongue voltaire zebra
    abdoulaye adama ahmed ali amadou aminata awa bakary barry boubacar camara cheick cisse coulibaly
    dembele diakite diallo diarra doumbia drissa fatoumata hamadoun hassan ibrahim issa kante keita
    konate kone lassana maiga mamadou mariam modibo mohamed moussa oumar ousmane sali salif sangare
    sekou seydou siaka sidibe sissoko souleymane tall toure traore youssouf
    afrique jeune
""".split())

_REGION_WORDS = {"region", "regions", "province", "district"}
_BORDER_WORDS = {"border", "borders", "frontier", "frontiers", "frontiere", "frontieres", "boundary"}
_TRIBORDER_KEYS = ("liptako", "tri border", "triborder", "three borders", "three border",
                   "trois frontieres", "tri frontier", "tri frontiere")
_AREA_WORDS = re.compile(
    r"\b(?:%s)\b|%s" % ("|".join(sorted(_REGION_WORDS | _BORDER_WORDS)), "|".join(_TRIBORDER_KEYS))
)

_TRANSLIT = (("tch", "ch"), ("ou", "u"), ("oo", "u"), ("dj", "j"), ("kh", "k"), ("gh", "g"),
             ("ph", "f"), ("c", "k"), ("q", "k"), ("z", "s"), ("w", "u"), ("y", "i"), (" ", ""))
_VOWELS = re.compile(r"[aeiou]")
_REPEATS = re.compile(r"(.)\1+")


def skeleton(key: str) -> str:
    """Consonant skeleton of a folded name, after common French/English transliteration
    equivalences: "sandere" and "sandare" -> "sndr"; "djenne" and "jenne" -> "jn"."""
    for a, b in _TRANSLIT:
        key = key.replace(a, b)
    return _REPEATS.sub(r"\1", _VOWELS.sub("", key))


# ------------------------------------------------------------------ records

@dataclass(frozen=True)
class Candidate:
    """One place considered for a name, with the score it got."""

    name: str
    lat: float
    lon: float
    country_code: str
    admin1_code: str
    population: int
    score: float
    geonameid: int | None = None
    #: how the name matched: "exact", "alternate", "fuzzy", "alias", "online", "area"
    match: str = "exact"
    #: the spelling in the source that matched (an alternate name, a fuzzy neighbour)
    matched_name: str = ""
    feature_code: str = ""
    admin1: str | None = None          # Mali region name ("Kayes"), None outside Mali
    geo_precision: int = TOWN
    provider: str = "gazetteer"


@dataclass
class GeocodeContext:
    """What else the article says, used to disambiguate a name."""

    regions: tuple[str, ...] = ()   # admin-1 names mentioned ("Kayes region" -> "Kayes")
    places: tuple[str, ...] = ()    # other place names in the same article
    country_code: str = "ML"
    #: border zones mentioned: zone names ("Mali–Senegal border") or how the text put it
    #: ("Senegalese border", "frontière mauritanienne", "tri-border area")
    border_zones: tuple[str, ...] = ()

    def key(self) -> tuple:
        return (tuple(self.regions), tuple(self.places), self.country_code or MALI, tuple(self.border_zones))


@dataclass
class GeocodeResult:
    """The outcome for one name. ``status`` is "resolved" (lat/lon set) or "unresolved".

    ``provider`` is "alias", "gazetteer", the online service ("nominatim", ...),
    "boundaries" (an area) or None. ``fallback`` means the point is the area the article
    names, not the place itself. ``retry`` means an online lookup failed for a transient
    reason: nothing was cached, and the name should be geocoded again on a later run.
    """

    query: str
    status: str
    lat: float | None = None
    lon: float | None = None
    geo_precision: int | None = None
    provider: str | None = None
    matched_name: str | None = None
    country_code: str | None = None
    score: float = 0.0
    candidates: list[Candidate] = field(default_factory=list)
    admin1: str | None = None
    admin1_code: str | None = None
    geonameid: int | None = None
    match: str | None = None
    fallback: bool = False
    ambiguous: bool = False
    cached: bool = False
    retry: bool = False
    error: str | None = None

    @property
    def resolved(self) -> bool:
        return self.status == "resolved"

    def copy(self) -> "GeocodeResult":
        """A shallow copy with its own candidate list (results handed out are the caller's)."""
        new = object.__new__(GeocodeResult)
        new.__dict__.update(self.__dict__)
        new.candidates = list(self.candidates)
        return new

    def to_dict(self, candidates: int | None = None) -> dict:
        d = asdict(self)
        if candidates is not None:
            d["candidates"] = d["candidates"][:candidates]
        d["precision_label"] = PRECISION_LABELS.get(self.geo_precision) if self.geo_precision else None
        return d


# ------------------------------------------------------------------ helpers

def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


_FEATURE_POINTS = {
    "PPLC": 8.0, "PPLA": 6.0, "PPLA2": 4.0, "PPLA3": 2.0, "PPLA4": 1.0, "PPL": 0.0, "PPLL": 0.0,
    "PPLS": -1.0, "PPLX": -2.0, "PPLF": -2.0, "PPLR": -2.0, "PPLQ": -15.0, "PPLH": -15.0, "PPLW": -15.0,
    "ADM1": -4.0, "ADM2": -3.0, "ADM3": -3.0,
}


def _feature_points(feature_class: str, feature_code: str) -> float:
    if feature_code in _FEATURE_POINTS:
        return _FEATURE_POINTS[feature_code]
    if feature_class == "P":
        return 0.0
    if feature_class == "A":
        return -2.0
    return -10.0 if feature_class else 0.0


def _population_points(population: int) -> float:
    return min(9.0, 1.6 * math.log10(max(0, population) + 1))


@dataclass
class _Prepared:
    """A context turned into what scoring needs (cached per context)."""

    region_codes: frozenset[str] = frozenset()   # GeoNames admin1 codes of the regions named
    region_names: tuple[str, ...] = ()           # canonical admin1 names
    anchors: tuple[tuple[str, float, float], ...] = ()  # (folded name, lat, lon) of other places
    anchor_regions: frozenset[tuple[str, str]] = frozenset()  # (folded name, admin1 code) of Malian ones
    zones: tuple[tuple[str, Any], ...] = ()      # (zone name, prepared geometry)
    country_code: str = MALI

    @property
    def empty(self) -> bool:
        return not (self.region_codes or self.region_names or self.anchors or self.zones
                    or self.country_code != MALI)


@dataclass(frozen=True)
class _Area:
    """A region, border zone or country: its representative point and what it is."""

    name: str
    lat: float
    lon: float
    precision: int
    country_code: str | None
    admin1: str | None


class _LRU:
    """A small thread-safe LRU mapping."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._d: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._d.get(key)
            if value is not None:
                self._d.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            if len(self._d) > self.size:
                self._d.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()

    def __len__(self) -> int:
        return len(self._d)


# ------------------------------------------------------------------ the geocoder

class Geocoder:
    """Resolve names to coordinates through the chain described in the module docstring.

    ``online``: None follows ``settings.geocoder`` ("" = off); True turns the online step on
    (``settings.geocoder`` or Nominatim); False keeps everything offline. ``cache`` is a
    :class:`geo.geocache.GeoCache`, a database URL or SQLAlchemy Engine, None for
    ``settings.database_url`` (opened on first use), or False for no persistence (an
    in-memory database: aliases and online answers last as long as the Geocoder).
    Geocoders are safe to share between threads.
    """

    def __init__(
        self,
        gazetteer: _gazetteer.Gazetteer | None = None,
        *,
        settings: Settings | None = None,
        cache: Any = None,
        online: bool | None = None,
        provider: Any = None,
        lru_size: int = 65536,
    ) -> None:
        self.settings = settings or get_settings()
        self.gazetteer = gazetteer or _gazetteer.load()
        self._cache_arg = cache
        self._cache: Any = None
        self._cache_lock = threading.Lock()
        if online is None:
            online = bool(self.settings.geocoder)
        self.online = bool(online) or provider is not None
        self._provider = provider
        if self.online and provider is None:
            from ._geopy import shared_provider

            self._provider = shared_provider(self.settings)  # config errors surface here
        self._lru = _LRU(lru_size)
        self._contexts = _LRU(4096)
        self._aliases: dict[str, Any] | None = None
        # name index: folded key -> places; match entries per key built on demand; fuzzy
        # choices bucketed by (first consonant of the skeleton, length)
        self._index: dict[str, list[Place]] = dict(self.gazetteer.iter_names())
        self._entries: dict[str, list[tuple[Place, str, float, str]]] = {}
        self._by_bucket: dict[tuple[str, int], list[str]] | None = None   # built on first fuzzy look-up
        self._bands: dict[tuple[str, int], list[str]] = {}
        self._areas: dict[tuple[str, str], _Area | None] = {}
        self._geo: dict[str, Any] | None = None
        self._geo_lock = threading.Lock()
        self.stats = {"lookups": 0, "lru_hits": 0, "cache_hits": 0, "online_requests": 0}

    @property
    def provider(self) -> Any:
        """The online provider (:class:`geo._geopy.OnlineProvider`), or None when offline."""
        return self._provider

    # -------------------------------------------------------------- persistence

    @property
    def cache(self) -> Any:
        """The :class:`geo.geocache.GeoCache` in use (opened on first use)."""
        if self._cache is None:
            with self._cache_lock:
                if self._cache is None:
                    from .geocache import GeoCache

                    arg = self._cache_arg
                    if isinstance(arg, GeoCache):
                        self._cache = arg
                    elif arg is False:
                        self._cache = GeoCache("sqlite://")
                    else:   # a database URL or SQLAlchemy Engine; None: the settings' database
                        self._cache = GeoCache(arg if arg is not None else self.settings.database_url)
        return self._cache

    def _alias_map(self) -> dict[str, Any]:
        if self._aliases is None:
            self._aliases = {a.key: a for a in self.cache.aliases()}
        return self._aliases

    def reload_aliases(self) -> None:
        """Re-read aliases from the database (another process may have added some)."""
        self._aliases = None
        self._lru.clear()

    def add_alias(
        self,
        alias: str,
        place_name: str,
        lat: float,
        lon: float,
        *,
        country: str | None = None,
        admin1: str | None = None,
        geo_precision: int = TOWN,
        created_by: str | None = None,
        note: str | None = None,
    ) -> Any:
        """Record a user correction: from now on ``alias`` means this place.

        Country (ISO2) and admin-1 are filled from the point when not given. Returns the
        stored :class:`geo.geocache.Alias`.
        """
        from .geocache import Alias, validate_alias

        record = validate_alias(Alias(alias=alias, place_name=place_name, lat=lat, lon=lon, country=country,
                                      admin1=admin1, geo_precision=geo_precision, created_by=created_by, note=note))
        if record.country is None or record.admin1 is None:
            where = self._locate([(record.lat, record.lon)])[0]
            record = replace(record, country=record.country or where["country_code"],
                             admin1=record.admin1 or where["admin1"])
        record = self.cache.add_alias(record)
        self._alias_map()[record.key] = record
        self._lru.clear()
        return record

    def remove_alias(self, alias: str) -> bool:
        """Forget a user correction; True if there was one."""
        removed = self.cache.remove_alias(alias)
        self._alias_map().pop(fold(alias), None)
        self._lru.clear()
        return removed

    # -------------------------------------------------------------- public API

    def geocode(
        self,
        name: str,
        context: GeocodeContext | None = None,
        *,
        proper_noun: bool | None = None,
        strict: bool = True,
    ) -> GeocodeResult:
        """Resolve one place name, preferring Mali, then its neighbours, then population.

        ``proper_noun``: the extractor saw a capitalised proper-noun mention; None infers
        it from the name's own first letter. ``strict=False`` (the CLI, a user typing a
        name) lifts the gates meant for running text: short names, the stoplist.
        """
        if not isinstance(name, str):
            raise InvalidInputError(f"a place name must be text, got {type(name).__name__}")
        context = context or GeocodeContext()
        text = name.strip()
        if proper_noun is None:
            proper_noun = text[:1].isupper()
        self.stats["lookups"] += 1
        lru_key = (text, bool(proper_noun), bool(strict), context.key())
        hit = self._lru.get(lru_key)
        if hit is not None:
            self.stats["lru_hits"] += 1
            return hit.copy()
        result = self._geocode(text, context, bool(proper_noun), strict)
        if not result.retry:
            self._lru.put(lru_key, result)
        return result.copy()

    def geocode_area(self, name: str, kind: str | None = None) -> GeocodeResult:
        """Resolve an area named in the text to its representative point.

        ``kind`` is "region" (Mali admin-1: "Kayes", "Timbuktu region", "région de Mopti";
        precision 3), "border_zone" ("Mali–Senegal border", "Senegalese border",
        "frontière mauritanienne", "tri-border area"; precision 4), "country" ("Mali",
        "Burkina Faso"; precision 5) or None to try them in that order. Regions created
        since 2016 (Ménaka, Taoudénit, Nioro...) give the pre-2016 region that contains them,
        the frame of our polygons. The point is the area's representative point (always
        inside it). Unknown -> status "unresolved".
        """
        if not isinstance(name, str):
            raise InvalidInputError(f"an area name must be text, got {type(name).__name__}")
        kinds = (kind,) if kind else ("region", "border_zone", "country")
        for k in kinds:
            if k not in ("region", "border_zone", "country"):
                raise InvalidInputError(f"unknown area kind {k!r} (region, border_zone or country)")
            # the caller says it is an area: a region created since 2016 ("Ménaka") stands
            # for the pre-2016 one our polygons have
            area = self._region_area(name) if k == "region" else self._area(name, k)
            if area is not None:
                return self._area_result(name, area, fallback=False)
        return GeocodeResult(query=name, status="unresolved")

    def candidates(self, name: str, context: GeocodeContext | None = None, *, limit: int = 10,
                   strict: bool = False) -> list[Candidate]:
        """Ranked gazetteer candidates for a name (for pickers in the review screen)."""
        context = context or GeocodeContext()
        key = fold(name)
        prepared = self._prepare(context)
        entries = self._match(key, proper_noun=True, strict=strict)
        return self._rank(entries, key, prepared)[:limit]

    # -------------------------------------------------------------- the chain

    def _geocode(self, text: str, context: GeocodeContext, proper_noun: bool, strict: bool) -> GeocodeResult:
        key = fold(text)
        if not key:
            return GeocodeResult(query=text, status="unresolved")

        alias = self._alias_map().get(key)
        if alias is not None:
            return self._alias_result(text, alias)

        if self._looks_like_area(key) or key in _tables()["country_names"]:
            area = self._area_any(text)
            if area is not None:
                return self._area_result(text, area, fallback=False)

        prepared = self._prepare(context)
        ranked = self._rank(self._match(key, proper_noun, strict), key, prepared, strict)
        if ranked:
            return self._result(text, ranked, provider="gazetteer")

        error: str | None = None
        retry = False
        if self.online and self._gate(key, proper_noun, strict) and not (strict and key in STOPLIST):
            try:
                hits, cached = self._online(text)
            except (GeocoderUnavailable, GeocoderTimedOut) as exc:
                error, retry = f"{type(exc).__name__}: {exc}", True
                log.info("online geocoding of %r failed: %s", text, exc)
            else:
                ranked = self._rank_online(hits, key, prepared)
                if ranked:
                    res = self._result(text, ranked, provider=self._provider.service)
                    res.cached = cached
                    return res

        area = None
        if (proper_noun and key not in STOPLIST) or not strict:
            # the name itself is a region ("Taoudénit": the pre-2016 one containing it) or zone
            area = self._region_area(text) or self._area(text, "border_zone")
        if area is None:
            area = self._context_area(context)
            fallback = area is not None
        else:
            fallback = False
        if area is not None:
            res = self._area_result(text, area, fallback=fallback)
            res.retry, res.error = retry, error
            return res
        return GeocodeResult(query=text, status="unresolved", retry=retry, error=error)

    # -------------------------------------------------------------- gazetteer matching

    @staticmethod
    def _gate(key: str, proper_noun: bool, strict: bool) -> bool:
        """May this name match a place at all? In running text (strict), only capitalised
        mentions of 3+ letters may."""
        if not strict:
            return bool(key)
        return proper_noun and len(key.replace(" ", "")) >= MIN_NAME_LEN

    def _key_entries(self, key: str) -> list[tuple[Place, str, float, str]]:
        """(place, "exact" or "alternate", name score, spelling that matched) per place of ``key``."""
        entries = self._entries.get(key)
        if entries is None:
            entries = []
            for p in self._index.get(key, ()):
                primary = key == fold(p.name) or key == fold(p.asciiname)
                entries.append((p, "exact", 100.0, p.name) if primary else
                               (p, "alternate", 97.0, self._spelling(p, key)))
            self._entries[key] = entries
        return entries

    def _match(self, key: str, proper_noun: bool, strict: bool) -> list[tuple[Place, str, float, str]]:
        """(place, match kind, name score, matched spelling) for every candidate: exact and
        alternate names; fuzzy neighbours of the name only when it has no exact match."""
        if not self._gate(key, proper_noun, strict):
            return []
        out = self._key_entries(key)
        if out or len(key.replace(" ", "")) < SHORT_NAME_LEN or key in STOPLIST:
            return out
        out = []
        seen: set[int] = set()
        for match_key, score in self._fuzzy_keys(key):
            for p in self._index[match_key]:
                if id(p) not in seen:
                    seen.add(id(p))
                    out.append((p, "fuzzy", score - FUZZY_PENALTY, self._spelling(p, match_key)))
        return out

    def _band(self, first: str, length: int) -> list[str]:
        """Keys that could reach VARIANT_CUTOFF with a key of ``length`` and skeleton initial."""
        band = self._bands.get((first, length))
        if band is None:
            if self._by_bucket is None:
                buckets: dict[tuple[str, int], list[str]] = {}
                for key in self._index:
                    buckets.setdefault((skeleton(key)[:1], len(key)), []).append(key)
                self._by_bucket = buckets
            lo = math.ceil(length * VARIANT_CUTOFF / (200.0 - VARIANT_CUTOFF))
            hi = math.floor(length * (200.0 - VARIANT_CUTOFF) / VARIANT_CUTOFF)
            band = [k for n in range(lo, hi + 1) for k in self._by_bucket.get((first, n), ())]
            self._bands[(first, length)] = band
        return band

    def _fuzzy_keys(self, key: str) -> list[tuple[str, float]]:
        """Gazetteer keys close enough to ``key`` to be a spelling variant of it."""
        sk = skeleton(key)
        choices = self._band(sk[:1], len(key))
        if not choices:
            return []
        out = []
        for match_key, score, _ in process.extract(
            key, choices, scorer=fuzz.ratio, score_cutoff=VARIANT_CUTOFF, limit=10,
        ):
            if match_key == key:
                continue
            if score >= FUZZY_CUTOFF or (
                len(key.replace(" ", "")) >= VARIANT_MIN_LEN and len(sk) >= 3
                and abs(len(match_key) - len(key)) <= 1 and skeleton(match_key) == sk
            ):
                out.append((match_key, float(score)))
        return out

    # -------------------------------------------------------------- scoring

    def _prepare(self, context: GeocodeContext) -> _Prepared:
        ckey = context.key()
        prepared = self._contexts.get(ckey)
        if prepared is not None:
            return prepared
        region_names: list[str] = []
        codes: set[str] = set()
        if context.regions:
            table = _tables()["region_codes"]
            for r in context.regions:
                canon = self._region_name(r)
                if canon and canon not in region_names:
                    region_names.append(canon)
                    codes.update(table.get(canon, ()))
        anchors = []
        anchor_regions = set()
        for pname in context.places:
            pkey = fold(pname)
            if not pkey or pkey in STOPLIST or len(pkey.replace(" ", "")) < MIN_NAME_LEN:
                continue
            places = self._index.get(pkey)
            if not places:
                continue
            best = max(places, key=lambda p: (
                bool(codes) and p.country_code == MALI and p.admin1_code in codes,
                p.country_code == MALI, p.population,
            ))
            anchors.append((pkey, best.lat, best.lon))
            if best.country_code == MALI and best.admin1_code:
                anchor_regions.add((pkey, best.admin1_code))
        zones = []
        for z in context.border_zones:
            area = self._area(z, "border_zone")
            if area is not None and all(area.name != n for n, _ in zones):
                zones.append((area.name, self._geodata()["zone_geoms"][area.name]))
        prepared = _Prepared(frozenset(codes), tuple(region_names), tuple(anchors), frozenset(anchor_regions),
                             tuple(zones), (context.country_code or MALI).upper())
        self._contexts.put(ckey, prepared)
        return prepared

    def _context_points(self, lat: float, lon: float, country: str, admin1_code: str | None,
                        admin1: str | None, prepared: _Prepared, key: str) -> tuple[float, bool]:
        """Points from the article's context, and whether the context supports the place."""
        if prepared.empty:
            return 0.0, False
        points = 0.0
        support = country == prepared.country_code != MALI   # an article about Niger vouches for Niger
        if prepared.region_codes or prepared.region_names:
            inside = country == MALI and (
                (admin1_code is not None and admin1_code in prepared.region_codes)
                or (admin1 is not None and admin1 in prepared.region_names)
            )
            points += 25.0 if inside else -5.0
            support |= inside
        if prepared.anchors:
            dists = [haversine_km(lat, lon, a_lat, a_lon) for a_key, a_lat, a_lon in prepared.anchors if a_key != key]
            if dists:
                d = min(dists)
                points += ANCHOR_POINTS * max(0.0, 1.0 - d / ANCHOR_KM)
                support |= d <= SUPPORT_KM
            if country == MALI and admin1_code and any(
                    code == admin1_code for a_key, code in prepared.anchor_regions if a_key != key):
                points += SAME_REGION_POINTS
        if prepared.zones:
            import shapely

            if any(shapely.contains_xy(g, lon, lat) for _, g in prepared.zones):
                points += 10.0
                support = True
        return points, support

    @staticmethod
    def _country_points(country: str, prepared: _Prepared) -> float:
        if country == prepared.country_code:
            return 15.0
        if country == MALI:
            return 5.0
        return 0.0 if country in NEIGHBOURS else -30.0

    def _rank(self, entries: Iterable[tuple[Place, str, float, str]], key: str, prepared: _Prepared,
              strict: bool = False) -> list[Candidate]:
        """Score and sort candidates. In strict mode, drop those the context must vouch for
        and does not: every candidate of a stoplisted name, and fuzzy matches outside Mali
        (a misspelt name in Malian news is a Malian place far more often than a look-alike
        village across the border: Mardi/Maradi)."""
        names = None
        out = []
        stoplisted = strict and key in STOPLIST
        for p, kind, name_score, matched in entries:
            admin1 = None
            if p.country_code == MALI:
                if names is None:
                    names = _tables()["admin1_by_code"]
                admin1 = names.get(p.admin1_code)
            ctx_points, support = self._context_points(p.lat, p.lon, p.country_code, p.admin1_code, admin1,
                                                       prepared, key)
            if not support and (stoplisted or (strict and kind == "fuzzy" and p.country_code != MALI)):
                continue
            score = (name_score + self._country_points(p.country_code, prepared)
                     + _feature_points(p.feature_class, p.feature_code) + _population_points(p.population))
            out.append(Candidate(
                name=p.name, lat=p.lat, lon=p.lon, country_code=p.country_code, admin1_code=p.admin1_code,
                population=p.population, score=round(score + ctx_points, 2), geonameid=p.geonameid, match=kind,
                matched_name=matched, feature_code=p.feature_code, admin1=admin1,
                geo_precision=TOWN if p.feature_class != "A" else _admin_precision(p.feature_code),
                provider="gazetteer",
            ))
        out.sort(key=lambda c: (-c.score, -c.population, c.name))
        return out

    @staticmethod
    def _spelling(p: Place, matched_key: str) -> str:
        for n in p.all_names:
            if fold(n) == matched_key:
                return n
        return p.name

    def _result(self, text: str, ranked: list[Candidate], provider: str) -> GeocodeResult:
        best = ranked[0]
        ambiguous = any(
            best.score - c.score < AMBIGUOUS_MARGIN and haversine_km(best.lat, best.lon, c.lat, c.lon) > AMBIGUOUS_KM
            for c in ranked[1:4]
        )
        return GeocodeResult(
            query=text, status="resolved", lat=best.lat, lon=best.lon, geo_precision=best.geo_precision,
            provider=provider, matched_name=best.name, country_code=best.country_code, score=best.score,
            candidates=ranked[:10], admin1=best.admin1, admin1_code=best.admin1_code or None,
            geonameid=best.geonameid, match=best.match, ambiguous=ambiguous,
        )

    def _alias_result(self, text: str, alias: Any) -> GeocodeResult:
        cand = Candidate(
            name=alias.place_name, lat=alias.lat, lon=alias.lon, country_code=alias.country or "",
            admin1_code="", population=0, score=100.0, match="alias", matched_name=alias.alias,
            admin1=alias.admin1, geo_precision=alias.geo_precision, provider="alias",
        )
        return GeocodeResult(
            query=text, status="resolved", lat=alias.lat, lon=alias.lon, geo_precision=alias.geo_precision,
            provider="alias", matched_name=alias.place_name, country_code=alias.country, score=100.0,
            candidates=[cand], admin1=alias.admin1, match="alias",
        )

    # -------------------------------------------------------------- online

    def _online(self, text: str) -> tuple[list[dict], bool]:
        """Hits for ``text`` from the persistent cache, else from the provider (then cached)."""
        provider = self._provider
        service, okey = provider.service, provider.options_key
        stored = self.cache.get(service, text, okey)
        if stored is not None:
            self.stats["cache_hits"] += 1
            return stored, True
        self.stats["online_requests"] += 1
        hits = provider.search(text)   # raises on failure: nothing is cached then
        if hits:
            where = self._locate([(h["lat"], h["lon"]) for h in hits])
            for h, w in zip(hits, where):
                h.update(w)
        self.cache.put(service, text, okey, hits)
        return hits, False

    def _rank_online(self, hits: list[dict], key: str, prepared: _Prepared) -> list[Candidate]:
        out = []
        service = self._provider.service
        for i, h in enumerate(hits):
            country = h.get("country_code")
            if not country:   # outside Mali and its neighbours: rejected (see DESIGN pitfalls)
                continue
            hkey = fold(h.get("name") or "")
            name_score = (100.0 if hkey == key else 90.0) - 2.0 * i + 5.0 * min(1.0, float(h.get("importance") or 0))
            ctx_points, _ = self._context_points(h["lat"], h["lon"], country, None, h.get("admin1"), prepared, key)
            score = name_score + self._country_points(country, prepared) + ctx_points
            out.append(Candidate(
                name=h.get("name") or h.get("display_name") or key, lat=h["lat"], lon=h["lon"], country_code=country,
                admin1_code="", population=0, score=round(score, 2), match="online",
                matched_name=h.get("display_name") or "", admin1=h.get("admin1"),
                geo_precision=int(h.get("geo_precision") or TOWN), provider=service,
            ))
        out.sort(key=lambda c: (-c.score, c.name))
        return out

    # -------------------------------------------------------------- areas

    def _geodata(self) -> dict[str, Any]:
        """Boundary-derived tables, loaded once (imports the geometry stack lazily)."""
        if self._geo is None:
            with self._geo_lock:
                if self._geo is None:
                    self._geo = _load_geodata()
        return self._geo

    def _region_name(self, text: str) -> str | None:
        from . import boundaries

        return boundaries.admin1_lookup(text)

    @staticmethod
    def _looks_like_area(key: str) -> bool:
        return _AREA_WORDS.search(key) is not None

    def _area_any(self, text: str) -> _Area | None:
        return self._area(text, "region") or self._area(text, "border_zone") or self._area(text, "country")

    def _area(self, text: str, kind: str) -> _Area | None:
        key = fold(text)
        if not key:
            return None
        ck = (kind, key)
        if ck in self._areas:
            return self._areas[ck]
        geo = self._geodata()
        area = None
        if kind == "region":
            canon = self._region_name(text)
            # "Kita", "Ménaka"... are later regions inside a pre-2016 one: only an explicit
            # region phrase ("région de Ménaka") may stand for the pre-2016 unit.
            if canon and (fold(canon) in geo["region_keys"].get(key, ()) or self._looks_like_area(key)):
                area = geo["regions"].get(canon)
        elif kind == "border_zone":
            area = self._zone(key, geo)
        elif kind == "country":
            iso3 = geo["country_names"].get(key)
            area = geo["countries"].get(iso3) if iso3 else None
        self._areas[ck] = area
        return area

    @staticmethod
    def _zone(key: str, geo: dict[str, Any]) -> _Area | None:
        zones = geo["zones"]
        if key in geo["zone_keys"]:
            return zones[geo["zone_keys"][key]]
        if any(t in key for t in _TRIBORDER_KEYS):
            return zones.get(geo["triborder"])
        words = key.split()
        if not set(words) & _BORDER_WORDS:
            return None
        found: list[str] = []
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                iso3 = geo["country_words"].get(" ".join(words[i:i + n]))
                if iso3 and iso3 != "MLI" and iso3 not in found:
                    found.append(iso3)
        if {"BFA", "NER"} <= set(found):
            return zones.get(geo["triborder"])
        if len(found) == 1:
            name = geo["zone_by_iso3"].get(found[0])
            return zones.get(name) if name else None
        return None

    def _context_area(self, context: GeocodeContext) -> _Area | None:
        regions = {a.name: a for a in map(self._region_area, context.regions) if a}
        if len(regions) == 1:
            return next(iter(regions.values()))
        if regions:
            return None  # several regions named: which one is unknowable
        zones = {a.name: a for a in (self._area(z, "border_zone") for z in context.border_zones) if a}
        return next(iter(zones.values())) if len(zones) == 1 else None

    def _region_area(self, text: str) -> _Area | None:
        """The pre-2016 region containing a region as named, later ones included ("Ménaka")."""
        canon = self._region_name(text)
        return self._geodata()["regions"].get(canon) if canon else None

    def _area_result(self, text: str, area: _Area, fallback: bool) -> GeocodeResult:
        cand = Candidate(
            name=area.name, lat=area.lat, lon=area.lon, country_code=area.country_code or "", admin1_code="",
            population=0, score=0.0 if fallback else 100.0, match="area", matched_name=area.name,
            admin1=area.admin1, geo_precision=area.precision, provider="boundaries",
        )
        return GeocodeResult(
            query=text, status="resolved", lat=area.lat, lon=area.lon, geo_precision=area.precision,
            provider="boundaries", matched_name=area.name, country_code=area.country_code, score=cand.score,
            candidates=[cand], admin1=area.admin1, match="area", fallback=fallback,
        )

    def _locate(self, points: list[tuple[float, float]]) -> list[dict]:
        """Country (ISO2, None outside Mali and its neighbours), country name and admin-1 per point."""
        from . import spatial

        joined = spatial.join(spatial.points_frame([p[0] for p in points], [p[1] for p in points]))
        iso2 = self._geodata()["iso2_by_name"]
        out = []
        for country, admin1 in zip(joined["country"], joined["admin1"]):
            out.append({"country_code": iso2.get(country) if country else None,
                        "country": country or None, "admin1": admin1 or None})
        return out


def _admin_precision(feature_code: str) -> int:
    return {"ADM1": REGION, "ADM2": DISTRICT, "ADM3": DISTRICT, "PCLI": COUNTRY}.get(feature_code, DISTRICT)


_TABLES: dict[str, Any] = {}


def _tables() -> dict[str, Any]:
    """Name tables from our own CSVs (no geometry): admin-1 codes and country names."""
    if not _TABLES:
        from . import datasets

        rows = datasets.read_table(datasets.ADMIN1_NAMES_FILE)
        region_codes = {r["name"]: tuple(c for c in r["geonames_admin1"].split("|") if c) for r in rows}
        country_names: dict[str, str] = {"ivory coast": "CIV"}
        country_words: dict[str, str] = {"ivory coast": "CIV"}
        for r in datasets.read_table(datasets.COUNTRY_NAMES_FILE):
            for n in (r["name"], r["name_fr"]):
                country_names[fold(n)] = country_words[fold(n)] = r["iso3"]
            for adj in r["adjectives"].split("|"):
                if adj:
                    country_words[fold(adj)] = r["iso3"]
        _TABLES.update(
            region_codes=region_codes,
            admin1_by_code={c: name for name, codes in region_codes.items() for c in codes},
            country_names=country_names, country_words=country_words,
        )
    return _TABLES


def _load_geodata() -> dict[str, Any]:
    """Regions, border zones and countries as :class:`_Area` records, plus the name tables."""
    import shapely

    from . import boundaries, spatial

    a1 = boundaries.admin1()
    regions: dict[str, _Area] = {}
    region_keys: dict[str, set[str]] = {}
    for _, r in a1.iterrows():
        pt = r.geometry.representative_point()
        regions[r["name"]] = _Area(r["name"], round(pt.y, 5), round(pt.x, 5), REGION, MALI, r["name"])
        for n in (r["name"], r["name_en"], r["name_fr"], *r["aliases"]):
            region_keys.setdefault(fold(n), set()).add(fold(r["name"]))

    countries = boundaries.countries()
    iso2_by_name = {r["name"]: r["iso2"] for _, r in countries.iterrows()}
    country_areas: dict[str, _Area] = {}
    for _, r in countries.iterrows():
        pt = r.geometry.representative_point()
        country_areas[r["iso3"]] = _Area(r["name"], round(pt.y, 5), round(pt.x, 5), COUNTRY, r["iso2"], None)

    zones_gdf = boundaries.border_zones()
    zones: dict[str, _Area] = {}
    zone_geoms: dict[str, Any] = {}
    zone_keys: dict[str, str] = {}
    zone_by_iso3: dict[str, str] = {}
    triborder = boundaries.TRIBORDER_NAME
    for _, z in zones_gdf.iterrows():
        geom = z.geometry
        shapely.prepare(geom)   # in place, idempotent: speeds up every contains test on it
        pt = geom.representative_point()
        kind = z["kind"]
        zones[z["name"]] = _Area(z["name"], round(pt.y, 5), round(pt.x, 5), BORDER_ZONE,
                                 MALI if kind == "border" else None, None)
        zone_geoms[z["name"]] = geom
        zone_keys[fold(z["name"])] = z["name"]
        if kind == "border":
            zone_by_iso3[z["neighbour_iso3"]] = z["name"]
    if triborder in zones:   # it spans three countries: say which one its point is in
        t = zones[triborder]
        zones[triborder] = replace(t, country_code=iso2_by_name.get(spatial.locate(t.lat, t.lon)["country"]))
    return {
        **_tables(), "regions": regions,
        "region_keys": region_keys, "iso2_by_name": iso2_by_name, "countries": country_areas, "zones": zones,
        "zone_geoms": zone_geoms, "zone_keys": zone_keys, "zone_by_iso3": zone_by_iso3, "triborder": triborder,
    }
