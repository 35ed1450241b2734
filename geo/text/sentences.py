"""Sentence spans with character offsets (English and French news prose).

A rule-based splitter is enough for wire copy and keeps offsets exact: a sentence ends at
``.``, ``!``, ``?`` or ``…`` (plus closing quotes or brackets) followed by whitespace and
something that can start a sentence, unless the word before the full stop is a known
abbreviation ("Col.", "Gen.", "M.", "U.S.") or a single initial. Paragraph breaks
(newlines) always end a sentence.
"""

from __future__ import annotations

import re
from typing import Iterator

from .records import Sentence

_ABBREV = frozenset(
    """mr mrs ms dr col gen lt capt cpt sgt maj cpl adm gov sen rep st mt ft no nos vs etc approx
    inc ltd co corp jr sr prof pres m mme mlle mm me pr cf pp jan feb mar apr jun jul aug sep sept
    oct nov dec janv fevr févr avr juil déc dec lieut brig cmdr cdt adj gal gén u.s u.n e.g i.e
    a.m p.m av apr. j.-c al""".split()
)
_END = re.compile(r"[.!?…]+[\"”»’'\)\]]*")
_PARA = re.compile(r"[^\n]+")
#: Longest run of closing punctuation, and longest word, the abbreviation check looks at.
_MAX_PUNCT = 16
_MAX_ABBREV = 16


def _is_boundary(text: str, end_punct: int, after: int) -> bool:
    """Whether the terminator ending at ``end_punct`` (next sentence at ``after``) ends a sentence."""
    if after >= len(text):
        return True
    nxt = text[after]
    if nxt.islower():
        return False
    # the word right before the run of punctuation. Both walks back are bounded: an
    # abbreviation is a short word and one full stop (plus quotes or brackets), and an
    # unbounded walk makes hostile text ("x ! ! ! ...") quadratic.
    j = end_punct
    floor = max(0, end_punct - _MAX_PUNCT)
    while j > floor and not text[j - 1].isalnum():
        j -= 1
    if j == floor and j > 0 and not text[j - 1].isalnum():
        return True  # a long run of punctuation and spaces: no abbreviation ends there
    punct = text[j:end_punct]
    if not (punct.startswith(".") and not punct.startswith("..")):
        return True
    k = j
    floor = max(0, j - _MAX_ABBREV)
    while k > floor and (text[k - 1].isalnum() or text[k - 1] in ".-"):
        k -= 1
    if k == floor and k > 0 and (text[k - 1].isalnum() or text[k - 1] in ".-"):
        return True  # a word longer than any abbreviation
    word = text[k:j].lower()
    if word in _ABBREV or word.rstrip(".") in _ABBREV:
        return False
    if len(word) == 1 and word.isalpha() and text[k:j].isupper():
        return False  # an initial: "J. Traoré"
    return True


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Sentence spans of ``text[start:end]`` (offsets into ``text``), stripped of spaces."""
    return list(iter_sentences(text, start, end))


def iter_sentences(text: str, start: int = 0, end: int | None = None) -> Iterator[Sentence]:
    """Like :func:`split_sentences`, one span at a time (no list of them all in memory)."""
    end = len(text) if end is None else end
    para = -1
    for pm in _PARA.finditer(text, start, end):
        if not pm.group().strip():
            continue
        para += 1
        s = pm.start()
        pend = pm.end()
        for m in _END.finditer(text, pm.start(), pend):
            after = m.end()
            if after < pend and not text[after].isspace():
                continue
            nxt = after
            while nxt < pend and text[nxt].isspace():
                nxt += 1
            if nxt < pend and not _is_boundary(text, m.end(), nxt):
                continue
            sent = _span(text, s, m.end(), para)
            if sent is not None:
                yield sent
            s = nxt
        if s < pend:
            sent = _span(text, s, pend, para)
            if sent is not None:
                yield sent


def _span(text: str, s: int, e: int, para: int) -> Sentence | None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return Sentence(s, e, para) if e > s else None
