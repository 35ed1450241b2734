"""Casualty figures: how many, which qualifier, who died, and who said so.

A figure is a number (digits, English or French words, "une dizaine") next to a victim
noun ("30 soldiers", "12 civils") or a death noun ("12 dead", "fait 12 morts", "death
toll rose to 12"). A victim-noun figure counts only when the nearest verb-like cue is a
killing one ("killed", "claimed the lives", "neutralised", "tués"), not "wounded" or
"abducted".

``who_reported`` is the subject of a reporting verb in the same sentence ("the army
said", "according to local officials", "selon l'armée"), normalised to a canonical actor
when it names one. The figure ``is_claim`` when that reporter is a party to the fighting
or the verb is the army's "neutralised": "over 80 militants neutralised" per the army is
a claim, not a fact.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from . import actors as _actors
from .folding import FoldedText
from .numbers import NUMBER_UNITS
from .records import Fatalities

_UNITS = NUMBER_UNITS
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "a hundred": 100,
    "vingt": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
    "cent": 100,
}
_APPROX = {
    "dizaine": 10,
    "douzaine": 12,
    "quinzaine": 15,
    "vingtaine": 20,
    "trentaine": 30,
    "quarantaine": 40,
    "cinquantaine": 50,
    "soixantaine": 60,
    "centaine": 100,
    "dozen": 12,
}
_UNIT_ALT = "|".join(sorted((k.rstrip("_") for k in _UNITS), key=len, reverse=True))
_TENS_ALT = "|".join(sorted(_TENS, key=len, reverse=True))
_NUMBER = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})?|\d{{1,5}}|(?:{_TENS_ALT})(?: (?:et )?(?:{_UNIT_ALT}))?|{_UNIT_ALT}|"
    rf"(?:une|a) (?:{'|'.join(_APPROX)})(?: (?:de|d|of))?)"
)
_QUAL = (
    r"over|more than|at least|about|around|nearly|almost|some|up to|roughly|approximately|an estimated|"
    r"plus de|au moins|pres de|environ|quelque|quelques|jusqu a|pas moins de"
)
_QUAL_NORM = {
    "over": "over",
    "more than": "over",
    "plus de": "over",
    "at least": "at least",
    "au moins": "at least",
    "pas moins de": "at least",
    "about": "about",
    "around": "about",
    "some": "about",
    "roughly": "about",
    "approximately": "about",
    "an estimated": "about",
    "environ": "about",
    "quelque": "about",
    "quelques": "about",
    "nearly": "nearly",
    "almost": "nearly",
    "pres de": "nearly",
    "up to": "up to",
    "jusqu a": "up to",
}
VICTIMS = {
    "soldiers": r"soldiers?|troops|servicem[ae]n|gendarmes?|guards?|policem[ae]n|police officers?|militaires?|soldats?|"
    r"elements des fama|members of the security forces|military personnel",
    "militants": r"militants?|jihadists?|terrorists?|assailants?|attackers?|insurgents?|fighters?|gunm[ae]n|"
    r"rebels?|terroristes?|assaillants?|djihadistes?|jihadistes?|combattants?|rebelles?|islamists?|"
    r"islamistes|enemies|ennemis|hommes armes",
    "civilians": r"civilians?|villagers?|residents?|inhabitants?|passengers?|worshippers?|herders?|farmers?|"
    r"traders?|women|children|civils?|villageois|habitants?|passagers?|fideles?|eleveurs?|bergers?|"
    r"agriculteurs|commercants|femmes|enfants|miners|orpailleurs",
    "peacekeepers": r"peacekeepers?|casques? bleus?|blue helmets?",
    "people": r"people|persons?|personnes?|individuals?|individus|others|autres",
}
_VICTIM_ALT = "|".join(f"(?P<{k}>{v})" for k, v in VICTIMS.items())
_FILLER = (
    r"(?:(?:other|more|additional|malian|civilian|suspected|armed|islamist|jihadist|local|unarmed|"
    r"innocent|russian|un|nigerien|burkinabe|government|security|of the|of|de nos|de|d|des|du|jeunes|young)\s+){0,3}"
)
_VICTIM_FIG = re.compile(rf"\b(?:(?P<qual>{_QUAL}) )?(?P<num>{_NUMBER}) {_FILLER}(?:{_VICTIM_ALT})\b")
_DEATH_FIG = re.compile(
    rf"\b(?:(?P<qual>{_QUAL}) )?(?P<num>{_NUMBER}) (?:people |persons |personnes )?"
    rf"(?:dead|deaths|killed|morts|tues|victimes|fatalities)\b"
)
_AMONG = re.compile(rf" (?:parmi|among|dans les rangs) (?:les |the |des )?(?:{_VICTIM_ALT})\b")
_TOLL = re.compile(
    rf"\b(?:death toll|toll|bilan)(?: [a-z]+){{0,4}}? (?:of|to|at|de|a|s eleve a|est de|stood at|rose to) "
    rf"(?:(?P<qual>{_QUAL}) )?(?P<num>{_NUMBER})\b(?! (?:wounded|injured|blesses))"
)
_KILL = re.compile(
    r"\b(?:killed|killing|kills|kill|dead|died|deaths?|lives|slain|massacred|executed|murdered|shot dead|"
    r"gunned down|neutrali[sz]ed|neutrali[sz]ing|perished|tue(?:e|s|es)?|tuant|morts?|massacre(?:e|s|es)?|"
    r"execute(?:e|s|es)?|abattu(?:e|s|es)?|assassine(?:e|s|es)?|neutralise(?:e|s|es)?|ont peri|perdu la vie|"
    r"coute la vie)\b"
)
_NOT_KILL = re.compile(
    r"\b(?:wounded|wounding|injured|injuring|hurt|blesse(?:e|s|es)?|blessant|abducted|kidnapped|abducting|"
    r"kidnapping|enleve(?:e|s|es)?|arrested|detained|captured|arrete(?:e|s|es)?|interpelle(?:e|s|es)?|"
    r"displaced|deplace(?:e|s|es)?|fled|freed|released|liberes?|rescued|recovered|seized)\b"
)
_NEUTRALISED = re.compile(r"\bneutrali[sz](?:ed|ing|e|es|ee|ees)\b")
_REPORT_VERBS = (
    r"said|says|reported|reports|announced|stated|claimed|claims|told|added|confirmed|indicated|asserted|"
    r"declared|wrote|a annonce|a affirme|a indique|a declare|a assure|a precise|a rapporte|a revendique|"
    r"ont annonce|ont affirme|ont indique|ont declare|annonce|affirme|indique"
)
_SUBJECT_BEFORE = re.compile(rf"((?:[a-z0-9]+ ){{0,4}}[a-z0-9]+) (?:has |have |had )?(?:{_REPORT_VERBS})\b")
_ACCORDING = re.compile(r"\b(?:according to|selon|d apres|citing|cited by)\s+((?:[a-z0-9]+ ){0,5}[a-z0-9]+)")
_DETERMINERS = re.compile(r"^(?:the|a|an|le|la|les|l|un|une|des|its|their|in|and|but|while|that)\s+")
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "il", "elle", "ils", "elles", "on", "who", "which", "qui"})
#: French puts the subject after the verb in a reporting clause that follows what is
#: reported ("..., a annoncé le gouvernement"): folded, the "X said" pattern sees only the
#: auxiliary ("a", "ont") as the subject. The subject is then read after the verb, up to a
#: word that starts something else ("dans un communiqué", "mardi").
_AUXILIARIES = frozenset({"a", "ont"})
_SUBJECT_AFTER = re.compile(
    r" (?:(?:le|la|les|l) )?((?:(?!(?:dans|sur|lors|en|par|au|aux|pour|avec|apres|avant|ce|cette|hier|lundi|mardi|"
    r"mercredi|jeudi|vendredi|samedi|dimanche|que|qu)\b)[a-z0-9]+(?: |$)){1,3})"
)
_NOT_REPORT = re.compile(r"\bclaimed? (?:responsibility|the lives|lives)\b|\bclaiming (?:responsibility|the lives)\b")


def _parse_number(s: str) -> tuple[int | None, str | None]:
    """(count, implied qualifier) of a number phrase."""
    s = s.strip()
    for word, n in _APPROX.items():
        if word in s:
            return n, "about"
    digits = s.replace(",", "")
    if digits.isdigit():
        return int(digits), None
    parts = [p for p in s.split() if p != "et"]
    total = 0
    for p in parts:
        if p in _TENS:
            total += _TENS[p]
        elif p in _UNITS or p + "_" in _UNITS:
            total += _UNITS.get(p, _UNITS.get(p + "_", 0))
        elif p == "a":
            continue
    return (total or None), None


class _Reporting:
    """The reporting phrases of one sentence, found once (not once per figure: a sentence
    may hold thousands of figures). Positions are relative to the sentence start."""

    __slots__ = ("according", "according_pos", "subjects", "subjects_pos")

    def __init__(self, seg: str) -> None:
        # "according to X": (position, phrase start, phrase end)
        self.according = [(m.start(), m.start(1), m.end(1)) for m in _ACCORDING.finditer(seg)]
        blocked = [m.span() for m in _NOT_REPORT.finditer(seg)]  # sorted, disjoint
        bstarts = [bs for bs, _ in blocked]
        self.subjects = []  # "X said"
        for m in _SUBJECT_BEFORE.finditer(seg):
            pos = m.end(1) + 1  # the verb's first character
            i = bisect_right(bstarts, pos) - 1
            if i >= 0 and pos <= blocked[i][1]:
                continue  # "claimed responsibility", "claimed the lives"
            start, end = m.start(1), m.end(1)
            words = seg[start:end].split()
            if words[-1] in _AUXILIARIES:
                if len(words) == 1:  # "..., a annoncé le gouvernement": the subject follows
                    after = _SUBJECT_AFTER.match(seg, m.end())
                    if after is None:
                        continue
                    start, end = after.start(1), after.start(1) + len(after.group(1).rstrip())
                else:                # "le gouvernement a annoncé": the auxiliary is no part of it
                    end = start + len(" ".join(words[:-1]))
            self.subjects.append((m.start(), start, end))
        self.according_pos = [c[0] for c in self.according]
        self.subjects_pos = [c[0] for c in self.subjects]

    def phrase_for(self, rel: int) -> tuple[int, int] | None:
        """(start, end) of the reporter phrase for a figure at ``rel``: the last "X said"
        before it, else the last "according to X" before it, else the sentence's first."""
        i = bisect_right(self.subjects_pos, rel)
        if i:
            return self.subjects[i - 1][1:]
        j = bisect_right(self.according_pos, rel)
        if j:
            return self.according[j - 1][1:]
        first = self.according or self.subjects
        return first[0][1:] if first else None


