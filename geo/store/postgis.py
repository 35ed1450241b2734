"""PostgreSQL + PostGIS: the shared store for teams and clusters.

The ``geom`` column (GeoAlchemy2, a point in EPSG:4326) is generated from lat/lon by the
database and indexed with GiST; bounding-box filters use it (``&&``). Article writes
take a transaction-scoped advisory lock, so concurrent writers (several ``ingest``
processes, or a Dask writer beside a dashboard correction) merge incidents as one
writer would. Imports need no lock: the unique (source, source_event_id) constraint
with ``ON CONFLICT DO NOTHING`` makes them idempotent under concurrency too.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from sqlalchemy import create_engine, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, ProgrammingError

from .base import StoreError, StoreUnavailableError
from .sql import SQLStore

#: pg_advisory_xact_lock key serialising article writes (any fixed 64-bit number).
WRITE_LOCK_KEY = 0x6D616C69  # "mali"
SCHEMA_LOCK_KEY = WRITE_LOCK_KEY + 1


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// -> postgresql+psycopg:// (psycopg 3 is what we install)."""
    u = make_url(url)
    if u.drivername in ("postgres", "postgresql"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


class PostGISStore(SQLStore):
    backend = "postgis"
    postgis = True

    def _make_engine(self, url: str) -> Engine:
        try:
            return create_engine(normalise_url(url), pool_pre_ping=True, connect_args={"connect_timeout": 10})
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency
            raise StoreUnavailableError(f"the PostgreSQL driver is missing ({exc}): pip install 'psycopg[binary]'") from exc

    @contextlib.contextmanager
    def _write(self, *, serialise: bool = False) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            if serialise:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})
            yield conn

    def _prepare_schema(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
        have = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first()
        if have is None:
            try:
                with conn.begin_nested():
                    conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            except (ProgrammingError, DBAPIError) as exc:
                raise StoreError(
                    f"{self.safe_url}: PostGIS is not enabled in this database and this user cannot enable it "
                    f"({getattr(exc, 'orig', exc)}). As a superuser run: CREATE EXTENSION postgis;") from exc

    def _finish_schema(self, conn: Connection) -> None:
        """A trigram index for text search when pg_trgm can be had (PostgreSQL's contrib,
        shipped with Debian's server package): ``LIKE '%word%'`` then uses the index
        instead of reading every row. Optional: without it text search still works."""
        have = conn.execute(text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_incident_search_trgm'")).first()
        if have is not None:
            return
        try:
            with conn.begin_nested():
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
                conn.execute(text("CREATE INDEX IF NOT EXISTS ix_incident_search_trgm ON incident "
                                  "USING gin (search_text gin_trgm_ops)"))
        except (ProgrammingError, DBAPIError):
            pass

    def _bbox_clause(self, bbox):
        c = self.t.incident.c
        w, s, e, n = bbox
        return c.geom.intersects(func.ST_MakeEnvelope(w, s, e, n, 4326))

    def _insert_ignore(self, table):
        return pg_insert(table).on_conflict_do_nothing(index_elements=["source", "source_event_id"])

    def _stored_keys(self, conn, rows):
        # nothing to read first: the INSERT ... ON CONFLICT DO NOTHING below skips stored
        # events, also those a concurrent importer commits meanwhile
        return set()

    def existing_events(self, source: str, event_ids) -> set[str]:
        # unnest + join: an index probe per id whatever the planner's statistics say (a
        # plain IN list on a freshly filled table can be planned as a filter over every
        # row of the source)
        ids = [str(i) for i in dict.fromkeys(event_ids)]
        out: set[str] = set()
        q = text("SELECT i.source_event_id FROM unnest(CAST(:ids AS text[])) AS u(eid) "
                 "JOIN incident i ON i.source = :src AND i.source_event_id = u.eid")
        with self.engine.connect() as conn:
            for j in range(0, len(ids), 5000):
                out.update(conn.execute(q, {"ids": ids[j:j + 5000], "src": source}).scalars())
        return out

    def _bulk_insert(self, conn: Connection, rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
        """COPY into a temporary staging table, then one INSERT ... SELECT ... ON CONFLICT
        DO NOTHING (a concurrent importer's rows are left alone)."""
        from psycopg.types.json import Jsonb

        t = self.t.incident
        cols = [k for k in t.c.keys() if k not in ("id", "geom")]
        json_cols = {k for k in cols if isinstance(t.c[k].type.dialect_impl(conn.dialect), JSONB)
                     or k in ("actors", "fatalities_detail", "claims", "evidence", "source_values")}
        names = ", ".join(f'"{k}"' for k in cols)
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS _geo_stage ON COMMIT DROP AS "
                        f"SELECT {names} FROM incident WITH NO DATA")
            cur.execute("TRUNCATE _geo_stage")
            with cur.copy(f"COPY _geo_stage ({names}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row([Jsonb(r.get(k)) if k in json_cols and r.get(k) is not None else r.get(k)
                                  for k in cols])
            cur.execute(f"INSERT INTO incident ({names}) SELECT {names} FROM _geo_stage "
                        "ON CONFLICT (source, source_event_id) DO NOTHING RETURNING id, source, source_event_id")
            return {(src, eid): iid for iid, src, eid in cur.fetchall()}

    def _bulk_insert_actors(self, conn: Connection, pairs: list[tuple[int, str]]) -> None:
        if not pairs:
            return
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy("COPY incident_actors (incident_id, actor) FROM STDIN") as cp:
            for pair in pairs:
                cp.write_row(pair)

    def optimize(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(text("ANALYZE incident; ANALYZE incident_actors; ANALYZE incident_sources"))
