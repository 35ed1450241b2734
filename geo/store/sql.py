"""What both SQL stores share: schema set-up, writes, merging, filters in SQL, reads.

Backends differ in a few hooks: how the engine is made; how a write transaction starts
(SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock serialises article writes so
that two writers cannot both create the same incident); the bounding-box and text
clauses (lat/lon columns and a covering index on SQLite; the GiST index and an optional
trigram index on PostGIS); and the bulk insert of imported events (sqlite3 executemany;
COPY on PostgreSQL).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
from datetime import timedelta
from typing import Any, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import String, and_, bindparam, case, cast, delete, func, insert, inspect, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import ColumnElement

from ..filters import IncidentFilter, incident_search_parts, search_text
from ..text.records import RETRY, as_date
from . import merge as _merge
from .base import (
    EDITABLE, INCIDENT_COLUMNS, ArticleResult, ImportResult, IncidentStore, SchemaVersionError,
    StoreConflictError, StoreError, StoreUnavailableError,
)
from .rows import clean, fatality_summary, finish_row, incident_row, now, unique
from .schema import MIGRATIONS, SCHEMA_VERSION, Tables, build_tables

log = logging.getLogger(__name__)

#: Rows per statement when inserting imported events.
INSERT_CHUNK = 5000
#: Columns an article incident is written with.
INCIDENT_WRITE_COLUMNS = tuple(k for k in INCIDENT_COLUMNS if k != "id") + ("search_text",)
#: Columns a merge rewrites.
_MERGE_SET = ("fatalities_detail", "fatalities", "fatalities_claimed", "evidence", "claims", "actors", "place",
              "place_kind", "lat", "lon", "geo_precision", "geocode_status", "country", "admin1", "admin2", "admin3",
              "border_zone", "distance_to_border_km", "nearest_country", "date", "date_precision", "date_start",
              "date_end", "event_type", "confidence", "search_text", "updated_at")
_COLUMN_KIND = {"date": "date", "date_start": "date", "date_end": "date", "created_at": "timestamp",
                "updated_at": "timestamp", "actors": "json", "fatalities_detail": "json", "claims": "json",
                "evidence": "json", "source_values": "json"}
_LIKE_ESCAPE = "\\"


def _like_word(w: str) -> str:
    return "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SQLStore(IncidentStore):
    """Shared implementation; see :class:`~geo.store.sqlite.SQLiteStore` and
    :class:`~geo.store.postgis.PostGISStore`."""

    postgis = False

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.t: Tables = build_tables(self.postgis)
        self.engine: Engine = self._make_engine(url)
        try:
            self._ensure_schema(create=create)
        except OperationalError as exc:
            self.engine.dispose()
            raise StoreUnavailableError(f"cannot open the incident store {self.safe_url}: {exc.orig}") from exc
        except BaseException:
            self.engine.dispose()
            raise

    # -- backend hooks -------------------------------------------------------------

    def _make_engine(self, url: str) -> Engine:  # pragma: no cover - abstract
        raise NotImplementedError

    @contextlib.contextmanager
    def _write(self, *, serialise: bool = False) -> Iterator[Connection]:
        """A write transaction; ``serialise`` makes it exclusive among writers."""
        with self.engine.begin() as conn:
            yield conn

    def _bbox_clause(self, bbox: tuple[float, float, float, float]) -> ColumnElement:
        c = self.t.incident.c
        w, s, e, n = bbox
        return and_(c.lat.between(s, n), c.lon.between(w, e))

    def _text_clause(self, words: list[str]) -> ColumnElement:
        c = self.t.incident.c
        return and_(*[c.search_text.like(_like_word(w), escape=_LIKE_ESCAPE) for w in words])

    def _insert_ignore(self, table):  # pragma: no cover - abstract
        raise NotImplementedError

    def _stored_keys(self, conn: Connection, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        """(source, source_event_id) of these rows already stored, read inside the write
        transaction (SQLite holds the write lock, so nobody adds any meanwhile)."""
        c = self.t.incident.c
        stored: set[tuple[str, str]] = set()
        for src in {r["source"] for r in rows}:
            ids = [r["source_event_id"] for r in rows if r["source"] == src]
            for j in range(0, len(ids), 900):
                q = select(c.source_event_id).where(c.source == src, c.source_event_id.in_(ids[j:j + 900]))
                stored.update((src, e) for e in conn.execute(q).scalars())
        return stored

    def _bulk_insert(self, conn: Connection, rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
        """Insert new imported incidents (none of them stored yet: the caller checked under
        the write transaction); returns their ids by (source, source_event_id). Backends
        override this with their fast path."""
        t = self.t
        cols = [k for k in t.incident.c.keys() if k not in ("id", "geom")]
        payload = [{k: r.get(k) for k in cols} for r in rows]
        stmt = self._insert_ignore(t.incident).returning(t.incident.c.id, t.incident.c.source,
                                                           t.incident.c.source_event_id)
        return {(src, eid): iid for iid, src, eid in conn.execute(stmt, payload)}

    def _bulk_insert_actors(self, conn: Connection, pairs: list[tuple[int, str]]) -> None:
        if pairs:
            conn.execute(insert(self.t.incident_actors), [{"incident_id": i, "actor": a} for i, a in pairs])

    def _prepare_schema(self, conn: Connection) -> None:
        """Backend set-up inside the schema transaction, before the tables (extensions)."""

    def _finish_schema(self, conn: Connection) -> None:
        """Backend extras after the tables exist (optional accelerators)."""

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden (for messages)."""
        try:
            return self.engine.url.render_as_string(hide_password=True)
        except AttributeError:  # pragma: no cover
            return self.url

    # -- schema ----------------------------------------------------------------------

    def _ensure_schema(self, *, create: bool) -> None:
        with self._write(serialise=True) as conn:
            self._prepare_schema(conn)
            names = set(inspect(conn).get_table_names())
            if "schema_version" in names:
                version = conn.execute(select(func.max(self.t.schema_version.c.version))).scalar()
                if version is None:
                    raise SchemaVersionError(
                        f"{self.safe_url}: the schema_version table is empty, so the schema of this database is "
                        "unknown; restore it from a backup or start a new database")
            elif names & {"incident", "article", "incident_sources"}:
                raise SchemaVersionError(
                    f"{self.safe_url} has incident tables but no schema_version table: it was not written by this "
                    "program (or by a version before schemas were versioned). Use another database "
                    "(--db / GEO_DATABASE_URL), or import its events with `python -m geo import-events`.")
            else:
                if not create:
                    raise StoreError(f"{self.safe_url} holds no incident store")
                self.t.metadata.create_all(conn)
                conn.execute(insert(self.t.schema_version).values(
                    version=SCHEMA_VERSION, applied_at=now(), description="created"))
                version = SCHEMA_VERSION
            if version > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"{self.safe_url} has schema version {version}, newer than this program's {SCHEMA_VERSION}: "
                    "upgrade the program (git pull; pip install -r requirements.txt) to use it")
            while version < SCHEMA_VERSION:
                step = MIGRATIONS.get(version)
                if step is None:
                    raise SchemaVersionError(
                        f"{self.safe_url} has schema version {version} and this program ({SCHEMA_VERSION}) "
                        f"knows no upgrade from it; export its data with an older version, or start a new database")
                description, fn = step
                log.warning("upgrading %s from schema %d to %d: %s", self.safe_url, version, version + 1, description)
                fn(conn, self.t)
                version += 1
                conn.execute(insert(self.t.schema_version).values(
                    version=version, applied_at=now(), description=description))
            self._finish_schema(conn)
            try:  # the geocoder's tables live beside ours; it creates them itself too
                from .. import geocache

                geocache.metadata.create_all(conn, checkfirst=True)
            except ImportError:  # pragma: no cover - geocache is part of the package
                pass

    def _schema_current(self) -> bool:
        """Does the database hold every table at :data:`SCHEMA_VERSION` (read only)?"""
        from .. import geocache

        need = {t.name for t in self.t.store_tables} | set(geocache.metadata.tables)
        try:
            with self.engine.connect() as conn:
                if not need <= set(inspect(conn).get_table_names()):
                    return False
                return conn.execute(select(func.max(self.t.schema_version.c.version))).scalar() == SCHEMA_VERSION
        except OperationalError:
            return False

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(self.t.schema_version.c.version))).scalar())

    def close(self) -> None:
        self.engine.dispose()

    # -- writing: articles ------------------------------------------------------------

    def existing_articles(self, ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(ids))
        out: set[str] = set()
        a = self.t.article
        with self.engine.connect() as conn:
            for i in range(0, len(ids), 500):
                out.update(conn.execute(select(a.c.id).where(a.c.id.in_(ids[i:i + 500]))).scalars())
        return out

    def existing_events(self, source: str, event_ids: Iterable[str]) -> set[str]:
        ids = [str(i) for i in dict.fromkeys(event_ids)]
        c = self.t.incident.c
        out: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(ids), 900):
                q = select(c.source_event_id).where(c.source == source, c.source_event_id.in_(ids[i:i + 900]))
                out.update(conn.execute(q).scalars())
        return out

    @functools.cached_property
    def _stmts(self) -> dict[str, Any]:
        """Statements of the article write path, built once (bound parameters, so
        SQLAlchemy compiles each once per process)."""
        t = self.t
        c, s, ia = t.incident.c, t.incident_sources, t.incident_actors
        cols = [c[k] for k in INCIDENT_COLUMNS]
        out: dict[Any, Any] = {
            "article_exists": select(t.article.c.id).where(t.article.c.id == bindparam("aid")),
            "insert_article": insert(t.article),
            "insert_incident": insert(t.incident).returning(c.id),
            "insert_source": insert(s),
            "insert_actor": insert(ia),
            "delete_actors": delete(ia).where(ia.c.incident_id == bindparam("iid")),
            "count_sources": update(t.incident).where(c.id == bindparam("iid")).values(
                source_count=select(func.count()).select_from(s).where(s.c.incident_id == bindparam("iid"))
                .scalar_subquery()),
            "update_incident": update(t.incident).where(c.id == bindparam("_iid")),
        }
        for dated in (True, False):
            for located in (True, False):
                cond = [c.source == "article"]
                if dated:
                    cond += [c.date_start <= bindparam("de"), c.date_end >= bindparam("ds")]
                else:
                    cond.append(c.date_start.is_(None))
                if located:
                    cond += [c.lat.between(bindparam("lat0"), bindparam("lat1")),
                             c.lon.between(bindparam("lon0"), bindparam("lon1"))]
                else:
                    cond.append(c.lat.is_(None))
                out[("candidates", dated, located)] = select(*cols).where(*cond).order_by(c.id)
        return out

    def add_article(self, article, incidents) -> ArticleResult:
        aid = article.id
        rows = [incident_row(inc, aid) for inc in incidents]
        q = self._stmts
        try:
            with self._write(serialise=True) as conn:
                if conn.execute(q["article_exists"], {"aid": aid}).first() is not None:
                    return ArticleResult(aid, added=False)
                conn.execute(q["insert_article"], dict(
                    id=aid, url=article.url, title=article.title or None, published=article.published,
                    language=article.language, text=article.text, ingested_at=now(), n_incidents=len(rows),
                ))
                # Match against what was stored before this article, best pairs first: one
                # stored incident takes at most one of this article's incidents (the
                # extractor already decided that those are different events).
                pairs = sorted((key, i, cand["id"], cand) for i, row in enumerate(rows)
                               for key, cand in self._candidates(conn, row))
                match: dict[int, dict] = {}
                used: set[int] = set()
                for _key, i, cid, cand in pairs:
                    if i not in match and cid not in used:
                        match[i] = cand
                        used.add(cid)
                new = merged = 0
                for i, row in enumerate(rows):
                    if i in match:
                        iid = match[i]["id"]
                        self._merge_into(conn, match[i], row)
                        conn.execute(q["insert_source"], {"incident_id": iid, "article_id": aid})
                        conn.execute(q["count_sources"], {"iid": iid})
                        merged += 1
                    else:
                        iid = self._insert_incident(conn, row)
                        conn.execute(q["insert_source"], {"incident_id": iid, "article_id": aid})
                        new += 1
                return ArticleResult(aid, added=True, incidents_new=new, incidents_merged=merged)
        except OperationalError as exc:
            raise StoreUnavailableError(f"writing article {aid[:12]} to {self.safe_url} failed: {exc.orig}") from exc

    def _insert_incident(self, conn: Connection, row: Mapping[str, Any]) -> int:
        values = {k: row.get(k) for k in INCIDENT_WRITE_COLUMNS}
        values["source_count"] = 1
        iid = conn.execute(self._stmts["insert_incident"], values).scalar_one()
        actors = unique(row.get("actors") or [])
        if actors:
            conn.execute(self._stmts["insert_actor"], [{"incident_id": iid, "actor": a} for a in actors])
        return iid

    def _candidates(self, conn: Connection, row: Mapping[str, Any]) -> list[tuple[tuple, dict]]:
        """Stored article incidents that ``row`` may report again (merge rules), each with a
        sort key: nearest first, then closest in date, same date precision, same place
        precision, oldest."""
        params: dict[str, Any] = {}
        ds, de = row.get("date_start"), row.get("date_end")
        dated = ds is not None
        if dated:
            slack = timedelta(days=_merge.DAY_SLACK)
            params.update(de=de + slack, ds=ds - slack)
        lat, lon = row.get("lat"), row.get("lon")
        located = lat is not None and lon is not None
        if located:
            dlat, dlon = _merge.BOX_LAT_DEG, _merge.box_lon_deg(lat)
            params.update(lat0=lat - dlat, lat1=lat + dlat, lon0=lon - dlon, lon1=lon + dlon)
        out = []
        for cand in conn.execute(self._stmts[("candidates", dated, located)], params).mappings():
            dist = _merge.is_same_incident(row, cand)
            if dist is None:
                continue
            dgap = abs((cand["date"] - row["date"]).days) if cand["date"] and row.get("date") else 0
            key = (round(dist, 1), dgap, int(cand["date_precision"] != row.get("date_precision")),
                   abs((cand["geo_precision"] or 9) - (row.get("geo_precision") or 9)), cand["id"])
            out.append((key, dict(cand)))
        return out

    def _merge_into(self, conn: Connection, old: dict, new: Mapping[str, Any]) -> None:
        t = self.t
        upd: dict[str, Any] = {}
        detail = list(old.get("fatalities_detail") or []) + list(new.get("fatalities_detail") or [])
        upd["fatalities_detail"] = detail
        upd["fatalities"], upd["fatalities_claimed"] = fatality_summary(detail)
        upd["evidence"] = list(old.get("evidence") or []) + list(new.get("evidence") or [])
        upd["claims"] = list(old.get("claims") or []) + list(new.get("claims") or [])
        actors = _final_actors(unique(list(old.get("actors") or []) + list(new.get("actors") or [])))
        upd["actors"] = actors
        if _merge.more_precise_place(old, new):
            for k in ("place", "place_kind", "lat", "lon", "geo_precision", "geocode_status", "country", "admin1",
                      "admin2", "admin3", "border_zone", "distance_to_border_km", "nearest_country"):
                upd[k] = new.get(k)
        if _merge.more_precise_date(old, new):
            for k in ("date", "date_precision", "date_start", "date_end"):
                upd[k] = new.get(k)
        et_old, et_new = old.get("event_type"), new.get("event_type")
        if et_old is None or (et_new and et_old == "armed clash" and _merge.types_compatible(et_old, et_new)):
            upd["event_type"] = et_new or et_old
        confs = [x for x in (old.get("confidence"), new.get("confidence")) if x is not None]
        if confs:
            upd["confidence"] = max(confs)
        merged = {**old, **upd}
        upd["search_text"] = search_text(incident_search_parts(merged))
        upd["updated_at"] = now()
        # always the same SET list (one compiled statement): unchanged fields are rewritten
        values = {k: merged.get(k) for k in _MERGE_SET}
        values.update(upd)
        values["_iid"] = old["id"]
        conn.execute(self._stmts["update_incident"], values)
        if set(actors) != set(old.get("actors") or []):
            conn.execute(self._stmts["delete_actors"], {"iid": old["id"]})
            if actors:
                conn.execute(self._stmts["insert_actor"], [{"incident_id": old["id"], "actor": a} for a in actors])

    # -- writing: imported events ------------------------------------------------------

    def insert_events(self, rows: Sequence[Mapping[str, Any]]) -> ImportResult:
        inserted = existing = 0
        try:
            with self._write() as conn:
                for i in range(0, len(rows), INSERT_CHUNK):
                    chunk: list[dict[str, Any]] = []
                    seen: set[tuple[str, str]] = set()
                    for r in rows[i:i + INSERT_CHUNK]:
                        r = finish_row(dict(r))
                        if not r.get("source") or r.get("source_event_id") in (None, ""):
                            raise StoreError("imported events need source and source_event_id")
                        r["source_event_id"] = str(r["source_event_id"])
                        key = (r["source"], r["source_event_id"])
                        if key in seen:
                            existing += 1
                            continue
                        seen.add(key)
                        chunk.append(r)
                    stored = self._stored_keys(conn, chunk)
                    todo = [r for r in chunk if (r["source"], r["source_event_id"]) not in stored]
                    ids_by_key = self._bulk_insert(conn, todo) if todo else {}
                    inserted += len(ids_by_key)
                    existing += len(chunk) - len(ids_by_key)
                    self._bulk_insert_actors(conn, [
                        (ids_by_key[(r["source"], r["source_event_id"])], a)
                        for r in todo if (r["source"], r["source_event_id"]) in ids_by_key
                        for a in r["actors"]])
        except OperationalError as exc:
            raise StoreUnavailableError(f"writing events to {self.safe_url} failed: {exc.orig}") from exc
        return ImportResult(inserted=inserted, existing=existing)

    # -- writing: corrections ------------------------------------------------------------

    def update_incident(self, incident_id: int, *, expect: Mapping[str, Any] | None = None,
                        **changes: Any) -> dict[str, Any]:
        bad = set(changes) - EDITABLE
        if bad:
            raise StoreError(f"cannot change {', '.join(sorted(bad))} (editable: {', '.join(sorted(EDITABLE))})")
        t = self.t
        try:
            with self._write(serialise=True) as conn:
                old = conn.execute(select(*[t.incident.c[k] for k in INCIDENT_COLUMNS])
                                   .where(t.incident.c.id == incident_id)).mappings().first()
                if old is None:
                    raise StoreError(f"no incident with id {incident_id}")
                stale = {k: old.get(k) for k, v in (expect or {}).items() if old.get(k) != v}
                if stale:
                    raise StoreConflictError(f"incident {incident_id} changed meanwhile ({stale}); left as it is")
                row = dict(old)
                row.update(changes)
                if "date" in changes or "date_precision" in changes:
                    row["date"] = as_date(row.get("date"))
                    row["date_start"] = row["date_end"] = None   # the window follows the new date
                if ("lat" in changes or "lon" in changes) and "geocode_status" not in changes:
                    # a point set by hand (review) is a located place; a point removed is not
                    located = row.get("lat") is not None and row.get("lon") is not None
                    row["geocode_status"] = "resolved" if located else "unresolved"
                if ("lat" in changes or "lon" in changes) and row.get("lat") is not None and row.get("lon") is not None:
                    join_cols = ("country", "admin1", "admin2", "admin3", "border_zone", "distance_to_border_km",
                                 "nearest_country")
                    if not any(k in changes for k in join_cols):
                        row.update(_join_one(row["lat"], row["lon"]))
                row.pop("id")
                row["updated_at"] = now()
                row = finish_row(row)
                values = {k: v for k, v in row.items() if k in t.incident.c and k != "id"}
                conn.execute(update(t.incident).where(t.incident.c.id == incident_id).values(**values))
                if "actors" in changes:
                    conn.execute(delete(t.incident_actors).where(t.incident_actors.c.incident_id == incident_id))
                    if row["actors"]:
                        conn.execute(insert(t.incident_actors),
                                     [{"incident_id": incident_id, "actor": a} for a in row["actors"]])
        except OperationalError as exc:
            raise StoreUnavailableError(
                f"updating incident {incident_id} in {self.safe_url} failed: {exc.orig}") from exc
        return self.get_incident(incident_id)  # type: ignore[return-value]

    # -- reading ---------------------------------------------------------------------

    def pending_geocodes(self, limit: int | None = None) -> list[dict[str, Any]]:
        c = self.t.incident.c
        stmt = select(c.id, c.place, c.place_kind).where(c.geocode_status == RETRY).order_by(c.id)
        if limit is not None:
            stmt = stmt.limit(int(limit))
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(stmt).mappings()]
            links = self._article_ids(conn, [r["id"] for r in rows]) if rows else {}
        for r in rows:
            r["article_ids"] = links.get(r["id"], [])
        return rows

    def where(self, flt: IncidentFilter | None) -> list[ColumnElement]:
        """The filter as SQL conditions on the incident table."""
        if flt is None:
            return []
        c = self.t.incident.c
        w: list[ColumnElement] = []
        if flt.date_from:
            w.append(c.date >= flt.date_from)
        if flt.date_to:
            w.append(c.date <= flt.date_to)
        for name, col in (("admin1", c.admin1), ("admin2", c.admin2), ("border_zone", c.border_zone),
                          ("event_types", c.event_type), ("sources", c.source),
                          ("review_status", c.review_status)):
            vals = getattr(flt, name)
            if vals:
                w.append(col.in_(vals))
        if flt.actors:
            ia = self.t.incident_actors
            w.append(c.id.in_(select(ia.c.incident_id).where(ia.c.actor.in_(flt.actors))))
        ps = flt.precision_set()
        if ps is not None:
            w.append(c.geo_precision.in_(sorted(ps)))
        if flt.min_fatalities is not None:
            w.append(c.fatalities >= flt.min_fatalities)
        words = flt.text_words()
        if words:
            w.append(self._text_clause(words))
        if flt.bbox:
            w.append(self._bbox_clause(flt.bbox))
        return w

    def _select(self, flt, columns, limit, offset):
        c = self.t.incident.c
        names = list(columns or INCIDENT_COLUMNS)
        unknown = [n for n in names if n not in c or n == "geom"]
        if unknown:
            raise StoreError(f"unknown incident column(s): {', '.join(unknown)}")
        stmt = select(*[c[n] for n in names]).where(*self.where(flt)).order_by(c.date.desc().nulls_last(),
                                                                             c.id.desc())
        if limit is not None:
            stmt = stmt.limit(int(limit))
        if offset:
            stmt = stmt.offset(int(offset))
        return stmt, names

    def query(self, flt=None, *, columns=None, limit=None, offset=0, with_articles=False):
        stmt, names = self._select(flt, columns, limit, offset)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(stmt).mappings()]
            if with_articles and rows:
                links = self._article_ids(conn, [r["id"] for r in rows]) if "id" in names else {}
                for r in rows:
                    r["article_ids"] = links.get(r.get("id"), [])
        return rows

    def _article_ids(self, conn: Connection, ids: list[int]) -> dict[int, list[str]]:
        return {k: [a for a, _ in v] for k, v in self._article_links(conn, ids).items()}

    def _article_links(self, conn: Connection, ids: list[int]) -> dict[int, list[tuple[str, str | None]]]:
        s, a = self.t.incident_sources, self.t.article
        out: dict[int, list[tuple[str, str | None]]] = {}
        for i in range(0, len(ids), 900):
            q = (select(s.c.incident_id, s.c.article_id, a.c.url).join(a, a.c.id == s.c.article_id)
                 .where(s.c.incident_id.in_(ids[i:i + 900])).order_by(s.c.incident_id, s.c.article_id))
            for iid, aid, url in conn.execute(q):
                out.setdefault(iid, []).append((aid, url))
        return out

    def plain_rows(self, flt, columns):
        c = self.t.incident.c
        unknown = [n for n in columns if n not in c or n == "geom"]
        if unknown:
            raise StoreError(f"unknown incident column(s): {', '.join(unknown)}")
        cols = [cast(c.date, String).label("date") if n == "date" else c[n] for n in columns]
        with self.engine.connect() as conn:
            # straight from the driver's cursor: no per-row processing in SQLAlchemy
            return conn.execute(select(*cols).where(*self.where(flt))).cursor.fetchall()

    def sources_of(self, incident_ids):
        ids = [int(i) for i in incident_ids]
        s, a = self.t.incident_sources, self.t.article
        out: dict[int, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for k in range(0, len(ids), 900):
                q = (select(s.c.incident_id, a.c.id, a.c.title, a.c.url, a.c.published)
                     .join(a, a.c.id == s.c.article_id).where(s.c.incident_id.in_(ids[k:k + 900]))
                     .order_by(s.c.incident_id, a.c.published, a.c.id))
                for iid, aid, title, url, pub in conn.execute(q):
                    out.setdefault(int(iid), []).append({"id": aid, "title": title, "url": url, "published": pub})
        return out

    def articles(self):
        a, s, i = self.t.article, self.t.incident_sources, self.t.incident

        def n_status(status: str):
            return func.coalesce(func.sum(case((i.c.review_status == status, 1), else_=0)), 0).label(status)

        q = (select(a.c.id, a.c.title, a.c.published, a.c.language, a.c.url, a.c.ingested_at,
                    func.count(i.c.id).label("incidents"), *[n_status(x) for x in
                                                              ("unreviewed", "confirmed", "corrected", "rejected")])
             .select_from(a).outerjoin(s, s.c.article_id == a.c.id).outerjoin(i, i.c.id == s.c.incident_id)
             .group_by(a.c.id, a.c.title, a.c.published, a.c.language, a.c.url, a.c.ingested_at)
             .order_by(a.c.published.desc(), a.c.ingested_at.desc()))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def article_incident_ids(self, article_id):
        s = self.t.incident_sources
        with self.engine.connect() as conn:
            return [int(x) for x in conn.execute(select(s.c.incident_id).where(s.c.article_id == article_id)
                                                 .order_by(s.c.incident_id)).scalars()]

    def change_token(self):
        t = self.t
        with self.engine.connect() as conn:
            n, last = conn.execute(select(func.count(t.incident.c.id), func.max(t.incident.c.updated_at))).one()
            arts = conn.execute(select(func.count()).select_from(t.article)).scalar_one()
        return (int(n), str(last), int(arts))

    def iter_query(self, flt=None, *, columns=None, chunk=5000):
        names = list(columns or INCIDENT_COLUMNS)
        if "id" not in names:
            names.insert(0, "id")
        stmt, names = self._select(flt, names, None, 0)
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=chunk).execute(stmt).mappings()
            for part in result.partitions(chunk):
                rows = [dict(r) for r in part]
                links = self._article_links(conn, [r["id"] for r in rows])
                for r in rows:
                    got = links.get(r["id"], [])
                    r["article_ids"] = [x[0] for x in got]
                    r["article_urls"] = [x[1] for x in got if x[1]]
                yield rows

    def frame(self, flt=None, *, columns=None, limit=None):
        """Rows fetched raw (no per-value conversion in Python), then typed column by
        column: dates become datetime64 columns, JSON columns lists/dicts. Sorted like
        :meth:`query` (newest first), in pandas, which spares the database an index walk."""
        import pandas as pd
        from sqlalchemy import type_coerce
        from sqlalchemy.types import NullType

        c = self.t.incident.c
        names = list(columns or INCIDENT_COLUMNS)
        unknown = [n for n in names if n not in c or n == "geom"]
        if unknown:
            raise StoreError(f"unknown incident column(s): {', '.join(unknown)}")
        sel = [type_coerce(c[n], NullType()).label(n) for n in names]
        need_id = "id" not in names
        if need_id:
            sel.append(c.id.label("id"))
        stmt = select(*sel).where(*self.where(flt))
        if limit is not None:
            stmt = stmt.order_by(c.date.desc().nulls_last(), c.id.desc()).limit(int(limit))
        with self.engine.connect() as conn:
            data = [tuple(r) for r in conn.execute(stmt)]   # plain tuples: pandas probes Row objects slowly
        df = pd.DataFrame.from_records(data, columns=names + (["id"] if need_id else []))
        for n in names:
            kind = _COLUMN_KIND.get(n)
            if kind == "date":
                df[n] = pd.to_datetime(df[n], errors="coerce")
            elif kind == "timestamp":
                df[n] = pd.to_datetime(df[n], errors="coerce", utc=True, format="mixed")
            elif kind == "json":
                df[n] = [json.loads(v) if isinstance(v, str) else v for v in df[n]]
        if "date" in df.columns and len(df):
            df = df.sort_values(["date", "id"], ascending=False, na_position="last", kind="stable")
        elif len(df):
            df = df.sort_values("id", ascending=False)
        if need_id:
            df = df.drop(columns="id")
        return df.reset_index(drop=True)

    def count(self, flt=None) -> int:
        c = self.t.incident.c
        stmt = select(func.count(c.id)).where(*self.where(flt))
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def get_incident(self, incident_id: int) -> dict[str, Any] | None:
        t = self.t
        with self.engine.connect() as conn:
            row = conn.execute(select(*[t.incident.c[k] for k in INCIDENT_COLUMNS])
                               .where(t.incident.c.id == incident_id)).mappings().first()
            if row is None:
                return None
            out = dict(row)
            a, s = t.article, t.incident_sources
            arts = conn.execute(
                select(a.c.id, a.c.url, a.c.title, a.c.published, a.c.language)
                .join(s, s.c.article_id == a.c.id).where(s.c.incident_id == incident_id).order_by(a.c.published, a.c.id)
            ).mappings().all()
        out["articles"] = [dict(x) for x in arts]
        out["article_ids"] = [x["id"] for x in arts]
        return out

    def get_article(self, article_id: str) -> dict[str, Any] | None:
        a = self.t.article
        with self.engine.connect() as conn:
            row = conn.execute(select(a).where(a.c.id == article_id)).mappings().first()
        return dict(row) if row else None

    def facets(self) -> dict[str, Any]:
        c = self.t.incident.c
        out: dict[str, Any] = {}
        with self.engine.connect() as conn:
            for key, col in (("admin1", c.admin1), ("admin2", c.admin2), ("border_zone", c.border_zone),
                             ("event_types", c.event_type), ("sources", c.source),
                             ("review_status", c.review_status)):
                out[key] = sorted(conn.execute(select(col).where(col.is_not(None)).distinct()).scalars())
            ia = self.t.incident_actors
            out["actors"] = sorted(conn.execute(select(ia.c.actor).distinct()).scalars())
            lo, hi, fmax = conn.execute(select(func.min(c.date), func.max(c.date), func.max(c.fatalities))).one()
        out["date_min"], out["date_max"] = as_date(lo), as_date(hi)
        out["max_fatalities"] = fmax
        return out

    def stats(self) -> dict[str, int]:
        t = self.t
        with self.engine.connect() as conn:
            out = {
                "articles": conn.execute(select(func.count()).select_from(t.article)).scalar_one(),
                "incidents": conn.execute(select(func.count()).select_from(t.incident)).scalar_one(),
                "incident_sources": conn.execute(select(func.count()).select_from(t.incident_sources)).scalar_one(),
            }
            for src, n in conn.execute(select(t.incident.c.source, func.count()).group_by(t.incident.c.source)):
                out[f"incidents_{src}"] = n
        return out


def _final_actors(names: list[str]) -> list[str]:
    """The text layer's rule for a list of actors (the generic "unidentified armed group"
    goes when a named group is known; armed groups first)."""
    try:
        from ..text.actors import final_actors
    except ImportError:  # pragma: no cover
        return names
    return final_actors(names)


def _join_one(lat: float, lon: float) -> dict[str, Any]:
    """Our admin / border join for one point (after a correction)."""
    from .. import spatial

    j = spatial.join(spatial.points_frame([lat], [lon])).iloc[0]
    return {k: clean(j[k]) if k != "distance_to_border_km" else float(j[k])
            for k in ("country", "admin1", "admin2", "admin3", "border_zone", "distance_to_border_km",
                      "nearest_country")}
