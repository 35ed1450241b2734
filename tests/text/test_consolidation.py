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
