"""Property-based and fuzz tests (hypothesis) the text suite lacks.

tests/text/test_properties.py already checks that extraction never crashes on random
text, that evidence offsets are exact, that coordinates match the geocode status, and
that folded offsets and sentence spans are consistent. Here: the cleaner (idempotent,
deduplicating, invisible-character-proof), the date resolver (offsets, precisions, never
after publication unless the text says so, shifting with the publication date), the
extractor's output (deterministic, clean strings, JSON-safe), decoding round trips, and
the URL policy on arbitrary strings.
"""

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from geo import _http
from geo.errors import FetchRefusedError, InvalidInputError
from geo.text.clean import MIN_REPEAT_SENTENCE, _key, clean_text
from geo.text.dates import find_dates
from geo.text.folding import FoldedText
from geo.text.loading import decode, safe_url
from geo.text.sentences import split_sentences

PUB = date(2025, 7, 1)

# words that reach the interesting paths (places, cues, dates, actors, figures, markup)
_VOCAB = (
    "Kayes Gao Mopti Ségou Tombouctou Diéma Boni Ménaka Kidal Sandaré region région village of near à in on "
    "the de la le Tuesday mardi Monday lundi June juin 2 12 2025 2024 yesterday hier a day earlier la veille "
    "the next day le lendemain last week three days ago il y a deux jours JNIM FAMa army attacked attaque "
    "killed tués 30 soldiers over militants said selon l'armée , . ; ! ? — \n \n\n « » Col. M. U.S. "
    "<script> </script> onerror= '; DROP TABLE x; --"
).split(" ")
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\u00ad"
_words = st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=50).map(" ".join)
_texts = st.one_of(
    _words,
    st.text(max_size=300),
    st.tuples(_words, st.text(max_size=60), _words).map("".join),
    st.lists(st.sampled_from(["Gunmen attacked Kayes on Monday, killing two soldiers.", "Residents fled.",
                              "The army said it repelled the attack on the post in Diéma.", "\n", "\n\n", " "]),
             max_size=30).map("".join),
)
_fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- the cleaner


@_fast
@given(_texts)
def test_cleaning_is_idempotent(text):
    once = clean_text(text).text
    assert clean_text(once).text == once


@_fast
@given(_texts)
def test_cleaned_text_is_normalised(text):
    out = clean_text(text).text
    assert "\r" not in out and "\t" not in out and "\n\n\n" not in out and "  " not in out
    assert out == out.strip()
    for para in out.split("\n\n") if out else []:
        assert para and "\n" not in para and para == para.strip()
    bad = [c for c in out if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs")]
    assert bad == []
    assert unicodedata.is_normalized("NFC", out)


@_fast
@given(_texts)
@example(  # found by this test: what was left of a paragraph repeated a later one
    "Gunmen attacked Kayes on Monday,killing two soldiers\n"
    "Gunmen attacked Kayes on Monday,killing two soldiers. Residents fled.\nResidents fled"
)
def test_cleaned_text_has_no_repeats(text):
    out = clean_text(text).text
    keys = [_key(p) or p for p in out.split("\n\n")] if out else []
    assert len(keys) == len(set(keys))
    sents = [_key(out[s.start : s.end]) for s in split_sentences(out)]
    long = [k for k in sents if len(k) >= MIN_REPEAT_SENTENCE]
    # (a sentence kept twice would have been dropped the second time)
    assert len(long) == len(set(long))


@_fast
@given(_texts, st.integers(min_value=2, max_value=6))
def test_repeating_a_text_adds_nothing(text, times):
    once = clean_text(text)
    many = clean_text("\n\n".join([text] * times))
    assert many.text == once.text
    assert many.removed >= once.removed


@_fast
@given(_texts, st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(_INVISIBLE)), max_size=12))
def test_invisible_characters_change_nothing(text, insertions):
    """Zero-width, bidi and soft-hyphen characters anywhere: the same cleaned text."""
    chars = list(text)
    for pos, ch in insertions:
        chars.insert(pos % (len(chars) + 1), ch)
    assert clean_text("".join(chars)).text == clean_text(text).text


