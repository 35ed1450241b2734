"""The repository contract, run on both stores (SQLite and PostgreSQL + PostGIS)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.filters import IncidentFilter
from geo.store import StoreError, open_store
from geo.text.records import Fatalities
from storekit import make_article, make_incident


def test_open_creates_the_schema_beside_the_geocoder_tables(store):
    from sqlalchemy import inspect

    assert store.schema_version() == 1
    names = set(inspect(store.engine).get_table_names())
    assert {"article", "incident", "incident_sources", "incident_actors", "schema_version",
            "geocode_cache", "place_aliases"} <= names
    assert store.stats() == {"articles": 0, "incidents": 0, "incident_sources": 0}


def test_add_article_stores_everything_and_is_idempotent(store):
    art = make_article("Gunmen attacked Boni on Monday, killing five soldiers.", url="http://example.org/a")
    inc = make_incident(fatalities=(Fatalities(5, who_reported="local sources"),), evidence="Gunmen attacked Boni")
    r1 = store.add_article(art, [inc])
    assert r1.added and r1.incidents_new == 1 and r1.incidents_merged == 0
    r2 = store.add_article(make_article("Gunmen  attacked Boni on Monday,\nkilling five soldiers."), [inc])
    assert not r2.added and r2.article_id == art.id  # whitespace does not make a new article
    assert store.stats()["articles"] == 1 and store.stats()["incidents"] == 1
    [row] = store.query(with_articles=True)
    assert row["place"] == "Boni" and row["admin1"] == "Mopti" and row["source"] == "article"
    assert row["fatalities"] == 5 and row["fatalities_detail"][0]["who_reported"] == "local sources"
    assert row["evidence"][0]["article_id"] == art.id and row["evidence"][0]["text"] == "Gunmen attacked Boni"
    assert row["article_ids"] == [art.id] and row["source_count"] == 1
    assert row["date_start"] == row["date_end"] == date(2024, 3, 4)
    assert isinstance(row["created_at"], datetime) and row["created_at"].tzinfo is not None
    full = store.get_incident(row["id"])
    assert full["articles"][0]["url"] == "http://example.org/a"
    assert store.get_article(art.id)["text"] == art.text
    assert store.existing_articles([art.id, "0" * 64]) == {art.id}


def test_an_incident_reported_twice_is_merged_and_keeps_every_source(store):
    a = make_article("Article one about Boni.")
    b = make_article("Article two about Boni, from the army.")
    c = make_article("Article three about Boni, a week later, vaguely dated.")
    store.add_article(a, [make_incident(fatalities=(Fatalities(12, who_reported="local official"),),
                                        actors=("Unidentified armed group",), event_type="armed clash")])
    # 2.5 km away, a day later (reports straddle midnight), a more specific compatible type, a claim
    rb = store.add_article(b, [make_incident(lat=15.0766 + 0.0225, d=date(2024, 3, 5),
                                             event_type="attack on military position", actors=("JNIM", "Malian armed forces"),
                                             fatalities=(Fatalities(15, who_reported="army", is_claim=True),))])
    assert rb.incidents_merged == 1 and rb.incidents_new == 0
    # a week-precision date overlapping the day, no type: merges too
    rc = store.add_article(c, [make_incident(d=date(2024, 3, 8), precision="week", event_type=None, actors=())])
    assert rc.incidents_merged == 1
    [row] = store.query(with_articles=True)
    assert row["source_count"] == 3 and sorted(row["article_ids"]) == sorted([a.id, b.id, c.id])
    assert row["event_type"] == "attack on military position"
    assert row["fatalities"] == 12 and row["fatalities_claimed"] == 15
    assert {f["who_reported"] for f in row["fatalities_detail"]} == {"local official", "army"}
    assert set(row["actors"]) == {"JNIM", "Malian armed forces"}  # the generic actor gives way to the named group
    assert row["date"] == date(2024, 3, 4) and row["date_precision"] == "day"  # the more precise date kept
    assert store.stats()["incident_sources"] == 3
    assert store.count(IncidentFilter(actors=("Malian armed forces",))) == 1
    assert store.count(IncidentFilter(actors=("Unidentified armed group",))) == 0


@pytest.mark.parametrize("change", [
    dict(lat=15.0766 + 0.09),                       # 10 km away
    dict(d=date(2024, 3, 7)),                       # three days later, day precision
    dict(event_type="abduction"),                   # incompatible type
    dict(lat=None, lon=None),                       # one located, the other not
])
def test_different_incidents_are_not_merged(store, change):
    store.add_article(make_article("first"), [make_incident()])
    kw = dict(change)
    if "d" in kw:
        kw["d"] = kw.pop("d")
    r = store.add_article(make_article("second"), [make_incident(**kw)])
    assert r.incidents_new == 1 and r.incidents_merged == 0
    assert store.stats()["incidents"] == 2


def test_the_best_pair_merges_when_an_article_reports_a_place_twice(store):
    store.add_article(make_article("first report"), [make_incident(d=date(2024, 3, 4))])
    # the vaguer (week) mention comes first in the article but the exact one is the match
    r = store.add_article(make_article("second report"), [
        make_incident(d=date(2024, 3, 6), precision="week", geo_precision=2),
        make_incident(d=date(2024, 3, 4)),
    ])
    assert r.incidents_merged == 1 and r.incidents_new == 1
    rows = {(x["date_precision"], x["source_count"]) for x in store.query()}
    assert rows == {("day", 2), ("week", 1)}


def test_an_in_memory_store_works(tmp_path):
    with open_store("sqlite://") as s:
        s.add_article(make_article("in memory"), [make_incident()])
        assert s.count() == 1 and s.query(with_articles=True)[0]["source_count"] == 1
        assert len(list(s.iter_query())) == 1


def test_merge_prefers_the_more_precise_place(store):
    store.add_article(make_article("region level"), [make_incident(place="Mopti region", lat=15.0, lon=-2.2,
                                                                   geo_precision=3)])
    store.add_article(make_article("town level"), [make_incident(place="Boni", lat=15.0 + 0.02, lon=-2.2,
                                                                 geo_precision=1)])
    [row] = store.query()
    assert row["place"] == "Boni" and row["geo_precision"] == 1 and row["source_count"] == 2


def test_unlocated_incidents_merge_by_place_name(store):
    store.add_article(make_article("one"), [make_incident(place="Ségou-Koura", lat=None, lon=None)])
    store.add_article(make_article("two"), [make_incident(place="segou koura", lat=None, lon=None)])
    store.add_article(make_article("three"), [make_incident(place="Another", lat=None, lon=None)])
    assert store.stats()["incidents"] == 2


def test_two_incidents_of_one_article_stay_apart(store):
    # the extractor decided these are two events; a merge must not fold them together
    r = store.add_article(make_article("two events in one town"),
                          [make_incident(event_type="armed clash"), make_incident(event_type="attack on military position")])
    assert r.incidents_new == 2
    r = store.add_article(make_article("another report of the first"), [make_incident(event_type="armed clash")])
    assert r.incidents_merged == 1 and store.stats()["incidents"] == 2


def test_imported_events_are_idempotent_and_never_merged_with_articles(store):
    store.add_article(make_article("an article"), [make_incident()])
    rows = [dict(source="acled", source_event_id="MLI1", lat=15.0766, lon=-2.2198, date=date(2024, 3, 4),
                 date_precision="day", event_type="armed clash", actors=["JNIM"], fatalities=3),
            dict(source="ucdp", source_event_id="MLI1", lat=15.0766, lon=-2.2198, date=date(2024, 3, 4),
                 date_precision="day", event_type="armed clash", actors=["JNIM"], fatalities=4)]
    r1 = store.insert_events(rows)
    r2 = store.insert_events(rows)
    assert (r1.inserted, r1.existing, r2.inserted, r2.existing) == (2, 0, 0, 2)
    assert store.stats() == {"articles": 1, "incidents": 3, "incident_sources": 1, "incidents_article": 1,
                             "incidents_acled": 1, "incidents_ucdp": 1}
    assert store.count(IncidentFilter(actors=("JNIM",))) == 3
    assert store.existing_events("acled", ["MLI1", "MLI2"]) == {"MLI1"}
    with pytest.raises(StoreError):
        store.insert_events([dict(source="acled", lat=1.0, lon=1.0)])


def test_update_incident_rejoins_moved_points_and_keeps_actor_index(store):
    store.add_article(make_article("to correct"), [make_incident()])
    [row] = store.query()
    store.update_incident(row["id"], lat=None, lon=None)
    assert store.get_incident(row["id"])["geocode_status"] == "unresolved"
    out = store.update_incident(row["id"], lat=12.6392, lon=-8.0029, place="Bamako", actors=["Wagner Group/Africa Corps"],
                                review_status="corrected", review_note="moved by reviewer")
    assert out["admin1"] == "Bamako" and out["country"] == "Mali" and out["place"] == "Bamako"
    assert out["review_status"] == "corrected" and out["review_note"] == "moved by reviewer"
    assert out["geocode_status"] == "resolved"  # a reviewer's point is a located place
    assert store.count(IncidentFilter(actors=("JNIM",))) == 0
    assert store.count(IncidentFilter(actors=("Wagner Group/Africa Corps",))) == 1
    assert store.count(IncidentFilter(text="bamako")) == 1
    assert store.set_review(row["id"], "confirmed")["review_status"] == "confirmed"
    with pytest.raises(StoreError, match="cannot change"):
        store.update_incident(row["id"], source="acled")
    with pytest.raises(StoreError, match="no incident"):
        store.update_incident(10**6, place="x")


def test_facets_and_frame(store):
    _dataset(store, 60, seed=3)
    f = store.facets()
    assert f["admin1"] == sorted(f["admin1"]) and "Mopti" in f["admin1"]
    assert "JNIM" in f["actors"] and f["date_min"] <= f["date_max"]
    df = store.frame(IncidentFilter(admin1=("Mopti",)), columns=("id", "lat", "lon", "date"))
    assert list(df.columns) == ["id", "lat", "lon", "date"] and len(df) == store.count(IncidentFilter(admin1=("Mopti",)))
    assert str(df["date"].dtype).startswith("datetime64")
    # the same rows, in the same order (newest first) as query()
    assert df["id"].tolist() == [r["id"] for r in store.query(IncidentFilter(admin1=("Mopti",)), columns=("id",))]
    full = store.frame(columns=("date", "actors", "created_at"))
    assert all(isinstance(a, list) for a in full["actors"]) and str(full["created_at"].dt.tz) == "UTC"
    page = store.query(limit=10, offset=5, columns=("id",))
    assert len(page) == 10
    with pytest.raises(StoreError, match="unknown"):
        store.query(columns=("id", "nope"))


# ---------------------------------------------------------------- filters in SQL == filters in Python

ADMIN1 = ["Mopti", "Gao", "Ségou", "Tombouctou", None]
ZONES = ["Mali–Niger border", "Mali–Burkina Faso border", "Liptako-Gourma tri-border area", None]
TYPES = ["armed clash", "abduction", "violence against civilians", "explosion/remote violence", None]
ACTORS = ["JNIM", "Islamic State Sahel", "Malian armed forces", "Wagner Group/Africa Corps", "Civilians"]
WORDS = ["convoy", "market", "checkpoint", "Djenné", "ambush", "drone"]


def _dataset(store, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        located = rng.random() > 0.1
        rows.append(dict(
            source=rng.choice(["acled", "ucdp"]), source_event_id=f"E{i}",
            place=f"Place {i}", lat=round(rng.uniform(10.5, 24.5), 4) if located else None,
            lon=round(rng.uniform(-12, 4), 4) if located else None,
            geo_precision=rng.randint(1, 5), admin1=rng.choice(ADMIN1), admin2=rng.choice(["Douentza", "Bankass", None]),
            border_zone=rng.choice(ZONES),
            date=(date(2023, 1, 1) + timedelta(days=rng.randint(0, 700))) if rng.random() > 0.05 else None,
            date_precision="day", event_type=rng.choice(TYPES),
            actors=rng.sample(ACTORS, rng.randint(0, 3)),
            fatalities=rng.choice([None, 0, 1, 3, 10, 25, 60]),
            notes=" ".join(rng.sample(WORDS, 2)),
            review_status=rng.choice(["unreviewed", "confirmed"]),
        ))
    store.insert_events(rows)
    store.add_article(make_article("an article incident"), [make_incident(evidence="JNIM ambush near Boni")])


def _values(xs):
    return st.lists(st.sampled_from([x for x in xs if x is not None]), max_size=2).map(tuple)


random_filters = st.builds(
    IncidentFilter,
    date_from=st.one_of(st.none(), st.dates(date(2022, 12, 1), date(2024, 12, 31))),
    admin1=_values(ADMIN1), admin2=_values(["Douentza", "Bankass", "Nowhere"]), border_zone=_values(ZONES),
    actors=_values(ACTORS), event_types=_values(TYPES),
    precision=st.lists(st.integers(1, 5), max_size=2).map(tuple),
    max_precision=st.one_of(st.none(), st.integers(1, 5)),
    min_fatalities=st.one_of(st.none(), st.sampled_from([0, 1, 10, 30])),
    text=st.one_of(st.just(""), st.sampled_from(WORDS + ["djenne", "place 1", "jnim", "x%_"])),
    bbox=st.one_of(st.none(), st.tuples(st.floats(-12, -4), st.floats(10, 15), st.floats(-4, 4), st.floats(15, 25))),
    sources=_values(["acled", "ucdp", "article"]),
    review_status=_values(["unreviewed", "confirmed"]),
)


def test_sql_filters_agree_with_the_reference(store):
    _dataset(store, 300, seed=11)
    everything = store.query()
    assert len(everything) == 301

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(random_filters)
    def check(f):
        expected = sorted(r["id"] for r in everything if f.matches(r))
        got = sorted(r["id"] for r in store.query(f, columns=("id",)))
        assert got == expected, f.describe()
        assert store.count(f) == len(expected)

    check()


def test_bbox_edges_are_inclusive(store):
    store.insert_events([dict(source="acled", source_event_id="edge", lat=15.0, lon=-2.0, date=date(2024, 1, 1))])
    assert store.count(IncidentFilter(bbox=(-2.0, 15.0, -1.0, 16.0))) == 1
    assert store.count(IncidentFilter(bbox=(-3.0, 14.0, -2.0, 15.0))) == 1
    assert store.count(IncidentFilter(bbox=(-1.9, 15.0, -1.0, 16.0))) == 0


def test_reopening_keeps_data(db_url):
    with open_store(db_url) as s:
        s.add_article(make_article("persisted"), [make_incident()])
    with open_store(db_url) as s:
        assert s.stats()["incidents"] == 1 and s.schema_version() == 1


def test_articles_sources_and_change_token(store):
    """The read calls the dashboard's Sources page, popups, map and caches are built on."""
    t0 = store.change_token()
    a1 = make_article("Gunmen attacked Boni and Hombori on Monday.", published=date(2024, 3, 6),
                      url="http://example.org/1")
    a2 = make_article("Boni was attacked again, a second report says.", published=date(2024, 3, 7))
    a3 = make_article("Nothing happened anywhere.", published=date(2024, 3, 8))
    store.add_article(a1, [make_incident(), make_incident(place="Hombori", lat=15.28, lon=-1.70, d=date(2024, 3, 5))])
    t1 = store.change_token()
    assert t1 != t0
    store.add_article(a2, [make_incident()])                        # merged into a1's Boni
    store.add_article(a3, [])
    boni, hombori = sorted(store.article_incident_ids(a1.id))
    assert store.article_incident_ids(a2.id) == [boni]
    assert store.article_incident_ids(a3.id) == []

    arts = store.articles()
    assert [a["id"] for a in arts] == [a3.id, a2.id, a1.id]         # newest first
    by_id = {a["id"]: a for a in arts}
    assert (by_id[a1.id]["incidents"], by_id[a1.id]["unreviewed"]) == (2, 2)
    assert (by_id[a3.id]["incidents"], by_id[a3.id]["unreviewed"]) == (0, 0)
    assert by_id[a1.id]["url"] == "http://example.org/1" and by_id[a1.id]["published"] == date(2024, 3, 6)

    links = store.sources_of([boni, hombori, 999999])
    assert [x["id"] for x in links[boni]] == [a1.id, a2.id]         # oldest first
    assert [x["id"] for x in links[hombori]] == [a1.id]
    assert 999999 not in links

    t2 = store.change_token()
    store.set_review(hombori, "confirmed")
    assert store.change_token() != t2
    assert {a["id"]: a["confirmed"] for a in store.articles()}[a1.id] == 1

    rows = store.plain_rows(IncidentFilter(admin1=("Mopti",)), ("id", "date", "place"))
    assert sorted(rows) == [(boni, "2024-03-04", "Boni"), (hombori, "2024-03-05", "Hombori")]
    with pytest.raises(StoreError, match="unknown incident column"):
        store.plain_rows(None, ("id", "nope"))
