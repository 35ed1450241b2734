"""The embedded default: one SQLite file (WAL journal, busy timeout, immediate write locks).

WAL lets readers (the dashboard) work while a writer commits. Every write transaction
starts with ``BEGIN IMMEDIATE``: it takes the write lock up front, so two writers queue
on the busy timeout instead of one failing with "database is locked" when it tries to
upgrade a read lock. The bounding-box filter runs on plain lat/lon columns (indexed).
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import create_engine, event, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from .base import StoreUnavailableError
from .sql import SQLStore, _like_word

#: Reads through a memory map of up to this many bytes (fewer system calls on big stores).
MMAP_BYTES = 1 << 30


def _set_wal(cur: sqlite3.Cursor, busy: float) -> None:
    """Switch to WAL, waiting up to ``busy`` seconds for another connection's write lock.

    SQLite answers "database is locked" at once, without its busy handler, when the switch
    meets a lock (another process creating the same new file): processes opening a new
    store together would fail instead of waiting as they do for every other write.
    """
    deadline, pause = time.monotonic() + busy, 0.005
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if ("locked" not in text and "busy" not in text) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)


class SQLiteStore(SQLStore):
    backend = "sqlite"
    postgis = False

    def _make_engine(self, url: str) -> Engine:
        from ..config import get_settings

        busy = max(0.0, float(get_settings().db_busy_timeout))
        u = make_url(url)
        db = u.database
        memory = not db or db == ":memory:" or u.query.get("mode") == "memory"
        self._path: Path | None = None
        self._identity: tuple[int, int] | None = None
        if memory:
            engine = create_engine(u, poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            path = Path(db).expanduser()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailableError(f"cannot create the folder of {path}: {exc}") from exc
            if path.exists() and path.is_file():
                with open(path, "rb") as fh:
                    head = fh.read(16)
                if head and head != b"SQLite format 3\x00":
                    raise StoreUnavailableError(f"{path} is not an SQLite database")
            engine = create_engine(u, connect_args={"timeout": busy, "check_same_thread": False})
            self._path = path

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: sqlite3.Connection, _record) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            if not memory:
                _set_wal(cur, busy)
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA cache_size=-65536")
            if not memory:
                cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        self._writer = engine.execution_options(sqlite_begin="IMMEDIATE")
        return engine

    def _ensure_schema(self, *, create: bool) -> None:
        # A database already at our schema needs no write transaction to open: opening
        # then neither waits for nor fails on another writer's lock.
        if not self._schema_current():
            super()._ensure_schema(create=create)
        if self._path is not None:
            st = self._path.stat()
            self._identity = (st.st_dev, st.st_ino)

    def _check_file(self) -> None:
        """Refuse to write when the database file was deleted or replaced while open: SQLite
        would go on writing into the unlinked file and every write would be lost."""
        if self._path is None or self._identity is None:
            return
        try:
            st = self._path.stat()
        except OSError as exc:
            raise StoreUnavailableError(f"the database file {self._path} is gone ({exc.strerror}); "
                                        "nothing was written") from exc
        if (st.st_dev, st.st_ino) != self._identity:
            raise StoreUnavailableError(f"the database file {self._path} was replaced while in use; "
                                        "nothing was written (open the store again)")

    @contextlib.contextmanager
    def _write(self, *, serialise: bool = False) -> Iterator[Connection]:
        self._check_file()
        with self._writer.begin() as conn:
            yield conn

    def _insert_ignore(self, table):
        return sqlite_insert(table).on_conflict_do_nothing(index_elements=["source", "source_event_id"])

    def _text_clause(self, words):
        # the words are looked up in the narrow covering index on search_text (a scan of
        # ~100 bytes per incident) rather than in the wide table rows
        c = self.t.incident.c
        inner = self.t.incident.alias("s")
        return c.id.in_(select(inner.c.id).where(
            *[inner.c.search_text.like(_like_word(w), escape="\\") for w in words]))

    def _bulk_insert(self, conn: Connection, rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
        """Plain executemany of prepared tuples (sqlite3's C loop), then the new ids by key."""
        t = self.t.incident
        cols = [k for k in t.c.keys() if k != "id"]
        dialect = conn.dialect
        procs = [t.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in cols]
        sql = (f"INSERT INTO incident ({', '.join(f'{chr(34)}{k}{chr(34)}' for k in cols)}) "
               f"VALUES ({', '.join('?' for _ in cols)})")
        conn.exec_driver_sql(sql, [tuple(p(r.get(k)) if p else r.get(k) for k, p in zip(cols, procs))
                                   for r in rows])
        out: dict[tuple[str, str], int] = {}
        for src in {r["source"] for r in rows}:
            ids = [r["source_event_id"] for r in rows if r["source"] == src]
            for j in range(0, len(ids), 900):
                q = select(t.c.id, t.c.source_event_id).where(t.c.source == src,
                                                              t.c.source_event_id.in_(ids[j:j + 900]))
                out.update(((src, eid), iid) for iid, eid in conn.execute(q))
        return out

    def _bulk_insert_actors(self, conn: Connection, pairs: list[tuple[int, str]]) -> None:
        if pairs:
            conn.exec_driver_sql("INSERT INTO incident_actors (incident_id, actor) VALUES (?, ?)", pairs)

    def optimize(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()

    def journal_mode(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
