"""Place mentions: gazetteer names, context cues, regions, vague areas and border zones.

How a location is found, most specific first:

- **border zones**: "near the Senegalese border", "close to Mali's Mauritanian boundary",
  "la frontière avec le Niger", "frontière burkinabè", "the tri-border area",
  "Liptako-Gourma" -> kind "border" (geo_precision 4).
- **regions**: "the Kayes region", "région de Ségou", "Mopti and Ségou regions", "Bamako
  district" -> kind "region" (precision 3). A post-2016 region named after its capital
  ("the Bandiagara region") is the town at precision 2, since our polygons are the
  pre-2016 regions.
- **vague areas**: "central Mali", "northern Mali", "le centre du pays", "northern
  regions" -> kind "area" (precision 3) with the admin-1 regions it covers (see AREAS).
- **gazetteer names**: one Aho-Corasick automaton over every folded (accent- and
  case-free) name and alternate name, Latin script only; Timbuktu/Tombouctou,
  Ségou/Segou, Sandaré/Sandere are one key each. A match must be capitalised in the
  source, must not be a common word (STOP_KEYS), and must not sit inside a person's or an
  organisation's name ("Colonel Souleymane Dembele", "United States Africa Command").
  Names that are also words or names elsewhere (AMBIGUOUS_KEYS: San, Say, Bla, Boni ...),
  and short names of places outside Mali, need a locative cue ("in", "at", "near", "à",
  "village of", a list of places, a following "region"/"cercle").
- **context cues** for places the gazetteer lacks: "the town of X", "village of X",
  "near X", "à X" (French), "localité de X", "cercle de X", "X region", and members of a
  list that holds a known place ("towns including Binoli, Kayes and Sandere") -> kind
  "unknown"; the geocoder reports them "unresolved" and they are kept.
- "near X", "outside X", "the X area" and "cercle de X" make precision 2.

A place after a role word ("governor of Mopti", "maire de Gao", "Bamako-based") is kept
with ``cue="role"``: context for geocoding, never an incident location. "Mali" itself is
kind "country" (precision 5), used only when an article names nothing finer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

import ahocorasick

from .. import gazetteer as _gazetteer
from .folding import FoldedText
from .records import BORDER_ZONE, COUNTRY, DISTRICT, REGION, TOWN, PlaceMention

#: accent/case fold of short strings, cached (names and neighbouring words repeat)
_fold = lru_cache(maxsize=65536)(_gazetteer.fold)

TRIBORDER = "Liptako-Gourma tri-border area"

#: Vague parts of Mali -> the pre-2016 admin-1 regions they cover. The incident pin is
#: the representative point of their union; admin1 is the region containing that pin.
#: central = the inner Niger delta and Dogon country (Mopti) with Ségou; northern = the
#: three desert regions; southern = Sikasso and Koulikoro; western = Kayes; eastern =
#: Gao (Ménaka lies inside it in the pre-2016 frame).
AREAS: dict[str, tuple[str, ...]] = {
    "central": ("Mopti", "Ségou"),
    "northern": ("Tombouctou", "Gao", "Kidal"),
    "southern": ("Sikasso", "Koulikoro"),
    "western": ("Kayes",),
    "eastern": ("Gao",),
    "northeastern": ("Kidal", "Gao"),
    "northwestern": ("Tombouctou",),
    "southwestern": ("Kayes", "Koulikoro"),
    "southeastern": ("Sikasso",),
}
_AREA_WORDS = {
    "central": "central",
    "centre": "central",
    "center": "central",
    "middle": "central",
    "northern": "northern",
    "north": "northern",
    "nord": "northern",
    "southern": "southern",
    "south": "southern",
    "sud": "southern",
    "western": "western",
    "west": "western",
    "ouest": "western",
    "eastern": "eastern",
    "east": "eastern",
    "est": "eastern",
    "north eastern": "northeastern",
    "northeastern": "northeastern",
    "northeast": "northeastern",
    "north east": "northeastern",
    "nord est": "northeastern",
    "north western": "northwestern",
    "northwestern": "northwestern",
    "northwest": "northwestern",
    "north west": "northwestern",
    "nord ouest": "northwestern",
    "south western": "southwestern",
    "southwestern": "southwestern",
    "southwest": "southwestern",
    "south west": "southwestern",
    "sud ouest": "southwestern",
    "south eastern": "southeastern",
    "southeastern": "southeastern",
    "southeast": "southeastern",
    "south east": "southeastern",
    "sud est": "southeastern",
}
_ADJ_AREA = r"(?:north eastern|north western|south eastern|south western|northeastern|northwestern|southeastern|southwestern|central|northern|southern|eastern|western)"
_NOUN_AREA = r"(?:north east|north west|south east|south west|northeast|northwest|southeast|southwest|north|south|east|west|centre|center|middle)"
_FR_AREA = r"(?:nord est|nord ouest|sud est|sud ouest|centre|nord|sud|est|ouest)"
_AREA_PATTERN = re.compile(
    "|".join(
        [
            rf"\b(?P<a0>{_ADJ_AREA}) mali\b",
            rf"\b(?:the )?(?P<a1>{_NOUN_AREA}) of (?:mali|the country)\b",
            rf"\bmali s (?P<a2>{_NOUN_AREA}|{_ADJ_AREA} regions?)\b",
            rf"\b(?:le |au |du |dans le )?(?P<a3>{_FR_AREA}) (?:du mali|du pays|malien)\b",
            rf"\b(?:les |des |aux |dans les )?regions? du (?P<a4>{_FR_AREA})(?: du mali| du pays)?\b(?! de)",
            rf"\b(?P<a5>{_ADJ_AREA}) (?:regions?|parts? of the country|provinces?)\b(?! of (?!mali))",
        ]
    )
)

#: Folded gazetteer keys that are ordinary words, names, titles or countries: never a
#: place by gazetteer match (they can still be one through a context cue).
STOP_KEYS = frozenset(
    """
    mali niger senegal guinea guinee burkina faso algeria algerie mauritania mauritanie france paris
    africa afrique sahel sahara west africa united states russia russie moscow ivory coast
    abbe abe ancien anna anon arafat bacon bande bane bati batie batty beta bingo bm bode bole bone bong
    bonde brevet buse busse carnot charon cherche cherchez colbert complexe corneille da dab dame delis
    diana diane dianna diapo divas do doris doue dr eboue fete fresco freda gambe ganse geole go gogo
    gonna gouine goya grand handy heliopolis hippo hire ira irate janet jaw kay katy kappa ky lai lakota
    lay laye leo leona lev libre lodi lola logo madam mafia magenta make mama man mana mane manga mango
    many massa media medina meme menin metro mira mn modeste moka mona mope morris nana nero noe
    ottawa pa pal pane panda para pascal pata pere pete petit pinion pm po pogo polo pont bascule pout put
    qua rivet rosa rosas ross rousse sacre sago sam santa sb segre sema seme senne seria sien sigle sly
    smala solo somme souri tabou tabu tete tit to tocqueville tomba tongue tote tr tub tuba virale voltaire
    yuri zebra zele zola zou lamine alma ampere babur bassi basso bobo bougie constantine fondouk
    maginot marengo mascara medea mirabeau montesquieu negrier rabelais saint pierre toma tendon korea
    kong kongo brazzaville bissasse blablata ble bita bada basa batera bambou bave baya bele braye bissasse
    bogue bossa bouda brouta buna depa djembe elima fia fiasse foula gamina gava goba goda gossas guede
    guetta kami kamala kifa kiff languira lande loua magne menaca nanan niable nielle ouate pana pama
    sai saoula saye scierie soula tala tamest tenez zabre zaouia douera demet demette mori sali
    keita keïta toure touro traore coulibaly diarra kone cisse diallo dembele maiga sidibe sissoko
    konate doumbia camara kante sy sow goita diop kouyate bagayoko dicko haidara moussa amadou mamadou
    ibrahim oumar souleymane boubacar abdoulaye modibo assimi aminata fatoumata
    january february march april may june july august september october november december
    janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    monday tuesday wednesday thursday friday saturday sunday
    lundi mardi mercredi jeudi vendredi samedi dimanche
    army police colonel general president minister governor radio islam allah the and
