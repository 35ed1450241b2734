"""IncidentFilter: normalisation, validation, the URL round trip and the Python reference semantics."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InvalidInputError
from geo.filters import IncidentFilter, fold_text, search_text

names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    lambda s: s.strip() != "")
filters = st.builds(
    IncidentFilter,
    date_from=st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2015, 1, 1))),
    date_to=st.one_of(st.none(), st.dates(min_value=date(2015, 1, 2), max_value=date(2030, 1, 1))),
    admin1=st.lists(names, max_size=3).map(tuple),
    admin2=st.lists(names, max_size=2).map(tuple),
    border_zone=st.lists(names, max_size=2).map(tuple),
    actors=st.lists(names, max_size=3).map(tuple),
    event_types=st.lists(names, max_size=2).map(tuple),
    precision=st.lists(st.integers(1, 5), max_size=3).map(tuple),
    max_precision=st.one_of(st.none(), st.integers(1, 5)),
    min_fatalities=st.one_of(st.none(), st.integers(0, 500)),
    text=st.text(max_size=20),
    bbox=st.one_of(st.none(), st.tuples(st.floats(-20, -1), st.floats(5, 12), st.floats(0, 10), st.floats(13, 25))),
    sources=st.lists(st.sampled_from(["article", "acled", "ucdp"]), max_size=2).map(tuple),
    review_status=st.lists(st.sampled_from(["unreviewed", "confirmed"]), max_size=2).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(filters)
def test_query_params_round_trip(f):
    params = f.to_query_params()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    assert IncidentFilter.from_query_params(params) == f
    # through a real query string, as a browser URL carries it
    assert IncidentFilter.from_query_string("?" + f.to_query_string()) == f
    # repeated keys (lists of strings) are understood too
    assert IncidentFilter.from_query_params(parse_qs(f.to_query_string())) == f


def test_values_are_normalised_so_equal_filters_compare_equal():
    a = IncidentFilter(admin1=["Ségou", "Mopti", "Mopti"], precision=[2, 1], text="  Boni   attack ")
    b = IncidentFilter(admin1=("Mopti", "Ségou"), precision=(1, 2), text="Boni attack")
    assert a == b and hash(a) == hash(b)
    assert a.admin1 == ("Mopti", "Ségou")
    assert IncidentFilter(admin1="Mopti").admin1 == ("Mopti",)
    assert IncidentFilter(date_from="2024-01-01").date_from == date(2024, 1, 1)
    assert IncidentFilter().is_empty() and not a.is_empty()


def test_names_with_commas_and_backslashes_survive_the_url():
    f = IncidentFilter(actors=("Group A, B", "back\\slash", "plain"))
    assert IncidentFilter.from_query_params(f.to_query_params()).actors == f.actors


@pytest.mark.parametrize("kwargs, word", [
    (dict(date_from="2024-02-30"), "date_from"),
    (dict(date_from="2024-03-01", date_to="2024-02-01"), "after"),
    (dict(precision=(7,)), "precision"),
    (dict(max_precision=0), "max_precision"),
    (dict(min_fatalities=-1), "min_fatalities"),
    (dict(min_fatalities="many"), "min_fatalities"),
    (dict(bbox=(10, 0, -10, 5)), "west"),
    (dict(bbox="1,2,3"), "bbox"),
    (dict(bbox=(0, 0, 200, 5)), "bbox"),
    (dict(sources=("twitter",)), "sources"),
])
def test_bad_values_are_refused_with_the_field_named(kwargs, word):
    with pytest.raises(InvalidInputError, match=word):
        IncidentFilter(**kwargs)


def test_from_query_params_strict_and_lenient():
    params = {"admin1": "Mopti", "min_fatalities": "lots", "date_from": "2024-05-01", "date_to": "2024-01-01",
              "page": "3"}
    with pytest.raises(InvalidInputError, match="min_fatalities"):
        IncidentFilter.from_query_params(params)
    f = IncidentFilter.from_query_params(params, strict=False)
    assert f.admin1 == ("Mopti",) and f.min_fatalities is None
    assert f.date_from == date(2024, 5, 1) and f.date_to is None  # the inconsistent bound is dropped


def test_precision_set_combines_precision_and_max_precision():
    assert IncidentFilter().precision_set() is None
    assert IncidentFilter(max_precision=2).precision_set() == {1, 2}
    assert IncidentFilter(precision=(1, 3, 4), max_precision=3).precision_set() == {1, 3}
    assert IncidentFilter(max_precision=5).precision_set() is None


def test_matches_reference_semantics():
    inc = {"date": date(2024, 3, 4), "admin1": "Mopti", "admin2": None, "border_zone": None, "event_type": "armed clash",
           "actors": ["JNIM", "Malian armed forces"], "geo_precision": 1, "fatalities": 12, "lat": 15.0, "lon": -2.2,
           "place": "Boni", "source": "article", "review_status": "unreviewed",
           "evidence": [{"text": "Jihadists stormed the army post at Boni."}]}
    yes = [IncidentFilter(), IncidentFilter(date_from="2024-03-04", date_to="2024-03-04"),
           IncidentFilter(admin1=("Mopti", "Gao")), IncidentFilter(actors=("JNIM", "Wagner")),
           IncidentFilter(max_precision=1), IncidentFilter(min_fatalities=12), IncidentFilter(text="ARMY post boni"),
           IncidentFilter(text="jnim"), IncidentFilter(bbox=(-3, 14, -2, 16)), IncidentFilter(sources=("article",))]
    no = [IncidentFilter(date_from="2024-03-05"), IncidentFilter(admin1=("Gao",)), IncidentFilter(admin2=("Douentza",)),
          IncidentFilter(actors=("Wagner",)), IncidentFilter(precision=(2, 3)), IncidentFilter(min_fatalities=13),
          IncidentFilter(text="kidal"), IncidentFilter(bbox=(0, 0, 1, 1)), IncidentFilter(border_zone=("x",)),
          IncidentFilter(event_types=("abduction",)), IncidentFilter(sources=("acled",))]
    assert all(f.matches(inc) for f in yes)
    assert not any(f.matches(inc) for f in no)
    # missing values never match a filter on them
    bare = {"date": None, "lat": None, "lon": None, "fatalities": None, "actors": []}
    assert IncidentFilter().matches(bare)
    for f in (IncidentFilter(date_to="2030-01-01"), IncidentFilter(bbox=(-180, -90, 180, 90)),
              IncidentFilter(min_fatalities=0), IncidentFilter(admin1=("Mopti",))):
        assert not f.matches(bare)


def test_folding_for_text_search():
    assert fold_text("Ségou, N'Débougou!") == "segou n debougou"
    assert search_text(["Ménaka", ["JNIM", "Wagner Group/Africa Corps"], None]) == "menaka | jnim | wagner group africa corps"


def test_describe_is_readable():
    assert IncidentFilter().describe() == "all incidents"
    d = IncidentFilter(admin1=("Mopti",), min_fatalities=5, date_from="2024-01-01").describe()
    assert "region Mopti" in d and "fatalities >= 5" in d and "2024-01-01" in d
