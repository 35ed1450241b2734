"""Date expressions and their anchors."""

from __future__ import annotations

from datetime import date

import pytest

from geo.text.dates import find_dates
from geo.text.folding import FoldedText

PUB = date(2025, 7, 1)  # a Tuesday


def dates(text: str, pub: date | None = PUB):
    return [(d.text, d.value, d.precision) for d in find_dates(FoldedText(text), pub)]


@pytest.mark.parametrize(
    "text,value,precision",
    [
        ("a June 2 assault", date(2025, 6, 2), "day"),
        ("on 2 June 2024", date(2024, 6, 2), "day"),
        ("le 2 juin 2025", date(2025, 6, 2), "day"),
        ("le 1er juin", date(2025, 6, 1), "day"),
        ("on June 2nd, 2023", date(2023, 6, 2), "day"),
        ("on 2025-06-02", date(2025, 6, 2), "day"),
        ("le 02/06/2025", date(2025, 6, 2), "day"),
        ("in June 2025", date(2025, 6, 1), "month"),
        ("en mai", date(2025, 5, 1), "month"),
        ("on December 30", date(2024, 12, 30), "day"),  # no year: the last one on or before publication
        ("le 3 août", date(2024, 8, 3), "day"),
    ],
)
def test_explicit_dates(text, value, precision):
    (got,) = dates(text)
    assert got[1:] == (value, precision)


@pytest.mark.parametrize(
    "text,value",
    [
        ("on Tuesday", date(2025, 7, 1)),  # publication day itself counts
        ("Tuesday morning", date(2025, 7, 1)),
        ("on Sunday", date(2025, 6, 29)),
        ("last Tuesday", date(2025, 6, 24)),  # strictly before
        ("mardi", date(2025, 7, 1)),
        ("mardi dernier", date(2025, 6, 24)),
        ("dans la nuit de dimanche à lundi", date(2025, 6, 29)),
        ("overnight Monday to Tuesday", date(2025, 6, 30)),
    ],
)
def test_weekdays(text, value):
    (got,) = dates(text)
    assert got[1] == value and got[2] == "day"


@pytest.mark.parametrize(
    "text,value,precision",
    [
        ("yesterday", date(2025, 6, 30), "day"),
        ("hier", date(2025, 6, 30), "day"),
        ("today", date(2025, 7, 1), "day"),
        ("three days ago", date(2025, 6, 28), "day"),
        ("il y a deux jours", date(2025, 6, 29), "day"),
        ("last week", date(2025, 6, 24), "week"),
        ("la semaine dernière", date(2025, 6, 24), "week"),
        ("earlier this week", date(2025, 6, 30), "week"),
        ("earlier this month", date(2025, 7, 1), "month"),
        ("last month", date(2025, 6, 1), "month"),
        ("le mois dernier", date(2025, 6, 1), "month"),
    ],
)
def test_relative_to_publication(text, value, precision):
    (got,) = dates(text)
    assert got[1:] == (value, precision)


def test_relative_to_the_previous_date_in_the_text():
    got = dates("a June 2 assault on Timbuktu, and a raid a day earlier in central Mali; the next day, more")
    assert [g[1] for g in got] == [date(2025, 6, 2), date(2025, 6, 1), date(2025, 6, 2)]
    got = dates("Lundi, des hommes armés ont attaqué. La veille, une embuscade. Le lendemain, un raid.")
    assert [g[1] for g in got] == [date(2025, 6, 30), date(2025, 6, 29), date(2025, 6, 30)]
    got = dates("two days later")
    assert got[0][1] == date(2025, 7, 3)  # no earlier date: the anchor is publication


def test_without_publication_date_only_full_dates_resolve():
    got = dates("On Tuesday and on 2 June 2025, and a day earlier", pub=None)
    assert [g[1] for g in got] == [None, date(2025, 6, 2), date(2025, 6, 1)]


@pytest.mark.parametrize(
    "text",
    [
        "they may attack again",
        "for over a decade",
        "within a month",
        "the march towards Gao",
        "since 2012",
        "7 km from the town",
        "a sunday school",
    ],
)
def test_non_dates(text):
    assert dates(text) == []