# ---------------------------------------------------------------- the date resolver

_FORWARD = re.compile(r"\b(?:next|following|later|after|lendemain|apres|après|plus tard)\b", re.IGNORECASE)
_YEAR = re.compile(r"\d{4}")
_date_words = st.lists(
    st.sampled_from(
        "on in the a last this past ce dernier passé Tuesday Monday Sunday mardi lundi dimanche June juin May mai "
        "March mars 2 12 30 31 1er 2nd 2024 2025 2026 yesterday hier today week weekend month mois semaine "
        "earlier later day days ago il y a deux jours three two next following previous veille lendemain "
        "dans la nuit de à to overnight , . 02/06/2025 2025-06-02 31/02/2025 0 99".split()
    ),
    min_size=1,
    max_size=30,
).map(" ".join)
_pubs = st.dates(min_value=date(1995, 1, 1), max_value=date(2080, 12, 31))


@_fast
@given(st.one_of(_date_words, st.text(max_size=200)), st.one_of(st.none(), _pubs))
def test_date_mentions_have_valid_offsets_and_precisions(text, pub):
    prev_end = 0
    for d in find_dates(FoldedText(text), pub):
        assert 0 <= d.start < d.end <= len(text) and text[d.start : d.end] == d.text
        assert d.start >= prev_end  # in order, not overlapping
        prev_end = d.end
        assert d.precision in ("day", "week", "month")
        assert d.kind in ("explicit", "weekday", "relative", "relative_event")
        if d.value is not None and d.precision == "month":
            assert d.value.day == 1


@_fast
@given(_date_words, _pubs)
@example("on Tuesday", PUB)
@example("le 3 août", PUB)
@example("in December", PUB)
def test_dates_are_not_after_publication_unless_the_text_says_so(text, pub):
    """Weekdays and "yesterday"-style dates are on or before publication; a day and month
    without a year is at most three days after it (time zones, late filing); only a date
    with its year, or one counted forward from another ("the next day"), may be later."""
    for d in find_dates(FoldedText(text), pub):
        if d.value is None:
            continue
        if d.kind in ("weekday", "relative"):
            assert d.value <= pub, d
        elif d.kind == "explicit" and not _YEAR.search(d.text):
            assert d.value <= pub + timedelta(days=3), d
        elif d.kind == "relative_event" and not _FORWARD.search(d.text):
            # counted back from an earlier date of the text (or publication)
            assert d.value <= max([pub] + [x.value for x in find_dates(FoldedText(text), pub)
                                           if x.value is not None and x.end <= d.start]), d


@_fast
@given(_date_words)
def test_without_publication_only_dates_with_a_year_resolve(text):
    mentions = find_dates(FoldedText(text), None)
    for d in mentions:
        if d.value is None:
            continue
        anchored = d.kind == "explicit" and _YEAR.search(d.text)
        earlier_year = any(x.value is not None and x.end <= d.start for x in mentions)
        assert anchored or (d.kind == "relative_event" and earlier_year), d


@_fast
@given(_date_words, _pubs, st.integers(min_value=1, max_value=60))
def test_relative_dates_move_with_publication(text, pub, weeks):
    """Shift publication by whole weeks: weekday and publication-relative dates at day or
    week precision shift by as much (nothing in the text fixes them)."""
    later = pub + timedelta(weeks=weeks)
    a = find_dates(FoldedText(text), pub)
    b = find_dates(FoldedText(text), later)
    assert [(d.start, d.end, d.kind) for d in a] == [(d.start, d.end, d.kind) for d in b]
    for x, y in zip(a, b):
        if x.kind in ("weekday", "relative") and x.precision in ("day", "week") and x.value is not None:
            assert y.value - x.value == timedelta(weeks=weeks), (x, y)


# ---------------------------------------------------------------- the extractor


