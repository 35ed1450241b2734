"""The dashboard under load: simultaneous browser sessions filtering 100,000 incidents.

    python bench/run.py load --json            # 100,000 incidents, 10 sessions
    python bench/run.py load --json --size N   # another store size

Prints one JSON line ``{"name": "load", "sessions": 10, "incidents": 100000, "p50_ms",
"p95_ms", "errors", ...}``.

What it does, with nothing mocked:

- writes ``size`` synthetic incidents (:func:`bench.store.synthetic_rows`: hot spots,
  our real admin-1 / border-zone join, 2017-2024, actors, searchable notes) to a SQLite
  store in a temporary folder through the bulk import path
  (:meth:`IncidentStore.insert_events`); the database is not empty, so the app's first
  run stores no sample articles;
- starts ``streamlit run app.py`` on 127.0.0.1 on a free port, pointed at that store
  (``GEO_DATABASE_URL``) and at an empty full-data folder (``GEO_DATA_DIR``: the
  embedded data, as the browser tests use);
- opens one headless Debian Chromium (``/usr/bin/chromium`` or ``GEO_CHROMIUM``, through
  Python Playwright: nothing is downloaded) and, after one warm-up page load that is not
  counted, runs ``sessions`` browser contexts at the same time (asyncio, one page each).
  Each session opens the Map page ``rounds`` times, each time with another filter in the
  URL query string (a shared link: region and year, border zone, event type and minimum
  fatalities, actor and text, precision, dates, several regions and types, broad views);
  every request is a different filter, so the server's per-filter caches do not help.
  Nothing but 127.0.0.1 is reached: the browser sends every other request to a proxy
  address where nothing listens, so it fails inside Chromium (IP-literal hosts too, no DNS
  look-up), and counts it (``outside_requests``, expected 0). This, rather than aborting
  in a Playwright route as the browser tests do, keeps the browser's HTTP cache on (any
  Playwright route turns it off), as a returning user has it; ``intercept=True`` routes
  and aborts like the tests instead.

Per request: ``ms`` is the wall time from the start of the navigation until the page
shows the KPI "Incidents" for that filter; ``map_ms`` until the map of that filter is
there too (its legend in the map frame). The request is an error when it failed or timed
out (``timeouts``, ``failures``), when the page showed an exception, or when the KPI or the
map's total differ from ``store.count(filter)`` for the same filter (``wrong_counts``).
``p50_ms`` / ``p95_ms`` (and ``map_p50_ms`` / ``map_p95_ms``) are over the requests that
showed a result; ``requests`` is ``sessions * rounds``. Further keys: ``seconds`` (wall
time of the measured phase), ``requests_per_s``, ``result_rows_median`` (incidents the median
request selects), ``warmup_ms``, ``store_insert_seconds``, ``outside_requests``, ``max_ms``
(slowest map) and ``error_samples`` (up to five, to see what went wrong).

The machine running the bench also runs the browsers: on a small machine the figures are
the server and ``sessions`` Chromium renderers sharing its cores.

The server, the browser and the temporary folder are removed on the way out, error or not.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for `import geo` and `bench.store`

from bench.liveapp import free_port, streamlit_app  # noqa: E402  (one way to run the app)
from bench.store import _pct, synthetic_rows  # noqa: E402  (the store bench's data and percentile)

SIZE = 100_000
SESSIONS = 10
ROUNDS = 5
BATCH = 5000
CHROMIUM = Path(os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
LOCAL_HOSTS = {"127.0.0.1"}
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


# ------------------------------------------------------------------ the filters

def filter_pool(facets: dict, n: int) -> list:
    """``n`` different filters a dashboard user might open (deterministic, from the store's values).

    Ten kinds, taken in turn, each cycling through its values: region and year; border
    zone over two years; event type with a minimum of fatalities; actor and a word of
    text; towns only in a region; a quarter; two regions and two event types; two words
    of text; actor, region and year; a broad view (everything, then everything since a
    date). Duplicates are skipped.
    """
    from geo.filters import IncidentFilter

    regions = list(facets.get("admin1") or []) or ["Mopti"]
    zones = list(facets.get("border_zone") or []) or ["Liptako-Gourma tri-border area"]
    types = list(facets.get("event_types") or []) or ["armed clash"]
    actors = list(facets.get("actors") or []) or ["JNIM"]
    lo = facets.get("date_min") or date(2017, 1, 1)
    hi = facets.get("date_max") or date(2024, 12, 31)
    years = list(range(hi.year, lo.year - 1, -1))
    words = ["ambush", "convoy", "market", "checkpoint", "drone", "village", "patrol", "camp", "road", "mine"]

    def pick(seq, i):
        return seq[i % len(seq)]

    def year(i):
        y = pick(years, i)
        return date(y, 1, 1), date(y, 12, 31)

    kinds = [
        lambda i: IncidentFilter(admin1=(pick(regions, i),), date_from=year(i)[0], date_to=year(i)[1]),
        lambda i: IncidentFilter(border_zone=(pick(zones, i),), date_from=hi - timedelta(days=729 + 30 * i),
                                 date_to=hi - timedelta(days=30 * i)),
        lambda i: IncidentFilter(event_types=(pick(types, i),), min_fatalities=(3, 5, 10)[i % 3]),
        lambda i: IncidentFilter(actors=(pick(actors, i),), text=pick(words, i)),
        lambda i: IncidentFilter(admin1=(pick(regions, i + 3),), precision=(1,)),
        lambda i: IncidentFilter(date_from=date(pick(years, i // 4), 1 + 3 * (i % 4), 1),
                                 date_to=date(pick(years, i // 4), 1 + 3 * (i % 4), 28)),
        lambda i: IncidentFilter(admin1=(pick(regions, i), pick(regions, i + 4)),
                                 event_types=(pick(types, i), pick(types, i + 2))),
        lambda i: IncidentFilter(text=f"{pick(words, i)} {pick(words, i + 3)}"),
        lambda i: IncidentFilter(actors=(pick(actors, i + 5),), admin1=(pick(regions, i + 1),),
                                 date_from=year(i + 1)[0], date_to=year(i + 1)[1]),
        lambda i: IncidentFilter() if i == 0 else IncidentFilter(date_from=date(pick(years, i - 1), 1, 1)),
    ]
    out: list = []
    seen: set = set()
    k = 0
    while len(out) < n and k < 50 * n + 100:
        flt = kinds[k % len(kinds)](k // len(kinds))
        k += 1
        if flt not in seen:
            seen.add(flt)
            out.append(flt)
    return out


# ------------------------------------------------------------------ the browser sessions

class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.perf_counter() + seconds

    def ms(self) -> float:
        """Milliseconds left (at least 1: Playwright reads 0 as "no timeout")."""
        return max(1.0, (self.end - time.perf_counter()) * 1000)


async def _request(page, url: str, expected: int, timeout_s: float) -> dict:
    """Open ``url``; time the KPI and the map; check both against ``expected``."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    kpi = (page.get_by_test_id("stMetric")
           .filter(has=page.get_by_test_id("stMetricLabel").get_by_text("Incidents", exact=True))
           .get_by_test_id("stMetricValue"))
    legend = page.frame_locator(MAP_IFRAME).last.locator(".mim-legend .mim-count")
    idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    exception = page.get_by_test_id("stException")
    want = f"{expected:,}"
    out: dict = {"url": url, "expected": expected}
    stage = "navigation"
    deadline = _Deadline(timeout_s)
    t0 = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=deadline.ms())
        stage = "kpi"
        await kpi.wait_for(state="visible", timeout=deadline.ms())
        out["ms"] = (time.perf_counter() - t0) * 1000
        out["kpi"] = (await kpi.inner_text()).strip()
        stage = "map"
        await legend.wait_for(state="attached", timeout=deadline.ms())
        out["map_ms"] = (time.perf_counter() - t0) * 1000
        out["map_total"] = await legend.get_attribute("data-total")
        stage = "script end"
        await idle.wait_for(state="attached", timeout=deadline.ms())
        out["kpi_final"] = (await kpi.first.inner_text()).strip()
        if await exception.count():
            out["error"] = "exception: " + (await exception.first.inner_text())[:300]
        elif out["kpi"] != want or out["kpi_final"] != want or out["map_total"] != str(expected):
            out["error"] = (f"wrong count: KPI {out['kpi']!r} then {out['kpi_final']!r}, map total "
                            f"{out['map_total']!r}, store {want!r}")
            out["wrong"] = True
    except PlaywrightTimeout:
        out["error"] = f"timeout after {timeout_s:.0f}s waiting for the {stage}"
        out["timeout"] = True
    except PlaywrightError as exc:
        out["error"] = f"failed at the {stage}: {str(exc).splitlines()[0][:300]}"
    return out


