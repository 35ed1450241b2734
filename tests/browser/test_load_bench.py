"""bench/load.py runs, small, and reports its figures (no timing assertions: benches print, tests don't time).

The real thing, small: a SQLite store of 2,000 synthetic incidents, `streamlit run app.py`
on a free local port, three Chromium sessions at once opening the Map page with a filter
in the URL; every page must show exactly the count the store gives for its filter.
Skips, like the other browser tests, when Chromium or Playwright is missing.

Run: .venv/bin/python -m pytest tests/browser/test_load_bench.py -m browser
"""

from __future__ import annotations

import importlib.util
import json
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

BENCH = Path(__file__).resolve().parents[2] / "bench" / "load.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_load_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_load_bench_small(chromium_path):
    bench = _bench()
    sessions, rounds = 3, 1
    # in a thread of its own: the sync Playwright of the other browser tests keeps an event
    # loop running in this one, and the bench drives its sessions with asyncio.run
    with ThreadPoolExecutor(1) as pool:
        out = pool.submit(bench.run, size=2000, sessions=sessions, rounds=rounds).result()
    json.dumps(out)  # one JSON line
    assert out["name"] == "load" and out["incidents"] == 2000 and out["sessions"] == sessions
    assert out["requests"] == sessions * rounds
    assert out["errors"] == 0, out["error_samples"]
    assert out["wrong_counts"] == 0 and out["timeouts"] == 0 and out["failures"] == 0
    assert out["outside_requests"] == 0
    for key in ("p50_ms", "p95_ms", "map_p50_ms", "map_p95_ms"):
        v = out[key]
        assert isinstance(v, (int, float)) and math.isfinite(v) and v > 0, (key, v)
    assert out["p50_ms"] <= out["p95_ms"] and out["map_p50_ms"] <= out["map_p95_ms"]
    assert out["seconds"] > 0


def test_filter_pool_is_distinct_and_round_trips():
    """Every request of a run gets its own filter, and each survives the URL round trip."""
    from datetime import date

    from geo.filters import IncidentFilter

    bench = _bench()
    facets = {"admin1": ["Gao", "Kidal", "Mopti", "Ségou"], "border_zone": ["Mali–Niger border"],
              "event_types": ["abduction", "armed clash"], "actors": ["JNIM", "Islamic State Sahel"],
              "date_min": date(2017, 1, 1), "date_max": date(2024, 12, 31)}
    pool = bench.filter_pool(facets, 50)
    assert len(pool) == len(set(pool)) == 50
    for flt in pool:
        assert IncidentFilter.from_query_string(flt.to_query_string()) == flt