""".split()
) | frozenset(
    {
        "pont bascule",
        "saint pierre",
        "west africa",
        "united states",
        "ivory coast",
        "burkina faso",
        "cote d ivoire",
        "cote divoire",
    }
)
#: Real places whose names are also words or common names: need a locative cue.
AMBIGUOUS_KEYS = frozenset(
    """
    san say bla boni dire fana koro kona tonka bamba bila segala sibi ber leo bema koula
""".split()
)
TITLES = frozenset(
    """
    colonel col general gen president pres minister mr mrs ms dr captain capt cpt lieutenant lt sergeant sgt
    major maj commander cmdr chief imam sheikh cheikh cheick spokesman spokesperson governor mayor prefect
    m mme mlle monsieur madame ministre capitaine commandant adjudant chef sieur hadj elhadj el sidi
    ag ould ben bin abu abou ibn professor prof pr journalist reporter correspondent judge juge
    president présidente king roi prince sultan emir amir father pere brother frere
""".split()
)
#: Previous words that mark a place (folded; "a" is accepted only when written "à").
LOCATIVE_BEFORE = frozenset(
    """
    in at near of from to around outside towards toward into between including like via through across
    a au aux de d du des vers dans sur entre notamment dont pres environs proximite abords localite
    village villages town towns city cities commune communes locality localities hamlet ville villes
    attacked hit struck stormed raided targeted attaque attaquee attaques vise visee ciblant and or et ou
    also besides
""".split()
)
GEO_FOLLOWERS = frozenset(
    """
    region regions cercle circle district area areas airport airbase camp base province commune town
    village city road axis highway market mosque prison garrison international military municipality
    sector zone localite ville
