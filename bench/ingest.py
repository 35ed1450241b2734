"""Benchmark: ingest throughput (``python bench/run.py ingest --json``).

The articles are the extraction benchmark's generated corpus (bench/extract.py: ~600-word
wire-style articles in English and French, seeded), 400 by default (``--size N``). Each
configuration ingests them into a fresh SQLite store: extraction, offline geocoding,
spatial join and the single transactional writer (merging included).

- ``workers: 0`` - in-process extraction (no Dask);
- ``workers: 1`` and ``2`` - a local Dask cluster of that many worker processes
  (``--workers N``).

``articles_per_s`` is the steady state: the cluster is started and every worker has
built its extractor (gazetteer, automaton, boundaries) on a warm-up batch first, as a
long-running cluster would have. ``end_to_end_s`` is what one ``python -m geo ingest
--workers N`` call costs from scratch, cluster start-up and warm-up included.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

ARTICLES = 400
WARM = 16


def _articles(n: int, seed: int):
    from geo.text.loading import make_article

    import extract as extract_bench  # bench/extract.py: the shared generated corpus

    return [make_article(t, published=p, language=lang) for t, p, lang in extract_bench.corpus(n, seed=seed)]


def _steady(workers: int, articles, warm, url: str) -> float:
    """Seconds to ingest ``articles`` on a warmed-up local cluster (or in-process)."""
    from geo.ingest import ingest

    if workers == 0:
        ingest(articles=warm, db=url, progress=False)
        t = time.perf_counter()
        ingest(articles=articles, db=url, progress=False)
        return time.perf_counter() - t
    import logging

    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        addr = cluster.scheduler_address
        ingest(articles=warm, db=url, scheduler=addr, progress=False, batch_size=max(1, len(warm) // (2 * workers)))
        t = time.perf_counter()
        ingest(articles=articles, db=url, scheduler=addr, progress=False)
        return time.perf_counter() - t
    finally:
        client.close()
        cluster.close()


def _end_to_end(workers: int, articles, url: str) -> float:
    from geo.ingest import ingest

    t = time.perf_counter()
    ingest(articles=articles, db=url, workers=workers or None, progress=False)
    return time.perf_counter() - t


def run(size: int | None = None, workers: tuple[int, ...] = (0, 1, 2)) -> list[dict]:
    n = size or ARTICLES
    arts = _articles(n, seed=21)
    warm = _articles(WARM, seed=22)
    out = []
    with tempfile.TemporaryDirectory(prefix="geo-bench-ingest-") as d:
        for w in workers:
            url = f"sqlite:///{Path(d) / f'steady_{w}.sqlite'}"
            secs = _steady(w, arts, warm, url)
            e2e = _end_to_end(w, arts, f"sqlite:///{Path(d) / f'e2e_{w}.sqlite'}")
            from geo.store import open_store

            with open_store(url) as st:
                stats = st.stats()
            out.append({
                "name": "ingest", "workers": w, "articles": n,
                "articles_per_s": round(n / secs, 1), "seconds": round(secs, 2),
                "end_to_end_s": round(e2e, 2),
                "incidents": stats["incidents"] - 0, "incident_sources": stats["incident_sources"],
                "mode": "in-process" if w == 0 else "dask local cluster",
            })
    return out


if __name__ == "__main__":
    for r in run():
        print(json.dumps(r))
