"""bench/geocode.py runs and reports its figures (no timing assertions: see DESIGN.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "geocode.py"


def test_bench_reports_its_figures():
    spec = importlib.util.spec_from_file_location("bench_geocode_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.run(size=3000)
    assert out["name"] == "geocode" and out["lookups"] == 3000
    assert {"seconds", "lookups_per_s", "cache_hit_ratio"} <= set(out)
    assert 0.0 <= out["cache_hit_ratio"] <= 1.0 and out["lookups_per_s"] > 0
    assert out["cold_fuzzy_lookups"] == round(out["distinct"] * out["fuzzy_share"])
    assert out["resolved_ratio"] > 0.8
