"""Mentions -> incidents: clauses, event frames, attribute inheritance, merging, evidence.

The article is read in order. Each sentence is cut into clauses where a second event
starts (", and a raid a day earlier ...", "; ", " as well as attacks in ..."): a cut is
made at a conjunction when the part after it has its own trigger or date and the part
before has a trigger, date or place.

An *event frame* holds what the article says about one event: its date, actors, type
and casualty figures. A clause that states a date different from the current frame's
opens a new frame (or returns to the frame of that date); a new paragraph returns to the
article's main frame (the first one). What a clause says itself wins; what it leaves out
comes from its sentence, then from its frame: "Incidents occurred in seven towns,
including Binoli, Kayes and Sandere" takes the date ("on Tuesday"), actor (JNIM) and type
(attacks on military posts) stated in the sentences around it.

Every location in a clause with an event trigger becomes an incident; a list of places
gives one incident per place. A location in a clause without a trigger only adds evidence
to an incident already found for the same place and frame. Incidents with the same place
and date are merged. A border phrase right after a place ("Kayes and Sandere, near the
Senegalese border") qualifies those places instead of adding an incident; right after a
vague area ("northern regions close to Mali's Mauritanian boundary") it replaces it.
Figures stated without a place belong to the frame; when a frame has several incidents
each gets the figure marked ``shared`` (not to be summed). When nothing finer is found,
an eventful mention of Mali gives one country-level incident.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from .. import gazetteer as _gazetteer
from . import actors as _actors
from . import events as _events
from .clean import dateline_span
from .dates import find_dates
from .fatalities import find_fatalities
from .folding import FoldedText
from .places import find_places
from .records import (
    COUNTRY,
    DISTRICT,
    Article,
    DateMention,
    Evidence,
    Fatalities,
    Incident,
    PlaceMention,
    Sentence,
)
from .sentences import split_sentences

#: accent/case fold of short strings, cached (names and neighbouring words repeat)
_fold = lru_cache(maxsize=65536)(_gazetteer.fold)

#: Most casualty figures one incident takes from its clause and frame. A figure stated for
#: several places is copied to each; hostile text (thousands of places and figures in one
#: clause) would otherwise need places x figures records.
MAX_FIGURES = 50

_SPLIT = re.compile(r",? (?:and|as well as|while|whereas|but|et|ainsi que|tandis que|alors que|mais) |; ")
_MODIFIER_GAP = re.compile(
    r"^[\s,]*(?:(?:near|close to|along|by|on|at|next to|not far from|alongside|pres de|pres|non loin de|"
    r"le long de|a proximite de|a|sur)\s+)?(?:the\s+|la\s+|de\s+la\s+|l\s+)?(?:mali s\s+|its\s+)?$"
)
_BETWEEN_GAP = re.compile(r"^\s*(?:and|et)\s+$")
#: Text between a place and a second location that only locates the first: "Tinabaw near
#: Ménaka", "Ogossagou, dans le cercle de Bankass, région de Mopti", "Bourem, in the Gao region".
_DIR = (
    r"(?:north|south|east|west|northeast|northwest|southeast|southwest|north east|north west|south east|"
    r"south west|nord|sud|est|ouest|nord est|nord ouest|sud est|sud ouest)"
)
_DIST = (
    r"(?:\d+|a few|several|some|about|une centaine|une cinquantaine|une vingtaine|une trentaine|une dizaine|"
    r"quelques|plusieurs)(?: \d+)? ?(?:de )?(?:km|kilometres|kilometers|kilometre|miles)"
)
_LOCATOR_GAP = re.compile(
    r"^\s*,?\s*(?:(?:which is |located |situated |situee? |just |some |about |environ |a )?"
    rf"(?:near|close to|outside|not far from|{_DIST} (?:(?:to the )?{_DIR} of|from|of)|{_DIR} of|"
    rf"pres de|pres d|non loin de|non loin d|{_DIST} (?:au |a l )?(?:{_DIR} )?(?:de|d|du)|"
    r"au (?:nord|sud|nord est|nord ouest|sud est|sud ouest) (?:de|d|du)|a l (?:est|ouest) (?:de|d|du)|in|dans|a)\s+)?"
    r"(?:(?:a |an |the |un |une )?(?:(?:small |remote |nearby )?(?:village|town|hamlet|locality|commune|"
    r"localite|bourgade|hameau)s? (?:in|of|near|de|du|dans|pres de) ))?"
    r"(?:the\s+|le\s+|la\s+|l\s+)?(?:(?:cercle|district|commune|municipality|region|province|localite|"
    r"prefecture|rural commune)\s+(?:of\s+|de\s+|d\s+|du\s+)?)?(?:the\s+)?$"
)
_IN_BETWEEN = re.compile(r"\b(?:between|entre) [^,;]{1,40}$")
#: A date right after a reporting verb is when it was said, not when it happened.
_REPORT_BEFORE = re.compile(
    r"\b(?:said|says|told [a-z]+(?: [a-z]+)?|reported|announced|stated|added|confirmed|declared|claimed|"
    r"a indique|a declare|a annonce|a affirme|a precise|ont indique|ont declare|ont annonce|ont affirme|"
    r"ont rapporte|a rapporte|said in a statement|dans un communique)(?: (?:late|early|on|in|publie))*(?: on)? $"
)
_CORRIDOR_TAIL = re.compile(r"[-–—][A-ZÀ-Þ][\w'’]*(?: [A-ZÀ-Þ][\w'’]*)?")
_CORRIDOR_GAP = re.compile(r"^\s?[-–—/]\s?$")


@dataclass
class Analysis:
    """Everything found in one article, kept for inspection and tests."""

    article: Article
    sentences: list[Sentence]
    places: list[PlaceMention]
    dates: list[DateMention]
    actors: list[_actors.ActorMention]
    incidents: list[Incident]
    frames: int = 0


@dataclass
class _Frame:
    id: int
    date: DateMention | None = None
    date_sentence: int = -1
    report_date: DateMention | None = None
    report_sentence: int = -1
    last_sentence: int = -1  # the sentence of its latest incident
    # actor -> the sentence that first named it in this frame; event type -> first sentence
    # (first occurrences only: a frame can span thousands of sentences)
    actors: dict[str, int] = field(default_factory=dict)
    types: dict[str, int] = field(default_factory=dict)
    fatalities: list[tuple[Fatalities, int]] = field(default_factory=list)
    strong: int = 0


@dataclass
class _Clause:
    sent: int
    start: int  # original offsets
    end: int
    places: list[PlaceMention]
    dates: list[DateMention]  # when things happened
    actors: list[str]
    classes: set[str]
    fatalities: list[Fatalities]
    report_dates: list[DateMention] = field(default_factory=list)  # "said on Tuesday"
    first_dated: DateMention | None = None  # the first of ``dates`` that resolved to a day

    @property
    def eventful(self) -> bool:
        return bool(self.classes & _events.TRIGGER_CLASSES)


@dataclass
class _Cand:
    mention: PlaceMention
    frame: _Frame
    clause: _Clause
    sentence_actors: list[str]
    sentence_type: str | None
    strong: bool
    border_hint: str | None = None
    fatalities: list[Fatalities] = field(default_factory=list)
    regions: tuple[str, ...] = ()
    anchor: str | None = None
    extra_sents: list[int] = field(default_factory=list)


def _in(spans_start: list[int], items: list, lo: int, hi: int) -> list:
    """Items (sorted by .start, with ``spans_start`` their starts) starting in [lo, hi)."""
    return items[bisect_left(spans_start, lo) : bisect_left(spans_start, hi)]


def analyse(article: Article, gaz: _gazetteer.Gazetteer | None = None) -> Analysis:
    """Find all mentions in ``article`` and group them into incidents (not yet geocoded)."""
    text = article.text
    ft = FoldedText(text)
    sentences = split_sentences(text)
    starts = [s.start for s in sentences]
    blocked: list[tuple[int, int]] = []
    dl = dateline_span(text)
    if dl is not None:
        blocked.append(dl)
        if article.published is None:  # the filing date stands in for missing metadata
            head = FoldedText(text[: dl[1]])
            filed = [d.value for d in find_dates(head, None) if d.value is not None and d.precision == "day"]
            if filed:
                article.published = filed[0]
    dates = find_dates(ft, article.published)
    if dl is not None:
        dates = [d for d in dates if d.start >= dl[1]]
    actor_mentions = _actors.find_actors(ft)
    blocked += [(d.start, d.end) for d in dates] + [(a.start, a.end) for a in actor_mentions]
    places = find_places(ft, starts, blocked, gaz, article.language)
    cues = _events.find_cues(ft)
    incidents, nframes = _group(article, ft, sentences, places, dates, actor_mentions, cues)
    return Analysis(article, sentences, places, dates, actor_mentions, incidents, nframes)


def extract_incidents(article: Article, gaz: _gazetteer.Gazetteer | None = None) -> list[Incident]:
    """The incidents of ``article`` (text only: no coordinates yet)."""
    return analyse(article, gaz).incidents


def _clauses(
    ft: FoldedText, sent: Sentence, idx: int, places, pstarts, dates, dstarts, actors, astarts, cues, cstarts
) -> list[_Clause]:
    fs, fe = ft.to_folded(sent.start, sent.end)
    if _in(pstarts, places, sent.start, sent.end) or _in(dstarts, dates, sent.start, sent.end):
        cuts = [m.start() for m in _SPLIT.finditer(ft.folded, fs, fe)]
    else:
        cuts = []  # nothing to tell apart: one clause

    def has_event(a: int, b: int) -> bool:
        return any(c[2] in _events.TRIGGER_CLASSES for c in _in(cstarts, cues, a, b))

    def starts_event(a: int, b: int) -> bool:
        """A trigger early in the segment that is not a participle ("..., killing three")."""
        f = ft.folded
        return any(
            c[2] in _events.TRIGGER_CLASSES and not f[c[0] : c[1]].endswith(("ing", "ant"))
            for c in _in(cstarts, cues, a, min(b, a + 32))
        )

    def has_date(a: int, b: int) -> bool:
        oa, ob = ft.to_orig(a, b)
        return bisect_left(dstarts, ob) > bisect_left(dstarts, oa)

    def has_place(a: int, b: int) -> bool:
        oa, ob = ft.to_orig(a, b)
        return bisect_left(pstarts, ob) > bisect_left(pstarts, oa)

    bounds = [fs]
    f = ft.folded
    for i, c in enumerate(cuts):
        if _IN_BETWEEN.search(f, max(fs, c - 50), c):
            continue  # "between Boni and Hombori": one location, not two clauses
        nxt = cuts[i + 1] if i + 1 < len(cuts) else fe
        left_a = bounds[-1]
        left_date = has_date(left_a, c)
        if (starts_event(c, nxt) or (has_date(c, nxt) and left_date)) and (
            has_event(left_a, c) or left_date or has_place(left_a, c)
        ):
            bounds.append(c)
    bounds.append(fe)
    out = []
    for a, b in zip(bounds, bounds[1:]):
        oa, ob = ft.to_orig(a, b) if b > a else (ft.orig_pos(a), ft.orig_pos(a))
        cl_cues = _in(cstarts, cues, a, b)
        cl_dates = _in(dstarts, dates, oa, ob)
        reported = [d for d in cl_dates if _is_report_date(ft, d)]
        reported_ids = {id(d) for d in reported}
        happened = [d for d in cl_dates if id(d) not in reported_ids]
        out.append(
            _Clause(
                sent=idx,
                start=oa,
                end=ob,
                places=_in(pstarts, places, oa, ob),
                dates=happened,
                first_dated=next((d for d in happened if d.value is not None), None),
                report_dates=reported,
                actors=list(dict.fromkeys(m.actor for m in _in(astarts, actors, oa, ob))),
                classes={c[2] for c in cl_cues},
                fatalities=find_fatalities(ft, a, b)
                if any(c[2] == "kill" for c in cl_cues) or "bilan" in ft.folded[a:b]
                else [],
            )
        )
    return out


def _is_report_date(ft: FoldedText, d: DateMention) -> bool:
    fs, _ = ft.to_folded(d.start, d.end)
    return _REPORT_BEFORE.search(ft.folded, max(0, fs - 50), fs) is not None


def _place_key(m: PlaceMention) -> str:
    if m.kind in ("place", "unknown"):
        return "p:" + _fold(m.name)
    return f"{m.kind}:{m.name}"


def _group(
    article: Article,
    ft: FoldedText,
    sentences: list[Sentence],
    places: list[PlaceMention],
    dates: list[DateMention],
    actor_mentions,
    cues,
) -> tuple[list[Incident], int]:
    pstarts = [p.start for p in places]
    dstarts = [d.start for d in dates]
    astarts = [a.start for a in actor_mentions]
    cstarts = [c[0] for c in cues]
    main = _Frame(0)
    frames = [main]
    by_date: dict[date, _Frame] = {}  # the first frame (in list order) of each date
    current = main
    last_para = -1
    cands: list[_Cand] = []
    country_cands: list[_Cand] = []

    for si, sent in enumerate(sentences):
        if sent.paragraph != last_para:
            current = main
            last_para = sent.paragraph
        clauses = _clauses(ft, sent, si, places, pstarts, dates, dstarts, actor_mentions, astarts, cues, cstarts)
        sent_classes: set[str] = clauses[0].classes if len(clauses) == 1 else set().union(*(c.classes for c in clauses))
        sent_type = _events.classify(sent_classes)
        sent_actors = list(dict.fromkeys(a for c in clauses for a in c.actors))
        for cl in clauses:
            locs = [p for p in cl.places if p.cue != "role"]
            dated = [d for d in cl.dates if d.value is not None]
            reports = [d for d in cl.report_dates if d.value is not None]
            if reports and current.report_date is None:
                current.report_date, current.report_sentence = reports[0], si
            if dated and (cl.eventful or locs):
                d = dated[0]
                if current.date is None and (current.strong == 0 or not locs or current.last_sentence == si):
                    current.date, current.date_sentence = d, si
                    if current is main:
                        by_date[d.value] = main  # frames[0] comes first
                    else:
                        by_date.setdefault(d.value, current)
                elif current.date is None or d.value != current.date.value:
                    same = by_date.get(d.value)
                    if same is not None:
                        current = same
                    else:
                        current = _Frame(len(frames), d, si)
                        frames.append(current)
                        by_date[d.value] = current
            for a in cl.actors:
                current.actors.setdefault(a, si)
            ctype = _events.classify(cl.classes)
            if ctype:
                current.types.setdefault(ctype, si)
            if not locs or not any(p.kind != "country" for p in locs):
                for fat in cl.fatalities:
                    current.fatalities.append((fat, si))
            strong = bool(sent_classes & _events.TRIGGER_CLASSES)
            made = _clause_candidates(ft, cl, locs, current, sent_actors, sent_type, strong)
            for c in made:
                if c.mention.kind == "country":
                    country_cands.append(c)
                else:
                    cands.append(c)
                    if c.strong:
                        current.strong += 1
                        current.last_sentence = si
    # figures stated without a place: the incidents of the last place sentence before
    by_frame: dict[int, list[_Cand]] = {}
    for c in cands:  # in sentence order
        if c.strong:
            by_frame.setdefault(c.frame.id, []).append(c)
    for fr in frames:
        fcands = by_frame.get(fr.id, [])
        if not fr.fatalities or not fcands:
            continue
        fsents = [c.clause.sent for c in fcands]
        for fat, fsi in fr.fatalities:
            n = bisect_right(fsents, fsi)
            if n:
                last = fsents[n - 1]
                targets = fcands[bisect_left(fsents, last) : n]
            else:
                targets = fcands
            for c in targets:
                if len(c.fatalities) >= MAX_FIGURES:
                    continue  # hostile input: figures x places would not fit in memory
                c.fatalities.append(replace(fat, shared=fat.shared or len(targets) > 1))
                c.extra_sents.append(fsi)
    if not any(c.strong for c in cands):
        strong_country = [c for c in country_cands if c.strong]
        if strong_country:
            cands = [strong_country[0]]
            strong_country[0].frame.strong += 1
    incidents = _finalise(article, sentences, cands)
    return incidents, len(frames)


def _is_locator(ft: FoldedText, a: PlaceMention, b: PlaceMention) -> bool:
    """Whether ``b`` only says where ``a`` is ("X near Y", "X, dans le cercle de Y", "X, Y region")."""
    if a.kind not in ("place", "unknown") or b.kind not in ("place", "unknown", "region", "area") or b.in_list:
        return False
    gap = ft.folded[slice(*_fold_gap(ft, a.end, b.start))]
    if not _LOCATOR_GAP.match(gap):
        return False
    words = gap.replace(",", " ").split()
    if not words:
        return False  # "Kayes Sandere": not a locator
    if words in (["in"], ["dans"], ["a"], ["in", "the"]):
        return b.kind in ("region", "area") or b.cue == "cercle"
    return True


def _clause_candidates(
    ft: FoldedText,
    cl: _Clause,
    locs: list[PlaceMention],
    frame: _Frame,
    sent_actors: list[str],
    sent_type: str | None,
    strong: bool,
) -> list[_Cand]:
    out: list[_Cand] = []
    prev: PlaceMention | None = None
    last_cand: _Cand | None = None
    skip_next = False
    for n, m in enumerate(locs):
        if skip_next:
            skip_next = False
            prev = m
            continue
        if m.kind == "border" and prev is not None and prev.kind != "country":
            gap = ft.folded[slice(*_fold_gap(ft, _skip_corridor(ft.text, prev.end), m.start))]
            if _MODIFIER_GAP.match(gap):
                if prev.kind in ("area", "region") and out and out[-1].mention is prev:
                    out[-1].mention = replace(m, regions=prev.regions)  # "northern regions close to the X border"
                else:
                    for c in out:
                        if c.mention.kind in ("place", "unknown") and c.border_hint is None:
                            c.border_hint = m.name
                prev = m
                continue
        if prev is not None and last_cand is not None and _is_locator(ft, prev, m):
            # m locates the previous place (or the whole list it ends): a hint, not an incident
            targets = [c for c in out if c.mention.in_list] if last_cand.mention.in_list else [last_cand]
            for t in targets or [last_cand]:
                t.regions += m.regions
                if m.kind in ("place", "unknown") and t.anchor is None:
                    t.anchor = m.name
            prev = m
            continue
        if (
            prev is not None
            and last_cand is not None
            and last_cand.mention is prev
            and m.kind in ("place", "unknown")
            and _CORRIDOR_GAP.match(ft.text[prev.end : m.start])
        ):
            # "the Gogui–Nioro road": near the first town
            last_cand.mention = replace(prev, precision=max(prev.precision, DISTRICT), cue=prev.cue or "between")
            prev = m
            continue
        if m.cue == "between" and n + 1 < len(locs):
            gap = ft.folded[slice(*_fold_gap(ft, m.end, locs[n + 1].start))]
            if _BETWEEN_GAP.match(gap):
                skip_next = True
        last_cand = _Cand(m, frame, cl, sent_actors, sent_type, strong, regions=tuple(m.regions))
        out.append(last_cand)
        prev = m
    if any(c.mention.kind != "country" for c in out):
        out = [c for c in out if c.mention.kind != "country"]
    # one figure for several places: each gets it marked shared (the same marked copies:
    # a list of references per place, not new records)
    shared = [replace(f, shared=True) for f in cl.fatalities[:MAX_FIGURES]] if len(out) > 1 else cl.fatalities
    for c in out:
        c.fatalities = list(shared)
    return out


def _skip_corridor(text: str, pos: int) -> int:
    """Past the second half of "Gogui–Nioro" (which names the road, not a second place)."""
    m = _CORRIDOR_TAIL.match(text, pos)
    return m.end() if m else pos


def _fold_gap(ft: FoldedText, a: int, b: int) -> tuple[int, int]:
    fa, _ = ft.to_folded(a, a)
    fb, _ = ft.to_folded(b, b)
    return fa, max(fa, fb)


def _finalise(article: Article, sentences: list[Sentence], cands: list[_Cand]) -> list[Incident]:
    text = article.text
    by_key: dict[tuple[str, date | None], Incident] = {}
    order: list[tuple[str, date | None]] = []
    frame_of: dict[tuple[str, date | None], int] = {}
    pending_weak: list[_Cand] = []
    # evidence and figures are gathered in dicts and sorted once at the end: merging into
    # sorted lists each time is quadratic when a place is named thousands of times
    evidence_of: dict[tuple[str, date | None], dict[tuple[int, int], Evidence]] = {}
    figures_of: dict[tuple[str, date | None], dict[tuple, Fatalities]] = {}
    first_key: dict[tuple[str, int], tuple[str, date | None]] = {}  # (place key, frame) -> incident

    def ev(si: int) -> Evidence:
        s = sentences[si]
        return Evidence(s.start, s.end, text[s.start : s.end])

    for c in cands:
        if not c.strong:
            pending_weak.append(c)
            continue
        inc, key = _make_incident(article, c, ev)
        if key in by_key:
            _merge(by_key[key], inc, evidence_of[key], figures_of[key])
        else:
            by_key[key] = inc
            order.append(key)
            frame_of[key] = c.frame.id
            evidence_of[key] = {(e.start, e.end): e for e in inc.evidence}
            figures_of[key] = {_figure_key(f): f for f in inc.fatalities}
            first_key.setdefault((key[0], c.frame.id), key)
    for c in pending_weak:  # evidence only, for a place already found in the same frame
        key = first_key.get((_place_key(c.mention), c.frame.id))
        if key is not None:
            e = ev(c.clause.sent)
            evidence_of[key].setdefault((e.start, e.end), e)
    out = [by_key[k] for k in order]
    for inc, k in zip(out, order):
        inc.group = frame_of[k]
        inc.evidence = sorted(evidence_of[k].values(), key=lambda e: e.start)
        inc.fatalities = sorted(figures_of[k].values(), key=lambda f: f.start)
    return out


def _make_incident(article: Article, c: _Cand, ev) -> tuple[Incident, tuple[str, date | None]]:
    m, fr, cl = c.mention, c.frame, c.clause
    evidence = [ev(cl.sent)]
    # date: the clause's own, else the frame's, else the publication date (week precision)
    own = cl.first_dated  # (found once per clause: a clause may hold thousands of places)
    if own is not None:
        d_val, d_prec = own.value, own.precision
    elif fr.date is not None and fr.date.value is not None:
        d_val, d_prec = fr.date.value, fr.date.precision
        if fr.date_sentence >= 0:
            evidence.append(ev(fr.date_sentence))
    elif fr.report_date is not None and fr.report_date.value is not None:
        d_val, d_prec = fr.report_date.value, fr.report_date.precision
        evidence.append(ev(fr.report_sentence))
    elif article.published is not None:
        d_val, d_prec = article.published, "week"
    else:
        d_val, d_prec = None, None
    # actors: the clause's and its sentence's, completed from the frame
    names = list(cl.actors) + list(c.sentence_actors)
    actor_sent: dict[str, int] = {}
    if not any(_actors.ROLE.get(n) == "armed" for n in names):
        # nobody named here: the group the event's other sentences name ("X claimed the attack")
        wanted = ("armed",) if any(_actors.ROLE.get(n) == "generic" for n in names) else ("armed", "generic")
        for a, si in fr.actors.items():
            if _actors.ROLE.get(a) in wanted and a not in names:
                names.append(a)
                actor_sent.setdefault(a, si)
    if not any(_actors.ROLE.get(n) == "state" for n in names):
        for a, si in fr.actors.items():
            if _actors.ROLE.get(a) == "state" and a not in names:
                names.append(a)
                actor_sent.setdefault(a, si)
    # event type: the clause's, its sentence's, the frame's most specific one
    etype = _events.classify(cl.classes) or c.sentence_type
    if etype is None and fr.types:
        etype = min(fr.types, key=_events.EVENT_TYPES.index)
    if etype is None:
        etype = _events.ARMED_CLASH
    if etype not in (_events.VIOLENCE_CIVILIANS, _events.ABDUCTION):
        names = [n for n in names if n != _actors.CIVILIANS]
    elif _actors.CIVILIANS not in names:
        names.append(_actors.CIVILIANS)
    final = _actors.final_actors(names)
    evidence += [ev(si) for a, si in actor_sent.items() if a in final]
    evidence += [ev(si) for si in c.extra_sents]
    fats = list(c.fatalities)
    inc = Incident(
        place=m.name if m.kind != "unknown" else m.text,
        place_kind=m.kind,
        geo_precision=m.precision,
        date=d_val,
        date_precision=d_prec,
        event_type=etype,
        actors=final,
        fatalities=_dedupe_fatalities(fats),
        evidence=_sorted_evidence(evidence),
        regions_hint=tuple(dict.fromkeys(c.regions)),
        mention_text=m.text,
        anchor=c.anchor,
        border_zone=c.border_hint if m.kind in ("place", "unknown") else (m.name if m.kind == "border" else None),
    )
    if m.kind == "country":
        inc.geo_precision = COUNTRY
    return inc, (_place_key(m), d_val)


def _figure_key(f: Fatalities) -> tuple:
    return (f.start, f.count, f.victims)


def _dedupe_fatalities(fats: list[Fatalities]) -> list[Fatalities]:
    seen: dict[tuple, Fatalities] = {}
    for f in fats:
        seen.setdefault(_figure_key(f), f)
    return sorted(seen.values(), key=lambda f: f.start)


def _sorted_evidence(ev: list[Evidence]) -> list[Evidence]:
    return sorted({(e.start, e.end): e for e in ev}.values(), key=lambda e: e.start)


def _merge(
    into: Incident,
    other: Incident,
    evidence: dict[tuple[int, int], Evidence],
    figures: dict[tuple, Fatalities],
) -> None:
    """Merge ``other`` into ``into``; evidence and figures go to the accumulators."""
    for e in other.evidence:
        evidence.setdefault((e.start, e.end), e)
    for f in other.fatalities:
        figures.setdefault(_figure_key(f), f)
    into.actors = _actors.final_actors(into.actors + other.actors)
    into.geo_precision = min(into.geo_precision, other.geo_precision)
    if into.border_zone is None:
        into.border_zone = other.border_zone
    if into.regions_hint == ():
        into.regions_hint = other.regions_hint
