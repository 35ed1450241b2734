"""Acceptance: the client's example article (../shared/seeds, published 2025-07-01, a Tuesday)."""

from __future__ import annotations

import json

import pytest

from geo.extract import Extractor
from geo.text.loading import load_article

PUBLISHED = "2025-07-01"


@pytest.fixture(scope="module")
def result(seed_path, extractor):
    art = load_article(seed_path, published=PUBLISHED)
    return extractor.extract_article(art)


@pytest.fixture(scope="module")
def incidents(result):
    return [i.to_dict() for i in result.incidents]


def test_repeated_body_is_removed_before_extraction(result, seed_path):
    raw = seed_path.read_text(encoding="utf-8")
    body_sentence = "Jihadist militants have executed a wave of simultaneous assaults"
    assert raw.count(body_sentence) == 2
    assert result.article.text.count(body_sentence) == 1
    assert result.article.removed_duplicates > 0


def test_no_duplicate_incidents(incidents):
    keys = [(i["place"], i["date"]) for i in incidents]
    assert len(keys) == len(set(keys))


def test_kayes_and_sandare_attacks_on_military_positions(incidents, by_place):
    places = by_place(incidents)
    for name in ("Kayes", "Sandere"):
        assert len(places[name]) == 1, name
        inc = places[name][0]
        assert inc["admin1"] == "Kayes"
        assert inc["date"] == "2025-07-01" and inc["date_precision"] == "day"
        assert "JNIM" in inc["actors"]
        assert inc["event_type"] == "attack on military position"
        assert inc["geocode_status"] == "resolved" and inc["geo_precision"] == 1
    assert places["Sandere"][0]["geocoded_as"] == "Sandaré"


def test_binoli_is_reported_unresolved(incidents, by_place):
    (binoli,) = by_place(incidents)["Binoli"]
    assert binoli["geocode_status"] == "unresolved"
    assert binoli["lat"] is None and binoli["lon"] is None
    assert binoli["date"] == "2025-07-01"
    assert "JNIM" in binoli["actors"]
    # the text puts the list of towns "near the Senegalese border"
    assert binoli["border_zone"] == "Mali–Senegal border"


def test_timbuktu_june_2_army_camp_and_airport(incidents, by_place):
    (tbk,) = by_place(incidents)["Timbuktu"]
    assert tbk["date"] == "2025-06-02"
    assert tbk["admin1"] == "Tombouctou"
    assert tbk["event_type"] == "attack on military position"
    assert "JNIM" in tbk["actors"]
    assert any("airport in Timbuktu" in e["text"] for e in tbk["evidence"])


def test_central_mali_raid_a_day_earlier_at_region_precision(incidents):
    (raid,) = [i for i in incidents if i["place_kind"] == "area"]
    assert raid["place"] == "central Mali"
    assert raid["date"] == "2025-06-01"
    assert raid["geo_precision"] == 3
    assert raid["admin1"] in ("Mopti", "Ségou")
    assert [(f["count"], f["victims"], f["is_claim"]) for f in raid["fatalities"]] == [(30, "soldiers", False)]


def test_mauritanian_border_zone_incident(incidents):
    zone = [i for i in incidents if i["place_kind"] == "border"]
    assert len(zone) == 1
    assert zone[0]["border_zone"] == "Mali–Mauritania border"
    assert zone[0]["geo_precision"] == 4
    assert zone[0]["date"] == "2025-07-01"


def test_nothing_for_context_that_is_not_a_location(incidents):
    text = json.dumps([i["place"] for i in incidents]).lower()
    for word in ("africa", "coast", "united states", "sahel", "dembele", "souleymane"):
        assert word not in text
    assert len(incidents) == 6


def test_army_claim_is_a_claim(incidents, by_place):
    (kayes,) = by_place(incidents)["Kayes"]
    claims = [f for f in kayes["fatalities"] if f["count"] == 80]
    assert claims and claims[0]["is_claim"] and claims[0]["qualifier"] == "over"
    assert claims[0]["victims"] == "militants"
    assert claims[0]["who_reported"] == "Malian armed forces"
    assert claims[0]["shared"]  # one figure for the whole wave of attacks: not to be summed


def test_evidence_offsets_point_at_the_cleaned_text(result):
    text = result.article.text
    for inc in result.incidents:
        for ev in inc.evidence:
            assert text[ev.start : ev.end] == ev.text


def test_cli_contract(seed_path, capsys):
    from geo.cli import main

    assert main(["extract", str(seed_path), "--published", PUBLISHED, "--lang", "en", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["article"]) >= {"id", "title", "published", "language"}
    assert doc["article"]["published"] == PUBLISHED and doc["article"]["language"] == "en"
    assert len(doc["article"]["id"]) == 64
    keys = {
        "place",
        "lat",
        "lon",
        "geo_precision",
        "geocode_status",
        "admin1",
        "admin2",
        "border_zone",
        "distance_to_border_km",
        "date",
        "date_precision",
        "event_type",
        "actors",
        "fatalities",
        "evidence",
    }
    assert doc["incidents"] and all(keys <= set(i) for i in doc["incidents"])
    assert all(set(e) == {"start", "end", "text"} for i in doc["incidents"] for e in i["evidence"])


def test_same_result_through_a_fresh_extractor(seed_path):
    """No hidden state: a new extractor finds the same incidents."""
    from geo.geocode import Geocoder

    art = load_article(seed_path, published=PUBLISHED)
    a = [i.to_dict() for i in Extractor(geocoder=Geocoder(online=False, cache=False)).extract_article(art).incidents]
    art2 = load_article(seed_path, published=PUBLISHED)
    b = [i.to_dict() for i in Extractor(geocoder=Geocoder(online=False, cache=False)).extract_article(art2).incidents]
    assert a == b
