"""Within one article: one incident per place and event, and every reported death counted once."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.extract import Extractor
from geo.store.rows import fatality_summary
from geo.text import loading

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _incidents(extractor: Extractor, name: str):
    [result] = extractor.extract_many(loading.load_articles(SAMPLES / name))
    return result.incidents


def _attributed_total(incidents) -> int:
    return sum(fatality_summary([f.to_dict() for f in i.fatalities])[0] or 0 for i in incidents)


def test_a_headline_restating_the_body_adds_no_second_incident(extractor) -> None:
    incidents = _incidents(extractor, "2022-08-07-tessit.json")
    tessit = [i for i in incidents if i.place == "Tessit"]
    assert len(tessit) == 1
    assert tessit[0].date.isoformat() == "2022-08-07" and tessit[0].date_precision == "day"
    assert len(tessit[0].evidence) >= 2  # the headline's sentence is kept as evidence
    # 42 soldiers, reported once, over all incidents of the article
    soldiers = [f for i in incidents for f in i.fatalities if f.victims == "soldiers" and not f.is_claim]
    assert sum(f.share if f.share is not None else f.count for f in soldiers) == 42


def test_a_figure_for_several_villages_is_split_not_repeated(extractor) -> None:
    incidents = _incidents(extractor, "2022-06-18-diallassagou.json")
    assert len({i.place for i in incidents}) == len(incidents)  # no place twice
    assert len(incidents) >= 3
    assert _attributed_total(incidents) == 132
    shares = [f.share for i in incidents for f in i.fatalities if f.count == 132]
    assert max(shares) - min(shares) <= 1  # evenly, remainder to the first


def test_the_same_figure_from_headline_and_body_is_one_figure(extractor) -> None:
    incidents = _incidents(extractor, "2019-03-23-ogossagou.json")
    figures = [f for i in incidents for f in i.fatalities]
    assert [(f.count, f.victims) for f in figures] == [(157, "civilians")]
    assert figures[0].who_reported  # the attributed copy is the one kept


def test_a_border_phrase_qualifying_a_town_adds_no_border_incident(extractor) -> None:
    """"Tessit, in the Gao region near the borders with Niger and Burkina Faso": the border
    locates the town (in the tri-border area); it is not a second, vaguer incident."""
    incidents = _incidents(extractor, "2022-08-07-tessit.json")
    assert [(i.place, i.place_kind) for i in incidents] == [("Tessit", "place")]
    assert incidents[0].border_zone == "Liptako-Gourma tri-border area"


def test_a_border_incident_is_covered_only_by_a_town_in_or_by_that_border() -> None:
    from geo.extract import _covers
    from geo.text.records import BORDER_ZONE, Incident

    niger = Incident(place="Mali–Niger border", place_kind="border", geo_precision=BORDER_ZONE,
                     border_zone="Mali–Niger border")
    in_triborder = Incident(place="Tessit", lat=15.21667, lon=-0.3, border_zone="Liptako-Gourma tri-border area")
    in_zone = Incident(place="Anderamboukane", lat=15.42, lon=3.02, border_zone="Mali–Niger border")
    far = Incident(place="Kayes", lat=14.45, lon=-11.44, border_zone="Mali–Senegal border")
    assert _covers(niger, in_triborder) and _covers(niger, in_zone)
    assert not _covers(niger, far)
    senegal = Incident(place="Mali–Senegal border", place_kind="border", geo_precision=BORDER_ZONE)
    assert _covers(senegal, far)                 # Kayes lies in the Senegal zone
    assert not _covers(senegal, in_triborder)
