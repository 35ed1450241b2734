"""geo.dashboard: the dashboard's logic without Streamlit (aggregates, clicks, preview, review, samples)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from geo import dashboard
from geo.errors import InvalidInputError
from geo.filters import IncidentFilter
from geo.store import open_store
from geo.text.records import Article, Evidence, Fatalities, Incident


@pytest.fixture
def store(isolated_settings):
    from geo.config import get_settings

    s = open_store(get_settings().database_url)
    yield s
    s.close()


def _inc(place="Boni", lat=15.0766, lon=-2.2198, **kw) -> Incident:
    base = dict(place=place, lat=lat, lon=lon, geocode_status="resolved" if lat is not None else "unresolved",
                admin1="Mopti" if lat is not None else kw.pop("admin1", None), country="Mali",
                date=date(2025, 3, 2), date_precision="day", event_type="armed clash", actors=["JNIM"],
                fatalities=[Fatalities(count=5, who_reported="army")], evidence=[Evidence(0, 10, f"{place} attack")])
    base.update(kw)
    return Incident(**base)


# ---------------------------------------------------------------- samples


def test_sample_articles_are_ours_in_english_and_french():
    files = dashboard.sample_files()
    assert 8 <= len(files) <= 12
    langs = set()
    for f in files:
        doc = json.loads(f.read_text(encoding="utf-8"))
        assert {"title", "published", "language", "text"} <= set(doc), f
        assert date.fromisoformat(doc["published"]) and len(doc["text"]) > 200
        langs.add(doc["language"])
    assert langs == {"en", "fr"}
    readme = (dashboard.SAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    assert "our own" in readme.lower() and "../shared" in readme


def test_ingest_samples_once(store):
    assert dashboard.is_empty(store)
    rep = dashboard.ingest_samples(store)
    assert rep.ok and rep.added == len(dashboard.sample_files())
    n = store.stats()["incidents"]
    assert n >= rep.added
    again = dashboard.ingest_samples(store)
    assert again.added == 0 and store.stats()["incidents"] == n
    assert not dashboard.is_empty(store)
    # the client's example is among them: coordinated attacks in western Mali, July 2025
    kayes = store.query(IncidentFilter(admin1=("Kayes",), date_from=date(2025, 7, 1), date_to=date(2025, 7, 1)))
    assert {"Kayes", "Diboli", "Sandaré"} <= {r["place"] for r in kayes}


# ---------------------------------------------------------------- aggregates


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "id": [1, 2, 3, 4], "lat": [14.0, None, 15.0, 16.0], "lon": [-4.0, None, -3.0, -1.0],
        "date": [date(2025, 3, 3), date(2025, 3, 9), date(2025, 3, 10), None],   # Mon, Sun, Mon, none
        "event_type": ["armed clash", None, "armed clash", "abduction"],
        "geo_precision": [1, 3, 2, 4], "fatalities": [3, None, 10, 0],
        "place": ["a", "b", "c", "d"], "admin1": ["Mopti", "Mopti", None, "Gao"],
        "border_zone": [None, "Mali–Niger border", None, "Mali–Niger border"], "source_count": [1, 2, 1, 1],
        "admin2": [None] * 4, "review_status": ["unreviewed"] * 4, "actors": [["JNIM"], [], None, ["A", "B"]],
    })


def test_kpis_weekly_and_regions():
    df = _frame()
    k = dashboard.kpis(df)
    assert (k.incidents, k.fatalities, k.regions, k.border_zones, k.located) == (4, 13, 2, 2, 3)
    assert dashboard.kpis(df.iloc[0:0]) == dashboard.Kpis(0, 0, 0)
    weekly = dashboard.weekly_counts(df)
    assert weekly.to_dict("records") == [
        {"week": pd.Timestamp("2025-03-03"), "event_type": "armed clash", "incidents": 1},
        {"week": pd.Timestamp("2025-03-03"), "event_type": "unknown", "incidents": 1},
        {"week": pd.Timestamp("2025-03-10"), "event_type": "armed clash", "incidents": 1},
    ]
    regions = dashboard.region_counts(df)
    assert regions.to_dict("records")[0] == {"region": "Mopti", "incidents": 2, "fatalities": 3}
    assert "(not in a Mali region)" in set(regions["region"])
    assert dashboard.name_counts(df, "admin1") == {"Mopti": 2, "Gao": 1}


def test_table_frame_is_readable():
    t = dashboard.table_frame(_frame())
    assert list(t.columns) == list(dashboard.TABLE_COLUMNS)
    assert t.loc[3, "actors"] == "A, B" and t.loc[2, "actors"] == ""
    assert t.loc[0, "precision"] == "town or village" and t.loc[3, "precision"] == "border zone"


def test_facet_options_keep_values_named_by_a_link():
    opts = dashboard.facet_options({"admin1": ["Ségou", "Gao"], "actors": []}, IncidentFilter(admin1=("Nowhere",)))
    assert opts["admin1"] == ["Gao", "Nowhere", "Ségou"] and opts["actors"] == []


# ---------------------------------------------------------------- clicks on the map


def test_click_target():
    zones = ["Mali–Niger border", "Liptako-Gourma tri-border area"]
    locate = lambda lat, lon: {"admin1": "Gao" if lon > -1 else None, "admin2": "Ansongo"}  # noqa: E731
    ct = dashboard.click_target
    assert ct(None) is None and ct({}) is None
    assert ct({"last_object_clicked_tooltip": "#42 · Boni · 2025-03-02"}) == dashboard.ClickTarget("incident", 42)
    zone = {"last_object_clicked_tooltip": "Border zoneLiptako-Gourma tri-border area",
            "last_object_clicked": {"lat": 15, "lng": 0}}
    assert ct(zone, zones=zones) == dashboard.ClickTarget("border_zone", "Liptako-Gourma tri-border area")
    region = {"last_object_clicked_tooltip": "Region Gao Incidents 4", "last_object_clicked": {"lat": 16, "lng": 0}}
    assert ct(region, locate=locate) == dashboard.ClickTarget("admin1", "Gao")
    cercle = {"last_object_clicked_tooltip": "Cercle (admin-2) Ansongo", "last_object_clicked": {"lat": 15, "lng": 0.5}}
    assert ct(cercle, locate=locate) == dashboard.ClickTarget("admin2", "Ansongo")
    # the point is outside every region: the ISO code in the base layer's tooltip decides
    coded = {"last_object_clicked_tooltip": "RegionKayesISO 3166-2ML-1", "last_object_clicked": {"lat": 14, "lng": -11}}
    assert ct(coded, locate=locate) == dashboard.ClickTarget("admin1", "Kayes")
    assert ct({"last_object_clicked_tooltip": "CountryNiger", "last_object_clicked": {"lat": 1, "lng": 1}}) is None
    assert ct({"last_object_clicked_tooltip": "Region Gao"}, locate=locate) is None   # no point


def test_click_target_with_the_real_boundaries():
    region = {"last_object_clicked_tooltip": "Region Tombouctou (Timbuktu) Incidents 3",
              "last_object_clicked": {"lat": 16.77, "lng": -3.0}}
    assert dashboard.click_target(region) == dashboard.ClickTarget("admin1", "Tombouctou")


# ---------------------------------------------------------------- adding articles


def test_load_input_errors_are_clear():
    with pytest.raises(InvalidInputError, match="paste the text"):
        dashboard.load_input("text", "   ")
    with pytest.raises(InvalidInputError, match="not an http"):
        dashboard.load_input("url", "ftp://x")
    with pytest.raises(InvalidInputError, match="photo.png: .*PNG"):
        dashboard.load_input("upload", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, name="photo.png")
    arts = dashboard.load_input("text", "Gunmen attacked Boni on Monday, killing 3.", published="2025-03-04")
    assert arts[0].published == date(2025, 3, 4)


class _FakeGeocoder:
    def geocode(self, name, context=None, *, proper_noun=None, strict=True):
        from geo.geocode import GeocodeResult

        if name == "Douentza":
            return GeocodeResult(query=name, status="resolved", lat=15.0, lon=-2.95, geo_precision=1)
        return GeocodeResult(query=name, status="unresolved")


def test_preview_edits():
    art = Article(text="x " * 30, title="T")
    incs = [_inc("Boni"), _inc("Hombori", lat=15.28, lon=-1.7), _inc("Nowhere", lat=None, lon=None),
            _inc("Tessit", lat=15.2, lon=-0.3)]
    results = [(art, incs)]
    frame = dashboard.preview_frame(results)
    assert list(frame.index) == ["0:0", "0:1", "0:2", "0:3"]
    assert frame.loc["0:2", "status"] == "place not found" and frame.loc["0:0", "fatalities"]
    edited = frame.copy()
    edited.loc["0:0", "keep"] = False                                  # drop
    edited.loc["0:1", "place"] = "Douentza"                            # rename: looked up again
    edited.loc["0:2", ["lat", "lon"]] = [14.35, -11.4]                 # move: joined again (Kayes)
    edited.loc["0:3", "date"] = date(2025, 1, 9)
    edited.loc["0:3", "event_type"] = "abduction"
    out = dashboard.apply_preview(results, edited, geocoder=_FakeGeocoder())
    (a, got), = out
    assert a is art and [i.place for i in got] == ["Douentza", "Nowhere", "Tessit"]
    dz, moved, tessit = got
    assert (dz.lat, dz.lon, dz.admin1) == (15.0, -2.95, "Mopti")
    assert (moved.lat, moved.lon, moved.geocode_status, moved.admin1, moved.geo_precision) == (
        14.35, -11.4, "resolved", "Kayes", 1)
    assert (tessit.date, tessit.event_type) == (date(2025, 1, 9), "abduction")
    assert incs[1].place == "Hombori" and incs[2].lat is None          # originals untouched
    bad = frame.copy()
    bad.loc["0:0", ["lat", "lon"]] = [95.0, 0.0]
    with pytest.raises(InvalidInputError, match="out of range"):
        dashboard.apply_preview(results, bad)
    # a deleted row is dropped like an unticked one
    assert [i.place for i in dashboard.apply_preview(results, frame.drop(index="0:1"))[0][1]] == [
        "Boni", "Nowhere", "Tessit"]


def test_save_articles_counts(store):
    art = Article(text="Gunmen attacked Boni. " * 5, title="T", published=date(2025, 3, 3))
    calls = []
    out = dashboard.save_articles(store, [(art, [_inc()])], progress=lambda k, n: calls.append((k, n)))
    assert out == {"added": 1, "already": 0, "incidents_new": 1, "incidents_merged": 0} and calls == [(1, 1)]
    assert dashboard.save_articles(store, [(art, [_inc()])])["already"] == 1


# ---------------------------------------------------------------- review, sources


def test_review_queue_fix_and_alias(store):
    from geo.extract import Extractor
    from geo.geocache import GeoCache

    a1 = Article(text="Raid on Zorbougou. " * 4, title="A1", published=date(2025, 3, 8))
    a2 = Article(text="Second raid on Zorbougou. " * 4, title="A2", published=date(2025, 4, 8))
    a3 = Article(text="Clash in Boni. " * 4, title="A3", published=date(2025, 3, 8))
    store.add_article(a1, [_inc("Zorbougou", lat=None, lon=None, admin1="Mopti")])
    store.add_article(a2, [_inc("ZORBOUGOU", lat=None, lon=None, date=date(2025, 4, 7))])
    store.add_article(a3, [_inc("Boni")])
    queue = dashboard.review_queue(store)
    assert [q["place"] for q in queue] == ["ZORBOUGOU", "Zorbougou"] and queue[0]["reasons"] == ["place not found"]
    assert dashboard.review_count(store) == 2
    assert queue[1]["articles"][0]["title"] == "A1"
    geocoder = dashboard.make_extractor(store).geocoder
    out = dashboard.apply_fix(store, geocoder, queue[1]["id"], place_name="Zorbougou", lat=14.3, lon=-4.1)
    assert out["others"] == 1 and out["alias"].place_name == "Zorbougou"
    assert dashboard.review_queue(store) == []
    fixed = store.get_incident(queue[0]["id"])
    assert (fixed["lat"], fixed["review_status"], fixed["admin1"]) == (14.3, "corrected", "Mopti")
    assert GeoCache(store.engine).get_alias("zorbougou").lat == 14.3
    # a fresh extractor on this database places the name at once
    assert Extractor(geocode_cache=GeoCache(store.engine)).geocoder.geocode("Zorbougou").lat == 14.3
    cands = dashboard.place_candidates(geocoder, "Boni", admin1="Mopti")
    assert cands and cands[0]["name"] == "Boni" and "Mopti" in cands[0]["label"]
    with pytest.raises(InvalidInputError):
        dashboard.set_review(store, queue[0]["id"], "maybe")
    with pytest.raises(InvalidInputError):
        dashboard.apply_fix(store, geocoder, 99999, place_name="x", lat=1, lon=1)


def test_articles_frame_and_links(store):
    a1 = Article(text="Clash in Boni. " * 4, title="A1", published=date(2025, 3, 8), url="https://x.org/1")
    a2 = Article(text="Nothing happened. " * 4, title="A2", published=date(2025, 3, 9))
    store.add_article(a1, [_inc("Boni"), _inc("Hombori", lat=15.28, lon=-1.7)])
    store.add_article(a2, [])
    df = dashboard.articles_frame(store)
    assert list(df["title"]) == ["A2", "A1"]
    assert df.set_index("title").loc["A1", "incidents"] == 2 and df.set_index("title").loc["A2", "status"] == \
        "no incidents found"
    ids = [r["id"] for r in store.query(None, columns=["id"])]
    store.set_review(ids[0], "confirmed")
    assert dashboard.articles_frame(store).set_index("title").loc["A1", "status"] == "1 of 2 to review"
    links = dashboard.article_links(store, ids)
    assert all(v[0]["url"] == "https://x.org/1" for v in links.values())
    assert [i["place"] for i in dashboard.article_incidents(store, a1.id)] in (["Boni", "Hombori"],
                                                                               ["Hombori", "Boni"])
    det = dashboard.incident_details(store, None)
    assert set(det) == set(ids) and det[ids[0]]["src"][0][1] == "https://x.org/1"
    v1 = dashboard.data_version(store)
    store.update_incident(ids[0], notes="edited")
    assert dashboard.data_version(store) != v1


def test_data_and_geocoder_overview(store):
    ov = dashboard.data_overview()
    assert ov["full_data"] is False and ov["admin_units"] == {1: 9} and len(ov["border_zones"]) == 8
    geo = dashboard.geocoder_overview(store)
    assert geo["online_geocoder"] == "off" and geo["aliases"] == 0 and geo["cache_entries"] == 0
    assert dashboard.aliases_frame(store).empty
