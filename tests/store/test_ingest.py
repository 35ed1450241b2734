"""Ingest: idempotence, merging, crash safety, concurrent writers, Dask, the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from geo.ingest import ingest
from geo.store import open_store
from storekit import PYTHON, REPO, events_of, fake_extract, make_article, synthetic_articles

DRIVER = Path(__file__).resolve().parent / "ingest_driver.py"

ARTICLE_1 = """Gunmen kill 12 soldiers in central Mali

Suspected jihadists attacked a military post in Boni, in the Mopti region, on Monday, killing 12 soldiers, the army said in a statement. Local sources said the attackers, believed to belong to JNIM, also burned several shops.
"""
ARTICLE_2 = """Attack on army post near Boni

JNIM fighters stormed an army post at Boni on Monday. A local official said at least 15 soldiers were killed. Separately, an IED struck a convoy near Ansongo in the Gao region on Sunday, killing two.
"""


def _check_consistent(store, texts: list[str]) -> None:
    """Exact counts for synthetic articles: every article once, every event once, every link once."""
    expected_events = Counter(e for t in texts for e in events_of(t))
    st = store.stats()
    assert st["articles"] == len(texts)
    assert st["incidents"] == len(expected_events)
    assert st["incident_sources"] == sum(expected_events.values())
    rows = store.query(columns=("id", "place", "source_count"), with_articles=True)
    assert sorted(r["place"] for r in rows) == sorted(expected_events)   # no duplicate incident
    for r in rows:
        assert r["source_count"] == len(r["article_ids"]) == expected_events[r["place"]]
    # no half article: each stored article has all its incident links
    from sqlalchemy import func, select

    t = store.t
    with store.engine.connect() as conn:
        links = dict(conn.execute(select(t.incident_sources.c.article_id, func.count())
                                  .group_by(t.incident_sources.c.article_id)).all())
        for aid, n in conn.execute(select(t.article.c.id, t.article.c.n_incidents)):
            assert links.get(aid, 0) == n


def test_ingest_merges_and_is_idempotent(store):
    texts = synthetic_articles(40, distinct=20)
    arts = [make_article(t) for t in texts]
    r1 = ingest(articles=arts, store=store, extract=fake_extract, progress=False)
    assert (r1.articles, r1.added, r1.already) == (40, 40, 0)
    assert r1.incidents_new == 20 and r1.incidents_merged == 60
    r2 = ingest(articles=arts + arts[:3], store=store, extract=fake_extract, progress=False)
    assert (r2.added, r2.already, r2.repeated, r2.incidents_new, r2.incidents_merged) == (0, 40, 3, 0, 0)
    _check_consistent(store, texts)


def test_a_failing_article_does_not_stop_the_batch(store):
    texts = synthetic_articles(6)

    def flaky(articles):
        if any("Report 3 " in a.text for a in articles):
            raise RuntimeError("extractor crashed")   # the whole batch fails; ingest retries one by one
        return fake_extract(articles)

    r = ingest(articles=[make_article(t) for t in texts], store=store, extract=flaky, progress=False)
    assert r.added == 5 and len(r.failed) == 1 and "extractor crashed" in r.failed[0][1]
    r = ingest(articles=[make_article(t) for t in texts], store=store, extract=fake_extract, progress=False)
    assert r.added == 1 and r.already == 5
    _check_consistent(store, texts)


def _driver(db: str, n: int, distinct: int, start: int, end: int, slow: float = 0.0) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    args = [PYTHON, str(DRIVER), db, str(n), str(distinct), str(start), str(end)]
    if slow:
        args += ["--slow", str(slow)]
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_mid_batch_then_rerun_gives_exact_counts(db_url):
    n, distinct = 60, 30
    texts = synthetic_articles(n, distinct=distinct)
    open_store(db_url).close()                 # schema first, so the poll below can read
    proc = _driver(db_url, n, distinct, 0, n, slow=0.03)
    seen = 0
    try:
        with open_store(db_url) as st:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and proc.poll() is None:
                seen = st.stats()["articles"]
                if seen >= 8:
                    break
                time.sleep(0.02)
        assert proc.poll() is None, f"the batch ended before it could be killed: {proc.communicate()}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    with open_store(db_url) as st:
        mid = st.stats()["articles"]
        assert seen <= mid < n                   # killed mid-batch: some articles stored, not all
        _check_consistent(st, texts[:mid])     # written in order: exactly the first `mid`, all whole
    rerun = _driver(db_url, n, distinct, 0, n)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    report = json.loads(out)
    assert report["added"] == n - mid and report["already"] == mid
    with open_store(db_url) as st:
        _check_consistent(st, texts)


def test_two_concurrent_writers_lose_nothing(db_url):
    n, distinct = 80, 30
    texts = synthetic_articles(n, distinct=distinct)
    open_store(db_url).close()
    a = _driver(db_url, n, distinct, 0, 50, slow=0.002)
    b = _driver(db_url, n, distinct, 30, 80, slow=0.002)    # 20 articles in common, events shared
    outs = [p.communicate(timeout=180) for p in (a, b)]
    assert a.returncode == 0 and b.returncode == 0, outs
    ra, rb = (json.loads(o[0]) for o in outs)
    assert ra["added"] + rb["added"] == n
    assert ra["already"] + rb["already"] == 20
    with open_store(db_url) as st:
        _check_consistent(st, texts)


# ---------------------------------------------------------------- the real pipeline, the command line, Dask

def _cli(env: dict, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "geo", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_cli_ingest_real_articles(cli_env, tmp_path, db_url):
    """The real extraction pipeline (geo.extract): what it finds is the text helpers' business;
    here: the summary matches the store, the same article twice adds nothing, and the attack
    on Boni that both articles report is one incident with two sources."""
    import re

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a1.txt").write_text(ARTICLE_1)
    (folder / "a2.txt").write_text(ARTICLE_2)
    (folder / "a1-again.txt").write_text(ARTICLE_1.replace("\n\n", "\n\n\n"))   # the same article
    p = _cli(cli_env, "ingest", str(folder), "--published", "2024-03-06")
    assert p.returncode == 0, p.stderr
    m = re.fullmatch(r"ingest: 2 articles \(2 new, 0 already stored\), (\d+) incidents \((\d+) new, "
                     r"(\d+) merged into existing\), 0 failed", p.stdout.strip())
    assert m, p.stdout
    total, new, merged = map(int, m.groups())
    assert total == new + merged and merged >= 1
    p = _cli(cli_env, "ingest", str(folder), "--published", "2024-03-06", "--json")
    doc = json.loads(p.stdout)
    assert p.returncode == 0 and doc["added"] == 0 and doc["already"] == 2 and doc["repeated"] == 1
    with open_store(db_url) as st:
        assert st.stats()["incidents"] == new and st.stats()["incident_sources"] == total
        rows = st.query(with_articles=True)
    boni = [r for r in rows if r["place"] == "Boni" and r["geo_precision"] == 1]
    assert len(boni) == 1
    boni = boni[0]
    assert boni["source_count"] == 2 and len(boni["article_ids"]) == 2
    assert boni["admin1"] == "Mopti" and boni["date"].isoformat() == "2024-03-04"
    assert "JNIM" in boni["actors"] and {f["count"] for f in boni["fatalities_detail"]} >= {12, 15}
    assert any(r["place"] == "Ansongo" for r in rows)


def test_cli_ingest_partial_failure_and_errors(cli_env, tmp_path, serve_dir):
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE_2)
    web = tmp_path / "web"
    web.mkdir()
    (web / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Boni attack</title>'
        f'<link>http://example.org/1</link><pubDate>Wed, 06 Mar 2024 10:00:00 GMT</pubDate>'
        f'<description>{ARTICLE_1.split(chr(10), 2)[2].strip()}</description></item></channel></rss>')
    srv = serve_dir(web)
    cli_env = dict(cli_env, GEO_ALLOW_PRIVATE_URLS="1")   # our feed is on loopback, which fetches refuse by default
    p = _cli(cli_env, "ingest", str(good), srv.url + "feed.xml", str(tmp_path / "missing.txt"),
             "--published", "2024-03-06")
    assert p.returncode == 1
    assert "ingest: 2 articles (2 new, 0 already stored)" in p.stdout
    assert "missing.txt" in p.stderr and "no such file" in p.stderr
    p = _cli(cli_env, "ingest", str(good), "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert p.returncode == 2 and "cannot open the incident store" in p.stderr


def test_cli_ingest_on_dask_workers(cli_env, tmp_path, db_url):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a1.txt").write_text(ARTICLE_1)
    (folder / "a2.txt").write_text(ARTICLE_2)
    p = _cli(cli_env, "ingest", str(folder), "--published", "2024-03-06", "--workers", "2", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["added"] == 2 and doc["incidents_merged"] >= 1 and not doc["failed"]
    with open_store(db_url) as st:
        assert st.stats()["incidents"] == doc["incidents_new"]
        assert st.stats()["incident_sources"] == doc["incidents_new"] + doc["incidents_merged"]
        assert any(r["source_count"] == 2 for r in st.query(columns=("source_count",)))


def test_cli_ingest_on_an_existing_scheduler_and_bad_options(tmp_path):
    import logging

    from dask.distributed import LocalCluster

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a1.txt").write_text(ARTICLE_1)
    url = f"sqlite:///{tmp_path / 'sched.sqlite'}"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        p = _cli(env, "ingest", str(folder), "--published", "2024-03-06", "--scheduler", cluster.scheduler_address,
                 "--db", url, "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["added"] == 1
    p = _cli(env, "ingest", str(folder), "--published", "March the 6th", "--db", url)
    assert p.returncode == 2 and "--published" in p.stderr
    p = _cli(env, "ingest", str(folder), "--workers", "0", "--db", url)
    assert p.returncode == 2 and "--workers" in p.stderr



def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    from geo import ingest as ingest_mod
    from geo.errors import GeoError

    monkeypatch.setattr(ingest_mod, "SCHEDULER_TIMEOUT_S", 2)
    with pytest.raises(GeoError, match="cannot start or reach the Dask scheduler at tcp://127.0.0.1:1"):
        ingest(articles=[make_article(ARTICLE_1)], db=f"sqlite:///{tmp_path / 'x.sqlite'}",
               scheduler="tcp://127.0.0.1:1", progress=False)
