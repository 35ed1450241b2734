"""Actors: an alias table of the groups, forces and victims that Mali reporting names.

Each canonical actor has aliases written in folded form (see :mod:`.folding`: lower case,
no accents, hyphens and apostrophes as spaces). Short acronyms (JNIM, FAMa, CMA, ...) only
count when written in capitals in the original text. "The group" / "le groupe" refers
back to the last named armed group. Generic words ("gunmen", "jihadists") give
``Unidentified armed group``, which :func:`final_actors` drops when a named group is known.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .folding import FoldedText
from .phrases import PhraseScanner
from .records import ActorMention

JNIM = "JNIM"
IS_SAHEL = "Islamic State Sahel"
FAMA = "Malian armed forces"
WAGNER = "Wagner Group/Africa Corps"
SEPARATISTS = "FLA/CSP/CMA separatists"
DAN_NA = "Dan Na Ambassagou"
KATIBA_MACINA = "Katiba Macina"
MINUSMA = "MINUSMA"
CIVILIANS = "Civilians"
UNIDENTIFIED = "Unidentified armed group"
FRENCH = "French forces"

#: canonical name -> (role, aliases in folded form). Acronyms are listed in ACRONYMS.
ALIASES: dict[str, tuple[str, tuple[str, ...]]] = {
    JNIM: (
        "armed",
        (
            "jnim",
            "gsim",
            "jama at nusrat al islam wal muslimin",
            "jamaat nusrat al islam wal muslimin",
            "jama a nusrat al islam wal muslimin",
            "jamaat nasr al islam wal muslimin",
            "jama at nasr al islam wal muslimin",
            "jama at nusrat al islam wa al muslimin",
            "nusrat al islam",
            "group for the support of islam and muslims",
            "support group for islam and muslims",
            "groupe de soutien a l islam et aux musulmans",
        ),
    ),
    KATIBA_MACINA: (
        "armed",
        (
            "katiba macina",
            "katiba du macina",
            "macina liberation front",
            "front de liberation du macina",
            "katiba serma",
        ),
    ),
    IS_SAHEL: (
        "armed",
        (
            "islamic state sahel province",
            "islamic state sahel",
            "islamic state in the sahel",
            "islamic state in the greater sahara",
            "islamic state greater sahara",
            "is sahel",
            "issp",
            "isgs",
            "eigs",
            "etat islamique au grand sahara",
            "etat islamique au sahel",
            "etat islamique dans le grand sahara",
            "ei sahel",
            "islamic state",
            "etat islamique",
            "daesh",
            "daech",
        ),
    ),
    SEPARATISTS: (
        "armed",
        (
            "fla",
            "front de liberation de l azawad",
            "azawad liberation front",
            "liberation front of azawad",
            "csp psd",
            "csp dpa",
            "csp",
            "permanent strategic framework",
            "cadre strategique permanent",
            "cma",
            "coordination of azawad movements",
            "coordination des mouvements de l azawad",
            "tuareg separatists",
            "tuareg rebels",
            "tuareg led rebels",
            "separatist rebels",
            "separatists",
            "separatist groups",
            "separatist fighters",
            "rebelles touareg",
            "separatistes touareg",
            "separatistes",
            "rebelles",
            "ex rebelles",
            "mnla",
        ),
    ),
    DAN_NA: (
        "armed",
        (
            "dan na ambassagou",
            "dan nan ambassagou",
            "dana ambassagou",
            "dozo militia",
            "dozo militias",
            "dozo hunters",
            "dozos",
            "dozo",
            "dogon militia",
            "dogon militias",
            "milice dogon",
            "milices dogon",
            "chasseurs dozos",
            "chasseurs traditionnels dozos",
        ),
    ),
    WAGNER: (
        "state",
        (
            "wagner group",
            "wagner",
            "africa corps",
            "russian mercenaries",
            "russian paramilitaries",
            "russian fighters",
            "russian instructors",
            "russian troops",
            "russian soldiers",
            "russian forces",
            "mercenaires russes",
            "paramilitaires russes",
            "instructeurs russes",
            "soldats russes",
            "partenaires russes",
        ),
    ),
    FAMA: (
        "state",
        (
            "fama",
            "malian armed forces",
            "malian army",
            "malian military",
            "malian soldiers",
            "malian troops",
            "malian forces",
            "malian security forces",
            "malian defence forces",
            "malian defense forces",
            "forces armees maliennes",
            "armee malienne",
            "armee",
            "soldats maliens",
            "militaires maliens",
            "the army",
            "army",
            "the military",
            "troops",
            "soldiers",
            "armed forces",
            "defence forces",
            "defense forces",
            "security forces",
            "gendarmes",
            "gendarmerie",
            "national guard",
            "garde nationale",
            "militaires",
            "soldats",
            "forces armees",
            "forces de defense et de securite",
            "fds",
            "forces de securite",
        ),
    ),
    MINUSMA: (
        "peacekeeping",
        (
            "minusma",
            "un peacekeepers",
            "peacekeepers",
            "un mission",
            "united nations mission",
            "casques bleus",
            "mission de l onu",
            "mission des nations unies",
        ),
    ),
    FRENCH: (
        "state",
        (
            "barkhane",
            "french troops",
            "french forces",
            "french soldiers",
            "soldats francais",
            "forces francaises",
            "armee francaise",
        ),
    ),
    CIVILIANS: (
        "civilian",
        (
            "civilians",
            "civilian",
            "villagers",
            "civils",
            "villageois",
            "population civile",
            "populations civiles",
            "passengers",
            "passagers",
            "worshippers",
            "fideles",
            "herders",
            "eleveurs",
            "traders",
            "commercants",
            "farmers",
            "cultivateurs",
            "agriculteurs",
            "displaced people",
            "deplaces",
        ),
    ),
    UNIDENTIFIED: (
        "generic",
        (
            "gunmen",
            "armed men",
            "unidentified gunmen",
            "unidentified armed men",
            "assailants",
            "attackers",
            "jihadists",
            "jihadist militants",
            "jihadist fighters",
            "jihadist groups",
            "jihadist group",
            "islamist militants",
            "islamist fighters",
            "islamist groups",
            "militants",
            "terrorists",
            "terrorist groups",
            "insurgents",
            "extremists",
            "armed groups",
            "armed group",
            "hommes armes",
            "individus armes",
            "assaillants",
            "terroristes",
            "djihadistes",
            "jihadistes",
            "islamistes",
            "groupes armes",
            "groupe arme",
            "groupes terroristes",
            "groupe terroriste",
            "groupes jihadistes",
            "groupes djihadistes",
        ),
    ),
}
#: Aliases that only count when written in capitals (acronyms); others match any case.
ACRONYMS = frozenset(
    {
        "jnim",
        "gsim",
        "issp",
        "isgs",
        "eigs",
        "fla",
        "csp",
        "cma",
        "fama",
        "fds",
        "mnla",
        "minusma",
        "csp psd",
        "csp dpa",
    }
)
#: Words before a generic military alias that make it a foreign force, not Mali's.
_FOREIGN = re.compile(
    r"(?:burkinabe|burkinabes|nigerien|nigeriens|nigerienne|senegalese|senegalais|mauritanian|mauritanien|"
    r"mauritanienne|algerian|algerien|ivorian|ivoirien|ivoirienne|guinean|guineen|french|francais|francaise|"
    r"russian|russe|russes|chadian|tchadien|tchadiens|togolese|un|onu|burkina|niger|nigeria|mauritania) $"
)
_ANAPHORA = re.compile(
    r"\b(?:the (?:jihadist |islamist |militant |armed |extremist |terrorist |rebel |separatist )?group|"
    r"le groupe(?: jihadiste| djihadiste| terroriste| arme| islamiste)?|"
    r"(?:the|les|aux|des) (?:jihadists|militants|assailants|attackers|insurgents|fighters|jihadistes|"
    r"djihadistes|assaillants|terroristes|combattants))\b"
)
ROLE_ORDER = {"armed": 0, "generic": 1, "state": 2, "peacekeeping": 3, "civilian": 4}
ROLE = {name: role for name, (role, _) in ALIASES.items()}


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex of every alias (for full-match checks of short phrases) and alias -> actor."""
    lookup: dict[str, str] = {}
    for canon, (_, aliases) in ALIASES.items():
        for a in aliases:
            lookup.setdefault(a, canon)
    alt = "|".join(re.escape(a) for a in sorted(lookup, key=len, reverse=True))
    return re.compile(rf"\b(?:{alt})\b"), lookup


