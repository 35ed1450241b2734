"""Fast whole-word phrase search: regex alternatives expanded to literals, one Aho-Corasick pass.

The cue and alias tables are written as small regular expressions ("attack(?:s|ed)?",
"neutrali[sz]ed"). Running a dozen such alternations over every article costs more than
the rest of the extraction; expanding each to its finite set of literal phrases and
scanning the folded text once with pyahocorasick is several times faster and gives the
same matches (leftmost-longest, whole words).
"""

from __future__ import annotations

import re
from typing import Iterable

import ahocorasick

try:  # Python 3.11+
    import re._parser as _sre_parse  # type: ignore[import-not-found]
    from re._constants import (  # type: ignore[import-not-found]
        BRANCH,
        IN,
        LITERAL,
        MAX_REPEAT,
        MIN_REPEAT,
        RANGE,
        SUBPATTERN,
    )
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse as _sre_parse  # type: ignore[no-redef]
    from sre_constants import BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, RANGE, SUBPATTERN  # type: ignore

MAX_EXPANSIONS = 20000


def expand(pattern: str) -> list[str]:
    """Every string the regex ``pattern`` matches (finite patterns of literals, groups,
    alternation, ``?``/small repeats and small character classes only)."""
    return sorted(set(_expand_seq(_sre_parse.parse(pattern))))


def _expand_seq(seq) -> list[str]:
    out = [""]
    for op, av in seq:
        opts = _expand_item(op, av)
        out = [a + b for a in out for b in opts]
        if len(out) > MAX_EXPANSIONS:
            raise ValueError("pattern expands to too many strings")
    return out


def _expand_item(op, av) -> list[str]:
    if op is LITERAL:
        return [chr(av)]
    if op is SUBPATTERN:
        return _expand_seq(av[-1])
    if op is BRANCH:
        res: list[str] = []
        for alt in av[1]:
            res += _expand_seq(alt)
        return res
    if op in (MAX_REPEAT, MIN_REPEAT):
        lo, hi, sub = av
        if hi > 3:
            raise ValueError("unbounded or large repeat cannot be expanded")
        inner = _expand_seq(sub)
        res = []
        for n in range(lo, hi + 1):
            parts = [""]
            for _ in range(n):
                parts = [a + b for a in parts for b in inner]
            res += parts
        return res
    if op is IN:
        chars: list[str] = []
        for iop, iav in av:
            if iop is LITERAL:
                chars.append(chr(iav))
            elif iop is RANGE and iav[1] - iav[0] < 30:
                chars += [chr(c) for c in range(iav[0], iav[1] + 1)]
            else:
                raise ValueError(f"character class {iop} cannot be expanded")
        return chars
    raise ValueError(f"regex construct {op} cannot be expanded")


class PhraseScanner:
    """Find whole-word occurrences of labelled phrases in folded text.

    ``table`` maps a label to a regex alternation (see :func:`expand`). A phrase with
    several labels keeps them all. Matches are leftmost-longest and do not overlap.
    """

    def __init__(self, table: dict[str, str] | Iterable[tuple[str, str]]) -> None:
        items = table.items() if isinstance(table, dict) else table
        phrases: dict[str, list[str]] = {}
        for label, pattern in items:
            for p in expand(pattern):
                p = p.strip()
                if p:
                    lst = phrases.setdefault(p, [])
                    if label not in lst:
                        lst.append(label)
        self.phrases = phrases
        auto = ahocorasick.Automaton()
        for p, labels in phrases.items():
            auto.add_word(p, (len(p), tuple(labels)))
        auto.make_automaton()
        self._auto = auto

    def scan(self, folded: str, overlapping: bool = False) -> list[tuple[int, int, tuple[str, ...]]]:
        """(start, end, labels) for each whole-word match, sorted by start."""
        n = len(folded)
        hits = []
        for end, (length, labels) in self._auto.iter(folded):
            start = end - length + 1
            if start > 0 and folded[start - 1].isalnum():
                continue
            if end + 1 < n and folded[end + 1].isalnum():
                continue
            hits.append((start, end + 1, labels))
        if overlapping:
            hits.sort()
            return hits
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        out = []
        last = -1
        for h in hits:
            if h[0] >= last:
                out.append(h)
                last = h[1]
        return out


def word_set(folded: str) -> frozenset[str]:
    """The distinct words of a folded text (for cheap "can this pattern match?" checks)."""
    return frozenset(re.findall(r"[a-z0-9]+", folded))
