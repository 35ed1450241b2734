"""The database locked or gone during an ingest: a clear error, writes tried again, and
never a partial article.

SQLite: another connection holds the write lock (then lets go, or never does); the
database file is deleted while the store has it open. PostGIS: the server crashes
(``pg_ctl stop -m immediate``) between two articles and in the middle of one article's
transaction, then comes back (or does not). Every case ends with the same check: each
stored article has all its incidents, and running the same ingest again completes the
batch exactly as one clean run would.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from geo import config
from geo.extract import Extractor
from geo.ingest import ingest
from geo.store import open_store
from geo.store import sql as store_sql
from geo.text import loading

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"


@pytest.fixture(scope="module")
def articles() -> list:
    out = []
    for f in sorted(SAMPLES.glob("*.json")):
        out.extend(loading.load_articles(f))
    assert len(out) >= 8
    return out


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


@pytest.fixture(scope="module")
def reference(articles, extractor, tmp_path_factory) -> dict:
    """What one clean run stores: counts and the incident rows (order-free)."""
    db = f"sqlite:///{tmp_path_factory.mktemp('ref') / 'ref.sqlite'}"
    report = ingest(articles=articles, db=db, extract=_real(extractor), progress=False)
    assert report.ok
    return _snapshot(db)


def _real(extractor: Extractor, before=None):
    """The real extraction, with an optional fault injected before each batch."""
    calls = {"n": 0}

    def extract(batch: list) -> list:
        calls["n"] += 1
        if before is not None:
            before(calls["n"])
        return [(r.article, r.incidents) for r in extractor.extract_many(batch)]

    return extract


def _snapshot(db: str) -> dict:
    with open_store(db) as st:
        stats = st.stats()
        rows = sorted((r["place"] or "", str(r["date"]), r["event_type"] or "", r["fatalities"] or 0,
                       r["source_count"]) for r in st.query())
        with st.engine.connect() as conn:
            partial = conn.execute(text(
                "SELECT a.id FROM article a LEFT JOIN incident_sources s ON s.article_id = a.id "
                "GROUP BY a.id, a.n_incidents HAVING count(s.incident_id) <> a.n_incidents")).all()
    return {"articles": stats["articles"], "incidents": stats["incidents"], "links": stats["incident_sources"],
            "rows": rows, "partial": partial}


def _assert_whole(db: str) -> dict:
    snap = _snapshot(db)
    assert snap["partial"] == [], "an article was stored without all its incidents"
    return snap


def _db_settings(monkeypatch, *, busy: float, retries: int, wait: float) -> dict:
    env = {"GEO_DB_BUSY_TIMEOUT": str(busy), "GEO_DB_RETRIES": str(retries), "GEO_DB_RETRY_WAIT": str(wait)}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    config.get_settings.cache_clear()
    return env


# ------------------------------------------------------------------ SQLite

@pytest.fixture
def sqlite_db(tmp_path) -> tuple[str, Path]:
    path = tmp_path / "incidents.sqlite"
    url = f"sqlite:///{path}"
    open_store(url).close()          # the store exists; another program is about to lock it
    return url, path


def _lock(path: Path) -> sqlite3.Connection:
    """Another program's connection holding the database's write lock."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_sqlite_locked_for_a_while_the_writes_are_tried_again(monkeypatch, caplog, sqlite_db, articles,
                                                              extractor, reference):
    url, path = sqlite_db
    _db_settings(monkeypatch, busy=0.2, retries=6, wait=0.2)
    locker = _lock(path)
    threading.Timer(1.0, locker.rollback).start()
    with caplog.at_level(logging.WARNING, logger="geo.ingest"):
        report = ingest(articles=articles, db=url, extract=_real(extractor), progress=False)
    locker.close()
    assert report.ok, report.summary()
    assert report.added == len(articles)
    assert "database is locked" in caplog.text and "trying again" in caplog.text
    snap = _assert_whole(url)
    assert snap == reference


