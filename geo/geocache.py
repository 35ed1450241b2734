"""Persistent geocoding memory: online answers and user corrections, in the incident database.

Two tables, defined with SQLAlchemy Core on :data:`metadata` so the store can adopt them:

``geocode_cache``
    One row per question asked of an online provider: ``provider``, the normalised
    ``query`` (:func:`geo.gazetteer.fold`), an ``options_key`` naming the endpoint and
    the options that shape the answer, the answer as JSON (a list of candidates; an empty
    list is a real "no result") and ``created_at``. Transient failures are never stored,
    so a lookup that failed is asked again on the next run.

``place_aliases``
    User corrections. When someone fixes a place in the review screen, the name as written
    becomes an alias of the place they chose, consulted before anything else from then on.
    ``alias`` is folded (so "Sandere", "SANDERE" and "Sandéré" are one alias); the text as
    typed is kept in ``alias_text``.

Tables are created on first use. Aliases export to and import from CSV or JSON.
"""

from __future__ import annotations

import csv
import json
import threading
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import (
    Column, DateTime, Float, Integer, MetaData, String, Table, Text, UniqueConstraint, create_engine,
    delete, event, func, insert, select, update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

from .errors import InvalidInputError
from .gazetteer import fold

metadata = MetaData()

geocode_cache = Table(
    "geocode_cache",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider", String(64), nullable=False),
    Column("query", String(512), nullable=False),
    Column("options_key", String(64), nullable=False, default=""),
    Column("result", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("provider", "query", "options_key", name="uq_geocode_cache_query"),
)

place_aliases = Table(
    "place_aliases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alias", String(512), nullable=False, unique=True),
    Column("alias_text", String(512), nullable=False),
    Column("place_name", String(512), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("country", String(8), nullable=True),
    Column("admin1", String(128), nullable=True),
    Column("geo_precision", Integer, nullable=False, default=1),
    Column("created_by", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=True),
)

#: Column order of exported alias files (CSV header, JSON keys).
ALIAS_FIELDS = (
    "alias", "place_name", "lat", "lon", "country", "admin1", "geo_precision", "created_by",
    "created_at", "note",
)


@dataclass(frozen=True)
class Alias:
    """One user correction: ``alias`` (as written) stands for the place at ``lat``/``lon``."""

    alias: str
    place_name: str
    lat: float
    lon: float
    country: str | None = None
    admin1: str | None = None
    geo_precision: int = 1
    created_by: str | None = None
    created_at: datetime | None = None
    note: str | None = None

    @property
    def key(self) -> str:
        return fold(self.alias)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat() if self.created_at else None
        return d


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if not db or db == ":memory:":
            # one shared connection, or every checkout would see a fresh empty database
            return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url)


def validate_alias(alias: Alias) -> Alias:
    """The alias tidied (names stripped, numbers as floats, a creation time), or
    :class:`InvalidInputError` saying what is wrong with it."""
    if not alias.key:
        raise InvalidInputError("an alias needs a name")
    if not str(alias.place_name).strip():
        raise InvalidInputError("an alias needs the name of the place it stands for")
    try:
        lat, lon = float(alias.lat), float(alias.lon)
    except (TypeError, ValueError):
        raise InvalidInputError(f"coordinates must be numbers, got {alias.lat!r}, {alias.lon!r}") from None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):   # also false for NaN
        raise InvalidInputError(f"coordinates out of range: lat={lat}, lon={lon}")
    return replace(
        alias, alias=alias.alias.strip(), place_name=str(alias.place_name).strip(), lat=lat, lon=lon,
        country=alias.country or None, admin1=alias.admin1 or None, geo_precision=int(alias.geo_precision or 1),
        created_at=alias.created_at or _now(),
    )


