"""Ingest while the online geocoder is down, slow or rate limiting: the run finishes, the
places it could not answer for wait (geocode_status "retry", no point) and are asked
again later (geo.regeocode), by `python -m geo regeocode` or the next `ingest --online`.

The geocoder is real geopy talking HTTP to a local stand-in (tests/geocode/conftest.py's
FakeNominatim) that misbehaves on purpose, or to a port where nothing listens.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from geo import _geopy, config
from geo.ingest import ingest
from geo.regeocode import count_pending, retry_pending
from geo.store import StoreConflictError, open_store
from geo.text.records import Article

REPO = Path(__file__).resolve().parents[2]

#: Boulkessi is in no embedded gazetteer: only the online geocoder can place it.
ARTICLE = Article(
    title="Gunmen attack army camp in central Mali",
    text=("Suspected jihadists attacked a military camp in the village of Boulkessi in the Mopti region on "
          "Tuesday, killing 12 soldiers, the army said. On the same day, fighters ambushed a convoy near "
          "Douentza, killing three civilians."),
    published=date(2026, 11, 20), language="en",
)
SECOND = Article(
    title="Attack near Bandiagara",
    text=("Armed men attacked the village of Dourou near Bandiagara on Sunday, killing five people, local "
          "officials said."),
    published=date(2026, 11, 23), language="en",
)
#: Where the stand-in says Boulkessi is (inside Mali's Mopti region).
BOULKESSI = (15.04, -1.37)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _use_geocoder(monkeypatch: pytest.MonkeyPatch, url: str, *, timeout: float = 0.5, retries: int = 1) -> dict:
    env = {"GEO_GEOCODER": "nominatim", "GEO_GEOCODER_URL": url, "GEO_GEOCODER_MIN_DELAY": "0.01",
           "GEO_GEOCODER_TIMEOUT": str(timeout), "GEO_GEOCODER_RETRIES": str(retries)}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    config.get_settings.cache_clear()
    _geopy._PROVIDERS.clear()   # a fresh provider: no breaker state from another test
    return env


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'incidents.sqlite'}"


def _incident(db: str, place: str) -> dict:
    with open_store(db) as st:
        rows = [r for r in st.query() if r["place"] == place]
    assert len(rows) == 1, rows
    return rows[0]


def _boulkessi_answer(fake) -> None:
    fake.answer("Boulkessi", fake.Reply(200, [fake.place("Boulkessi", *BOULKESSI, display="Boulkessi, Mopti, Mali")]))


def _assert_waiting(db: str) -> dict:
    inc = _incident(db, "Boulkessi")
    assert inc["geocode_status"] == "retry"
    assert inc["lat"] is None and inc["lon"] is None
    assert inc["admin1"] == "Mopti"                 # the region the article names is kept
    other = _incident(db, "Douentza")               # the gazetteer's places are unaffected
    assert other["geocode_status"] == "resolved" and other["lat"] is not None
    return inc


def _assert_located(db: str) -> dict:
    inc = _incident(db, "Boulkessi")
    assert inc["geocode_status"] == "resolved"
    assert (inc["lat"], inc["lon"]) == pytest.approx(BOULKESSI)
    assert inc["admin1"] == "Mopti" and inc["country"] == "Mali"
    assert inc["distance_to_border_km"] is not None
    return inc


def test_geocoder_down_ingest_finishes_and_the_place_is_located_later(monkeypatch, fake_nominatim, db):
    _use_geocoder(monkeypatch, f"http://127.0.0.1:{_free_port()}")   # nothing listens there
    report = ingest(articles=[ARTICLE], db=db, online=True, progress=False)
    assert report.ok and report.added == 1
    assert report.pending_places == 1
    assert "wait for the online geocoder" in report.summary()
    waiting = _assert_waiting(db)
    with open_store(db) as st:
        assert count_pending(st) == 1
        n_incidents = st.stats()["incidents"]

    _use_geocoder(monkeypatch, fake_nominatim.url)                 # the service is back
    _boulkessi_answer(fake_nominatim)
    with open_store(db) as st:
        rep = retry_pending(st)
        assert (rep.pending, rep.resolved, rep.still_pending, rep.not_found) == (1, 1, 0, 0)
        assert count_pending(st) == 0
        assert st.stats()["incidents"] == n_incidents               # updated in place, nothing added
    located = _assert_located(db)
    assert located["id"] == waiting["id"]
    assert located["fatalities"] == waiting["fatalities"] and located["evidence"] == waiting["evidence"]
    assert fake_nominatim.count("Boulkessi") == 1
    # asked once more: nothing left to do, nothing asked
    with open_store(db) as st:
        assert retry_pending(st).pending == 0
    assert fake_nominatim.count("Boulkessi") == 1


def test_slow_geocoder_times_out_and_the_cli_retries(monkeypatch, fake_nominatim, db):
    env = _use_geocoder(monkeypatch, fake_nominatim.url, timeout=0.3, retries=1)
    fake_nominatim.answer("Boulkessi", fake_nominatim.Reply(200, [fake_nominatim.place("Boulkessi", *BOULKESSI)],
                                                            delay=3.0))
    report = ingest(articles=[ARTICLE], db=db, online=True, progress=False)
    assert report.ok and report.pending_places == 1
    _assert_waiting(db)
    assert fake_nominatim.count("Boulkessi") == 2                  # one try, one retry, then it gave up

    fake_nominatim.reset()
    _boulkessi_answer(fake_nominatim)
    proc = subprocess.run([sys.executable, "-m", "geo", "regeocode", "--db", db, "--json"], cwd=REPO,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["pending"] == 1 and doc["resolved"] == 1
    _assert_located(db)


def test_rate_limited_geocoder_places_are_retried_by_the_next_online_ingest(monkeypatch, fake_nominatim, db):
    _use_geocoder(monkeypatch, fake_nominatim.url, retries=2)
    fake_nominatim.answer("Boulkessi", fake_nominatim.Reply(429, {"error": "rate limited"}, {"Retry-After": "0"}))
    report = ingest(articles=[ARTICLE], db=db, online=True, progress=False)
    assert report.ok and report.pending_places == 1
    _assert_waiting(db)
    assert fake_nominatim.count("Boulkessi") == 3                  # retries are bounded

    _use_geocoder(monkeypatch, fake_nominatim.url, retries=2)      # a later run, a fresh process
    _boulkessi_answer(fake_nominatim)
    report = ingest(articles=[SECOND], db=db, online=True, progress=False)
    assert report.ok and report.added == 1
    assert report.retried == {"pending": 1, "resolved": 1, "not_found": 0, "still_pending": 0,
                              "changed_meanwhile": 0, "errors": []}
    assert "1 located" in report.summary()
    _assert_located(db)


def test_a_place_the_geocoder_does_not_know_is_asked_no_more(monkeypatch, fake_nominatim, db):
    _use_geocoder(monkeypatch, fake_nominatim.url)
    fake_nominatim.answer("Boulkessi", fake_nominatim.Reply(503, b"busy"))
    ingest(articles=[ARTICLE], db=db, online=True, progress=False)
    _assert_waiting(db)

    fake_nominatim.reset()                                          # now it answers: no such place
    _use_geocoder(monkeypatch, fake_nominatim.url)
    with open_store(db) as st:
        rep = retry_pending(st)
        assert (rep.resolved, rep.not_found, rep.still_pending) == (0, 1, 0)
        assert retry_pending(st).pending == 0
    inc = _incident(db, "Boulkessi")
    assert inc["geocode_status"] == "unresolved" and inc["lat"] is None
    assert fake_nominatim.count("Boulkessi") == 1


def test_still_failing_stays_waiting(monkeypatch, db):
    _use_geocoder(monkeypatch, f"http://127.0.0.1:{_free_port()}")
    ingest(articles=[ARTICLE], db=db, online=True, progress=False)
    _geopy._PROVIDERS.clear()
    with open_store(db) as st:
        rep = retry_pending(st)
        assert (rep.pending, rep.resolved, rep.still_pending) == (1, 0, 1)
        assert count_pending(st) == 1
    _assert_waiting(db)


def test_a_reviewers_correction_meanwhile_wins(monkeypatch, fake_nominatim, db):
    _use_geocoder(monkeypatch, f"http://127.0.0.1:{_free_port()}")
    ingest(articles=[ARTICLE], db=db, online=True, progress=False)
    iid = _assert_waiting(db)["id"]
    with open_store(db) as st:
        st.update_incident(iid, lat=15.0, lon=-1.5)                 # set by hand in Review
        with pytest.raises(StoreConflictError, match="changed meanwhile"):
            st.update_incident(iid, expect={"geocode_status": "retry"}, lat=1.0, lon=1.0)
        assert st.get_incident(iid)["lat"] == 15.0
        _use_geocoder(monkeypatch, fake_nominatim.url)
        _boulkessi_answer(fake_nominatim)
        assert retry_pending(st).pending == 0                       # no longer waiting
    assert fake_nominatim.count("Boulkessi") == 0


def test_a_dead_geocoder_costs_a_bounded_number_of_requests(monkeypatch, fake_nominatim, db):
    """Ten unknown villages against a service answering 503: the breaker stops asking after
    a few failures, every village waits, and the ingest finishes."""
    _use_geocoder(monkeypatch, fake_nominatim.url, retries=1)
    fake_nominatim.default = fake_nominatim.Reply(503, b"down")
    names = [f"Kalabougou{i}" for i in "ABCDEFGHIJ"]
    text = " ".join(f"Gunmen attacked the village of {n} in the Ségou region on Monday, killing {k + 2} people."
                    for k, n in enumerate(names))
    art = Article(title="Attacks in Ségou", text=text, published=date(2026, 11, 24), language="en")
    report = ingest(articles=[art], db=db, online=True, progress=False)
    assert report.ok and report.added == 1
    assert report.pending_places == len(names)
    with open_store(db) as st:
        assert count_pending(st) == len(names)
    # breaker (3 lookups) x (1 try + 1 retry); the other villages fail fast without a request
    assert len(fake_nominatim.requests) == 6
