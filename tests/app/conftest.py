"""Fixtures for the dashboard's AppTest tests: a seeded database and the app itself.

The seeded database holds 60 imported events with known values (so every filter has a
countable answer) and two articles (one with a place the gazetteer cannot find, for the
Review page). It is built once per session and copied for each test, which then points
``GEO_DATABASE_URL`` at its copy. Expected numbers always come from the store itself
(``store.count(IncidentFilter(...))``), the reference the page must agree with.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from geo import config

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"

REGIONS = ("Kayes", "Mopti", "Gao", "Tombouctou", "Ségou")
ZONES = ("Mali–Senegal border", None, "Liptako-Gourma tri-border area", None)
ACTORS = (("JNIM",), ("Islamic State Sahel",), ("Malian armed forces", "JNIM"))
TYPES = ("attack on military position", "armed clash", "violence against civilians",
         "explosion/remote violence", "abduction", "looting/destruction")
PRECISIONS = (1, 1, 2, 3, 4)
FATALITIES = (None, 0, 3, 12, 40)
# A point inside each region (approximately), for the map.
POINTS = {"Kayes": (14.4, -11.4), "Mopti": (14.5, -4.2), "Gao": (16.3, -0.05), "Tombouctou": (16.8, -3.0),
          "Ségou": (13.4, -6.3)}
N_EVENTS = 60
UNKNOWN_PLACE = "Zorbougou"


def event_rows(n: int = N_EVENTS) -> list[dict]:
    rows = []
    for i in range(n):
        region = REGIONS[i % len(REGIONS)]
        lat, lon = POINTS[region]
        rows.append({
            "source": "acled", "source_event_id": f"T{i:03d}",
            "place": f"Village {i}", "lat": lat + (i % 7) * 0.05, "lon": lon + (i % 5) * 0.05,
            "geo_precision": PRECISIONS[i % len(PRECISIONS)], "geocode_status": "resolved", "country": "Mali",
            "admin1": region, "admin2": "Cercle de Test" if i % 7 == 0 else None,
            "border_zone": ZONES[i % len(ZONES)],
            "date": date(2024, 1, 1) + timedelta(days=7 * i), "date_precision": "day",
            "event_type": TYPES[i % len(TYPES)], "actors": list(ACTORS[i % len(ACTORS)]),
            "fatalities": FATALITIES[i % len(FATALITIES)],
            "notes": "ambush near the well" if i % 10 == 0 else None,
        })
    return rows


def seed(url: str) -> None:
    from geo.store import open_store
    from geo.text.records import Article, Evidence, Fatalities, Incident

    with open_store(url) as store:
        store.insert_events(event_rows())
        text1 = ("Gunmen attacked an army post in Kayes on Monday, killing 4 soldiers, the army said. "
                 "The attack was claimed by JNIM.")
        art1 = Article(text=text1, title="Army post attacked in Kayes", published=date(2025, 3, 4), language="en",
                       url="https://example.org/kayes")
        inc1 = Incident(place="Kayes", lat=14.44776, lon=-11.44393, geocode_status="resolved", country="Mali",
                        admin1="Kayes", date=date(2025, 3, 3), date_precision="day",
                        event_type="attack on military position", actors=["JNIM", "Malian armed forces"],
                        fatalities=[Fatalities(count=4, who_reported="army", victims="soldiers")],
                        evidence=[Evidence(0, 82, text1[:82])])
        store.add_article(art1, [inc1])
        text2 = f"Armed men raided the village of {UNKNOWN_PLACE} in the Mopti region on Friday."
        art2 = Article(text=text2, title=f"Raid on {UNKNOWN_PLACE}", published=date(2025, 3, 8), language="en")
        inc2 = Incident(place=UNKNOWN_PLACE, place_kind="unknown", geocode_status="unresolved", admin1="Mopti",
                        date=date(2025, 3, 7), date_precision="day", event_type="violence against civilians",
                        actors=["Unidentified armed group"], evidence=[Evidence(0, len(text2), text2)])
        store.add_article(art2, [inc2])


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "incidents.sqlite"
    seed(f"sqlite:///{path}")
    return path


def _point_at(monkeypatch, path: Path) -> str:
    url = f"sqlite:///{path}"
    monkeypatch.setenv("GEO_DATABASE_URL", url)
    config.get_settings.cache_clear()
    return url


@pytest.fixture
def seeded_url(isolated_settings, seeded_template, tmp_path, monkeypatch) -> str:
    """GEO_DATABASE_URL of this test's own copy of the seeded database."""
    dest = tmp_path / "incidents.sqlite"
    shutil.copyfile(seeded_template, dest)
    return _point_at(monkeypatch, dest)


@pytest.fixture
def empty_url(isolated_settings, tmp_path, monkeypatch) -> str:
    return _point_at(monkeypatch, tmp_path / "empty.sqlite")


@pytest.fixture
def store(seeded_url):
    from geo.store import open_store

    s = open_store(seeded_url)
    yield s
    s.close()


@pytest.fixture
def app(seeded_url, monkeypatch):
    """An AppTest of app.py on the seeded database (not run yet)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(APP), default_timeout=90)


def metric(at, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r} among {[m.label for m in at.metric]}")


def no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
