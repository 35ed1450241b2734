"""Benchmark: the incident store (``python bench/run.py store --json``).

For SQLite and, when a server is available, PostgreSQL + PostGIS (GEO_BENCH_POSTGRES_URL,
else a temporary server started like the tests do, durability off), at 100,000 and
1,000,000 incidents (``--size N`` for one other size):

- ``insert_per_s``: synthetic incidents written through the import path
  (:meth:`IncidentStore.insert_events`, batches of 5,000 in one transaction each, with
  the actor index rows), seeded so every run writes the same data. Points cluster around
  the places where incidents concentrate; admin-1 and border zones come from our real
  spatial join; dates span 2017-2024.
- ``filter_ms_p50`` / ``filter_ms_p95``: what a dashboard rerun costs for its typical
  filters (:data:`FILTERS`): the count and the map rows (:data:`geo.store.MAP_COLUMNS`,
  every matching incident) of each filter, timed together, 15 times each after one
  warm-up. ``filters`` gives each filter's p50 and result size.

Prints one document per (backend, size):
``{"name": "store", "backend", "incidents", "insert_per_s", "filter_ms_p50", "filter_ms_p95", ...}``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES = (100_000, 1_000_000)
REPEATS = 15
SEED = 5
BATCH = 5000

#: (lat, lon, weight) of incident hot spots; points scatter around them (sd 0.6 degrees).
HOTSPOTS = [(14.49, -4.19, 8), (15.92, 2.40, 6), (16.27, -0.04, 5), (16.77, -3.01, 4), (13.43, -6.22, 4),
            (18.44, 1.41, 3), (15.08, -2.22, 5), (14.25, -5.99, 3), (14.45, -11.44, 1), (11.32, -5.67, 1),
            (14.07, -3.08, 4), (15.35, -1.45, 4), (12.65, -8.00, 1)]
EVENT_TYPES = ["armed clash", "attack on military position", "explosion/remote violence", "violence against civilians",
               "abduction", "looting/destruction"]
ACTORS = ["JNIM", "Islamic State Sahel", "Malian armed forces", "Wagner Group/Africa Corps", "Civilians",
          "Unidentified armed group", "FLA/CSP/CMA separatists", "Dan Na Ambassagou", "Katiba Macina", "MINUSMA"]
WORDS = ["ambush", "convoy", "market", "checkpoint", "drone", "village", "patrol", "camp", "road", "mine", "herders",
         "wells", "fair", "mosque", "bus"]
LAST = date(2024, 12, 31)


def synthetic_rows(n: int, seed: int = SEED) -> list[dict]:
    """``n`` incident rows (the import layout), joined to our admin units and border zones."""
    import numpy as np

    from geo import spatial

    rng = np.random.default_rng(seed)
    w = np.array([h[2] for h in HOTSPOTS], float)
    k = rng.choice(len(HOTSPOTS), size=n, p=w / w.sum())
    lat = np.clip(np.array([h[0] for h in HOTSPOTS])[k] + rng.normal(0, 0.6, n), 10.2, 24.9)
    lon = np.clip(np.array([h[1] for h in HOTSPOTS])[k] + rng.normal(0, 0.6, n), -12.1, 4.2)
    lat, lon = np.round(lat, 5), np.round(lon, 5)
    joined = spatial.join(spatial.points_frame(lat, lon))
    admin1 = joined["admin1"].astype(object).where(joined["admin1"].notna(), None).tolist()
    zone = joined["border_zone"].astype(object).where(joined["border_zone"].notna(), None).tolist()
    country = joined["country"].astype(object).where(joined["country"].notna(), None).tolist()
    dist = joined["distance_to_border_km"].tolist()
    span = (LAST - date(2017, 1, 1)).days
    days = rng.integers(0, span + 1, n)
    types = rng.choice(len(EVENT_TYPES), n, p=[0.3, 0.15, 0.15, 0.25, 0.1, 0.05])
    n_act = rng.integers(1, 4, n)
    act = rng.integers(0, len(ACTORS), (n, 3))
    prec = rng.choice([1, 2, 3, 4, 5], n, p=[0.55, 0.25, 0.12, 0.05, 0.03])
    fat = np.minimum(rng.geometric(0.25, n) - 1, 300)
    has_fat = rng.random(n) > 0.15
    src = rng.choice(["acled", "ucdp", "article"], n, p=[0.6, 0.2, 0.2])
    wds = rng.integers(0, len(WORDS), (n, 2))
    base = date(2017, 1, 1)
    rows = []
    for i in range(n):
        actors = list(dict.fromkeys(ACTORS[a] for a in act[i, : n_act[i]]))
        rows.append({
            "source": str(src[i]), "source_event_id": f"B{i}", "place": f"Place {i % 5000}", "place_kind": "place",
            "lat": float(lat[i]), "lon": float(lon[i]), "geo_precision": int(prec[i]), "country": country[i],
            "admin1": admin1[i], "border_zone": zone[i], "distance_to_border_km": float(dist[i]),
            "date": base + timedelta(days=int(days[i])), "date_precision": "day",
            "event_type": EVENT_TYPES[types[i]], "actors": actors,
            "fatalities": int(fat[i]) if has_fat[i] else None,
            "notes": f"{WORDS[wds[i, 0]]} {WORDS[wds[i, 1]]}",
        })
    return rows


def filters():
    """The dashboard's typical filters (name -> IncidentFilter)."""
    from geo.filters import IncidentFilter

    year = LAST - timedelta(days=364)
    return {
        "last_12_months": IncidentFilter(date_from=year, date_to=LAST),
        "region_12_months": IncidentFilter(admin1=("Mopti",), date_from=year, date_to=LAST),
        "tri_border_2_years": IncidentFilter(border_zone=("Liptako-Gourma tri-border area",),
                                             date_from=LAST - timedelta(days=729), date_to=LAST),
        "actor_and_type": IncidentFilter(actors=("Islamic State Sahel",), event_types=("armed clash",),
                                         date_from=year, date_to=LAST),
        "precise_deadly_12_months": IncidentFilter(max_precision=2, min_fatalities=5, date_from=year, date_to=LAST),
        "text_search": IncidentFilter(text="ambush convoy"),
        "map_viewport_12_months": IncidentFilter(bbox=(-5.0, 14.0, -3.0, 15.5), date_from=year, date_to=LAST),
        "two_regions_types_actors": IncidentFilter(admin1=("Gao", "Ménaka"), event_types=EVENT_TYPES[:2],
                                                   actors=("JNIM", "Wagner Group/Africa Corps"),
                                                   date_from=year, date_to=LAST),
    }


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, int(round(q / 100 * (len(xs) - 1)))))
    return xs[i]