def test_sqlite_locked_for_good_stops_with_a_clear_error_and_nothing_half_written(
        monkeypatch, sqlite_db, articles, extractor, reference):
    url, path = sqlite_db
    env = _db_settings(monkeypatch, busy=0.1, retries=2, wait=0.05)
    locker = _lock(path)
    try:
        report = ingest(articles=articles, db=url, extract=_real(extractor), progress=False)
        assert not report.ok
        assert "database is locked" in report.stopped
        assert report.added == 0 and report.not_stored == len(articles)
        assert "run the same command again" in report.summary()

        # the command line says the same, and exits 1
        proc = subprocess.run([sys.executable, "-m", "geo", "ingest", str(SAMPLES), "--db", url, "--no-progress"],
                              cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 1, proc.stderr
        assert "stopped, the database failed" in proc.stderr and "database is locked" in proc.stderr
        assert "Traceback" not in proc.stderr
    finally:
        locker.rollback()
        locker.close()
    snap = _assert_whole(url)
    assert snap["articles"] == 0 and snap["incidents"] == 0

    report = ingest(articles=articles, db=url, extract=_real(extractor), progress=False)
    assert report.ok and report.added == len(articles)
    assert _assert_whole(url) == reference


def test_sqlite_file_deleted_while_open_stops_instead_of_writing_into_the_void(
        monkeypatch, sqlite_db, articles, extractor, reference):
    url, path = sqlite_db
    _db_settings(monkeypatch, busy=0.2, retries=1, wait=0.05)

    def delete_before_third(n: int) -> None:
        if n == 3:
            for f in path.parent.glob(path.name + "*"):   # the database, its -wal and -shm
                f.unlink()

    report = ingest(articles=articles, db=url, extract=_real(extractor, delete_before_third), batch_size=1,
                    progress=False)
    assert report.stopped and "is gone" in report.stopped
    assert report.added == 2 and report.not_stored == len(articles) - 2
    assert not path.exists()            # nothing was written to a file nobody can see

    # the next run starts a new database and stores the whole batch
    report = ingest(articles=articles, db=url, extract=_real(extractor), progress=False)
    assert report.ok and report.added == len(articles)
    assert _assert_whole(url) == reference


# ------------------------------------------------------------------ PostGIS

@pytest.fixture(scope="module")
def own_pg():
    """A PostGIS server of our own (these tests crash it; the session's server is shared)."""
    from geo.store.pgtemp import PostgresUnavailable, TempPostgres, find_binaries

    try:
        find_binaries()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    server = TempPostgres(crash_safe=True).start()
    yield server
    server.stop()


def _resume_later(server, seconds: float) -> threading.Timer:
    t = threading.Timer(seconds, server.resume)
    t.start()
    return t


def test_postgis_server_crash_between_articles_is_ridden_out(monkeypatch, own_pg, articles, extractor,
                                                              reference):
    url = own_pg.create_database()
    _db_settings(monkeypatch, busy=1, retries=8, wait=0.25)
    timers = []

    def crash_before_third(n: int) -> None:
        if n == 3:
            own_pg.halt()
            timers.append(_resume_later(own_pg, 1.5))

    report = ingest(articles=articles, db=url, extract=_real(extractor, crash_before_third), batch_size=1,
                    progress=False)
    for t in timers:
        t.join()
    assert report.ok, report.summary()
    assert report.added == len(articles)
    assert _assert_whole(url) == reference


def test_postgis_server_crash_inside_an_article_transaction(monkeypatch, own_pg, articles, extractor, reference):
    """The server dies after the first incident of an article is inserted, before its
    commit: that transaction is lost whole, and the retry writes the article whole."""
    url = own_pg.create_database()
    _db_settings(monkeypatch, busy=1, retries=8, wait=0.25)
    original = store_sql.SQLStore._insert_incident
    state = {"n": 0, "timers": []}

    def crashing(self, conn, row):
        iid = original(self, conn, row)
        state["n"] += 1
        if state["n"] == 5:
            own_pg.halt()
            state["timers"].append(_resume_later(own_pg, 1.5))
        return iid

    monkeypatch.setattr(store_sql.SQLStore, "_insert_incident", crashing)
    report = ingest(articles=articles, db=url, extract=_real(extractor), progress=False)
    for t in state["timers"]:
        t.join()
    assert state["timers"], "the crash was not triggered"
    assert report.ok, report.summary()
    assert _assert_whole(url) == reference


def test_postgis_server_gone_for_good_stops_cleanly_and_the_rerun_completes(monkeypatch, own_pg, articles,
                                                                             extractor, reference):
    url = own_pg.create_database()
    _db_settings(monkeypatch, busy=1, retries=1, wait=0.05)

    def crash_before_third(n: int) -> None:
        if n == 3:
            own_pg.halt()

    try:
        report = ingest(articles=articles, db=url, extract=_real(extractor, crash_before_third), batch_size=1,
                        progress=False)
    finally:
        own_pg.resume()
    assert report.stopped and url.rsplit("/", 1)[-1] in report.stopped
    assert report.added == 2 and report.not_stored == len(articles) - 2
    snap = _assert_whole(url)
    assert snap["articles"] == 2

    report = ingest(articles=articles, db=url, extract=_real(extractor), progress=False)
    assert report.ok and report.added == len(articles) - 2 and report.already == 2
    assert _assert_whole(url) == reference