""".split()
)
_ORG = re.compile(
    r"\b(?:united states|united nations|africa command|africom|european union|african union|ecowas|cedeao|"
    r"reuters|afp|agence france presse|associated press|bbc|rfi|radio france internationale|al jazeera|"
    r"france 24|human rights watch|amnesty international|acled|ocha|unicef|unhcr|msf|"
    r"doctors without borders|icrc|red cross|croix rouge|world bank|alliance of sahel states|"
    r"alliance des etats du sahel|g5 sahel|west africa(?: s)? coast|west africa|gulf of guinea|"
    r"golfe de guinee|liptako gourma authority)\b"
)
_ROLE_BEFORE = re.compile(
    r"\b(?:governors?|mayors?|prefects?|sub prefects?|deputies|deputy|mps?|ministers?|chiefs?|spokesm[ae]n|"
    r"spokespersons?|representatives?|natives?|gouverneurs?|maires?|prefets?|sous prefets?|deputes?|"
    r"chefs?|porte parole|representants?|originaires?|natifs?|ressortissants?|elus?|university|"
    r"universite|bishop|eveque|imams?|emir|council|conseil|court|tribunal|cour|radio|governorate|"
    r"gouvernorat|hospital|hopital|born in|ne a|nee a)"
    r"(?: (?:of|de|du|d|for|in))?(?: (?:the|la|l))?(?: (?:region|cercle|town|ville|commune)(?: (?:of|de|du|d))?)? $"
)
#: Movement towards a place: a destination, not where something happened.
_MOTION_BEFORE = re.compile(
    r"\b(?:fled|flee|flees|fleeing|flight|displaced|refuge|headed|heading|travell?ing|sailing|bound|returning|"
    r"returned|moved|evacuated|transferred|airlifted|taken|fui|fuir|fuyant|refugiee?s?|deplacee?s?|"
    r"en direction|se rendait|se rendaient|evacuee?s?|transferee?s?|rapatriee?s?)"
    r"(?: (?:to|towards|toward|for|in|into|across|vers|a|au|de|d|dans|en))+(?: (?:the|la|le|l|les))? $"
)
_ROUTE_FROM = re.compile(r"\b(?:from|de|d|depuis) $")
_ROUTE_TO = re.compile(r"^ (?:to|a|au|jusqu a|vers|towards) $")
#: Nouns that may follow "the <town>" ("the Kati military base", "the Zégoua border post");
#: any other "the <town>" is something named after the town ("the Tombouctou", a boat).
_THE_FOLLOWERS = GEO_FOLLOWERS | frozenset(
    """
    border post bridge checkpoint army police gendarmerie customs hospital dam station school court
    garrison barracks outpost front river valley plain plateau mountains hills forest lake gold mine mines
    road axis corridor convoy
