"""Property-based checks: extraction never crashes, and every evidence offset is exact."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import InvalidInputError
from geo.extract import extract_text
from geo.text.folding import FoldedText
from geo.text.sentences import split_sentences

# Words that steer text into the interesting paths: places, cues, dates, actors, numbers.
_VOCAB = [
    "Kayes",
    "Sandaré",
    "Sandere",
    "Tombouctou",
    "Timbuktu",
    "Gao",
    "Mopti",
    "Ségou",
    "San",
    "Kati",
    "Binoli",
    "région",
    "region",
    "de",
    "the",
    "town",
    "of",
    "village",
    "near",
    "à",
    "in",
    "on",
    "Tuesday",
    "mardi",
    "June",
    "2",
    "juin",
    "2025",
    "a",
    "day",
    "earlier",
    "la",
    "veille",
    "yesterday",
    "JNIM",
    "FAMa",
    "army",
    "attack",
    "attaque",
    "killed",
    "tués",
    "30",
    "soldiers",
    "over",
    "80",
    "militants",
    "neutralised",
    "central",
    "Mali",
    "northern",
    "Senegalese",
    "border",
    "frontière",
    "mauritanienne",
    "including",
    "and",
    "et",
    ",",
    ".",
    "\n",
    "\n\n",
    "Colonel",
    "Dembele",
    "said",
    "selon",
    "l'armée",
    "Côte",
    "d'Ivoire",
    "—",
    "œuvre",
    "ﬁ",
    "İ",
    "ß",
    "Tessit",
    "tri-border",
    "Liptako-Gourma",
    "between",
    "entre",
    "Boni",
    "Hombori",
]
_words = st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=60).map(" ".join)
_texts = st.one_of(
    st.text(min_size=0, max_size=400), _words, st.tuples(_words, st.text(max_size=80), _words).map("".join)
)


def _check(result) -> None:
    text = result.article.text
    for inc in result.incidents:
        assert inc.evidence, "every incident keeps at least one evidence sentence"
        for ev in inc.evidence:
            assert 0 <= ev.start < ev.end <= len(text)
            assert text[ev.start : ev.end] == ev.text
        if inc.geocode_status == "unresolved":
            assert inc.lat is None and inc.lon is None
        else:
            assert inc.lat is not None and -90 <= inc.lat <= 90 and -180 <= inc.lon <= 180
        assert inc.geo_precision in (1, 2, 3, 4, 5)
        d = inc.to_dict()
        assert d["date_precision"] in (None, "day", "week", "month")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    text=_texts,
    published=st.one_of(st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))),
    language=st.sampled_from([None, "en", "fr"]),
)
def test_extract_never_crashes_and_offsets_are_exact(extractor, text: str, published, language) -> None:
    try:
        result = extract_text(text, published=published, language=language, extractor=extractor)
    except InvalidInputError:
        return  # empty or binary-looking input is refused with a clear message: allowed
    _check(result)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_folded_offsets_map_back_into_the_text(text: str) -> None:
    ft = FoldedText(text)
    n = len(ft.folded)
    for fs in range(0, n, 3):
        fe = min(n, fs + 5)
        s, e = ft.to_orig(fs, fe)
        assert 0 <= s <= e <= len(text)
        # the original span folds to text that holds the folded span
        assert ft.folded[fs:fe] in FoldedText(text[s:e]).folded


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_sentences_are_ordered_non_empty_spans(text: str) -> None:
    prev_end = 0
    for s in split_sentences(text):
        assert prev_end <= s.start < s.end <= len(text)
        assert text[s.start : s.end].strip() == text[s.start : s.end]
        prev_end = s.end


@pytest.mark.parametrize("text", ["\x00\x01\x02 binary", "   \n\t  ", ""])
def test_rejected_inputs_raise_invalid_input(extractor, text: str) -> None:
    with pytest.raises(InvalidInputError):
        extract_text(text, extractor=extractor)