@lru_cache(maxsize=1)
def _scanner() -> PhraseScanner:
    _, lookup = _pattern()
    return PhraseScanner((canon, re.escape(alias)) for alias, canon in lookup.items())


def find_actors(ft: FoldedText) -> list[ActorMention]:
    """Actor mentions in text order, including "the group" resolved to the last named group."""
    f = ft.folded
    found: list[ActorMention] = []
    for fs, fe, labels in _scanner().scan(f):
        alias = f[fs:fe]
        s, e = ft.to_orig(fs, fe)
        if alias in ACRONYMS and not ft.text[s:e].replace(" ", "").replace("-", "")[:3].isupper():
            continue
        canon = labels[0]
        if canon == FAMA and _FOREIGN.search(f, max(0, fs - 14), fs):
            continue
        found.append(ActorMention(s, e, ft.text[s:e], canon, ROLE[canon]))
    # "the group" -> the last armed group named before it (one pass: found is in text order)
    named = len(found)
    i = 0
    last_armed: str | None = None
    for m in _ANAPHORA.finditer(f):
        s, e = ft.to_orig(*m.span())
        while i < named and found[i].end <= s:
            if found[i].role == "armed":
                last_armed = found[i].actor
            i += 1
        if last_armed is not None:
            found.append(ActorMention(s, e, ft.text[s:e], last_armed, "armed"))
    found.sort(key=lambda a: a.start)
    return found


def final_actors(names: list[str]) -> list[str]:
    """Unique actors, armed groups first; the generic one only when no group is named."""
    uniq = list(dict.fromkeys(names))
    if any(ROLE.get(n) == "armed" for n in uniq):
        uniq = [n for n in uniq if n != UNIDENTIFIED]
    return sorted(uniq, key=lambda n: ROLE_ORDER.get(ROLE.get(n, "generic"), 9))


def is_party(actor: str | None) -> bool:
    """Whether ``actor`` is a party to the fighting (its casualty figures are claims)."""
    return actor is not None and ROLE.get(actor) in ("armed", "state", "generic")