""".split()
)
#: "the town", "la ville": the last place named before.
_ANAPHOR = re.compile(
    r"\b(?:the (?:town|city|village|locality|hamlet|region)|la (?:ville|localite|commune|bourgade|region)|"
    r"le village)\b(?! (?:of|de|d|du|des)\b)"
)
_NAME = re.compile(r"[A-ZÀ-ÖØ-Þ][\w’'\-]*(?:[ ][A-ZÀ-ÖØ-Þ][\w’'\-]*){0,2}")
#: An enumeration of capitalised names ending "..., X and Y". Bounded so that a failed
#: attempt costs a constant: a word of at most 41 characters, taken whole (possessive:
#: what follows a word is a space or a comma, so giving characters back never helps),
#: and at most 50 items before the conjunction. Unbounded, hostile text (thousands of
#: "Kayes, Kayes, ..." with no "and", or one endless capitalised word) was quadratic.
_LIST_WORD = r"[A-ZÀ-ÖØ-Þ][\w’'\-]{0,40}+"
_LIST_NAME = rf"{_LIST_WORD}(?: {_LIST_WORD}){{0,2}}"
_LIST = re.compile(rf"(?P<items>{_LIST_NAME}(?:, ?{_LIST_NAME}){{0,50}},? (?:and|et|or|ou) {_LIST_NAME})")
# Cues that introduce a name (folded text, the name follows the match). (pattern, precision, cue)
_CUES: list[tuple[re.Pattern[str], int, str]] = [
    (
        re.compile(
            r"\b(?:on the outskirts of|in the vicinity of|not far from|close to|near|outside|around|"
            r"pres de|non loin de|aux environs de|a proximite de|aux abords de|a la peripherie de|"
            r"a l entree de|a la sortie de|pres d|non loin d|aux environs d|a proximite d) $"
        ),
        DISTRICT,
        "near",
    ),
    (re.compile(r"\b(?:between|entre) $"), DISTRICT, "between"),
    (re.compile(r"\b(?:cercle|circle|district|prefecture) (?:of |de |d |du )$"), DISTRICT, "cercle"),
    (
        re.compile(
            r"\b(?:rural )?(?:towns?|villages?|hamlets?|localit(?:y|ies)|communes?|municipalit(?:y|ies)|"
            r"settlements?|cit(?:y|ies)) of $"
        ),
        TOWN,
        "town of",
    ),
    (
        re.compile(
            r"\b(?:la |les |une |dans la |dans le |du )?(?:localites?|villages?|communes?(?: rurales?)?|"
            r"villes?|bourgades?|hameaux|hameau|secteur) "
            # "le village peul d'Ogossagou": an ethnonym or plain adjective may stand between
            r"(?:(?:peul|peuls|peulh|dogon|dogons|bambara|touareg|songhai|songhay|bozo|dozo|malinke|soninke|"
            r"arabe|voisin|voisine|frontalier|frontaliere|isole|isolee|recule|reculee) )?(?:de |d |du )$"
        ),
        TOWN,
        "town of",
    ),
    (re.compile(r"\b(?:a|au|in|at) $"), TOWN, "in"),
]
_CUE_SUFFIX = re.compile(
    r"^(?: (region|cercle|district|area)\b|, (?:a|an|un|une) (?:small |remote |tiny |nearby |petit |petite )?"
    r"(village|town|hamlet|locality|localite|bourgade|hameau|commune)\b)"
)
_REGION_WORD = re.compile(r"^(?: (?:region|regions))\b")


@dataclass(frozen=True)
class _Lexicon:
    """Names the matcher needs besides the gazetteer (read once from data/ tables)."""

    region_keys: dict[str, str]  # folded admin-1 name/alias -> canonical admin-1 name
    later_region_keys: dict[str, str]  # folded post-2016 region -> canonical admin-1 containing it
    country_iso3: dict[str, str]  # folded country name or adjective -> ISO3
    country_name: dict[str, str]  # ISO3 -> English name


_FALLBACK_REGIONS = {
    "kayes": "Kayes",
    "koulikoro": "Koulikoro",
    "sikasso": "Sikasso",
    "segou": "Ségou",
    "segu": "Ségou",
    "mopti": "Mopti",
    "tombouctou": "Tombouctou",
    "timbuktu": "Tombouctou",
    "gao": "Gao",
    "kidal": "Kidal",
    "bamako": "Bamako",
}


@lru_cache(maxsize=1)
def lexicon() -> _Lexicon:
    """Region and country names from the embedded tables (a built-in fallback if absent)."""
    from .. import datasets
    from ..errors import DataFileError

    regions: dict[str, str] = {}
    later: dict[str, str] = {}
    iso3: dict[str, str] = {}
    names: dict[str, str] = {}
    strip = re.compile(
        r"^(?:region de |region of |district of |district de |the )|(?: region| district| capital district)$"
    )
    try:
        for r in datasets.read_table(datasets.ADMIN1_NAMES_FILE):
            for n in (r["name"], r["name_en"], r["name_fr"], *r["aliases"].split("|")):
                if n:
                    regions.setdefault(strip.sub("", _fold(n)), r["name"])
            for n in r.get("later_regions_within", "").split("|"):
                if n:
                    later.setdefault(_fold(n), r["name"])
        for r in datasets.read_table(datasets.COUNTRY_NAMES_FILE):
            names[r["iso3"]] = r["name"]
            for w in (r["name"], r["name_fr"], *r["adjectives"].split("|")):
                if w:
                    iso3[_fold(w)] = r["iso3"]
    except DataFileError:
        regions = dict(_FALLBACK_REGIONS)
    if not names:
        names = {
            "MLI": "Mali",
            "SEN": "Senegal",
            "MRT": "Mauritania",
            "DZA": "Algeria",
            "NER": "Niger",
            "BFA": "Burkina Faso",
            "CIV": "Côte d'Ivoire",
            "GIN": "Guinea",
        }
        iso3 = {
            "senegalese": "SEN",
            "senegal": "SEN",
            "mauritanian": "MRT",
            "mauritania": "MRT",
            "algerian": "DZA",
            "algeria": "DZA",
            "nigerien": "NER",
            "niger": "NER",
            "burkinabe": "BFA",
            "burkina faso": "BFA",
            "ivorian": "CIV",
            "guinean": "GIN",
            "guinea": "GIN",
        }
    iso3.update(
        {
            "ivory coast": "CIV",
            "burkina": "BFA",
            "cote divoire": "CIV",
            "burkinabe": "BFA",
            "burkinabes": "BFA",
            "nigerienne": "NER",
        }
    )
    return _Lexicon(regions, later, iso3, names)


def border_zone_name(iso3: str) -> str:
    """The border-zone name used by :mod:`geo.boundaries` for a neighbour ("Mali–Senegal border")."""
    return f"Mali–{lexicon().country_name.get(iso3, iso3)} border"


# ---------------------------------------------------------------- gazetteer automaton


def _latin(name: str) -> bool:
    return all(ord(c) < 0x250 or not c.isalpha() for c in name)


class PlaceIndex:
    """An Aho-Corasick automaton over folded gazetteer names (Latin script, not stop words)."""

    def __init__(self, gaz: _gazetteer.Gazetteer) -> None:
        self.gazetteer = gaz
        keys: dict[str, list] = {}
        for place in gaz.places:
            for n in place.all_names:
                if not _latin(n):
                    continue
                k = _fold(n)
                if len(k) < 3 or k in STOP_KEYS or not k[0].isalpha():
                    continue
                lst = keys.setdefault(k, [])
                if place not in lst:
                    lst.append(place)
        self.keys = keys
        self.mali_keys = frozenset(k for k, ps in keys.items() if any(p.country_code == "ML" for p in ps))
        auto = ahocorasick.Automaton()
        for k in keys:
            auto.add_word(k, k)
        if keys:
            auto.make_automaton()
        self._auto = auto if keys else None

    def scan(self, folded: str) -> list[tuple[int, int, str]]:
        """Longest non-overlapping whole-word matches: (folded start, folded end, key)."""
        if self._auto is None:
            return []
        hits = []
        n = len(folded)
        for end, key in self._auto.iter(folded):
            start = end - len(key) + 1
            if start > 0 and folded[start - 1].isalnum():
                continue
            if end + 1 < n and folded[end + 1].isalnum():
                continue
            hits.append((start, end + 1, key))
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        out: list[tuple[int, int, str]] = []
        last_end = -1
        for h in hits:
            if h[0] >= last_end:
                out.append(h)
                last_end = h[1]
        return out

    def is_known(self, name: str) -> bool:
        return _fold(name) in self.keys


@lru_cache(maxsize=4)
def _index_for(gaz: _gazetteer.Gazetteer) -> PlaceIndex:
    return PlaceIndex(gaz)


def place_index(gaz: _gazetteer.Gazetteer | None = None) -> PlaceIndex:
    """The cached automaton for ``gaz`` (default: the gazetteer in use)."""
    return _index_for(gaz or _gazetteer.load())


# ---------------------------------------------------------------- helpers

_PREV_WORD = re.compile(r"([a-z0-9]+)[ ]*$")
_NEXT_WORD = re.compile(r"^[ ]*([a-z0-9]+)")


def _prev_word(f: str, fs: int) -> str:
    m = _PREV_WORD.search(f, max(0, fs - 40), fs)
    return m.group(1) if m and m.end() == fs else ""


def _next_word(f: str, fe: int) -> str:
    m = _NEXT_WORD.match(f[fe : fe + 40])
    return m.group(1) if m else ""


def _prev_token_orig(text: str, start: int) -> tuple[str, int]:
    """The word right before ``start`` in the same phrase (one space between), and its start.

    A word ending a sentence ("...on Tuesday. Kayes is") is not part of the name; an
    abbreviated title is ("Col. Dembele").
    """
    if start < 2 or text[start - 1] != " ":
        return "", -1
    j = start - 1
    dotted = text[j - 1] == "."
    if dotted:
        j -= 1
    i = j
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "’'-"):
        i -= 1
    word = text[i:j]
    if not word or (dotted and _fold(word) not in TITLES):
        return "", -1
    return word, i


def _next_token_orig(text: str, end: int) -> str:
    if end + 1 >= len(text) or text[end] != " ":
        return ""
    k = end + 1
    while k < len(text) and (text[k].isalnum() or text[k] in "’'-"):
        k += 1
    return text[end + 1 : k]


class _Mask:
    """Characters already taken: O(1) marking, a C-speed test for a span."""

    __slots__ = ("b",)

    def __init__(self, n: int, spans=()) -> None:
        self.b = bytearray(n + 1)
        for s, e in spans:
            self.add(s, e)

    def add(self, s: int, e: int) -> None:
        if e > s:
            self.b[s:e] = b"\x01" * (e - s)

    def hit(self, s: int, e: int) -> bool:
        return e > s and self.b.find(1, s, e) != -1


class _Ctx:
    """Per-article state shared by the finder steps."""

    def __init__(
        self, ft: FoldedText, sentence_starts: list[int], blocked: list[tuple[int, int]], language: str
    ) -> None:
        self.ft = ft
        self.text = ft.text
        self.f = ft.folded
        self.starts = set(sentence_starts)
        self.blocked = _Mask(len(ft.text), blocked)
        self.language = language

    def sentence_initial(self, start: int) -> bool:
        i = start
        while i > 0 and self.text[i - 1] in "\"“«'‘( ":
            i -= 1
        return i in self.starts or i == 0 or self.text[i - 1] == "\n"

    def locative(self, fs: int, fe: int, start: int) -> bool:
        """Whether a locative word precedes, or a geographic word follows, the folded span."""
        w = _prev_word(self.f, fs)
        if w == "a":
            return start >= 2 and self.text[start - 2] == "à"
        if w in LOCATIVE_BEFORE:
            return True
        return _next_word(self.f, fe) in GEO_FOLLOWERS

    def role(self, fs: int, fe: int) -> bool:
        """A role ("governor of X"), a destination ("fled to X") or "X-based": not an event location."""
        lo = max(0, fs - 60)
        if _ROLE_BEFORE.search(self.f, lo, fs) or _MOTION_BEFORE.search(self.f, lo, fs):
            return True
        return self.f[fe : fe + 6] == " based" or self.f[fe : fe + 6] == " born "


def _valid_unknown(name: str) -> bool:
    """Whether a capitalised phrase found by a cue may be a place name."""
    k = _fold(name)
    if len(k) < 3 or k in STOP_KEYS:
        return False
    first = k.split()[0]
    if first in TITLES or first in STOP_KEYS or first in _NOT_NAMES:
        return False
    if name.isupper() and len(name) <= 6:
        return False  # an acronym
    from .actors import _pattern

    if _pattern()[0].fullmatch(k):
        return False
    lex = lexicon()
    return k not in lex.country_iso3 and k not in _AREA_WORDS


_NOT_NAMES = frozenset(
    """
    the a an this that these those his her their its our my he she they we it i you there here when while after
    before during on in at of for from by with as but and or if then also however meanwhile since until last
    next early late mid le la les un une des ce cette ces il elle ils elles nous on en au aux du de dans pour par
    avec selon apres avant depuis lors mais et ou si alors aussi jihadist islamist malian french russian un
    army military government junta state national regional local central northern southern eastern western
    north south east west nord sud est ouest centre islamic group groups residents witnesses sources officials
    security defence defense forces article reuters afp photo video read more according
