"""Fixtures for the store tests: every store test runs on SQLite and on PostgreSQL + PostGIS.

The PostGIS server is real: GEO_TEST_POSTGRES_URL when given (its user must be allowed
to create databases and the postgis extension), else a temporary server this session
starts on 127.0.0.1 (initdb into a temporary folder; see geo/store/pgtemp.py) and stops
at the end. Each test gets a fresh database (a template copy, about 50 ms). Where the
PostgreSQL or PostGIS binaries are absent the PostGIS half is skipped, saying so.
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # storekit, for tests and subprocess drivers

from storekit import REPO  # noqa: E402

BACKENDS = ("sqlite", "postgis")


class _Server:
    """Hands out fresh PostGIS databases, on our own temporary server or on GEO_TEST_POSTGRES_URL."""

    def __init__(self) -> None:
        self.external = os.environ.get("GEO_TEST_POSTGRES_URL", "").strip()
        self.temp = None
        self._n = itertools.count()
        self.made: list[str] = []

    def start(self) -> "_Server":
        if not self.external:
            from geo.store.pgtemp import TempPostgres

            self.temp = TempPostgres().start()
        return self

    def new_database(self) -> str:
        name = f"geo_t{os.getpid()}_{next(self._n)}"
        self.made.append(name)
        if self.temp is not None:
            return self.temp.create_database(name)
        from geo.store.pgtemp import create_database_at

        return create_database_at(self.external, name)

    def stop(self) -> None:
        if self.temp is not None:
            self.temp.stop()
        else:
            from geo.store.pgtemp import drop_database_at

            for name in self.made:
                try:
                    drop_database_at(self.external, name)
                except Exception:  # noqa: BLE001 - best effort on someone else's server
                    pass


@pytest.fixture(scope="session")
def pg_server() -> Iterator[_Server]:
    """A PostgreSQL + PostGIS server for the session, or a skip naming what is missing."""
    server = _Server()
    if not server.external:
        from geo.store.pgtemp import PostgresUnavailable, find_binaries

        try:
            find_binaries()
            server.start()
        except PostgresUnavailable as exc:
            pytest.skip(str(exc))
    else:
        server.start()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """A fresh, empty database URL for each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("pg_server").new_database()


@pytest.fixture
def store(db_url):
    from geo.store import open_store

    st = open_store(db_url)
    yield st
    st.close()


@pytest.fixture
def cli_env(db_url) -> dict:
    """Environment for a ``python -m geo`` subprocess pointed at this test's database."""
    env = dict(os.environ)
    env["GEO_DATABASE_URL"] = db_url
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env
