"""The store's tables (SQLAlchemy Core), their version, and the upgrade path.

One schema for both backends; PostGIS adds a ``geom`` point column computed from
lat/lon (a stored generated column, so it can never disagree with them) with a GiST
index. The geocoder's tables (:mod:`geo.geocache`: ``geocode_cache``, ``place_aliases``)
live in the same database and are created with ours; they are the geocoder's to define.

Versioning: ``schema_version`` holds one row per version applied. On open, a database
with no store tables is created at :data:`SCHEMA_VERSION`; an older one is upgraded in
place, one step at a time, each step in its own transaction (:data:`MIGRATIONS`); a
newer one, or one with store tables but no version, is refused with a message that says
what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from typing import Callable

from sqlalchemy import (
    JSON, Column, Computed, Date, DateTime, Float, ForeignKey, Index, Integer, MetaData, SmallInteger,
    String, Table, Text, UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

#: The schema this code writes and reads.
SCHEMA_VERSION = 1

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back time-zone aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    schema_version: Table
    article: Table
    incident: Table
    incident_sources: Table
    incident_actors: Table

    @property
    def store_tables(self) -> list[Table]:
        return [self.schema_version, self.article, self.incident, self.incident_sources, self.incident_actors]


def build_tables(postgis: bool) -> Tables:
    """The table definitions for one backend (PostGIS adds the geometry column)."""
    md = MetaData()
    schema_version = Table(
        "schema_version", md,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("applied_at", UTCDateTime(), nullable=False),
        Column("description", Text, nullable=False, default=""),
    )
    article = Table(
        "article", md,
        Column("id", String(64), primary_key=True),               # SHA-256 of the normalised text
        Column("url", Text),
        Column("title", Text),
        Column("published", Date),
        Column("language", String(8)),
        Column("text", Text, nullable=False),
        Column("ingested_at", UTCDateTime(), nullable=False),
        Column("n_incidents", Integer, nullable=False, default=0),
        Index("ix_article_published", "published"),
    )
    cols = [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("source", String(16), nullable=False, default="article"),
        Column("source_event_id", String(64)),
        Column("place", Text),
        Column("place_kind", String(16)),
        Column("lat", Float),
        Column("lon", Float),
        Column("geo_precision", SmallInteger),
        Column("geocode_status", String(16)),
        Column("country", String(64)),
        Column("admin1", String(128)),
        Column("admin2", String(128)),
        Column("admin3", String(128)),
        Column("border_zone", String(128)),
        Column("distance_to_border_km", Float),
        Column("nearest_country", String(64)),
        Column("date", Date),
        Column("date_precision", String(8)),
        Column("date_start", Date),                # the window the date stands for (merging)
        Column("date_end", Date),
        Column("event_type", String(64)),
        Column("actors", JSONType),                # list of names; also in incident_actors
        Column("fatalities", Integer),             # highest figure not claimed by a party
        Column("fatalities_claimed", Integer),     # highest figure claimed by a party
        Column("fatalities_detail", JSONType),     # every figure with who reported it
        Column("claims", JSONType),
        Column("evidence", JSONType),              # [{article_id, start, end, text}]
        Column("confidence", Float),
        Column("review_status", String(16), nullable=False, default="unreviewed"),
        Column("review_note", Text),
        Column("source_count", Integer, nullable=False, default=1),
        Column("source_admin1", String(128)),      # the source's own values (imports)
        Column("source_admin2", String(128)),
        Column("source_admin3", String(128)),
        Column("source_location", Text),
        Column("source_values", JSONType),         # further raw fields of the source row
        Column("notes", Text),
        Column("search_text", Text),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
        UniqueConstraint("source", "source_event_id", name="uq_incident_source_event"),
        # The dashboard nearly always filters on a date range as well: (x, date) indexes
        # serve "x = ..." alone (leading column) and "x = ... AND date BETWEEN ..." without
        # a lookup per row of x; a count is answered from the index alone.
        Index("ix_incident_date", "date"),
        Index("ix_incident_admin1_date", "admin1", "date"),
        Index("ix_incident_admin2_date", "admin2", "date"),
        Index("ix_incident_border_zone_date", "border_zone", "date"),
        Index("ix_incident_event_type_date", "event_type", "date"),
        Index("ix_incident_window", "date_start", "date_end"),
    ]
    if postgis:
        from geoalchemy2 import Geometry

        cols.append(Column(
            "geom", Geometry("POINT", srid=4326, spatial_index=False),
            Computed("CASE WHEN lat IS NULL OR lon IS NULL THEN NULL "
                     "ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END", persisted=True),
        ))
        cols.append(Index("ix_incident_geom", "geom", postgresql_using="gist"))
    else:
        cols.append(Index("ix_incident_lat_lon", "lat", "lon"))
        # text search scans this narrow covering index instead of the wide table rows
        cols.append(Index("ix_incident_search", "search_text"))
    incident = Table("incident", md, *cols)
    incident_sources = Table(
        "incident_sources", md,
        Column("incident_id", Integer, ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
        Column("article_id", String(64), ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
        Index("ix_incident_sources_article", "article_id"),
    )
    incident_actors = Table(
        "incident_actors", md,
        Column("incident_id", Integer, ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
        Column("actor", String(128), primary_key=True),
        Index("ix_incident_actors_actor", "actor", "incident_id"),
    )
    return Tables(md, schema_version, article, incident, incident_sources, incident_actors)


#: Upgrade steps: MIGRATIONS[n] takes a database from version n to n + 1 (inside one
#: transaction). Version 1 is the first published schema, so there are none yet; a change
#: to the tables above must bump SCHEMA_VERSION and add its step here, e.g.
#: ``MIGRATIONS[1] = lambda conn, t: conn.exec_driver_sql("ALTER TABLE incident ADD COLUMN x TEXT")``.
MIGRATIONS: dict[int, tuple[str, Callable[[Connection, Tables], None]]] = {}
