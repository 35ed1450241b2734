"""Date expressions (English and French) resolved to calendar days, with a precision.

Resolution rules, all relative to the article's published date ``pub``:

- explicit dates: "June 2", "2 juin 2025", "1er juin", "2025-06-02", "02/06/2025"
  (day/month/year). A missing year is the one that puts the date on or before ``pub``
  (three days of slack for time zones and late filing). Precision ``day``; "June 2025"
  and "in June" give the first of the month with precision ``month``.
- weekdays: "on Tuesday", "Tuesday morning", "mardi" = the latest such day on or before
  ``pub`` (the publication day itself counts); "last Tuesday", "mardi dernier" = strictly
  before. "dans la nuit de lundi à mardi" is the first night's day (Monday). Precision day.
- relative to publication: "yesterday"/"hier", "today", "last night", "N days ago",
  "last week" (pub - 7 days, precision week), "this week", "last weekend" (the Saturday
  before, precision week), "earlier this month"/"this month" (first of pub's month,
  precision month), "last month".
- relative to the previous date in the text (the event being narrated): "a day
  earlier", "the previous day", "la veille", "the next day", "le lendemain", "N days
  later", "the same day". With no earlier date the anchor is ``pub``.

Without ``pub`` only dates that carry their year resolve; the others get ``value=None``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from .folding import FoldedText
from .numbers import NUMBER_UNITS
from .phrases import PhraseScanner
from .records import DateMention

MONTHS = {
    "january": 1,
    "jan": 1,
    "janvier": 1,
    "janv": 1,
    "february": 2,
    "feb": 2,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "march": 3,
    "mar": 3,
    "mars": 3,
    "april": 4,
    "apr": 4,
    "avril": 4,
    "avr": 4,
    "may": 5,
    "mai": 5,
    "june": 6,
    "jun": 6,
    "juin": 6,
    "july": 7,
    "jul": 7,
    "juillet": 7,
    "juil": 7,
    "august": 8,
    "aug": 8,
    "aout": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "septembre": 9,
    "october": 10,
    "oct": 10,
    "octobre": 10,
    "november": 11,
    "nov": 11,
    "novembre": 11,
    "december": 12,
    "dec": 12,
    "decembre": 12,
}
WEEKDAYS = {
    "monday": 0,
    "lundi": 0,
    "tuesday": 1,
    "mardi": 1,
    "wednesday": 2,
    "mercredi": 2,
    "thursday": 3,
    "jeudi": 3,
    "friday": 4,
    "vendredi": 4,
    "saturday": 5,
    "samedi": 5,
    "sunday": 6,
    "dimanche": 6,
}
#: "a day earlier", "two days later", "trois jours plus tôt": up to ten
NUMBER_WORDS = {"a": 1, "an": 1, **{w: n for w, n in NUMBER_UNITS.items() if n <= 10}}
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_WD_ALT = "|".join(WEEKDAYS)
_NUM_ALT = r"\d{1,2}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
# English month abbreviations that are also words: only with a day number, capitalised.
_WORDY_MONTHS = {"may", "mar", "jan", "sep", "dec", "oct", "nov", "aug", "jun", "jul", "apr", "feb", "mars", "mai"}

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(\d{4}) (\d{1,2}) (\d{1,2})\b")),
    ("dmy_num", re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")),
    ("dmy", re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th|er)? (?:of )?({_MONTH_ALT})\b(?: (\d{{4}})\b)?")),
    (
        "mdy",
        re.compile(
            rf"\b({_MONTH_ALT}) (\d{{1,2}})(?:st|nd|rd|th)?\b(?: ?,? (\d{{4}})\b)?(?! ?(?:km|kilomet|percent|%))"
        ),
    ),
    ("my", re.compile(rf"\b({_MONTH_ALT}) (\d{{4}})\b")),
    (
        "in_month",
        re.compile(
            rf"\b(?:in|en|during|early|late|mid|debut|fin|mi|courant|au mois de|in the month of|le mois de) ({_MONTH_ALT})\b(?! \d)"
        ),
    ),
    (
        "weekday_night",
        re.compile(
            rf"\b(?:(?:dans )?la nuit (?:de|du) |(?:on )?the night of |overnight )?({_WD_ALT}) (?:a|au|to|into) ({_WD_ALT})\b"
        ),
    ),
    ("weekday", re.compile(rf"\b(?:(last|this|past|ce) )?({_WD_ALT})\b(?: (dernier|passe))?")),
    (
        "rel_pub",
        re.compile(
            r"\b(the day before yesterday|avant hier|yesterday|hier|today|aujourd hui|this morning|ce matin|"
            r"last night|la nuit derniere|overnight|earlier this week|this week|cette semaine|en debut de semaine|"
            r"last week|the past week|la semaine derniere|la semaine passee|"
            r"last weekend|over the weekend|this weekend|le week end dernier|ce week end|le week end|"
            r"earlier this month|this month|ce mois ci|plus tot ce mois|en debut de mois|"
            r"last month|le mois dernier|le mois passe)\b"
        ),
    ),
    ("ago", re.compile(rf"\b(?:({_NUM_ALT}) (days?|weeks?) ago|il y a ({_NUM_ALT}) (jours?|semaines?))\b")),
    (
        "rel_event",
        re.compile(
            rf"\b(a day earlier|the previous day|the day before|the preceding day|the prior day|la veille|"
            rf"the next day|the following day|a day later|le lendemain|the same day|le meme jour|that same day|"
            rf"the previous night|la nuit precedente|a week earlier|a week later|the previous week|la semaine precedente|"
            rf"({_NUM_ALT}) (days?|weeks?) (earlier|later|before|after)|"
            rf"({_NUM_ALT}) (jours?|semaines?) (plus tot|plus tard|auparavant|avant|apres))\b"
        ),
    ),
]


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _infer_year(m: int, d: int, pub: date | None) -> date | None:
    if pub is None:
        return None
    for y in (pub.year + 1, pub.year, pub.year - 1):
        cand = _safe_date(y, m, d)
        if cand is not None and cand <= pub + timedelta(days=3):
            return cand
    return None


def _latest_weekday(wd: int, pub: date, strictly_before: bool = False) -> date:
    delta = (pub.weekday() - wd) % 7
    if strictly_before and delta == 0:
        delta = 7
    return pub - timedelta(days=delta)


def _num(s: str) -> int:
    return int(s) if s.isdigit() else NUMBER_WORDS.get(s, 1)


def _month_start(d: date, months_back: int = 0) -> date:
    y, m = d.year, d.month - months_back
    while m < 1:
        m += 12
        y -= 1
    return date(y, m, 1)


def _capitalised(text: str, start: int) -> bool:
    return text[start : start + 1].isupper()


_DIGIT = re.compile(r"\d")


_ANCHOR_PHRASES = """yesterday|hier|today|aujourd hui|this morning|ce matin|last night|la nuit derniere|overnight|
    this week|cette semaine|en debut de semaine|last week|past week|la semaine derniere|la semaine passee|weekend|
    week end|this month|ce mois ci|plus tot ce mois|en debut de mois|last month|le mois dernier|le mois passe|
    ago|il y a|a day earlier|previous day|day before|preceding day|prior day|la veille|next day|following day|
    day later|le lendemain|same day|le meme jour|previous night|la nuit precedente|week earlier|week later|
    previous week|la semaine precedente|days earlier|days later|days before|days after|weeks earlier|weeks later|
    jours plus tot|jours plus tard|jours auparavant|jours avant|jours apres|semaines plus tot|semaines plus tard"""


@lru_cache(maxsize=1)
def _anchors() -> PhraseScanner:
    """Words every non-numeric date pattern contains: months, weekdays, relative phrases."""
    words = (set(MONTHS) - {"mar", "sept"}) | {"mar", "sept"} | set(WEEKDAYS)
    phrases = {p.strip() for p in _ANCHOR_PHRASES.split("|")}
    return PhraseScanner(("a", re.escape(w)) for w in words | phrases)


_WORD_START = re.compile(r"[a-z0-9]+")


def _starts(f: str) -> list[int]:
    """Candidate match starts: each anchor word and the four words before it."""
    hits = _anchors().scan(f, overlapping=True)
    if not hits:
        return []
    out: set[int] = set()
    for s, _, _ in hits:
        out.add(s)
        lo = max(0, s - 40)
        before = [m.start() for m in _WORD_START.finditer(f, lo, s)]
        if before and lo > 0 and f[lo - 1].isalnum():
            before = before[1:]  # the window cut a word
        out.update(before[-4:])
    return sorted(out)


def find_dates(ft: FoldedText, pub: date | None) -> list[DateMention]:
    """Date mentions of the text, in order, each resolved (see the module docstring)."""
    f = ft.folded
    cands: list[tuple[int, int, int, str, re.Match[str]]] = []
    if _DIGIT.search(f) is not None:
        for order, (kind, pat) in enumerate(_PATTERNS[:2]):
            for m in pat.finditer(f):
                cands.append((order, m.start(), m.end(), kind, m))
    starts = _starts(f)
    for order, (kind, pat) in enumerate(_PATTERNS[2:], start=2):
        for pos in starts:
            m = pat.match(f, pos)
            if m is not None and m.end() > m.start():
                cands.append((order, m.start(), m.end(), kind, m))
    cands.sort(key=lambda c: (c[0], c[1]))
    taken = bytearray(len(f) + 1)  # characters already part of a date (linear, not pairwise)
    raw: list[tuple[int, int, str, re.Match[str]]] = []
    for _, s, e, kind, m in cands:
        if taken.find(1, s, e) != -1:
            continue
        taken[s:e] = b"\x01" * (e - s)
        raw.append((s, e, kind, m))
    raw.sort(key=lambda r: r[0])
    out: list[DateMention] = []
    anchor: date | None = None
    for s, e, kind, m in raw:
        os_, oe = ft.to_orig(s, e)
        value, precision, dkind = _resolve(kind, m, ft, os_, pub, anchor)
        if dkind is None:
            continue
        if value is not None and precision == "day":
            anchor = value
        out.append(DateMention(os_, oe, ft.text[os_:oe], value, precision, dkind))
    return out


def _resolve(
    kind: str, m: re.Match[str], ft: FoldedText, ostart: int, pub: date | None, anchor: date | None
) -> tuple[date | None, str, str | None]:
    """(value, precision, kind) for one match; kind None rejects the match."""
    g = m.groups()
    text = ft.text
    if kind == "iso":
        d = _safe_date(int(g[0]), int(g[1]), int(g[2]))
        return (d, "day", "explicit") if d else (None, "day", None)
    if kind == "dmy_num":
        d = _safe_date(int(g[2]), int(g[1]), int(g[0]))
        return (d, "day", "explicit") if d else (None, "day", None)
    if kind == "dmy":
        day, mon, year = int(g[0]), MONTHS[g[1]], g[2]
        if g[1] in _WORDY_MONTHS and g[1] not in ("mai", "mars") and not _capitalised(text, ft.orig_pos(m.start(2))):
            return None, "day", None
        d = _safe_date(int(year), mon, day) if year else _infer_year(mon, day, pub)
        if d is None and (year or pub):
            return None, "day", None
        return d, "day", "explicit"
    if kind == "mdy":
        mon, day, year = MONTHS[g[0]], int(g[1]), g[2]
        if not _capitalised(text, ostart):
            return None, "day", None  # English month names are capitalised ("may 5" is not a date)
        d = _safe_date(int(year), mon, day) if year else _infer_year(mon, day, pub)
        if d is None and (year or pub):
            return None, "day", None
        return d, "day", "explicit"
    if kind == "my":
        if g[0] in _WORDY_MONTHS and not _capitalised(text, ostart) and g[0] not in ("mai", "mars"):
            return None, "month", None
        return date(int(g[1]), MONTHS[g[0]], 1), "month", "explicit"
    if kind == "in_month":
        name = g[0]
        mpos = ft.orig_pos(m.start(1))
        english_abbrev = len(name) <= 4 and name not in ("mai", "juin", "aout", "mars", "juil", "janv", "fevr", "avr")
        if (english_abbrev or name == "may") and not _capitalised(text, mpos):
            return None, "month", None
        if pub is None:
            return None, "month", "explicit"
        mon = MONTHS[name]
        y = pub.year if mon <= pub.month else pub.year - 1
        return date(y, mon, 1), "month", "explicit"
    if kind == "weekday_night":
        if pub is None:
            return None, "day", "weekday"
        return _latest_weekday(WEEKDAYS[g[0]], pub), "day", "weekday"
    if kind == "weekday":
        mod, wd, post = g
        if wd in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
            if not _capitalised(text, ft.orig_pos(m.start(2))):
                return None, "day", None
        if pub is None:
            return None, "day", "weekday"
        strictly = (mod in ("last", "past")) or (post in ("dernier", "passe"))
        return _latest_weekday(WEEKDAYS[wd], pub, strictly_before=strictly), "day", "weekday"
    if kind == "rel_pub":
        w = g[0]
        if pub is None:
            return None, "day", "relative"
        if w in ("yesterday", "hier", "last night", "la nuit derniere"):
            return pub - timedelta(days=1), "day", "relative"
        if w in ("the day before yesterday", "avant hier"):
            return pub - timedelta(days=2), "day", "relative"
        if w in ("today", "aujourd hui", "this morning", "ce matin", "overnight"):
            return pub, "day", "relative"
        if w in ("earlier this week", "this week", "cette semaine", "en debut de semaine"):
            return pub - timedelta(days=pub.weekday()), "week", "relative"
        if w in ("last week", "the past week", "la semaine derniere", "la semaine passee"):
            return pub - timedelta(days=7), "week", "relative"
        if "week" in w:  # weekend
            return _latest_weekday(5, pub, strictly_before=False), "week", "relative"
        if w in ("last month", "le mois dernier", "le mois passe"):
            return _month_start(pub, 1), "month", "relative"
        return _month_start(pub), "month", "relative"
    if kind == "ago":
        n = _num(g[0] or g[2])
        unit = g[1] or g[3]
        if pub is None:
            return None, "day", "relative"
        if unit.startswith(("week", "semaine")):
            return pub - timedelta(days=7 * n), "week", "relative"
        return pub - timedelta(days=n), "day", "relative"
    if kind == "rel_event":
        base = anchor or pub
        if base is None:
            return None, "day", "relative_event"
        w = g[0]
        n_en, unit_en, dir_en, n_fr, unit_fr, dir_fr = g[1:]
        if n_en or n_fr:
            n = _num(n_en or n_fr)
            unit = unit_en or unit_fr
            direction = dir_en or dir_fr
            days = n * (7 if unit.startswith(("week", "semaine")) else 1)
            sign = -1 if direction in ("earlier", "before", "plus tot", "auparavant", "avant") else 1
            prec = "week" if unit.startswith(("week", "semaine")) else "day"
            return base + timedelta(days=sign * days), prec, "relative_event"
        if w in ("the next day", "the following day", "a day later", "le lendemain"):
            return base + timedelta(days=1), "day", "relative_event"
        if w in ("the same day", "le meme jour", "that same day"):
            return base, "day", "relative_event"
        if w in ("a week earlier", "the previous week", "la semaine precedente"):
            return base - timedelta(days=7), "week", "relative_event"
        if w == "a week later":
            return base + timedelta(days=7), "week", "relative_event"
        return base - timedelta(days=1), "day", "relative_event"
    return None, "day", None
