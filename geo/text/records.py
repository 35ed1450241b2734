"""Records passed between the text modules. Offsets are into :attr:`Article.text` (cleaned)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

#: geo_precision values (DESIGN.md): 1 town/village, 2 district or "near X", 3 region,
#: 4 border zone, 5 country.
TOWN, DISTRICT, REGION, BORDER_ZONE, COUNTRY = 1, 2, 3, 4, 5
#: ``geocode_status`` of a place the online geocoder could not answer for, for a passing
#: reason (down, too slow, rate limiting): no point yet; geo.regeocode asks again later.
RETRY = "retry"


def article_id(text: str) -> str:
    """SHA-256 of the cleaned text with whitespace normalised (runs -> one space)."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()



def as_date(value: Any) -> date | None:
    """A date from what a person, a file, a form or a database hands over: ``None``, "",
    NaN and NaT are no date; a datetime (pandas' Timestamp too) gives its day; text must be
    ISO ``YYYY-MM-DD``, optionally followed by a time ("2024-01-05 10:00", "...T10:00").
    Anything else raises ValueError (callers turn it into their own message)."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, datetime):
        return None if value != value else value.date()   # NaT is a datetime unequal to itself
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        if len(s) > 10 and s[10] not in "T ":
            raise ValueError(f"{value!r} is not a date")
        return date.fromisoformat(s[:10])
    raise ValueError(f"{value!r} is not a date")

@dataclass
class Article:
    """One article after loading and cleaning. ``text`` is the cleaned text."""

    text: str
    title: str = ""
    published: date | None = None
    language: str = "en"
    url: str | None = None
    removed_duplicates: int = 0

    @property
    def id(self) -> str:
        return article_id(self.text)


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` of the cleaned text."""

    start: int
    end: int


@dataclass(frozen=True)
class Sentence(Span):
    """A sentence; ``paragraph`` counts paragraphs from 0."""

    paragraph: int = 0


@dataclass(frozen=True)
class PlaceMention(Span):
    """A location as written.

    ``kind``: "place" (gazetteer name), "unknown" (a name found only through a context
    cue such as "the village of X"), "region" (an admin-1 region), "area" (a vague part of
    Mali such as "central Mali"), "border" (a border zone), "country".
    ``name`` is what is geocoded: the place name, the canonical region, the zone name.
    """

    text: str = ""
    kind: str = "place"
    name: str = ""
    precision: int = TOWN
    regions: tuple[str, ...] = ()  # admin-1 names an "area" covers / a hint for a place
    cue: str = ""  # the context cue that found or qualified it
    in_list: bool = False  # one of an enumeration ("towns including X, Y and Z")


@dataclass(frozen=True)
class DateMention(Span):
    """A date expression resolved to a calendar day; ``precision`` is day, week or month."""

    text: str = ""
    value: date | None = None
    precision: str = "day"
    kind: str = "explicit"  # explicit | weekday | relative | month


@dataclass(frozen=True)
class ActorMention(Span):
    """An actor alias found in the text, with its canonical name and role."""

    text: str = ""
    actor: str = ""
    role: str = "armed"  # armed | state | civilian | generic | peacekeeping


@dataclass(frozen=True)
class EventMention(Span):
    """A trigger word; ``event_type`` is None for generic words ("attacks", "incidents")."""

    text: str = ""
    event_type: str | None = None


@dataclass
class Fatalities:
    """A casualty figure. ``is_claim`` when a party to the conflict reported it."""

    count: int
    qualifier: str | None = None  # over | at least | about | up to | nearly | None
    who_reported: str | None = None
    victims: str | None = None  # soldiers | militants | civilians | people | ...
    is_claim: bool = False
    shared: bool = False  # one figure for several incidents together
    start: int = 0
    end: int = 0
    #: this incident's part of a ``shared`` figure, split evenly among the incidents it
    #: was reported for (remainder to the first), as ACLED does; None when not shared
    share: int | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("start")
        d.pop("end")
        return d


@dataclass(frozen=True)
class Evidence(Span):
    """A supporting sentence: offsets into the cleaned text and the text itself."""

    text: str = ""

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass
class Incident:
    """One row a person would put on a map."""

    place: str
    place_kind: str = "place"
    geo_precision: int = TOWN
    lat: float | None = None
    lon: float | None = None
    geocode_status: str = "unresolved"
    country: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    border_zone: str | None = None
    distance_to_border_km: float | None = None
    nearest_country: str | None = None
    date: date | None = None
    date_precision: str | None = None
    event_type: str | None = None
    actors: list[str] = field(default_factory=list)
    fatalities: list[Fatalities] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    # what the text says beyond the name, used by geocoding
    regions_hint: tuple[str, ...] = ()
    mention_text: str = ""
    anchor: str | None = None  # a known place the text locates it by ("near Ménaka")
    geocoded_as: str | None = None  # the name the geocoder matched ("Sandaré" for "Sandere")
    group: int = 0  # the event frame it came from (internal)

    def to_dict(self) -> dict:
        """The JSON shape of the extract contract (plus a few extra keys)."""
        return {
            "place": self.place,
            "lat": None if self.lat is None else round(self.lat, 5),
            "lon": None if self.lon is None else round(self.lon, 5),
            "geo_precision": self.geo_precision,
            "geocode_status": self.geocode_status,
            "admin1": self.admin1,
            "admin2": self.admin2,
            "border_zone": self.border_zone,
            "distance_to_border_km": (
                None if self.distance_to_border_km is None else round(float(self.distance_to_border_km), 1)
            ),
            "date": self.date.isoformat() if self.date else None,
            "date_precision": self.date_precision,
            "event_type": self.event_type,
            "actors": list(self.actors),
            "fatalities": [f.to_dict() for f in self.fatalities],
            "evidence": [e.to_dict() for e in self.evidence],
            "place_kind": self.place_kind,
            "geocoded_as": self.geocoded_as,
            "country": self.country,
            "nearest_country": self.nearest_country,
        }
