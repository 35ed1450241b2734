"""Schema versioning, backend specifics and the URL handling of open_store."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from geo.store import SchemaVersionError, StoreError, StoreUnavailableError, backend_of, open_store, schema
from storekit import make_article, make_incident


def _execute(url: str, sql: str) -> None:
    from geo.store.postgis import normalise_url

    eng = create_engine(normalise_url(url) if url.startswith("postgres") else url)
    with eng.begin() as conn:
        conn.execute(text(sql))
    eng.dispose()


def test_a_newer_database_is_refused_with_a_clear_message(db_url):
    open_store(db_url).close()
    _execute(db_url, "INSERT INTO schema_version (version, applied_at, description) "
                     "VALUES (99, CURRENT_TIMESTAMP, 'from the future')")
    with pytest.raises(SchemaVersionError, match="schema version 99, newer than this program's 1.*upgrade the program"):
        open_store(db_url)


def test_an_older_database_is_upgraded_in_place(db_url, monkeypatch):
    with open_store(db_url) as s:
        s.add_article(make_article("kept across the upgrade"), [make_incident()])

    def add_column(conn, tables):
        conn.execute(text("ALTER TABLE incident ADD COLUMN extra_v2 TEXT"))

    monkeypatch.setattr(schema, "SCHEMA_VERSION", 2)
    monkeypatch.setattr("geo.store.sql.SCHEMA_VERSION", 2)
    monkeypatch.setitem(schema.MIGRATIONS, 1, ("add extra_v2", add_column))
    with open_store(db_url) as s:
        assert s.schema_version() == 2
        assert s.stats()["incidents"] == 1
        with s.engine.connect() as conn:
            assert conn.execute(text("SELECT count(extra_v2) FROM incident")).scalar() == 0
            assert conn.execute(text("SELECT description FROM schema_version WHERE version = 2")).scalar() == "add extra_v2"
    with open_store(db_url) as s:  # opening again does not migrate twice
        assert s.schema_version() == 2


def test_an_older_database_without_an_upgrade_path_is_refused(db_url, monkeypatch):
    open_store(db_url).close()
    monkeypatch.setattr("geo.store.sql.SCHEMA_VERSION", 3)
    monkeypatch.setattr(schema, "MIGRATIONS", {})
    monkeypatch.setattr("geo.store.sql.MIGRATIONS", {})
    with pytest.raises(SchemaVersionError, match="schema version 1 .*knows no upgrade"):
        open_store(db_url)


def test_foreign_incident_tables_are_refused(db_url):
    _execute(db_url, "CREATE TABLE incident (id INTEGER PRIMARY KEY, whatever TEXT)")
    with pytest.raises(SchemaVersionError, match="no schema_version table"):
        open_store(db_url)


def test_geocoder_tables_already_there_are_fine(db_url):
    from geo.geocache import Alias, GeoCache

    url = db_url
    cache = GeoCache(url)
    cache.add_alias(Alias(alias="Sandere", place_name="Sandaré", lat=14.7, lon=-10.3))
    cache.close()
    with open_store(db_url) as s:
        assert s.schema_version() == 1
    cache = GeoCache(url)
    assert cache.get_alias("sandere").place_name == "Sandaré"
    cache.close()


def test_sqlite_pragmas(tmp_path):
    s = open_store(f"sqlite:///{tmp_path / 'x.sqlite'}")
    try:
        assert s.journal_mode() == "wal"
        with s.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        s.close()


def test_sqlite_default_url_comes_from_the_environment(tmp_path, monkeypatch):
    from geo import config

    monkeypatch.setenv("GEO_DATABASE_URL", f"sqlite:///{tmp_path / 'sub' / 'env.sqlite'}")
    config.get_settings.cache_clear()
    with open_store() as s:
        assert s.backend == "sqlite"
    assert (tmp_path / "sub" / "env.sqlite").is_file()


def test_not_a_database(tmp_path):
    p = tmp_path / "notes.sqlite"
    p.write_text("these are my notes, not a database\n" * 10)
    with pytest.raises(StoreUnavailableError, match="not an SQLite database"):
        open_store(f"sqlite:///{p}")
    with pytest.raises(StoreError, match="unsupported database"):
        backend_of("mysql://u@h/db")
    with pytest.raises(StoreError, match="not a database URL"):
        backend_of("just words")
    assert backend_of("postgresql://u@h/db") == "postgis" and backend_of("sqlite:///x") == "sqlite"


def test_unreachable_postgres_is_a_clear_error():
    from geo.store.pgtemp import free_port

    with pytest.raises(StoreUnavailableError, match="cannot open the incident store"):
        open_store(f"postgresql://nobody@127.0.0.1:{free_port()}/nothing")


def test_postgis_geometry_column_and_indexes(pg_server):
    url = pg_server.new_database()
    with open_store(url) as s:
        s.insert_events([dict(source="acled", source_event_id="g1", lat=15.0, lon=-2.0),
                         dict(source="acled", source_event_id="g2", lat=None, lon=None)])
        with s.engine.connect() as conn:
            got = conn.execute(text("SELECT source_event_id, ST_AsText(geom), ST_SRID(geom) FROM incident "
                                    "ORDER BY source_event_id")).all()
            assert got == [("g1", "POINT(-2 15)", 4326), ("g2", None, None)]
            idx = dict(conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'incident'")).all())
            assert "gist" in idx["ix_incident_geom"].lower()
            for name in ("ix_incident_date", "ix_incident_admin1_date", "ix_incident_border_zone_date",
                         "ix_incident_event_type_date"):
                assert name in idx
            trgm = conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
            if trgm:   # optional accelerator, present wherever contrib is
                assert "gin_trgm_ops" in idx["ix_incident_search_trgm"]
        # moving a point moves its geometry (a generated column)
        iid = s.query(columns=("id", "source_event_id"))[-1]["id"]
        s.update_incident(iid, lat=14.0, lon=-4.0)
        with s.engine.connect() as conn:
            assert conn.execute(text("SELECT ST_AsText(geom) FROM incident WHERE id = :i"), {"i": iid}).scalar() == "POINT(-4 14)"


def test_sqlite_indexes(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'i.sqlite'}") as s:
        with s.engine.connect() as conn:
            names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ix_incident_date", "ix_incident_admin1_date", "ix_incident_border_zone_date",
            "ix_incident_event_type_date", "ix_incident_lat_lon", "ix_incident_actors_actor", "ix_incident_search"} <= names


def test_missing_postgres_binaries_give_a_clear_reason(monkeypatch, tmp_path):
    from geo.store import pgtemp

    monkeypatch.setattr(pgtemp, "_candidates", lambda: [tmp_path])
    with pytest.raises(pgtemp.PostgresUnavailable, match="postgresql postgresql-15-postgis-3.*GEO_TEST_POSTGRES_URL"):
        pgtemp.find_binaries()


def test_an_external_server_url_works_like_geo_test_postgres_url(pg_server):
    """The GEO_TEST_POSTGRES_URL path: databases made and dropped on a server we did not start."""
    from geo.store.pgtemp import create_database_at, drop_database_at

    if pg_server.temp is None:
        pytest.skip("already running against GEO_TEST_POSTGRES_URL")
    server_url = pg_server.temp.url_for("postgres")
    url = create_database_at(server_url, "geo_external_check")
    try:
        with open_store(url) as s:
            s.add_article(make_article("external"), [make_incident()])
            assert s.count() == 1 and s.backend == "postgis"
    finally:
        drop_database_at(server_url, "geo_external_check")