def _reporter(ft: FoldedText, fstart: int, fend: int, at: int, reporting: _Reporting | None = None) -> str | None:
    """Who reported the figure at folded position ``at`` in the sentence ``[fstart, fend)``."""
    f = ft.folded
    if reporting is None:
        reporting = _Reporting(f[fstart:fend])
    span = reporting.phrase_for(at - fstart)
    if span is None:
        return None
    ps, pe = span
    words = f[fstart + ps : fstart + pe].split()
    phrase = " ".join(words[-4:])
    # map the kept words back to the original text (keeps capitals: "CSP", "FAMa")
    keep_start = fstart + pe - len(phrase)
    os_, oe = ft.to_orig(keep_start, fstart + pe)
    orig = ft.text[os_:oe]
    found = _actors.find_actors(FoldedText(orig))
    named = [a.actor for a in found if a.role != "civilian"]
    if named:
        return named[-1]
    low = _DETERMINERS.sub("", _DETERMINERS.sub("", phrase))
    if not low or low.split()[-1] in _PRONOUNS or low in _PRONOUNS:
        return None
    orig_words = orig.split()
    return " ".join(orig_words[-len(low.split()) :]) if orig_words else low


def find_fatalities(ft: FoldedText, fstart: int, fend: int) -> list[Fatalities]:
    """Casualty figures in the folded sentence span ``[fstart, fend)`` (offsets are original)."""
    f = ft.folded
    seg = f[fstart:fend]
    out: list[Fatalities] = []
    taken = bytearray(len(seg) + 1)  # characters already part of a figure
    reporting: list[_Reporting] = []  # built on first use

    def add(m: re.Match[str], victims: str, need_kill: bool) -> None:
        s, e = m.start() + fstart, m.end() + fstart
        if taken.find(1, m.start(), m.end()) != -1:
            return
        if need_kill and not _killing_context(f, s, e, fstart, fend):
            return
        count, implied = _parse_number(m.group("num"))
        if not count or count > 100000:
            return
        qual = _QUAL_NORM.get(m.group("qual") or "") or implied
        if not reporting:
            reporting.append(_Reporting(seg))
        who = _reporter(ft, fstart, fend, s, reporting[0])
        claim = _actors.is_party(who) or bool(_NEUTRALISED.search(f, max(fstart, s - 60), min(fend, e + 40)))
        if who is None and _NEUTRALISED.search(f, max(fstart, s - 60), min(fend, e + 40)):
            who = _actors.FAMA
        os_, oe = ft.to_orig(s, e)
        taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        out.append(Fatalities(count, qual, who, victims, claim, False, os_, oe))

    for m in _TOLL.finditer(seg):
        add(m, "people", need_kill=False)
    for m in _VICTIM_FIG.finditer(seg):
        victims = next(k for k in VICTIMS if m.group(k))
        add(m, victims, need_kill=True)
    for m in _DEATH_FIG.finditer(seg):
        among = _AMONG.match(seg, m.end())
        victims = next((k for k in VICTIMS if among and among.group(k)), "people")
        add(m, victims, need_kill=False)
    out.sort(key=lambda x: x.start)
    return out


def _killing_context(f: str, s: int, e: int, lo: int, hi: int) -> bool:
    """Whether the cue nearest to the figure ``[s, e)`` is a killing word."""
    best: tuple[int, bool] | None = None
    for pat, is_kill in ((_KILL, True), (_NOT_KILL, False)):
        for m in pat.finditer(f, max(lo, s - 70), min(hi, e + 60)):
            if s <= m.start() < e:
                continue
            d = s - m.end() if m.end() <= s else m.start() - e
            if best is None or d < best[0]:
                best = (d, is_kill)
    return bool(best and best[1])
