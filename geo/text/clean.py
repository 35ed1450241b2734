"""Cleaning: normalise characters and whitespace, drop boilerplate and repeated text.

The cleaned text is what every offset refers to. Paragraphs are separated by a blank line
(``"\\n\\n"``), runs of spaces inside a paragraph become one space.

Repeats are removed twice over, because scraped articles repeat themselves in two ways:
a whole paragraph appears again (the client's example carries its entire body twice), or
the same sentence is pasted inside another paragraph. A paragraph whose normalised text
was already seen is dropped; then a sentence of 40 characters or more that was already
seen is dropped from its paragraph, and what is left of a paragraph after that is
dropped too when it repeats a paragraph already seen. Nothing is therefore counted twice
downstream.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator

from .sentences import iter_sentences

#: Lines that are page furniture, not article text (whole line, case-insensitive).
_BOILERPLATE = re.compile(
    r"^(?:article text|article|advertisement|advertisment|publicité|sponsored|read more|"
    r"lire aussi|lire la suite|à lire aussi|share|share this article|partager|partager cet article|"
    r"related|related articles|related stories|sur le même sujet|click here.*|cliquez ici.*|"
    r"sign up.*|subscribe.*|abonnez-vous.*|newsletter|photo\s*:.*|image\s*:.*|crédit\s*:.*|"
    r"credit\s*:.*|©.*|copyright.*|tous droits réservés.*|all rights reserved.*)\s*:?\s*$",
    re.IGNORECASE,
)
_SPACES = re.compile("[\t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u0085]")
#: Invisible characters, dropped: every format character (Unicode category Cf: soft
#: hyphen, zero-width spaces and joiners, the bidirectional embeddings, overrides,
#: isolates and marks that can make "Kayes" display as something else, BOM, tag
#: characters), variation selectors and the blank fillers used to hide text.
_DROP = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5"
    "\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_KEY = re.compile(r"[\W_]+", re.UNICODE)
_TERMINAL = tuple(".!?:;…\"”»’')]")
MIN_REPEAT_SENTENCE = 40


@dataclass(frozen=True)
class Cleaned:
    """The cleaned text and how much repeated material was removed."""

    text: str
    removed_paragraphs: int = 0
    removed_sentences: int = 0

    @property
    def removed(self) -> int:
        return self.removed_paragraphs + self.removed_sentences


def normalise_chars(text: str) -> str:
    """NFC, one kind of newline, odd spaces to spaces, invisible and control characters out."""
    text = _SURROGATE.sub("\ufffd", text)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    if not text.isascii():
        text = _DROP.sub("", _SPACES.sub(" ", text))
    elif "\t" in text or "\f" in text or "\v" in text:
        text = _SPACES.sub(" ", text)
    return _CONTROL.sub(" ", text)


_CHUNK = 1 << 16


def _collapse(pattern: re.Pattern[str], text: str, fold: bool = False) -> str:
    """``pattern.sub(" ", text)`` (of ``text.casefold()`` with ``fold``) for a pattern
    matching runs (``X+``), in 64 KB pieces.

    ``re.sub`` keeps a list of every piece until the end, and ``casefold`` of non-ASCII
    text allocates 12 bytes a character: for a paragraph of a few megabytes either costs
    over ten times the text. Runs cut at a piece boundary become two spaces there, and are
    joined back into one.
    """
    if len(text) <= _CHUNK:
        return pattern.sub(" ", text.casefold() if fold else text)
    out: list[str] = []
    for i in range(0, len(text), _CHUNK):
        piece = text[i : i + _CHUNK]
        piece = pattern.sub(" ", piece.casefold() if fold else piece)
        if out and piece.startswith(" ") and out[-1].endswith(" "):
            piece = piece[1:]
        if piece:
            out.append(piece)
    return "".join(out)


def _key(text: str) -> str:
    return _collapse(_KEY, text, fold=True).strip()


def _wraps(line: str) -> bool:
    """A long line cut mid-sentence: it ends with a comma or a lower-case word ("... in")."""
    if line.endswith(","):
        return True
    last = line.rsplit(" ", 1)[-1]
    return last[:1].islower()


_BLANK_LINE = re.compile(r"\n\s*\n")
_WS = re.compile(r"\s+")
_ODD_WS = re.compile(r"\s\s|[^\S ]")  # whitespace other than single spaces


def _blocks(text: str) -> Iterator[str]:
    """``re.split(r"\\n\\s*\\n", text)``, one block at a time."""
    pos = 0
    for m in _BLANK_LINE.finditer(text):
        yield text[pos : m.start()]
        pos = m.end()
    yield text[pos:]


def _lines(block: str) -> Iterator[str]:
    """The non-empty lines of ``block``, whitespace runs as one space, one at a time."""
    pos = 0
    n = len(block)
    while pos <= n:
        nl = block.find("\n", pos)
        if nl == -1:
            nl = n
        line = block[pos:nl]
        if _ODD_WS.search(line):  # (not " ".join(line.split()): a list of every word)
            line = _collapse(_WS, line)
        line = line.strip()
        if line:
            yield line
        pos = nl + 1


def _paragraphs(text: str) -> Iterator[str]:
    """Split into paragraphs: each line is one, except hard-wrapped lines, which are joined.

    A generator, line by line: memory stays near the size of the text, however many
    paragraphs it holds.
    """
    for block in _blocks(text):
        # the paragraph being built, as its lines (joined once: appending to a string is
        # quadratic when hostile text wraps thousands of lines into one paragraph)
        cur: list[str] = []
        size = 0
        for ln in _lines(block):
            last = cur[-1] if cur else ""
            if (
                cur
                and not last.endswith(_TERMINAL)
                and (ln[:1].islower() or (size >= 55 and _wraps(last)))
            ):
                cur.append(ln)  # a hard-wrapped line continues the paragraph
                size += 1 + len(ln)
            else:
                if cur:
                    yield " ".join(cur)
                cur = [ln]
                size = len(ln)
        if cur:
            yield " ".join(cur)


def clean_text(text: str) -> Cleaned:
    """Clean ``text``: see the module docstring.

    One pass over paragraphs and sentences with sets of the keys seen: linear time, and
    memory near the size of the text plus what is kept (a paragraph repeated 100,000
    times costs one key).
    """
    seen_par: set[str] = set()
    seen_sent: set[str] = set()
    kept: list[str] = []
    removed_par = removed_sent = 0
    for p in _paragraphs(normalise_chars(text)):
        if _BOILERPLATE.match(p):
            continue
        k = _key(p) or p
        if k in seen_par:
            removed_par += 1
            continue
        seen_par.add(k)
        parts: list[str] = []
        for s in iter_sentences(p):
            sent = p[s.start : s.end]
            sk = _key(sent)
            if len(sk) >= MIN_REPEAT_SENTENCE:
                if sk in seen_sent:
                    removed_sent += 1
                    continue
                seen_sent.add(sk)
            parts.append(sent)
        if parts:
            out = " ".join(parts)
            if out != p:
                # what is left after dropping repeated sentences may repeat a paragraph
                short = _key(out) or out
                if short in seen_par:
                    removed_par += 1
                    continue
                seen_par.add(short)
            kept.append(out)
    return Cleaned("\n\n".join(kept), removed_par, removed_sent)


#: A wire dateline at the start of a paragraph: "BAMAKO, 12 mars 2025 (AFP) - ",
#: "Bamako, June 3 (Reuters) - ", "GAO (Mali) — ". The place in it is where the story was
#: filed, not where the event happened; its date is the filing date.
_DATELINE = re.compile(
    r"^(?:[A-ZÀ-Þ][A-ZÀ-Þ'’\- ]{1,30}|[A-ZÀ-Þ][\w'’\-]+(?: [A-ZÀ-Þ][\w'’\-]+)?)"
    r"(?: ?\((?:[^)\n]{1,30})\))?"
    r"(?:, ?(?:le )?[\w .,]{3,30}?)?"
    r"(?: ?\((?:AFP|Reuters|AP|APA|Xinhua|ANP|MAP|Anadolu|AA|RFI|Sahel Intelligence)\))?"
    r" ?(?:-|–|—|--|:) "
)


def dateline_span(text: str) -> tuple[int, int] | None:
    """The dateline of the first paragraph, if it has one: ``(start, end)`` offsets."""
    m = _DATELINE.match(text)
    if not m:
        return None
    head = m.group()
    # the all-caps form is a dateline on its own; mixed case needs a date or an agency
    if head.split(",")[0].split("(")[0].strip().isupper() or re.search(r"\d|\((?:AFP|Reuters|AP|APA)\)", head):
        return m.start(), m.end()
    return None
