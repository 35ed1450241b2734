"""Ingest: articles in, incidents stored, safely and as often as you like.

    python -m geo ingest PATH|URL|FEED ... [--published DATE] [--db URL]
                         [--workers N | --scheduler ADDRESS] [--online]

1. **load** every input with :func:`geo.text.loading.load_articles` (files, folders of
   files, feeds, JSON, HTML; a URL given on the command line is fetched);
2. **skip** articles already stored: an article's identity is the hash of its cleaned,
   whitespace-normalised text (:func:`geo.text.records.article_id`), so the same article
   twice, from a file or a feed or a URL, adds nothing;
3. **extract and geocode** (:class:`geo.extract.Extractor`) in this process, or on Dask
   (``--workers N``: a local cluster; ``--scheduler ADDRESS``: an existing one);
4. **write** from this process only (a single writer), one transaction per article: the
   article, its incidents (merged with incidents other articles already reported, see
   :mod:`geo.store.merge`), their links. A crash or kill leaves whole articles only, and
   running the same command again completes the batch. A write that fails because the
   database is locked or unreachable is tried again (``GEO_DB_RETRIES``, waits doubling
   from ``GEO_DB_RETRY_WAIT``); if it still fails the run stops there with a clear message
   (``report.stopped``), having stored whole articles only;
5. **retry** (``--online``): places the online geocoder could not answer for in earlier
   runs (down, slow, rate limiting) are asked again (:mod:`geo.regeocode`).
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .config import get_settings
from .errors import GeoError, InvalidInputError
from .store.base import StoreUnavailableError
from .text.records import RETRY

log = logging.getLogger(__name__)

_URL = re.compile(r"^https?://", re.IGNORECASE)
#: Files in a folder that are read (others are ignored).
INPUT_SUFFIXES = frozenset({".txt", ".text", ".md", ".html", ".htm", ".xhtml", ".json", ".xml", ".rss", ".atom",
                            ".feed", ""})

#: Seconds to wait for an existing Dask scheduler to answer.
SCHEDULER_TIMEOUT_S = 20
#: Articles extracted together in-process (one spatial join per batch; each article is
#: still written in its own transaction).
LOCAL_BATCH = 32
#: extract(articles) -> [(article, incidents)] for those articles, in any order.
ExtractFn = Callable[[list], list]


@dataclass
class IngestReport:
    inputs: int = 0
    articles: int = 0               # distinct articles loaded
    added: int = 0                  # stored by this run
    already: int = 0                # already stored before (or by a concurrent writer)
    repeated: int = 0               # the same article more than once in this batch
    incidents_new: int = 0
    incidents_merged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)   # (input or article, why)
    stopped: str | None = None      # why the run stopped early (the database failed)
    not_stored: int = 0             # articles left for the next run when it stopped
    pending_places: int = 0         # places of this run waiting for the online geocoder
    retried: dict | None = None     # what asking again for earlier runs' places did
    seconds: float = 0.0
    handled: int = field(default=0, repr=False)   # articles of this run written or failed so far

    @property
    def ok(self) -> bool:
        return not self.failed and self.stopped is None

    def summary(self) -> str:
        s = (f"ingest: {self.articles} articles ({self.added} new, {self.already} already stored), "
             f"{self.incidents_new + self.incidents_merged} incidents ({self.incidents_new} new, "
             f"{self.incidents_merged} merged into existing), {len(self.failed)} failed")
        if self.pending_places:
            s += (f"; {self.pending_places} places wait for the online geocoder (it failed; "
                  "they are asked again on the next online run)")
        if self.retried and self.retried.get("pending"):
            r = self.retried
            s += (f"; earlier places asked again: {r['resolved']} located, {r['not_found']} unknown, "
                  f"{r['still_pending']} still waiting")
        if self.stopped:
            s += f"\nstopped: {self.stopped}; {self.not_stored} articles not stored: run the same command again"
        return s

    def to_dict(self) -> dict:
        return {"inputs": self.inputs, "articles": self.articles, "added": self.added, "already": self.already,
                "repeated": self.repeated, "incidents_new": self.incidents_new,
                "incidents_merged": self.incidents_merged,
                "failed": [{"input": a, "error": b} for a, b in self.failed], "stopped": self.stopped,
                "not_stored": self.not_stored, "pending_places": self.pending_places, "retried": self.retried,
                "seconds": round(self.seconds, 3)}


# ------------------------------------------------------------------ loading

def expand_inputs(inputs: Iterable[str]) -> list[str]:
    """Paths, folder contents (sorted, hidden files skipped) and URLs, in order."""
    out: list[str] = []
    for raw in inputs:
        s = str(raw).strip()
        if _URL.match(s):
            out.append(s)
            continue
        p = Path(s).expanduser()
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and not any(x.startswith(".") for x in
                                                                                 f.relative_to(p).parts)
                           and f.suffix.lower() in INPUT_SUFFIXES)
            out.extend(str(f) for f in files)
        else:
            out.append(str(p))
    return out


def load_inputs(inputs: Sequence[str], *, published: Any = None, language: str | None = None,
                fmt: str = "auto", report: IngestReport) -> list:
    """Articles from every input; an input that cannot be read is recorded and skipped."""
    from .text import loading

    articles = []
    for src in inputs:
        try:
            if _URL.match(src):
                got = loading.load_articles(src, fmt=fmt, published=published, language=language, fetch=True)
            else:
                p = Path(src)
                if not p.is_file():
                    raise InvalidInputError(f"{src}: no such file or folder")
                got = loading.load_articles(p, fmt=fmt, published=published, language=language)
        except GeoError as exc:
            report.failed.append((src, str(exc)))
            log.warning("%s", exc)
            continue
        articles.extend(got)
    return articles


# ------------------------------------------------------------------ extraction

#: Extractors of this (worker) process, by (database URL for the geocoder's cache, online).
_EXTRACTORS: dict[tuple, Any] = {}


def _run_extractor(ex: Any, articles: list) -> list:
    try:
        return [(r.article, r.incidents, None) for r in ex.extract_many(articles)]
    except Exception:  # noqa: BLE001 - find the article that fails, keep the others
        out = []
        for a in articles:
            try:
                out.append((a, ex.extract_article(a).incidents, None))
            except Exception as exc:  # noqa: BLE001
                out.append((a, None, f"{type(exc).__name__}: {exc}"))
        return out


def extract_batch(articles: list, cache_url: str | None = None, online: bool = False) -> list:
    """[(article, incidents | None, error | None)] for a batch; one bad article does not
    spoil the others. The Dask task: the worker keeps one extractor per database."""
    key = (cache_url, online)
    ex = _EXTRACTORS.get(key)
    if ex is None:
        from .extract import Extractor

        ex = _EXTRACTORS[key] = Extractor(online=online, geocode_cache=cache_url)
    return _run_extractor(ex, articles)


def _wrap(fn: ExtractFn) -> Callable[[list], list]:
    """A user extract function -> the (article, incidents, error) shape."""

    def run(articles: list) -> list:
        try:
            return [(a, incs, None) for a, incs in fn(articles)]
        except Exception:  # noqa: BLE001
            out = []
            for a in articles:
                try:
                    out.extend((x, incs, None) for x, incs in fn([a]))
                except Exception as exc:  # noqa: BLE001
                    out.append((a, None, f"{type(exc).__name__}: {exc}"))
            return out

    return run


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


# ------------------------------------------------------------------ the pipeline

def ingest(
    inputs: Sequence[str] = (),
    *,
    articles: Sequence[Any] | None = None,
    db: str | None = None,
    store: Any = None,
    published: Any = None,
    language: str | None = None,
    fmt: str = "auto",
    workers: int | None = None,
    scheduler: str | None = None,
    online: bool = False,
    progress: bool | None = None,
    extract: ExtractFn | None = None,
    batch_size: int | None = None,
) -> IngestReport:
    """Load, extract and store. ``articles`` (already loaded) may be given instead of or
    besides ``inputs``. ``extract`` replaces the extraction pipeline (tests, benchmarks):
    ``extract(list_of_articles) -> [(article, incidents)]``; with Dask it must be picklable."""
    t0 = time.perf_counter()
    report = IngestReport()
    expanded = expand_inputs(inputs)
    report.inputs = len(expanded)
    loaded = load_inputs(expanded, published=published, language=language, fmt=fmt, report=report)
    loaded.extend(articles or [])
    unique: dict[str, Any] = {}
    for a in loaded:
        if a.id in unique:
            report.repeated += 1
        else:
            unique[a.id] = a
    report.articles = len(unique)

    from .store import open_store

    own = store is None
    st = store or open_store(db)
    try:
        done = st.existing_articles(unique)
        report.already += len(done)
        todo = [a for aid, a in unique.items() if aid not in done]
        earlier = [r["id"] for r in st.pending_geocodes()] if online else []
        if todo:
            try:
                _run(todo, st, report, workers=workers, scheduler=scheduler, online=online, progress=progress,
                     extract=extract, batch_size=batch_size)
            except _Stopped as stop:
                report.stopped = stop.reason
                report.not_stored = len(todo) - report.handled
                log.error("ingest stopped: %s", stop.reason)
        if earlier and report.stopped is None:
            from .regeocode import retry_pending

            report.retried = retry_pending(st, ids=earlier).to_dict()
    finally:
        if own:
            st.close()
    report.seconds = time.perf_counter() - t0
    return report


class _Stopped(Exception):
    """The database kept failing: the run stops."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def add_with_retry(st: Any, article: Any, incidents: Any) -> Any:
    """``st.add_article`` tried again while the database is locked or unreachable
    (``GEO_DB_RETRIES`` times, waits doubling from ``GEO_DB_RETRY_WAIT``). Safe to repeat:
    each try is one transaction, and an article already stored is left alone."""
    settings = get_settings()
    retries, wait = max(0, int(settings.db_retries)), max(0.0, float(settings.db_retry_wait))
    for attempt in range(retries + 1):
        try:
            return st.add_article(article, incidents)
        except StoreUnavailableError as exc:
            if attempt >= retries:
                raise
            pause = wait * (2 ** attempt)
            log.warning("%s; trying again in %.1f s (%d/%d)", exc, pause, attempt + 1, retries)
            time.sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover


