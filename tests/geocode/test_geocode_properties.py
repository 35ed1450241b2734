"""Property-based checks of the geocoder's contract (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from unidecode import unidecode

from geo.gazetteer import fold
from geo.geocode import STOPLIST, GeocodeContext, Geocoder

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def geocoder(gaz):
    return Geocoder(gaz, cache=False, online=False)


@pytest.fixture(scope="module")
def mali_names(gaz):
    return sorted({p.name for p in gaz.places if p.country_code == "ML" and fold(p.name) not in STOPLIST})


contexts = st.builds(
    GeocodeContext,
    regions=st.lists(st.sampled_from(["Kayes", "Mopti", "Timbuktu region", "Gao", "nowhere"]), max_size=2).map(tuple),
    places=st.lists(st.sampled_from(["Bamako", "Kidal", "Sévaré", "Dori", "Xyz"]), max_size=3).map(tuple),
    border_zones=st.lists(st.sampled_from(["Senegalese border", "tri-border area", "moon border"]),
                          max_size=1).map(tuple),
)


@SETTINGS
@given(name=st.text(max_size=40), ctx=contexts, strict=st.booleans())
def test_never_raises_and_keeps_the_contract(geocoder, name, ctx, strict):
    r = geocoder.geocode(name, ctx, strict=strict)
    assert r.status in ("resolved", "unresolved")
    if r.status == "resolved":
        assert -90 <= r.lat <= 90 and -180 <= r.lon <= 180
        assert r.geo_precision in (1, 2, 3, 4, 5) and r.provider and r.matched_name
        assert r.candidates and r.candidates[0].score == r.score
    else:
        assert r.lat is None and r.lon is None and r.geo_precision is None


@SETTINGS
@given(word=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12))
def test_lower_case_words_never_reach_the_gazetteer(geocoder, word):
    r = geocoder.geocode(word)
    assert r.provider != "gazetteer"


@SETTINGS
@given(data=st.data())
def test_case_and_accents_do_not_matter(geocoder, mali_names, data):
    name = data.draw(st.sampled_from(mali_names))
    base = geocoder.geocode(name)
    assert base.resolved and base.country_code == "ML"
    for variant in (name.upper(), unidecode(name), name.title()):
        assert geocoder.geocode(variant).geonameid == base.geonameid


@SETTINGS
@given(data=st.data())
def test_context_never_loses_an_exact_mali_name(geocoder, mali_names, data):
    name = data.draw(st.sampled_from(mali_names))
    ctx = data.draw(contexts)
    r = geocoder.geocode(name, ctx)
    assert r.resolved and r.provider == "gazetteer" and not r.fallback
    assert fold(r.candidates[0].matched_name) == fold(name) or r.match in ("exact", "alternate")