async def _drive(base_url: str, plan: list[list[tuple[str, int]]], timeout_s: float,
                 warmup: tuple[str, int] | None, intercept: bool = False) -> dict:
    """One browser, one context per session, all sessions at once; returns the results."""
    from playwright.async_api import async_playwright

    outside: list[str] = []

    def note(request) -> None:
        if urlsplit(request.url).hostname not in LOCAL_HOSTS and not request.url.startswith(("data:", "blob:")):
            outside.append(request.url)

    async def route(r):
        if urlsplit(r.request.url).hostname not in LOCAL_HOSTS:
            await r.abort()
        else:
            await r.continue_()

    # Only 127.0.0.1 is reached: everything else goes to a "proxy" on a port where nothing
    # listens, so it fails in the browser's network stack (IP-literal hosts too, and no DNS
    # look-up) and is counted in `note`. Unlike Playwright routing (``intercept=True``, as
    # the browser tests do), this keeps the browser's HTTP cache on, as a real user has it.
    proxy = {"server": f"http://127.0.0.1:{free_port()}", "bypass": ",".join(sorted(LOCAL_HOSTS))}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, proxy=proxy)
        try:
            contexts = []
            for _ in plan:
                ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
                ctx.on("request", note)
                if intercept:
                    await ctx.route("**/*", route)
                contexts.append(ctx)
            pages = [await ctx.new_page() for ctx in contexts]

            warm = None
            if warmup is not None:  # imports, boundaries, facets: a server's first page, not counted
                warm = await _request(pages[0], base_url + warmup[0], warmup[1], timeout_s * 2)
                if "error" in warm:
                    raise RuntimeError(f"the warm-up page load failed: {warm['error']}")

            async def session(page, requests):
                return [await _request(page, base_url + q, n, timeout_s) for q, n in requests]

            t = time.perf_counter()
            results = await asyncio.gather(*(session(p, reqs) for p, reqs in zip(pages, plan)))
            seconds = time.perf_counter() - t
            for ctx in contexts:
                await ctx.close()
        finally:
            await browser.close()
    return {"results": [r for rs in results for r in rs], "seconds": seconds, "outside": outside, "warmup": warm}


