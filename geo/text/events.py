"""Event types (an ACLED-like taxonomy) from trigger and target words.

Words are grouped in cue classes (explosive, abduction, attack, clash, kill, loot, military
position, civilian victims, military victims, generic). :func:`classify` turns the classes
found in a clause into one type, most specific first:

1. explosive or remote weapon (IED, mine, drone or air strike, shelling) -> explosion/remote violence
2. abduction words                                        -> abduction
3. a military position (camp, base, barracks, post) attacked, seized or fought over
                                                          -> attack on military position
4. civilians as victims of killing or attack              -> violence against civilians
5. looting, burning, destruction (without killing)        -> looting/destruction
6. fighting words, or soldiers killed or attacked         -> armed clash
7. only generic words ("attacks", "incidents")            -> None: the frame's type applies
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .folding import FoldedText
from .phrases import PhraseScanner
from .records import EventMention

ARMED_CLASH = "armed clash"
ATTACK_MILITARY = "attack on military position"
REMOTE_VIOLENCE = "explosion/remote violence"
VIOLENCE_CIVILIANS = "violence against civilians"
ABDUCTION = "abduction"
LOOTING = "looting/destruction"
#: The taxonomy, in the order :func:`classify` prefers them.
EVENT_TYPES = (REMOTE_VIOLENCE, ABDUCTION, ATTACK_MILITARY, VIOLENCE_CIVILIANS, LOOTING, ARMED_CLASH)

CUES: dict[str, str] = {
    "explosive": (
        r"ieds?|improvised explosive(?: devices?)?|explosive devices?|roadside bombs?|land ?mines?|"
        r"(?:hit|struck|ran over|triggered|detonated) an? (?:land ?)?mine|mine (?:blast|explosion)s?|"
        r"drone strikes?|drone attacks?|drones?|air ?strikes?|air raids?|aerial (?:strikes?|bombardments?)|"
        r"bombardments?|bombing|bombings|shelling|shelled|mortars?|mortar (?:fire|rounds?|shells?)|rockets?|"
        r"shells|suicide (?:bombers?|attacks?|bombings?|car bombs?)|car bombs?|vbieds?|explosions?|explosives?|"
        r"blasts?|detonated|engins? explosifs?(?: improvises?)?|eei|mines? artisanales?|a saute sur une mine|"
        r"frappes? (?:de drones?|aeriennes?|d un drone)|bombardements?|obus|tirs d obus|roquettes?|kamikazes?|"
        r"vehicules? piegee?s?|attentats? suicides?|explosion"
    ),
    "abduction": (
        r"abduct(?:ed|s|ing|ion|ions)?|kidnap(?:ped|ping|pings|s|pers)?|hostages?|taken captive|"
        r"enleve(?:e|s|es)?|enlevements?|kidnappe(?:e|s|es)?|otages?|rapt|pris en otage|sequestre(?:e|s|es)?"
    ),
    "attack": (
        r"attack(?:s|ed|ing|ers)?|assault(?:s|ed|ing)?|raid(?:s|ed|ing)?|ambush(?:es|ed|ing)?|stormed|"
        r"overran|overrun|offensives?|onslaught|incursions?|targeted|targeting|seized|captured|"
        r"took control|attaque(?:s|e|es|r|nt)?|attaquant|assauts?|embuscades?|incursions?|cible(?:e|s|es)?|"
        r"ciblant|pris le controle|s est empare|se sont empares|repelled|repousse(?:e|s|es)?|"
        r"opened fire|ouvert le feu|struck|came under fire|under fire|fired (?:on|at)|shot at|shooting|"
        r"besieged|besieging|siege|sieges|assiege(?:e|s|es)?|encercle(?:e|s|es)?|"
        r"sous le feu|ont tire|tire sur"
    ),
    "clash": (
        r"clash(?:es|ed)?|fighting|fought|firefights?|gunfights?|gunfire|gunshots|exchange of fire|"
        r"battles?|battled|combats?|skirmish(?:es)?|affrontements?|accrochages?|echanges? de tirs|"
        r"fusillades?|engagement|engaged|accroches?"
    ),
    "kill": (
        r"killed|killing|kills|kill|dead|died|deaths?|death toll|lives|slain|massacred|massacres?|"
        r"executed|executions?|murdered|shot dead|gunned down|neutrali[sz]ed|neutrali[sz]ing|perished|"
        r"fatalities|tue(?:e|s|es)?|tuant|morts?|deces|massacre(?:e|s|es)?|execute(?:e|s|es)?|"
        r"abattu(?:e|s|es)?|assassine(?:e|s|es)?|neutralise(?:e|s|es)?|ont peri|perdu la vie|victimes?"
    ),
    "wound": (r"wounded|wounding|injured|injuring|blesse(?:e|s|es)?|blessant|blessures?"),
    "loot": (
        r"looted|looting|loot|plundered|pillaged|ransacked|burned|burnt|burning|torched|set ablaze|"
        r"set fire to|set on fire|razed|destroyed|destruction|stole|stolen|rustled|rustling|"
        r"livestock theft|cattle theft|pille(?:e|s|es|r)?|pillages?|incendie(?:e|s|es|r)?|brule(?:e|s|es|r)?|"
        r"saccage(?:e|s|es|r)?|detrui(?:t|te|ts|tes|re)|vol de betail|emporte(?:e|s|es)? du betail|razzias?"
    ),
    "position": (
        r"(?:military|army|security|border|gendarmerie|police|forward|advanced) (?:camps?|bases?|posts?|"
        r"positions?|installations?|outposts?|checkpoints?|barracks|garrisons?)|army camps?|military camps?|"
        r"barracks|garrisons?|outposts?|checkpoints?|military (?:installations|facilities)|"
        r"camps? militaires?|postes? (?:militaires?|avances?|de securite|de gendarmerie|de police|de l armee)|"
        r"bases? militaires?|casernes?|positions? (?:de l armee|des fama|militaires?)|garnisons?|"
        r"check ?points?|brigades? de gendarmerie|emprises?|military posts?|army posts?|le camp de|the camp"
    ),
    "civilian": (
        r"civilians?|villagers|residents|inhabitants|passengers|travell?ers|worshippers|herders|farmers|"
        r"traders|women|children|pupils|teachers|displaced|wedding guests|civils?|villageois|habitants|"
        r"passagers|voyageurs|fideles|eleveurs|bergers|agriculteurs|cultivateurs|commercants|femmes|enfants|"
        r"populations?|forains"
    ),
    "military_victim": (
        r"soldiers|troops|servicemen|gendarmes|guards|policemen|police officers|militaires|soldats|"
        r"elements des fama|military personnel"
    ),
    "generic": r"incidents?|attentats?|operations? terroristes?",
}
_SCANNER: PhraseScanner | None = None
#: Classes that make a clause describe an event (the others qualify one).
TRIGGER_CLASSES = frozenset({"explosive", "abduction", "attack", "clash", "kill", "wound", "loot", "generic"})
# Words that look like triggers but are not events here.
_NOT_EVENT = re.compile(
    r"\b(?:claimed responsibility|revendique|gold mines?|mines? d or|mining|minier|mine workers|"
    r"heart attack|panic attacks?|social media posts?|blog posts?|lives in|lived in|life)\b"
)


def _scanner() -> PhraseScanner:
    global _SCANNER
    if _SCANNER is None:
        _SCANNER = PhraseScanner(CUES)
    return _SCANNER


def find_cues(ft: FoldedText) -> list[tuple[int, int, str]]:
    """(folded start, folded end, class) for every cue word, sorted by position."""
    f = ft.folded
    blocked = [m.span() for m in _NOT_EVENT.finditer(f)]  # sorted, not overlapping
    bstarts = [bs for bs, _ in blocked]
    out: list[tuple[int, int, str]] = []
    for s, e, labels in _scanner().scan(f, overlapping=True):
        for cls in labels:
            if cls in ("explosive", "kill") and blocked and _inside(blocked, bstarts, s):
                continue
            out.append((s, e, cls))
    out.sort()
    return out


def _inside(spans: list[tuple[int, int]], starts: list[int], pos: int) -> bool:
    """Whether ``pos`` lies in one of the sorted, disjoint ``spans`` (``starts`` their starts)."""
    i = bisect_right(starts, pos) - 1
    return i >= 0 and pos < spans[i][1]


def classify(classes: set[str]) -> str | None:
    """The event type for the cue classes of one clause (see the module docstring)."""
    if "explosive" in classes:
        return REMOTE_VIOLENCE
    if "abduction" in classes:
        return ABDUCTION
    violent = classes & {"attack", "clash", "kill", "loot"}
    if "position" in classes and violent:
        return ATTACK_MILITARY
    if "civilian" in classes and classes & {"kill", "attack", "wound"}:
        return VIOLENCE_CIVILIANS
    if "loot" in classes and not classes & {"kill", "clash"}:
        return LOOTING
    if "clash" in classes or ("military_victim" in classes and classes & {"kill", "attack", "wound"}):
        return ARMED_CLASH
    return None


def event_mentions(ft: FoldedText, cues: list[tuple[int, int, str]]) -> list[EventMention]:
    """Trigger cues as :class:`EventMention` records (original offsets), for display and tests."""
    out = []
    for s, e, cls in cues:
        if cls in TRIGGER_CLASSES:
            os_, oe = ft.to_orig(s, e)
            out.append(EventMention(os_, oe, ft.text[os_:oe], classify({cls})))
    return out