def _write(st: Any, results: list, report: IngestReport, bar: Any) -> None:
    for art, incidents, error in results:
        if error is not None:
            report.failed.append((art.title or art.url or art.id[:12], error))
        else:
            try:
                res = add_with_retry(st, art, incidents)
            except StoreUnavailableError as exc:
                raise _Stopped(str(exc)) from exc
            if res.added:
                report.added += 1
                report.incidents_new += res.incidents_new
                report.incidents_merged += res.incidents_merged
                report.pending_places += sum(1 for i in incidents if getattr(i, "geocode_status", None) == RETRY)
            else:
                report.already += 1
        report.handled += 1
        if bar is not None:
            bar.update(1)


def _run(todo: list, st: Any, report: IngestReport, *, workers, scheduler, online, progress, extract,
         batch_size) -> None:
    from tqdm import tqdm

    bar = tqdm(total=len(todo), unit="article", desc="ingest", leave=False,
               disable=(None if progress is None else not progress))
    try:
        if workers or scheduler:
            _run_dask(todo, st, report, bar, workers=workers, scheduler=scheduler, online=online, extract=extract,
                      batch_size=batch_size)
            return
        if extract is not None:
            run = _wrap(extract)
        else:
            from .extract import Extractor

            from .geocache import GeoCache

            ex = Extractor(online=online, geocode_cache=GeoCache.for_store(st))

            def run(batch: list) -> list:
                return _run_extractor(ex, batch)

        for b in _batches(todo, batch_size or LOCAL_BATCH):
            _write(st, run(b), report, bar)
    finally:
        bar.close()