def measure(store, rows: list[dict], repeats: int = REPEATS) -> dict:
    from geo.store import MAP_COLUMNS

    t0 = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        store.insert_events(rows[i:i + BATCH])
    store.optimize()
    insert_s = time.perf_counter() - t0
    samples: list[float] = []
    per: dict[str, dict] = {}
    for name, f in filters().items():
        store.count(f)
        store.frame(f, columns=MAP_COLUMNS)      # warm-up
        mine = []
        n = 0
        for _ in range(repeats):
            t = time.perf_counter()
            n = store.count(f)
            store.frame(f, columns=MAP_COLUMNS)
            mine.append((time.perf_counter() - t) * 1000)
        samples += mine
        per[name] = {"rows": n, "ms_p50": round(_pct(mine, 50), 1), "ms_p95": round(_pct(mine, 95), 1)}
    return {
        "insert_per_s": round(len(rows) / insert_s),
        "filter_ms_p50": round(_pct(samples, 50), 1),
        "filter_ms_p95": round(_pct(samples, 95), 1),
        "filters": per,
    }


def _postgres():
    """(server URL maker, cleanup, note) or None when no server can be had."""
    url = os.environ.get("GEO_BENCH_POSTGRES_URL", "").strip()
    if url:
        from geo.store.pgtemp import create_database_at

        return (lambda name: create_database_at(url, name)), (lambda: None), "GEO_BENCH_POSTGRES_URL"
    from geo.store.pgtemp import PostgresUnavailable, TempPostgres

    try:
        pg = TempPostgres().start()
    except (PostgresUnavailable, RuntimeError) as exc:
        print(f"store bench: PostGIS skipped: {exc}", file=sys.stderr)
        return None
    return pg.create_database, pg.stop, "temporary server, fsync off"


def run(size: int | None = None, backends: tuple[str, ...] = ("sqlite", "postgis")) -> list[dict]:
    from geo.store import open_store

    sizes = (size,) if size else SIZES
    results = []
    data = {n: synthetic_rows(n) for n in sizes}
    tmp = tempfile.TemporaryDirectory(prefix="geo-bench-store-")
    pg = _postgres() if "postgis" in backends else None
    try:
        for backend in backends:
            if backend == "postgis" and pg is None:
                continue
            for n in sizes:
                if backend == "sqlite":
                    url = f"sqlite:///{Path(tmp.name) / f'bench_{n}.sqlite'}"
                    note = "file, WAL"
                else:
                    url = pg[0](f"bench_{n}")
                    note = pg[2]
                with open_store(url) as st:
                    m = measure(st, data[n])
                results.append({"name": "store", "backend": backend, "incidents": n, **m, "server": note})
                if backend == "sqlite":
                    Path(url[len("sqlite:///"):]).unlink(missing_ok=True)
    finally:
        if pg is not None:
            pg[1]()
        tmp.cleanup()
    return results


if __name__ == "__main__":
    for r in run():
        print(json.dumps(r))
