"""The repository interface every store implements, its result records and errors."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from ..errors import GeoError
from ..filters import IncidentFilter

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..text.records import Article, Incident


class StoreError(GeoError, RuntimeError):
    """The incident store cannot do what was asked (the message says why and what to do)."""


class StoreUnavailableError(StoreError, ConnectionError):
    """The database cannot be reached or opened."""


class StoreConflictError(StoreError):
    """Someone else changed the record since it was read; nothing was written."""


class SchemaVersionError(StoreError):
    """The database was written by another version of the program and cannot be used as is."""


#: Columns of an incident as :meth:`IncidentStore.query` returns them (plus ``article_ids``
#: when asked). ``geom`` (PostGIS) and ``search_text`` are internal.
INCIDENT_COLUMNS = (
    "id", "source", "source_event_id", "place", "place_kind", "lat", "lon", "geo_precision", "geocode_status",
    "country", "admin1", "admin2", "admin3", "border_zone", "distance_to_border_km", "nearest_country",
    "date", "date_precision", "date_start", "date_end", "event_type", "actors", "fatalities",
    "fatalities_claimed", "fatalities_detail", "claims", "evidence", "confidence", "review_status",
    "review_note", "source_count", "source_admin1", "source_admin2", "source_admin3", "source_location",
    "source_values", "notes", "created_at", "updated_at",
)
#: The compact columns a map needs.
MAP_COLUMNS = ("id", "lat", "lon", "date", "event_type", "geo_precision", "fatalities", "place", "admin1",
               "border_zone", "source_count")
#: Fields :meth:`IncidentStore.update_incident` accepts.
EDITABLE = frozenset({
    "place", "lat", "lon", "geo_precision", "geocode_status", "country", "admin1", "admin2", "admin3", "border_zone",
    "distance_to_border_km", "nearest_country", "date", "date_precision", "event_type", "actors",
    "fatalities", "fatalities_claimed", "confidence", "review_status", "review_note", "notes",
})


@dataclass(frozen=True)
class ArticleResult:
    """What :meth:`IncidentStore.add_article` did with one article."""

    article_id: str
    added: bool                 # False: the article was already stored, nothing changed
    incidents_new: int = 0
    incidents_merged: int = 0


@dataclass(frozen=True)
class ImportResult:
    """What :meth:`IncidentStore.insert_events` did with a batch of imported events."""

    inserted: int
    existing: int               # already in the store (same source and event id): left as they were


class IncidentStore(abc.ABC):
    """Where incidents live. Open one with :func:`geo.store.open_store`.

    Every write is one transaction: an article with all its incidents, or a batch of
    imported events; a crash leaves either all of it or none. Stores are safe to share
    between threads and between processes writing to the same database.
    """

    #: "sqlite" or "postgis"
    backend: str = ""
    url: str = ""

    # -- writing --------------------------------------------------------------------

    @abc.abstractmethod
    def add_article(self, article: "Article", incidents: Sequence["Incident"]) -> ArticleResult:
        """Store one article and its incidents, merging each incident with one already
        stored when it is the same event (:mod:`geo.store.merge`). An article already
        stored (same content hash) is left alone: ``added=False``."""

    @abc.abstractmethod
    def insert_events(self, rows: Sequence[Mapping[str, Any]]) -> ImportResult:
        """Insert imported events (dicts with incident columns; ``source`` and
        ``source_event_id`` required) in one transaction; ones already stored are skipped."""

    @abc.abstractmethod
    def update_incident(self, incident_id: int, *, expect: Mapping[str, Any] | None = None,
                        **changes: Any) -> dict[str, Any]:
        """Change fields of one incident (:data:`EDITABLE`), e.g. after review. New
        coordinates without new admin values are joined again. Returns the incident.
        ``expect``: change it only if these fields still hold these values (checked in
        the same transaction), else :class:`StoreConflictError` and nothing is written."""

    def set_review(self, incident_id: int, status: str, note: str | None = None) -> dict[str, Any]:
        """Set the review status (and note) of one incident."""
        return self.update_incident(incident_id, review_status=status, review_note=note)

    # -- reading --------------------------------------------------------------------

    @abc.abstractmethod
    def existing_articles(self, ids: Iterable[str]) -> set[str]:
        """Which of these article ids are stored."""

    @abc.abstractmethod
    def existing_events(self, source: str, event_ids: Iterable[str]) -> set[str]:
        """Which of these event ids of an import source ("acled", "ucdp") are stored."""

    @abc.abstractmethod
    def query(
        self,
        flt: IncidentFilter | None = None,
        *,
        columns: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        with_articles: bool = False,
    ) -> list[dict[str, Any]]:
        """Incidents passing ``flt``, newest first (then by id), as dicts. ``columns``
        narrows the result (default :data:`INCIDENT_COLUMNS`); ``with_articles`` adds
        ``article_ids`` (list)."""

    @abc.abstractmethod
    def iter_query(
        self, flt: IncidentFilter | None = None, *, columns: Sequence[str] | None = None, chunk: int = 5000,
    ) -> Iterator[list[dict[str, Any]]]:
        """Like :meth:`query` (with ``article_ids`` and ``article_urls``), streamed in lists
        of up to ``chunk`` rows, for exports of any size."""

    @abc.abstractmethod
    def frame(
        self, flt: IncidentFilter | None = None, *, columns: Sequence[str] | None = None, limit: int | None = None,
    ) -> "pd.DataFrame":
        """Like :meth:`query`, as a pandas DataFrame: same rows, same order; dates as
        ``datetime64`` columns, timestamps UTC-aware, JSON columns (actors, evidence, ...)
        as lists / dicts. For a map, ask for :data:`MAP_COLUMNS` only; for a map of very
        many incidents :meth:`plain_rows` is faster still."""

    @abc.abstractmethod
    def count(self, flt: IncidentFilter | None = None) -> int:
        """How many incidents pass ``flt``."""

    @abc.abstractmethod
    def pending_geocodes(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Incidents whose online geocoding failed for a passing reason (``geocode_status``
        "retry"), oldest first: ``id``, ``place``, ``place_kind``, ``article_ids``."""

    @abc.abstractmethod
    def get_incident(self, incident_id: int) -> dict[str, Any] | None:
        """One incident with ``articles``: its source articles (id, url, title, published)."""

    @abc.abstractmethod
    def get_article(self, article_id: str) -> dict[str, Any] | None:
        """One article (with its text) or None."""

    @abc.abstractmethod
    def plain_rows(self, flt: IncidentFilter | None, columns: Sequence[str]) -> list[tuple]:
        """The ``columns`` of every incident passing ``flt`` as plain tuples, in no set
        order, with no per-value conversion (``date`` as ISO text, JSON columns as the
        driver gives them): the fastest read, for maps of 100,000 incidents."""

    @abc.abstractmethod
    def sources_of(self, incident_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        """incident id -> its source articles (``id``, ``title``, ``url``, ``published``),
        oldest first."""

    @abc.abstractmethod
    def articles(self) -> list[dict[str, Any]]:
        """Every stored article, newest first: ``id, title, published, language, url,
        ingested_at``, and its incidents counted: ``incidents``, ``unreviewed``,
        ``confirmed``, ``corrected``, ``rejected``."""

    @abc.abstractmethod
    def article_incident_ids(self, article_id: str) -> list[int]:
        """The ids of the incidents an article reports."""

    @abc.abstractmethod
    def change_token(self) -> tuple:
        """A value that changes whenever incidents or articles are added, merged or
        edited (a cache key for readers)."""

    @abc.abstractmethod
    def facets(self) -> dict[str, Any]:
        """Values present, for filter widgets: admin1, admin2, border_zone, event_types,
        actors, sources, review_status (sorted lists), date_min, date_max, max_fatalities."""

    @abc.abstractmethod
    def stats(self) -> dict[str, int]:
        """Row counts: articles, incidents, incident_sources, and incidents per source."""

    # -- housekeeping ------------------------------------------------------------------

    @abc.abstractmethod
    def schema_version(self) -> int:
        """The schema version of the open database."""

    def optimize(self) -> None:
        """Refresh planner statistics (after a large import)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> "IncidentStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None