@pytest.fixture(scope="module")
def extractor():
    from geo.extract import Extractor
    from geo.geocode import Geocoder

    return Extractor(geocoder=Geocoder(online=False, cache=False))


def _all_strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from _all_strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from _all_strings(x)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(_texts, st.one_of(st.none(), _pubs), st.sampled_from([None, "en", "fr"]))
def test_extraction_output_is_deterministic_clean_and_json_safe(extractor, text, pub, language):
    from geo.extract import extract_text

    try:
        first = extract_text(text, published=pub, language=language, extractor=extractor).to_dict()
    except InvalidInputError:
        return
    again = extract_text(text, published=pub, language=language, extractor=extractor).to_dict()
    assert first == again  # caches change nothing
    json.dumps(first, ensure_ascii=False).encode("utf-8")  # no lone surrogates
    for s in _all_strings(first):
        assert not [c for c in s if unicodedata.category(c) in ("Cc", "Cf", "Cs")], s
    for inc in first["incidents"]:
        ev = inc["evidence"]
        assert ev == sorted(ev, key=lambda e: e["start"]) and len({e["start"] for e in ev}) == len(ev)
        assert len(inc["actors"]) == len(set(inc["actors"]))
        for f in inc["fatalities"]:
            assert 0 < f["count"] <= 100000
            assert f["qualifier"] in (None, "over", "at least", "about", "nearly", "up to")
        if inc["date"] is not None and pub is not None and not _YEAR.search(text) and not _FORWARD.search(text):
            # nothing in the text can put an event after publication (three days' slack
            # for a day and month without a year)
            assert date.fromisoformat(inc["date"]) <= pub + timedelta(days=3), inc


# ---------------------------------------------------------------- decoding and URLs

_prose = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Cf", "Zl", "Zp")), min_size=20, max_size=300
).filter(lambda t: sum(c.isalpha() for c in t) >= 10 and t.strip() == t)


@_fast
@given(_prose, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_decoding_round_trips(text, encoding):
    assert decode(text.encode(encoding)) == text


@_fast
@given(st.one_of(st.text(max_size=80), st.from_regex(r"\A[a-zA-Z]{2,8}://[^/]{0,20}(/[^ ]{0,20})?\Z")))
@example("http://[::1/")
@example("http://example.org:0/")
@example("https://user@host/")
@example("HTTP://EXAMPLE.ORG/A")
def test_url_checks_refuse_cleanly(url):
    """Any string: a (scheme, host, port) for an http(s) URL, or FetchRefusedError."""
    try:
        scheme, host, port = _http.check_url(url)
    except FetchRefusedError:
        assert safe_url(url) != url  # (None, or the URL with surrounding spaces stripped)
        return
    assert scheme in ("http", "https") and host.isascii() and 0 < port < 65536
    assert not re.search(r"[\x00-\x20\x7f]", url)


@_fast
@given(st.text(max_size=80))
def test_safe_urls_are_http_urls_or_nothing(value):
    u = safe_url(value)
    assert u is None or (re.match(r"(?i)https?://\S+\Z", u) and not re.search(r"[\x00-\x1f\x7f-\x9f]", u))


@_fast
@given(st.ip_addresses(v=4))
def test_embedded_ipv4_is_judged_as_the_ipv4(addr):
    mapped = ipaddress.IPv6Address(f"::ffff:{addr}")
    nat64 = ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(addr))
    expected = _http.address_problem(addr)
    assert _http.address_problem(mapped) == expected
    assert _http.address_problem(nat64) == expected
    if expected is not None:  # a 6to4 address carrying a refused IPv4 is refused too
        sixtofour = ipaddress.IPv6Address((0x2002 << 112) | (int(addr) << 80) | 1)
        assert _http.address_problem(sixtofour) is not None


@_fast
@given(st.ip_addresses())
def test_every_address_is_public_or_named(addr):
    problem = _http.address_problem(addr)
    assert problem is None or problem.startswith(("a ", "an ", "not "))
    if problem is None:
        assert addr.is_global and not addr.is_multicast and not addr.is_loopback