def _call_user(fn: ExtractFn, batch: list) -> list:
    return _wrap(fn)(batch)


def _worker_cache_url(st: Any) -> str | None:
    """The database URL workers open for the geocoder's cache (None: their own setting)."""
    from sqlalchemy.engine import make_url

    url = getattr(st, "url", None)
    if not url:
        return None
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and (not u.database or u.database == ":memory:"):
        return None
    return url


def _run_dask(todo: list, st: Any, report: IngestReport, bar: Any, *, workers, scheduler, online, extract,
              batch_size) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - a dependency
        raise GeoError(f"Dask is not installed ({exc}): pip install 'dask[distributed]'") from exc
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S}s")
        else:
            cluster = LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        where = f"the Dask scheduler at {scheduler}" if scheduler else "a local Dask cluster"
        raise GeoError(f"cannot start or reach {where}: {exc}") from exc
    try:
        n = len(client.scheduler_info().get("workers", {})) or int(workers or 1)
        size = batch_size or max(1, min(16, math.ceil(len(todo) / (n * 4))))
        batches = _batches(todo, size)
        if extract is not None:
            futures = [client.submit(_call_user, extract, b, pure=False) for b in batches]
        else:
            url = _worker_cache_url(st)
            futures = [client.submit(extract_batch, b, url, online, pure=False) for b in batches]
        owner = {f.key: b for f, b in zip(futures, batches)}
        for fut in as_completed(futures):
            try:
                results = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker died or could not import us
                results = [(a, None, f"Dask task failed: {type(exc).__name__}: {exc}") for a in owner[fut.key]]
            _write(st, results, report, bar)
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