# ------------------------------------------------------------------ the benchmark

def run(size: int | None = None, sessions: int = SESSIONS, rounds: int = ROUNDS, timeout_s: float | None = None,
        seed: int = 5, intercept: bool = False) -> dict:
    """Serve ``size`` incidents to ``sessions`` simultaneous browser sessions, ``rounds``
    filtered page loads each; see the module docstring for the figures."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError as exc:
        raise RuntimeError("the load bench needs the playwright pip package (no `playwright install`)") from exc
    if not CHROMIUM.is_file():
        raise RuntimeError(f"the load bench needs Chromium at {CHROMIUM} (apt-get install chromium, or GEO_CHROMIUM)")
    from geo.filters import IncidentFilter
    from geo.store import open_store

    n = int(size or SIZE)
    if timeout_s is None:
        timeout_s = 120 + n / 500  # generous: a timeout is an error, not a slow sample
    tmp = Path(tempfile.mkdtemp(prefix="geo-bench-load-"))
    try:
        db_url = f"sqlite:///{tmp / 'incidents.sqlite'}"
        rows = synthetic_rows(n, seed)
        t = time.perf_counter()
        with open_store(db_url) as st:
            for i in range(0, len(rows), BATCH):
                st.insert_events(rows[i:i + BATCH])
            st.optimize()
            insert_s = time.perf_counter() - t
            del rows
            stored = st.count()
            if stored != n:
                raise RuntimeError(f"the store holds {stored} incidents, not {n}")
            facets = st.facets()
            if "rejected" in (facets.get("review_status") or []):
                raise RuntimeError("synthetic incidents are never rejected: the page's counts would differ")
            pool = filter_pool(facets, sessions * rounds)
            expected = {flt: st.count(flt) for flt in pool}
            warm_flt = IncidentFilter(text="nowhere-warm-up")  # selects nothing: warms the server only
            warm_n = st.count(warm_flt)
        # session s, round r: filter s * rounds + r, every request another filter
        chosen = [[pool[(s * rounds + r) % len(pool)] for r in range(rounds)] for s in range(sessions)]
        plan = [[("?" + f.to_query_string(), expected[f]) for f in fs] for fs in chosen]

        with streamlit_app(tmp, db_url=db_url) as app:
            try:
                got = asyncio.run(_drive(app.url, plan, timeout_s, ("?" + warm_flt.to_query_string(), warm_n),
                                         intercept=intercept))
            except Exception as exc:  # say what the server said
                raise RuntimeError(f"{exc}\n--- streamlit log ---\n{app.log()}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    results = got["results"]
    ms = [r["ms"] for r in results if "ms" in r]
    map_ms = [r["map_ms"] for r in results if "map_ms" in r]
    errors = [r for r in results if "error" in r]
    return {
        "name": "load",
        "sessions": sessions,
        "incidents": n,
        "p50_ms": round(_pct(ms, 50), 1) if ms else None,
        "p95_ms": round(_pct(ms, 95), 1) if ms else None,
        "errors": len(errors),
        "requests": len(results),
        "rounds": rounds,
        "map_p50_ms": round(_pct(map_ms, 50), 1) if map_ms else None,
        "map_p95_ms": round(_pct(map_ms, 95), 1) if map_ms else None,
        "max_ms": round(max(map_ms or ms), 1) if (map_ms or ms) else None,
        "wrong_counts": sum(1 for r in errors if r.get("wrong")),
        "timeouts": sum(1 for r in errors if r.get("timeout")),
        "failures": sum(1 for r in errors if not r.get("wrong") and not r.get("timeout")),
        "seconds": round(got["seconds"], 2),
        "requests_per_s": round(len(results) / got["seconds"], 2) if got["seconds"] else None,
        "result_rows_median": sorted(r["expected"] for r in results)[len(results) // 2] if results else None,
        "warmup_ms": round(got["warmup"]["map_ms"], 1) if got.get("warmup") else None,
        "store_insert_seconds": round(insert_s, 2),
        "outside_requests": len(got["outside"]),
        "error_samples": [f"{r['url']}: {r['error']}" for r in errors[:5]],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run()))
