"""Cleaning: normalise characters and whitespace, drop boilerplate and repeated text.

The cleaned text is what every offset refers to. Paragraphs are separated by a blank line
(``"\\n\\n"``), runs of spaces inside a paragraph become one space.

Repeats are removed twice over, because scraped articles repeat themselves in two ways:
a whole paragraph appears again (the client's example carries its entire body twice), or
the same sentence is pasted inside another paragraph. A paragraph whose normalised text
was already seen is dropped; then a sentence of 40 characters or more that was already
seen is dropped from its paragraph. Nothing is therefore counted twice downstream.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .sentences import split_sentences

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
_DROP = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
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


def _key(text: str) -> str:
    return _KEY.sub(" ", text.casefold()).strip()


def _wraps(line: str) -> bool:
    """A long line cut mid-sentence: it ends with a comma or a lower-case word ("... in")."""
    if line.endswith(","):
        return True
    last = line.rsplit(" ", 1)[-1]
    return last[:1].islower()


def _paragraphs(text: str) -> list[str]:
    """Split into paragraphs: each line is one, except hard-wrapped lines, which are joined."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        lines = [ln for ln in lines if ln]
        cur = ""
        for ln in lines:
            if (
                cur
                and not cur.endswith(_TERMINAL)
                and (ln[:1].islower() or (len(cur) >= 55 and _wraps(cur)))
            ):
                cur = f"{cur} {ln}"  # a hard-wrapped line continues the paragraph
            else:
                if cur:
                    out.append(cur)
                cur = ln
        if cur:
            out.append(cur)
    return out


def clean_text(text: str) -> Cleaned:
    """Clean ``text``: see the module docstring."""
    paragraphs = [p for p in _paragraphs(normalise_chars(text)) if not _BOILERPLATE.match(p)]
    seen_par: set[str] = set()
    seen_sent: set[str] = set()
    kept: list[str] = []
    removed_par = removed_sent = 0
    for p in paragraphs:
        k = _key(p) or p
        if k in seen_par:
            removed_par += 1
            continue
        seen_par.add(k)
        parts: list[str] = []
        for s in split_sentences(p):
            sent = p[s.start : s.end]
            sk = _key(sent)
            if len(sk) >= MIN_REPEAT_SENTENCE:
                if sk in seen_sent:
                    removed_sent += 1
                    continue
                seen_sent.add(sk)
            parts.append(sent)
        if parts:
            kept.append(" ".join(parts))
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
