"""A throwaway PostgreSQL + PostGIS server on 127.0.0.1, for tests and benchmarks.

``initdb`` into a temporary folder, ``pg_ctl start`` on a free port (TCP on 127.0.0.1
only; the Unix socket inside the data folder), trust authentication, durability off
(fsync, synchronous_commit, full_page_writes: a test server needs no crash safety;
``crash_safe=True`` keeps synchronous_commit for tests that crash the server with :meth:`halt`),
``CREATE EXTENSION postgis`` in a template database, ``pg_ctl stop -m fast`` and the
folder removed on :meth:`TempPostgres.stop` (also registered with atexit).

PostgreSQL refuses to run as root: when we are root, the server runs as the ``postgres``
OS user (through ``runuser``, else ``su``) and the data folder is given to it.

Binaries are looked up on PATH, then in /usr/lib/postgresql/<version>/bin (Debian),
highest version first; :func:`find_binaries` says why when they cannot be used.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

#: The Debian packages that provide what this module needs.
DEBIAN_PACKAGES = ("postgresql", "postgresql-15-postgis-3")
TEMPLATE_DB = "geo_template"


class PostgresUnavailable(RuntimeError):
    """The binaries (or a user to run them as) are missing; the message says which."""


def _candidates() -> list[Path]:
    dirs = []
    on_path = shutil.which("initdb")
    if on_path:
        dirs.append(Path(on_path).resolve().parent)

    def version(p: str) -> float:
        try:
            return float(Path(p).parent.name)
        except ValueError:
            return 0.0

    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        dirs.append(Path(d))
    return dirs


def find_binaries() -> Path:
    """The bin folder holding initdb, pg_ctl and postgres, with PostGIS installed beside it."""
    tried = []
    for d in _candidates():
        if not all((d / b).is_file() for b in ("initdb", "pg_ctl", "postgres")):
            tried.append(f"{d} (no initdb/pg_ctl/postgres)")
            continue
        sharedir = _sharedir(d)
        if sharedir is None or not (sharedir / "extension" / "postgis.control").is_file():
            tried.append(f"{d} (PostGIS extension not installed in {sharedir})")
            continue
        return d
    where = "; ".join(tried) or "no initdb on PATH or in /usr/lib/postgresql/*/bin"
    raise PostgresUnavailable(
        f"PostgreSQL + PostGIS server binaries not found ({where}); install the Debian packages "
        f"{' '.join(DEBIAN_PACKAGES)} or set GEO_TEST_POSTGRES_URL to a server you can create databases on")


def _sharedir(bindir: Path) -> Path | None:
    pg_config = bindir / "pg_config"
    if pg_config.is_file():
        try:
            out = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                return Path(out.stdout.strip())
        except OSError:
            pass
    version = bindir.parent.name
    guess = Path(f"/usr/share/postgresql/{version}")
    return guess if guess.is_dir() else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    """One temporary server. ``url`` is the template database with PostGIS; use
    :meth:`create_database` for a fresh database per test (a fast template copy)."""

    def __init__(self, bindir: Path | None = None, *, crash_safe: bool = False) -> None:
        self.bindir = bindir or find_binaries()
        #: keep synchronous_commit on, so a commit is in the WAL before it is acknowledged
        #: and :meth:`halt` (a crash of the server) loses no committed transaction. Off
        #: (the default, faster) a halt loses the last fraction of a second of commits.
        self.crash_safe = crash_safe
        self.root: Path | None = None
        self.port = 0
        self.user = "postgres"
        self._run_as: list[str] = []
        self._started = False
        self._counter = 0

    # -- process plumbing -----------------------------------------------------------

    def _prefix(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable("running as root and there is no 'postgres' OS user to run the server as "
                                      "(PostgreSQL refuses root)") from None
        if shutil.which("runuser"):
            return ["runuser", "-u", "postgres", "--"]
        if shutil.which("setpriv"):
            pw = pwd.getpwnam("postgres")
            return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--"]
        raise PostgresUnavailable("running as root and neither runuser nor setpriv is available to drop to 'postgres'")

    def _run(self, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return subprocess.run(self._run_as + args, capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=str(self.root) if self.root else None)

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> "TempPostgres":
        self._run_as = self._prefix()
        self.root = Path(tempfile.mkdtemp(prefix="geo-pg-"))
        data = self.root / "data"
        if self._run_as:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o700)
        r = self._run([str(self.bindir / "initdb"), "-D", str(data), "-U", self.user, "--auth=trust",
                       "--encoding=UTF8", "--no-sync"])
        if r.returncode != 0:
            self._cleanup()
            raise RuntimeError(f"initdb failed: {r.stderr.strip() or r.stdout.strip()}")
        atexit.register(self.stop)
        last = ""
        for _attempt in range(5):
            self.port = free_port()
            r = self._pg_ctl_start()
            if r.returncode == 0:
                self._started = True
                break
            last = (r.stderr.strip() or r.stdout.strip()) + "\n" + self._log_tail()
        else:
            self._cleanup()
            raise RuntimeError(f"PostgreSQL did not start: {last}")
        self._psql("postgres", f"CREATE DATABASE {TEMPLATE_DB}")
        self._psql(TEMPLATE_DB, "CREATE EXTENSION postgis")
        return self

    def _pg_ctl_start(self) -> subprocess.CompletedProcess:
        data = self.root / "data"  # type: ignore[operator]
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={data} "
                f"-c fsync=off -c synchronous_commit={'on' if self.crash_safe else 'off'} "
                "-c full_page_writes=off -c max_connections=60 -c shared_buffers=128MB -c logging_collector=off")
        return self._run([str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"),
                          "-o", opts, "-w", "-t", "60", "start"])

    def halt(self) -> None:
        """Stop the server abruptly (``-m immediate``: like a crash; open connections
        break), keeping its data for :meth:`resume`. For fault tests."""
        if self._started and self.root is not None:
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w",
                       "stop"], timeout=60)
            self._started = False

    def resume(self) -> None:
        """Start a halted server again on the same port and data."""
        if self._started or self.root is None:
            return
        r = self._pg_ctl_start()
        if r.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start again: {r.stderr.strip()}\n{self._log_tail()}")
        self._started = True

    def _log_tail(self) -> str:
        try:
            return (self.root / "server.log").read_text(errors="replace")[-2000:]  # type: ignore[operator]
        except OSError:
            return ""

    def _psql(self, db: str, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, dbname=db, autocommit=True) as c:
            c.execute(sql)

    def url_for(self, db: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{db}"

    @property
    def url(self) -> str:
        return self.url_for(TEMPLATE_DB)

    def create_database(self, name: str | None = None) -> str:
        """A fresh database with PostGIS (copied from the template); returns its URL."""
        self._counter += 1
        name = name or f"geo_test_{os.getpid()}_{self._counter}"
        self._psql("postgres", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        self._psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        if self._started and self.root is not None:
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"],
                      timeout=60)
            self._started = False
        self._cleanup()

    def _cleanup(self) -> None:
        if self.root is not None and self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> "TempPostgres":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def create_database_at(server_url: str, name: str) -> str:
    """On an existing server (GEO_TEST_POSTGRES_URL), create database ``name`` with PostGIS;
    returns its URL. The URL's user must be allowed to create databases and extensions."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(server_url)
    conninfo = dict(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username, password=u.password,
                    dbname=u.database or "postgres", autocommit=True)
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(**{**{k: v for k, v in conninfo.items() if v is not None}, "dbname": name}) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return u.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def drop_database_at(server_url: str, name: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(server_url)
    conninfo = dict(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username, password=u.password,
                    dbname=u.database or "postgres", autocommit=True)
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v is not None}) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
