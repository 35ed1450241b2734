"""Benchmark: offline gazetteer geocoding throughput (``python bench/run.py geocode --json``).

The workload is a stream of place mentions as articles produce them: 200,000 look-ups
drawn (Zipf-like, seeded) from 6,000 distinct (name, context) pairs; 90 % of the names
are gazetteer names as written (main, ASCII or alternate spelling, sometimes upper-case),
10 % are misspellings that are in no index and so take the fuzzy path. A quarter of the
look-ups carry an article context (regions, other places). Everything runs offline on a
throwaway SQLite cache.

Prints ``{"name": "geocode", "lookups": N, "seconds": s, "lookups_per_s": r,
"cache_hit_ratio": h}`` plus the cold figures: the same distinct names once each with the
in-memory LRU off (``cold_*``), and the fuzzy ones alone (``cold_fuzzy_*``).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LOOKUPS = 200_000
DISTINCT = 6_000
FUZZY_SHARE = 0.10
CONTEXT_SHARE = 0.25
SEED = 4


def _misspell(name: str, rng: random.Random, known: set[str]) -> str | None:
    """A spelling variant of ``name`` that no index has: one letter doubled or dropped."""
    from geo.gazetteer import fold

    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 6:
        return None
    for _ in range(6):
        i = rng.choice(letters[1:-1])
        variant = name[:i] + name[i] + name[i:] if rng.random() < 0.5 else name[:i] + name[i + 1:]
        if fold(variant) not in known:
            return variant
    return None


def workload(gaz, n: int = LOOKUPS, distinct: int = DISTINCT, seed: int = SEED):
    """(stream of (name, context) look-ups, the distinct pairs, how many of those are fuzzy)."""
    from geo.gazetteer import fold
    from geo.geocode import GeocodeContext

    rng = random.Random(seed)
    known = {k for k, _ in gaz.iter_names()}
    places = sorted(gaz.places, key=lambda p: (p.country_code != "ML", p.geonameid))
    mali = [p for p in places if p.country_code == "ML"]
    regions = ("Kayes", "Mopti", "Ségou", "Timbuktu", "Gao", "Sikasso", "Koulikoro", "Kidal")
    contexts = [GeocodeContext()] + [
        GeocodeContext(regions=(rng.choice(regions),), places=tuple(p.name for p in rng.sample(mali, 3)))
        for _ in range(40)
    ]
    n_fuzzy = int(distinct * FUZZY_SHARE)
    pairs: list[tuple[str, object]] = []
    while len(pairs) < distinct - n_fuzzy:
        p = rng.choice(mali) if rng.random() < 0.4 else rng.choice(places)
        name = rng.choice(p.all_names)
        if len(fold(name).replace(" ", "")) < 3 or not name[:1].isupper():
            continue
        if rng.random() < 0.05:
            name = name.upper()
        pairs.append((name, contexts[0] if rng.random() > CONTEXT_SHARE else rng.choice(contexts)))
    fuzzy_pairs = []
    while len(fuzzy_pairs) < n_fuzzy:
        p = rng.choice(places)
        variant = _misspell(p.name, rng, known)
        if variant and variant[:1].isupper():
            fuzzy_pairs.append((variant, contexts[0] if rng.random() > CONTEXT_SHARE else rng.choice(contexts)))
    pairs += fuzzy_pairs
    rng.shuffle(pairs)
    # Zipf-like popularity: a few names (Bamako, Gao, Mopti...) are in most articles
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(pairs))]
    stream = rng.choices(pairs, weights=weights, k=n)
    return stream, pairs, fuzzy_pairs


def _warm_up(geocoder) -> None:
    """Load what every process loads once (boundaries, name tables, aliases), then zero the stats."""
    from geo.geocode import GeocodeContext

    geocoder.geocode("Bamako", GeocodeContext(regions=("Kayes",), border_zones=("Senegalese border",)))
    geocoder.geocode("Tombouctu")   # builds the fuzzy index
    geocoder.stats.update(lookups=0, lru_hits=0, cache_hits=0, online_requests=0)


def run(size: int | None = None) -> dict:
    """``size``: look-ups in the stream (default 200,000); ``bench/run.py --size`` sets it."""
    from geo import gazetteer

    lookups = int(size or LOOKUPS)
    from geo.geocache import GeoCache
    from geo.geocode import Geocoder

    gaz = gazetteer.load()
    stream, distinct, fuzzy = workload(gaz, n=lookups)
    with tempfile.TemporaryDirectory() as tmp:
        cache = GeoCache(f"sqlite:///{tmp}/bench.sqlite")
        geocoder = Geocoder(gaz, cache=cache, online=False)
        _warm_up(geocoder)

        t0 = time.perf_counter()
        resolved = 0
        for name, ctx in stream:
            resolved += geocoder.geocode(name, ctx).status == "resolved"
        seconds = time.perf_counter() - t0
        stats = dict(geocoder.stats)

        cold = Geocoder(gaz, cache=cache, online=False, lru_size=0)
        _warm_up(cold)
        t1 = time.perf_counter()
        cold_resolved = sum(cold.geocode(n, c).status == "resolved" for n, c in distinct)
        cold_seconds = time.perf_counter() - t1
        t2 = time.perf_counter()
        fuzzy_resolved = sum(cold.geocode(n, c).status == "resolved" for n, c in fuzzy)
        fuzzy_seconds = time.perf_counter() - t2
        cache.close()

    hits = stats["lru_hits"] + stats["cache_hits"]
    return {
        "name": "geocode",
        "lookups": len(stream),
        "seconds": round(seconds, 4),
        "lookups_per_s": round(len(stream) / seconds, 1),
        "cache_hit_ratio": round(hits / max(1, stats["lookups"]), 4),
        "resolved_ratio": round(resolved / len(stream), 4),
        "distinct": len(distinct),
        "fuzzy_share": FUZZY_SHARE,
        "gazetteer_places": len(gaz),
        "cold_lookups": len(distinct),
        "cold_seconds": round(cold_seconds, 4),
        "cold_lookups_per_s": round(len(distinct) / cold_seconds, 1),
        "cold_resolved_ratio": round(cold_resolved / len(distinct), 4),
        "cold_fuzzy_lookups": len(fuzzy),
        "cold_fuzzy_lookups_per_s": round(len(fuzzy) / fuzzy_seconds, 1),
        "cold_fuzzy_resolved_ratio": round(fuzzy_resolved / max(1, len(fuzzy)), 4),
    }


if __name__ == "__main__":
    print(json.dumps(run()))