""".split()
)


# ---------------------------------------------------------------- the finder


def find_places(
    ft: FoldedText,
    sentence_starts: list[int],
    blocked: list[tuple[int, int]],
    gaz: _gazetteer.Gazetteer | None = None,
    language: str = "en",
) -> list[PlaceMention]:
    """Every location mention of the text (see the module docstring), sorted by offset.

    ``blocked`` are original spans that cannot hold a place (dates, actor names).
    """
    idx = place_index(gaz)
    ctx = _Ctx(ft, sentence_starts, blocked, language)
    out: list[PlaceMention] = []
    out += _borders(ctx)
    out += _regions(ctx, idx)
    out += _areas(ctx, out)
    for m in out:
        ctx.blocked.add(m.start, m.end)
    for om in _ORG.finditer(ft.folded):
        ctx.blocked.add(*ft.to_orig(*om.span()))
    out += _gazetteer_matches(ctx, idx)
    out += _cue_unknowns(ctx, idx, out)
    out = _lists(ctx, idx, out)
    out += _country(ctx, out)
    out.sort(key=lambda m: (m.start, -m.end))
    out = _routes(ctx, out)
    out = _anaphora(ctx, out)
    return out


def _routes(ctx: _Ctx, found: list[PlaceMention]) -> list[PlaceMention]:
    """ "from Gao to Mopti", "de Gao à Mopti": a route, context only (both ends get cue "role")."""
    out = list(found)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.kind not in ("place", "unknown") or b.kind not in ("place", "unknown"):
            continue
        fa, fae = ctx.ft.to_folded(a.start, a.end)
        fb, _ = ctx.ft.to_folded(b.start, b.end)
        if _ROUTE_TO.match(ctx.f[fae:fb]) and _ROUTE_FROM.search(ctx.f, max(0, fa - 10), fa):
            out[i] = replace(a, cue="role")
            out[i + 1] = replace(b, cue="role")
    return out


def _anaphora(ctx: _Ctx, found: list[PlaceMention]) -> list[PlaceMention]:
    """ "the town", "la ville" -> the last place (or region) named before, within a few sentences."""
    extra = []
    for m in _ANAPHOR.finditer(ctx.f):
        s, e = ctx.ft.to_orig(*m.span())
        if ctx.blocked.hit(s, e) or any(p.start <= s < p.end for p in found):
            continue
        want = ("region",) if m.group().endswith("region") else ("place", "unknown")
        prior = [p for p in found if p.end <= s and p.kind in want and p.cue != "role" and s - p.end < 800]
        if not prior:
            continue
        ref = prior[-1]
        role = ctx.role(*m.span())
        extra.append(replace(ref, start=s, end=e, text=ctx.text[s:e], cue="role" if role else "anaphor", in_list=False))
    if not extra:
        return found
    return sorted(found + extra, key=lambda p: (p.start, -p.end))


def _windows(f: str, anchor: re.Pattern[str], before: int = 70, after: int = 60) -> list[tuple[int, int]]:
    """Merged spans around each anchor match, cut at spaces (a whole-text scan is costlier)."""
    out: list[tuple[int, int]] = []
    n = len(f)
    for m in anchor.finditer(f):
        ws = f.rfind(" ", 0, max(0, m.start() - before)) + 1
        we = f.find(" ", min(n, m.end() + after))
        we = n if we == -1 else we
        if out and ws <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], we))
        else:
            out.append((ws, we))
    return out


_AREA_HINT = re.compile(r"mali|pays|country|region|province|parts")
_BORDER_HINT = re.compile(r"border|boundar|frontier|frontal|liptako|three|trois|\btri")
_REGION_HINT = re.compile(r"region|district")


@lru_cache(maxsize=1)
def _country_alt() -> str:
    lex = lexicon()
    words = sorted((k for k, v in lex.country_iso3.items() if v != "MLI"), key=len, reverse=True)
    return "|".join(re.escape(w) for w in words)


def _borders(ctx: _Ctx) -> list[PlaceMention]:
    if not _BORDER_HINT.search(ctx.f):
        return []
    lex = lexicon()
    pats = _border_patterns(_country_alt())
    out: list[PlaceMention] = []
    spans = _Mask(len(ctx.text))
    for pat in pats:
        for m in pat.finditer(ctx.f):
            s, e = ctx.ft.to_orig(*m.span())
            if spans.hit(s, e):
                continue
            word = m.groupdict().get("c")
            if word is None:
                name = TRIBORDER
            else:
                iso = lex.country_iso3.get(word)
                if not iso or iso == "MLI":
                    continue
                name = border_zone_name(iso)
            spans.add(s, e)
            cue = "role" if ctx.role(m.start(), m.end()) else "border"
            out.append(PlaceMention(s, e, ctx.text[s:e], "border", name, BORDER_ZONE, cue=cue))
    return out


@lru_cache(maxsize=4)
def _border_patterns(alt: str) -> list[re.Pattern[str]]:
    b = r"(?:border|borders|boundary|frontier|border area|border region|border zone|borderlands?)"
    return [
        re.compile(
            r"\b(?:tri ?border|three ?border|triple border|tri frontier|three borders|trois frontieres|"
            r"zone des trois frontieres|liptako gourma|liptako)(?: (?:area|region|zone))?\b"
        ),
        re.compile(rf"\b(?:mali s |its |the )?(?P<c>{alt}) {b}\b"),
        re.compile(rf"\b{b} (?:area |region |zone )?(?:with|of) (?:neighbouring |neighboring |the )?(?P<c>{alt})\b"),
        re.compile(
            rf"\b(?:zone )?frontier(?:e|es) (?:avec |entre le mali et |du |de la |de l |d )?"
            rf"(?:le |la |l )?(?P<c>{alt})\b"
        ),
        re.compile(rf"\bzone frontaliere (?:avec |du |de la |de l )?(?:le |la |l )?(?P<c>{alt})\b"),
    ]


@lru_cache(maxsize=2)
def _region_patterns(keys: tuple[str, ...]) -> list[re.Pattern[str]]:
    r = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return [
        re.compile(rf"\b(?:the )?(?P<names>(?:{r})(?:(?:, | and | et | & )(?:{r}))*) (?:regions?|region s)\b"),
        re.compile(
            rf"\b(?:les |la |dans la |the )?regions? (?:de |du |d |of )(?:the )?"
            rf"(?P<names>(?:{r})(?:(?:, | and | et )(?:de |d |du )?(?:{r}))*)\b(?! region)"
        ),
        re.compile(r"\b(?:the )?(?:district (?:de |of )(?P<names>bamako)|(?P<names2>bamako) (?:capital )?district)\b"),
    ]


@lru_cache(maxsize=1)
def _region_keys() -> tuple[tuple[str, ...], re.Pattern[str]]:
    lex = lexicon()
    keys = tuple(sorted(set(lex.region_keys) | set(lex.later_region_keys)))
    return keys, re.compile("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)))


def _regions(ctx: _Ctx, idx: PlaceIndex) -> list[PlaceMention]:
    windows = _windows(ctx.f, _REGION_HINT)
    if not windows:
        return []
    lex = lexicon()
    keys, name_pat = _region_keys()
    out: list[PlaceMention] = []
    spans = _Mask(len(ctx.text))
    matches = [m for pat in _region_patterns(keys) for ws, we in windows for m in pat.finditer(ctx.f, ws, we)]
    for m in matches:
        g = "names" if m.group("names") else "names2"
        s, e = ctx.ft.to_orig(*m.span())
        if spans.hit(s, e):
            continue
        spans.add(s, e)
        base = m.start(g)
        for nm in name_pat.finditer(m.group(g)):
            fs, fe = base + nm.start(), base + nm.end()
            if (fs > 0 and ctx.f[fs - 1].isalnum()) or (fe < len(ctx.f) and ctx.f[fe].isalnum()):
                continue
            ns, ne = ctx.ft.to_orig(fs, fe)
            key = nm.group()
            role = ctx.role(m.start(), m.end())
            if key in lex.region_keys:
                canon = lex.region_keys[key]
                out.append(
                    PlaceMention(
                        ns, ne, ctx.text[ns:ne], "region", canon, REGION, (canon,), cue="role" if role else "region"
                    )
                )
            else:  # a post-2016 region named after its capital: the town, district precision
                canon = lex.later_region_keys[key]
                kind = "place" if key in idx.keys else "region"
                prec = DISTRICT if kind == "place" else REGION
                name = ctx.text[ns:ne] if kind == "place" else canon
                out.append(
                    PlaceMention(ns, ne, ctx.text[ns:ne], kind, name, prec, (canon,), cue="role" if role else "region")
                )
        # block the whole phrase for later steps
        ctx.blocked.add(s, e)
    return out


def _areas(ctx: _Ctx, found: list[PlaceMention]) -> list[PlaceMention]:
    out: list[PlaceMention] = []
    spans = _Mask(len(ctx.text), [(m.start, m.end) for m in found])
    for m in (m for ws, we in _windows(ctx.f, _AREA_HINT, 40, 40) for m in _AREA_PATTERN.finditer(ctx.f, ws, we)):
        s, e = ctx.ft.to_orig(*m.span())
        if spans.hit(s, e):
            continue
        word = next(g for g in m.groups() if g).replace(" regions", "").replace(" region", "")
        area = _AREA_WORDS.get(word)
        if area is None:
            continue
        spans.add(s, e)
        label = f"{area} Mali"
        out.append(PlaceMention(s, e, ctx.text[s:e], "area", label, REGION, AREAS[area], cue="area"))
    return out


def _gazetteer_matches(ctx: _Ctx, idx: PlaceIndex) -> list[PlaceMention]:
    out: list[PlaceMention] = []
    text = ctx.text
    for fs, fe, key in idx.scan(ctx.f):
        s, e = ctx.ft.to_orig(fs, fe)
        if not text[s : s + 1].isupper():
            continue
        if ctx.blocked.hit(s, e):
            continue
        if s >= 2 and text[s - 1] in "-–—" and text[s - 2].isalpha():
            continue  # second half of "Dakar–Bamako", "Gao-Ansongo": the first names the place
        prev, prev_start = _prev_token_orig(text, s)
        pf = _fold(prev)
        if pf in TITLES:
            continue
        if pf == "the" and _next_word(ctx.f, fe) not in _THE_FOLLOWERS and text[e : e + 1] not in "-–—":
            continue  # "the Tombouctou" (a boat), "the Kidal accord"
        nxt = _next_token_orig(text, e)
        initial = ctx.sentence_initial(s)
        # inside a longer capitalised name (a person, an organisation)?
        if (
            prev
            and prev[:1].isupper()
            and pf not in LOCATIVE_BEFORE
            and pf not in idx.keys
            and not ctx.sentence_initial(prev_start)
            and pf not in _AREA_WORDS
        ):
            continue
        if (
            prev
            and prev[:1].isupper()
            and ctx.sentence_initial(prev_start)
            and pf not in LOCATIVE_BEFORE
            and pf not in _NOT_NAMES
            and pf not in idx.keys
        ):
            continue  # "Souleymane Dembele said" at the start of a sentence
        nf = _fold(nxt)
        if nxt and nxt[:1].isupper() and nf not in GEO_FOLLOWERS and nf not in idx.keys and nf not in _NOT_NAMES:
            continue
        mali = key in idx.mali_keys
        needs_cue = key in AMBIGUOUS_KEYS or (not mali and len(key) <= 5) or (initial and not mali)
        if needs_cue and not ctx.locative(fs, fe, s) and not _in_enumeration(text, s, e):
            continue
        cue = "role" if ctx.role(fs, fe) else ""
        prec = TOWN
        nw = _next_word(ctx.f, fe)
        if nw in ("area", "cercle", "district", "circle", "outskirts") and not cue:
            prec, cue = DISTRICT, ("near" if nw == "area" else "cercle")
        out.append(PlaceMention(s, e, text[s:e], "place", text[s:e], prec, cue=cue))
    return _apply_prefix_cues(ctx, out)


def _in_enumeration(text: str, s: int, e: int) -> bool:
    """Whether the name sits in "A, B and C" style list of capitalised names."""
    before = text[max(0, s - 3) : s]
    after = text[e : e + 6]
    return before.endswith(", ") or after.startswith(",") or after.startswith(" and ") or after.startswith(" et ")


def _apply_prefix_cues(ctx: _Ctx, found: list[PlaceMention]) -> list[PlaceMention]:
    """Turn "near X" / "cercle de X" into district precision for known places."""
    out = []
    for m in found:
        fs, _ = ctx.ft.to_folded(m.start, m.end)
        for pat, prec, cue in _CUES[:3]:
            if pat.search(ctx.f, max(0, fs - 40), fs):
                if prec < m.precision or m.precision == TOWN:
                    m = replace(m, precision=max(m.precision, prec), cue=m.cue or cue)
                break
        out.append(m)
    return out


def _cue_unknowns(ctx: _Ctx, idx: PlaceIndex, found: list[PlaceMention]) -> list[PlaceMention]:
    """Capitalised names after a cue ("village of X", "à X") that the gazetteer lacks."""
    out: list[PlaceMention] = []
    text = ctx.text
    spans = _Mask(len(text), [(m.start, m.end) for m in found])
    for m in _NAME.finditer(text):
        s = m.start()
        if spans.hit(s, m.end()) or ctx.blocked.hit(s, m.end()):
            continue
        name = _trim_name(m.group())
        if not name:
            continue
        e = s + len(name)
        fs, fe = ctx.ft.to_folded(s, e)
        cue_hit = None
        for pat, prec, cue in _CUES:
            if pat.search(ctx.f, max(0, fs - 40), fs):
                cue_hit = (prec, cue)
                break
        suffix = _CUE_SUFFIX.match(ctx.f[fe : fe + 40])
        if cue_hit is None and suffix is None:
            continue
        if (
            cue_hit
            and cue_hit[1] == "in"
            and text[max(0, s - 2) : s] not in ("à ", "À ")
            and text[max(0, s - 3) : s].lower() != "au "
        ):
            cue_hit = None  # English "in X" / "at X" is too loose for a name no gazetteer has
            if suffix is None:
                continue
        if not _valid_unknown(name) or idx.is_known(name):
            continue
        if ctx.sentence_initial(s) and cue_hit is None and (suffix is None or suffix.group(1) is not None):
            continue
        if suffix is not None and cue_hit is None:
            word = suffix.group(1)
            if word is None:
                prec, cue = TOWN, "town of"
            else:
                prec, cue = (
                    (REGION, "region") if word == "region" else (DISTRICT, "cercle" if word != "area" else "near")
                )
        else:
            prec, cue = cue_hit  # type: ignore[misc]
            prec = max(prec, TOWN)
        role = "role" if ctx.role(fs, fe) else cue
        out.append(PlaceMention(s, e, name, "unknown", name, prec, cue=role))
        spans.add(s, e)
    return out


def _trim_name(name: str) -> str:
    """Drop trailing words that are not part of a place name ("Binoli On" -> "Binoli")."""
    words = name.split(" ")
    while words and (_fold(words[-1]) in _NOT_NAMES or _fold(words[-1]) in STOP_KEYS):
        words.pop()
    name = " ".join(words).rstrip("’'-")
    if name.endswith(("’s", "'s")):
        name = name[:-2]
    return name


def _lists(ctx: _Ctx, idx: PlaceIndex, found: list[PlaceMention]) -> list[PlaceMention]:
    """Enumerations holding a known place: every member becomes a place (unknown if need be)."""
    by_span = {(m.start, m.end): m for m in found if m.kind in ("place", "unknown")}
    if not by_span:
        return found
    extra: list[PlaceMention] = []
    spans = _Mask(len(ctx.text), [(m.start, m.end) for m in found])
    for lm in _LIST.finditer(ctx.text):
        items = []
        pos = lm.start()
        for raw in re.split(r", ?(?:and |et |or |ou )?| (?:and|et|or|ou) ", lm.group()):
            i = ctx.text.find(raw, pos)
            items.append((i, i + len(raw), raw))
            pos = i + len(raw)
        known = [it for it in items if (it[0], it[1]) in by_span]
        if not known:
            continue
        # the list must be about places: two known members, or a cue before it
        fs, _ = ctx.ft.to_folded(lm.start(), lm.end())
        before = ctx.f[max(0, fs - 40) : fs]
        cue = re.search(
            r"(?:including|such as|like|notamment|dont|comme|towns?|villages?|localities|localites|"
            r"communes?|in|at|of|de|des|a|au|aux|between|entre|among|parmi)\s*$",
            before,
        )
        if len(known) < 2 and not cue:
            continue
        for s, e, raw in items:
            if (s, e) in by_span:
                by_span[(s, e)] = replace(by_span[(s, e)], in_list=True)
                continue
            if ctx.sentence_initial(s):
                continue
            name = _trim_name(raw)
            if not name or spans.hit(s, s + len(name)) or ctx.blocked.hit(s, s + len(name)):
                continue
            if not _valid_unknown(name) or idx.is_known(name):
                continue
            extra.append(PlaceMention(s, s + len(name), name, "unknown", name, TOWN, cue="list", in_list=True))
            spans.add(s, s + len(name))
    result = [by_span.get((m.start, m.end), m) if m.kind in ("place", "unknown") else m for m in found]
    return result + extra


def _country(ctx: _Ctx, found: list[PlaceMention]) -> list[PlaceMention]:
    out = []
    spans = _Mask(len(ctx.text), [(m.start, m.end) for m in found])
    for m in re.finditer(r"\bmali\b(?! s (?:north|south|east|west|centre|center))", ctx.f):
        s, e = ctx.ft.to_orig(*m.span())
        if not ctx.text[s : s + 1].isupper() or spans.hit(s, e):
            continue
        out.append(PlaceMention(s, e, ctx.text[s:e], "country", "Mali", COUNTRY, cue="country"))
    return out
