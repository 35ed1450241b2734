"""Cleaning (repeats, boilerplate, whitespace) and sentence spans."""

from __future__ import annotations

from geo.text.clean import clean_text, dateline_span, normalise_chars
from geo.text.sentences import split_sentences


def test_repeated_paragraphs_are_removed():
    p1 = "Gunmen attacked the army post in Diéma on Sunday, a local official said."
    p2 = "The attackers fled towards the north on motorcycles, witnesses said."
    c = clean_text(f"{p1}\n{p2}\n{p1}\n\n{p2}\n")
    assert c.text == f"{p1}\n\n{p2}"
    assert c.removed_paragraphs == 2


def test_repeats_differing_only_in_case_and_punctuation_are_removed():
    p = "Gunmen attacked the army post in Diéma on Sunday, a local official said."
    c = clean_text(p + "\n" + p.upper().replace(",", ""))
    assert c.text == p


def test_repeated_sentence_inside_another_paragraph_is_removed():
    s1 = "Gunmen attacked the army post in Diéma on Sunday, a local official said."
    s2 = "Residents said the market stayed closed all week."
    c = clean_text(f"{s1} {s2}\n\n{s2} {s1} Short one. Short one.")
    assert c.text.count(s1) == 1 and c.text.count(s2) == 1
    assert c.text.count("Short one.") == 2  # short sentences may legitimately repeat
    assert c.removed_sentences == 2


def test_boilerplate_and_whitespace():
    c = clean_text("Article text:\nAdvertisement\n  Gunmen   attacked\u00a0Kayes.\r\nRead more\n")
    assert c.text == "Gunmen attacked Kayes."


def test_hard_wrapped_lines_are_joined():
    c = clean_text(
        "Gunmen attacked the army post and the prefecture building in\nDiéma on Sunday, officials said.\n"
        "A new paragraph starts.\nHeadline Without A Full Stop\nBody text."
    )
    assert c.text == (
        "Gunmen attacked the army post and the prefecture building in Diéma on Sunday, officials said."
        "\n\nA new paragraph starts.\n\nHeadline Without A Full Stop\n\nBody text."
    )


def test_invisible_and_control_characters():
    assert normalise_chars("Ka\u200byes\u00ad\x07!") == "Kayes !"
    assert normalise_chars("Se\u0301gou") == "Ségou"  # NFC


def test_datelines():
    assert dateline_span("BAMAKO, 12 mars 2025 - Des hommes armés") is not None
    assert dateline_span("Bamako, June 3 (Reuters) - Gunmen") is not None
    assert dateline_span("GAO (Mali) — Une attaque") is not None
    assert dateline_span("Gunmen attacked Kayes - officials said") is None


def test_sentences_and_abbreviations():
    text = (
        'Col. Souleymane Dembélé said "the enemy fled." Then M. Traoré left. '
        "J. Diarra arrived at 3.30 p.m. on Tuesday! Was it the U.S. envoy? Yes…\nNew paragraph"
    )
    spans = split_sentences(text)
    got = [text[s.start : s.end] for s in spans]
    assert got == [
        'Col. Souleymane Dembélé said "the enemy fled."',
        "Then M. Traoré left.",
        "J. Diarra arrived at 3.30 p.m. on Tuesday!",
        "Was it the U.S. envoy?",
        "Yes…",
        "New paragraph",
    ]
    assert [s.paragraph for s in spans] == [0, 0, 0, 0, 0, 1]


def test_lowercase_after_full_stop_does_not_split():
    text = "The attack happened near Kayes. residents said nothing more."
    assert len(split_sentences(text)) == 1