class GeoCache:
    """The geocode cache and the alias table in one database (created on first use)."""

    def __init__(self, url: str | Engine) -> None:
        self.engine = url if isinstance(url, Engine) else _make_engine(url)
        self.url = str(self.engine.url)
        self._ready = False
        self._lock = threading.Lock()

    @classmethod
    def for_store(cls, store: Any) -> "GeoCache":
        """The cache in an incident store's own database, on the store's engine (same
        connections, same file), so review fixes and answers live with the incidents."""
        engine = getattr(store, "engine", None)
        return cls(engine) if engine is not None else cls(store.url)

    def _init(self) -> None:
        if not self._ready:
            with self._lock:
                if not self._ready:
                    metadata.create_all(self.engine, tables=[geocode_cache, place_aliases], checkfirst=True)
                    self._ready = True

    def close(self) -> None:
        self.engine.dispose()

    # -- online answers -------------------------------------------------------------

    def get(self, provider: str, query: str, options_key: str = "") -> list[dict] | None:
        """The stored answer (a list, possibly empty) or ``None`` if never asked."""
        self._init()
        stmt = select(geocode_cache.c.result).where(
            geocode_cache.c.provider == provider,
            geocode_cache.c.query == fold(query),
            geocode_cache.c.options_key == options_key,
        )
        with self.engine.connect() as conn:
            raw = conn.execute(stmt).scalar_one_or_none()
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            return None  # a damaged row is a miss: the provider is asked again and it is rewritten
        return value if isinstance(value, list) else None

    def put(self, provider: str, query: str, options_key: str, result: list[dict]) -> None:
        """Store (or replace) the answer to one question."""
        self._init()
        self._upsert(geocode_cache, ("provider", "query", "options_key"), {
            "provider": provider, "query": fold(query), "options_key": options_key,
            "result": json.dumps(result, ensure_ascii=False, sort_keys=True), "created_at": _now(),
        })

    def _upsert(self, table: Table, keys: tuple[str, ...], values: dict[str, Any]) -> None:
        """Insert ``values``, or update the row with the same ``keys`` (one statement)."""
        dialect = self.engine.dialect.name
        with self.engine.begin() as conn:
            if dialect in ("sqlite", "postgresql"):
                if dialect == "sqlite":
                    from sqlalchemy.dialects.sqlite import insert as dialect_insert
                else:
                    from sqlalchemy.dialects.postgresql import insert as dialect_insert
                stmt = dialect_insert(table).values(**values)
                stmt = stmt.on_conflict_do_update(
                    index_elements=list(keys), set_={c: stmt.excluded[c] for c in values if c not in keys},
                )
                conn.execute(stmt)
                return
            where = [table.c[k] == values[k] for k in keys]
            if conn.execute(update(table).where(*where).values(**values)).rowcount == 0:
                conn.execute(insert(table).values(**values))

    def cache_size(self) -> int:
        self._init()
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(geocode_cache)).scalar_one()

    def clear_cache(self, provider: str | None = None) -> int:
        """Forget stored online answers (of one provider, or all); returns rows removed."""
        self._init()
        stmt = delete(geocode_cache)
        if provider:
            stmt = stmt.where(geocode_cache.c.provider == provider)
        with self.engine.begin() as conn:
            return conn.execute(stmt).rowcount

    # -- aliases ----------------------------------------------------------------------

    def add_alias(self, alias: Alias) -> Alias:
        """Insert or replace the alias for ``alias.alias`` (folded); returns what was stored."""
        alias = validate_alias(alias)
        self._init()
        self._upsert(place_aliases, ("alias",), dict(asdict(alias), alias=alias.key, alias_text=alias.alias))
        return alias

    def remove_alias(self, alias: str) -> bool:
        self._init()
        with self.engine.begin() as conn:
            return conn.execute(delete(place_aliases).where(place_aliases.c.alias == fold(alias))).rowcount > 0

    def get_alias(self, alias: str) -> Alias | None:
        self._init()
        with self.engine.connect() as conn:
            row = conn.execute(select(place_aliases).where(place_aliases.c.alias == fold(alias))).mappings().first()
        return _row_to_alias(row) if row else None

    def aliases(self) -> list[Alias]:
        """Every alias, oldest first."""
        self._init()
        with self.engine.connect() as conn:
            rows = conn.execute(select(place_aliases).order_by(place_aliases.c.id)).mappings().all()
        return [_row_to_alias(r) for r in rows]

    def export_aliases(self, path: str | Path, fmt: str | None = None) -> int:
        """Write every alias to ``path`` as CSV or JSON (from ``fmt`` or the suffix); returns the count."""
        path = Path(path)
        fmt = _alias_format(path, fmt)
        rows = [a.to_dict() for a in self.aliases()]
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            if fmt == "json":
                json.dump(rows, fh, ensure_ascii=False, indent=2)
                fh.write("\n")
            else:
                writer = csv.DictWriter(fh, fieldnames=ALIAS_FIELDS, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
        tmp.replace(path)
        return len(rows)

    def import_aliases(self, path: str | Path, fmt: str | None = None) -> int:
        """Read aliases written by :meth:`export_aliases` (replacing same-named ones); returns the count."""
        path = Path(path)
        fmt = _alias_format(path, fmt)
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                rows: Iterable[dict] = json.load(fh) if fmt == "json" else list(csv.DictReader(fh))
        except (OSError, json.JSONDecodeError, csv.Error, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"{path}: cannot read aliases ({exc})") from exc
        if not isinstance(rows, list):
            raise InvalidInputError(f"{path}: expected a list of aliases")
        n = 0
        for i, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                raise InvalidInputError(f"{path}: alias {i} is not an object")
            try:
                created = row.get("created_at") or None
                self.add_alias(Alias(
                    alias=str(row["alias"]), place_name=str(row["place_name"]), lat=row["lat"], lon=row["lon"],
                    country=row.get("country") or None, admin1=row.get("admin1") or None,
                    geo_precision=int(row.get("geo_precision") or 1), created_by=row.get("created_by") or None,
                    created_at=datetime.fromisoformat(created) if created else None, note=row.get("note") or None,
                ))
            except (KeyError, ValueError, TypeError) as exc:
                raise InvalidInputError(f"{path}: alias {i} is invalid ({exc})") from exc
            n += 1
        return n


def _alias_format(path: Path, fmt: str | None) -> str:
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "json"):
        raise InvalidInputError(f"alias files are .csv or .json, not {path.name!r}")
    return fmt


def _row_to_alias(row: Any) -> Alias:
    created = row["created_at"]
    if created is not None and created.tzinfo is None:  # SQLite drops the zone; we always store UTC
        created = created.replace(tzinfo=timezone.utc)
    return Alias(
        alias=row["alias_text"], place_name=row["place_name"], lat=row["lat"], lon=row["lon"],
        country=row["country"], admin1=row["admin1"], geo_precision=row["geo_precision"],
        created_by=row["created_by"], created_at=created, note=row["note"],
    )
