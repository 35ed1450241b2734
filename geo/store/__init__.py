"""Where incidents live: one repository interface, SQLite and PostgreSQL + PostGIS behind it.

    from geo.filters import IncidentFilter
    from geo.store import MAP_COLUMNS, open_store

    with open_store() as store:                    # GEO_DATABASE_URL, or the user's SQLite file
        store.add_article(article, incidents)      # one transaction; merges repeated reports
        f = IncidentFilter(admin1=("Mopti",), date_from="2024-01-01")
        points = store.frame(f, columns=MAP_COLUMNS)       # pandas, for the map
        n = store.count(f)
        page = store.query(f, limit=50, offset=0, with_articles=True)   # dicts, for a table
        one = store.get_incident(page[0]["id"])             # with its source articles
        choices = store.facets()                            # values for the filter widgets
        store.set_review(one["id"], "confirmed")
        store.update_incident(one["id"], lat=14.5, lon=-4.2, review_status="corrected")

Exports with the same filter: :func:`geo.export.export` / :func:`geo.export.export_bytes`.
Rows use the column names of :data:`INCIDENT_COLUMNS`; dates are ``datetime.date`` in
:meth:`~IncidentStore.query` and ``datetime64`` in :meth:`~IncidentStore.frame`.

:func:`open_store` picks the implementation from the URL: ``sqlite:///path`` (the
embedded default) or ``postgresql://user@host/db`` (PostGIS; psycopg 3 is used whatever
driver the URL names). The schema is created on first use and versioned
(:mod:`geo.store.schema`).
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .base import (
    EDITABLE, INCIDENT_COLUMNS, MAP_COLUMNS, ArticleResult, ImportResult, IncidentStore, SchemaVersionError,
    StoreConflictError, StoreError, StoreUnavailableError,
)
from .schema import SCHEMA_VERSION


def backend_of(url: str) -> str:
    """"sqlite" or "postgis" for a database URL (StoreError for anything else)."""
    try:
        name = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise StoreError(f"{url!r} is not a database URL (expected sqlite:///PATH or postgresql://USER@HOST/DB)") from exc
    if name == "sqlite":
        return "sqlite"
    if name in ("postgresql", "postgres"):
        return "postgis"
    raise StoreError(f"unsupported database {name!r} in {url!r}: use sqlite:///PATH or postgresql://USER@HOST/DB")


def open_store(url: str | None = None, *, create: bool = True) -> IncidentStore:
    """Open (creating or upgrading the schema if needed) the store at ``url``, default
    ``GEO_DATABASE_URL`` / the user's SQLite file (:mod:`geo.config`)."""
    if not url:
        from ..config import get_settings

        url = get_settings().database_url
    kind = backend_of(url)
    if kind == "sqlite":
        from .sqlite import SQLiteStore

        return SQLiteStore(url, create=create)
    from .postgis import PostGISStore

    return PostGISStore(url, create=create)


__all__ = [
    "open_store", "backend_of", "IncidentStore", "ArticleResult", "ImportResult", "StoreError",
    "StoreUnavailableError", "StoreConflictError", "SchemaVersionError", "SCHEMA_VERSION", "INCIDENT_COLUMNS",
    "MAP_COLUMNS", "EDITABLE",
]
