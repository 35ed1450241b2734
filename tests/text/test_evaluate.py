"""The eval scorer, and the development gold set with the floors we measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.errors import InvalidInputError
from geo.evaluate import GoldArticle, GoldIncident, evaluate, load_gold, match_article, score

GOLD = Path(__file__).resolve().parents[1] / "data" / "gold.jsonl"
HOLDOUT = Path(__file__).resolve().parents[1] / "data" / "gold_holdout.jsonl"


def g(place, lat=None, lon=None, admin1=None, date=None, precision="town", zone=None):
    return GoldIncident(place, lat, lon, admin1, date, precision, zone)


def p(place, lat=None, lon=None, admin1=None, date=None, zone=None, country="Mali"):
    return {
        "place": place,
        "lat": lat,
        "lon": lon,
        "admin1": admin1,
        "date": date,
        "border_zone": zone,
        "country": country,
        "geo_precision": 1,
    }


def test_town_within_25_km_region_same_admin1_border_same_zone():
    gold = [
        g("Kayes", 14.4478, -11.4439, "Kayes", "2025-07-01"),
        g("central Mali", admin1="Mopti", precision="region"),
        g("zone", precision="border", zone="Mali–Senegal border"),
        g("Binoli", date="2025-07-01"),
    ]
    preds = [
        p("Kayes", 14.55, -11.40, "Kayes", "2025-07-01"),  # ~12 km away
        p("central Mali", 14.2, -4.6, "Mopti"),
        p("Diboli", 14.45, -12.2, "Kayes", zone="Mali–Senegal border"),
        p("binoli", date="2025-07-01"),
    ]
    m = match_article(gold, preds)
    assert sorted((gi, pi) for gi, pi, _ in m) == [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_too_far_wrong_region_and_one_to_one():
    gold = [g("Kayes", 14.4478, -11.4439, "Kayes"), g("Kayes", 14.4478, -11.4439, "Kayes")]
    preds = [p("Kayes", 14.4478, -11.4439, "Kayes"), p("Nioro", 15.23, -9.59, "Kayes")]  # Nioro ~190 km away
    assert len(match_article(gold, preds)) == 1
    assert match_article([g("r", admin1="Gao", precision="region")], [p("x", admin1="Kidal")]) == []


def test_score_figures():
    gold = [
        GoldArticle(
            "a",
            "2025-07-01",
            "en",
            "t",
            [g("Kayes", 14.4478, -11.4439, "Kayes", "2025-07-01"), g("Gao", 16.27, -0.04, "Gao", "2025-07-01")],
        )
    ]
    preds = {"a": [p("Kayes", 14.4478, -11.4439, "Kayes", "2025-06-30"), p("Mopti", 14.48, -4.18, "Mopti")]}
    s = score(gold, preds)
    assert s == {
        "articles": 1,
        "gold_incidents": 2,
        "predicted_incidents": 2,
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "median_error_km": 0.0,
        "admin1_accuracy": 1.0,
        "date_accuracy": 0.0,
    }


def test_bad_gold_files(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "t", "incidents": [{"place": "a", "precision": "galaxy"}]}\n')
    with pytest.raises(InvalidInputError, match="bad.jsonl:1"):
        load_gold(bad)
    with pytest.raises(InvalidInputError, match="no such gold file"):
        load_gold(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(InvalidInputError, match="no articles"):
        load_gold(empty)


def test_gold_set_shape():
    arts = load_gold(GOLD)
    assert len(arts) >= 40
    langs = [a.language for a in arts]
    assert langs.count("en") >= 25 and langs.count("fr") >= 15
    regions = {i.admin1 for a in arts for i in a.incidents if i.admin1}
    assert regions >= {"Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal", "Bamako"}
    assert any(i.lat is None and i.precision == "town" for a in arts for i in a.incidents)  # unresolvable villages
    assert any(not a.incidents for a in arts)  # articles with nothing to find
    assert len({a.id for a in arts}) == len(arts)


#: Floors, set just below what the extractor measured on this set (see the report in the PR).
#: The rules were developed against these articles, so they overstate accuracy on unseen text.
FLOORS = {"precision": 0.93, "recall": 0.93, "f1": 0.93, "admin1_accuracy": 0.90, "date_accuracy": 0.95}


def test_gold_set_meets_floors(extractor):
    figures = evaluate(GOLD, extractor=extractor)
    for key, floor in FLOORS.items():
        assert figures[key] >= floor, (key, figures)
    assert figures["median_error_km"] is not None and figures["median_error_km"] <= 5.0
    assert figures["articles"] >= 40


#: The held-out file was written after the rules were frozen and never tuned on: its figures
#: (precision 1.0, recall 0.94 with the embedded data) are the fairer estimate.
HOLDOUT_FLOORS = {"precision": 0.9, "recall": 0.85, "date_accuracy": 0.9}


def test_holdout_set_meets_floors(extractor):
    figures = evaluate(HOLDOUT, extractor=extractor)
    for key, floor in HOLDOUT_FLOORS.items():
        assert figures[key] >= floor, (key, figures)


def test_cli_eval_json(capsys):
    from geo.cli import main

    assert main(["eval", str(GOLD), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {
        "articles",
        "gold_incidents",
        "predicted_incidents",
        "precision",
        "recall",
        "f1",
        "median_error_km",
        "admin1_accuracy",
        "date_accuracy",
    }
