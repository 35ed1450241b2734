"""Subprocess driver for the kill and concurrency tests: ingest a slice of synthetic articles.

    python ingest_driver.py DB_URL N DISTINCT START END [--slow SECONDS]

Runs the real :func:`geo.ingest.ingest` (single writer, one transaction per article) with
the deterministic ``fake_extract`` of storekit. ``--slow`` sleeps inside each write
transaction after every incident, so that a kill lands mid-article.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from storekit import fake_extract, make_article, synthetic_articles  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("n", type=int)
    ap.add_argument("distinct", type=int)
    ap.add_argument("start", type=int)
    ap.add_argument("end", type=int)
    ap.add_argument("--slow", type=float, default=0.0)
    args = ap.parse_args()
    if args.slow:
        from geo.store import sql

        def slowed(fn):
            def inner(*a, **kw):
                out = fn(*a, **kw)
                time.sleep(args.slow)
                return out
            return inner

        sql.SQLStore._insert_incident = slowed(sql.SQLStore._insert_incident)
        sql.SQLStore._merge_into = slowed(sql.SQLStore._merge_into)
    from geo.ingest import ingest

    texts = synthetic_articles(args.n, distinct=args.distinct)[args.start:args.end]
    report = ingest(articles=[make_article(t) for t in texts], db=args.db, extract=fake_extract, progress=False,
                    batch_size=1)
    print(json.dumps(report.to_dict()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
