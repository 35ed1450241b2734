"""Folded text with an offset map back to the original.

Every pattern in :mod:`geo.text` runs on a *folded* copy of the cleaned text: lower case,
accents removed (unidecode), and the characters the gazetteer treats as word separators
(hyphens, apostrophes, full stops, underscores) turned into spaces, one for one. So one
pattern written as ``region de segou`` matches "Région de Ségou", "REGION DE SEGOU" and
"région de Segou", and "Ti-n-Essako" meets the gazetteer key ``ti n essako``.

For ASCII text the fold keeps every offset; otherwise a character may fold to several
("œ" -> "oe") or none, and :meth:`FoldedText.to_orig` maps a folded span back.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from functools import lru_cache

from unidecode import unidecode

_SEPARATORS = "-‐‑–—_'’`.\u2018\u02bc"
_ASCII_TABLE = str.maketrans(
    {**{c: " " for c in "-_'`.\t\r\x0b\x0c\x1c\x1d\x1e\x1f\x85"}, **{chr(i): chr(i + 32) for i in range(65, 91)}}
)
_ASCII_BYTES = bytes(
    _ASCII_TABLE.get(i, i) if isinstance(_ASCII_TABLE.get(i, i), int) else ord(_ASCII_TABLE[i]) for i in range(256)
)


@lru_cache(maxsize=8192)
def fold_char(ch: str) -> str:
    """The folded form of one character (possibly empty or several characters)."""
    if ch == "\n":
        return "\n"
    if ch in _SEPARATORS or ch.isspace():
        return " "
    out = unidecode(unicodedata.normalize("NFKC", ch)).lower()
    return "".join(" " if c in _SEPARATORS or c.isspace() else c for c in out)


class FoldedText:
    """A text, its folded copy and offset maps in both directions."""

    __slots__ = ("text", "folded", "_f2o", "_o2f")

    def __init__(self, text: str) -> None:
        self.text = text
        self._f2o: list[int] | None = None
        self._o2f: list[int] | None = None
        if text.isascii():
            self.folded = text.encode("ascii").translate(_ASCII_BYTES).decode("ascii")
            return
        # common case: every non-ASCII character folds to exactly one character ("é" -> "e"),
        # so offsets are kept and one translate() does it
        table = _one_to_one_table(frozenset(c for c in set(text) if ord(c) > 127))
        if table is not None:
            self.folded = text.translate(table)
            return
        pieces: list[str] = []
        f2o: list[int] = []
        o2f: list[int] = []
        pos = 0
        for i, ch in enumerate(text):
            o2f.append(pos)
            f = ch if ("a" <= ch <= "z" or ch == " ") else fold_char(ch)
            if f:
                pieces.append(f)
                f2o.extend([i] * len(f))
                pos += len(f)
        o2f.append(pos)
        f2o.append(len(text))
        self.folded = "".join(pieces)
        self._f2o = f2o
        self._o2f = o2f

    def to_orig(self, fstart: int, fend: int) -> tuple[int, int]:
        """Original ``(start, end)`` for the folded span ``[fstart, fend)``."""
        if self._f2o is None:
            return fstart, fend
        if fend <= fstart:
            o = self._f2o[fstart]
            return o, o
        return self._f2o[fstart], self._f2o[fend - 1] + 1

    def to_folded(self, start: int, end: int) -> tuple[int, int]:
        """Folded ``(start, end)`` for the original span ``[start, end)``."""
        if self._o2f is None:
            return start, end
        return self._o2f[start], self._o2f[end]

    def orig_pos(self, fpos: int) -> int:
        """Original offset of folded position ``fpos`` (``len(folded)`` maps to ``len(text)``)."""
        return fpos if self._f2o is None else self._f2o[fpos]


@lru_cache(maxsize=4096)
def _one_to_one_table(chars: frozenset[str]) -> dict[int, str] | None:
    table: dict[int, str] = dict(_ASCII_TABLE)
    for c in chars:
        f = fold_char(c)
        if len(f) != 1:
            return None
        table[ord(c)] = f
    return table


def sentence_index(starts: list[int], pos: int) -> int:
    """Index of the sentence (given sorted start offsets) that contains ``pos``; -1 before the first."""
    return bisect_right(starts, pos) - 1
