"""Actor aliases, event types and casualty figures."""

from __future__ import annotations

import pytest

from geo.text import actors, events
from geo.text.fatalities import find_fatalities
from geo.text.folding import FoldedText


def actor_names(text: str) -> list[str]:
    return [a.actor for a in actors.find_actors(FoldedText(text))]


@pytest.mark.parametrize(
    "text,actor",
    [
        ("Jama'at Nusrat al-Islam wal Muslimin claimed it", "JNIM"),
        ("le Groupe de soutien à l'islam et aux musulmans (GSIM)", "JNIM"),
        ("fighters of the ISGS", "Islamic State Sahel"),
        ("l'État islamique au Grand Sahara (EIGS)", "Islamic State Sahel"),
        ("the Islamic State Sahel Province", "Islamic State Sahel"),
        ("les Forces armées maliennes (FAMa)", "Malian armed forces"),
        ("Wagner mercenaries", "Wagner Group/Africa Corps"),
        ("the Africa Corps", "Wagner Group/Africa Corps"),
        ("the Front de libération de l'Azawad (FLA)", "FLA/CSP/CMA separatists"),
        ("the CSP rebels", "FLA/CSP/CMA separatists"),
        ("Dan Na Ambassagou militiamen", "Dan Na Ambassagou"),
        ("la katiba Macina", "Katiba Macina"),
        ("UN peacekeepers of MINUSMA", "MINUSMA"),
        ("villagers", "Civilians"),
        ("unidentified gunmen", "Unidentified armed group"),
    ],
)
def test_aliases(text, actor):
    assert actor in actor_names(text)


def test_acronyms_need_capitals_and_foreign_armies_are_not_fama():
    assert "FLA/CSP/CMA separatists" not in actor_names("the cma value and fla")
    assert "Malian armed forces" not in actor_names("Burkinabe soldiers crossed")
    assert "Malian armed forces" in actor_names("Malian soldiers crossed")


def test_the_group_refers_to_the_last_named_group():
    got = actors.find_actors(FoldedText("JNIM fighters attacked. Later the group claimed another raid."))
    assert [a.actor for a in got if a.text == "the group"] == ["JNIM"]
    assert actor_names("The group attacked.") == []  # nothing named before


def test_final_actors_drops_the_generic_group_when_one_is_named():
    assert actors.final_actors(["Unidentified armed group", "Malian armed forces", "JNIM", "JNIM"]) == [
        "JNIM",
        "Malian armed forces",
    ]
    assert actors.final_actors(["Unidentified armed group"]) == ["Unidentified armed group"]


def classify(text: str) -> str | None:
    return events.classify({c for _, _, c in events.find_cues(FoldedText(text))})


@pytest.mark.parametrize(
    "text,etype",
    [
        ("a convoy struck an improvised explosive device", events.REMOTE_VIOLENCE),
        ("a drone strike hit a wedding", events.REMOTE_VIOLENCE),
        ("un engin explosif improvisé a sauté", events.REMOTE_VIOLENCE),
        ("gunmen abducted 12 passengers", events.ABDUCTION),
        ("des hommes armés ont enlevé trois élus", events.ABDUCTION),
        ("jihadists attacked a military camp", events.ATTACK_MILITARY),
        ("they seized control of three military barracks", events.ATTACK_MILITARY),
        ("une attaque contre un poste militaire", events.ATTACK_MILITARY),
        ("gunmen killed 20 civilians", events.VIOLENCE_CIVILIANS),
        ("des villageois ont été tués", events.VIOLENCE_CIVILIANS),
        ("armed men looted shops and burned granaries", events.LOOTING),
        ("clashes between the army and rebels", events.ARMED_CLASH),
        ("an ambush killed five soldiers", events.ARMED_CLASH),
        ("attacks were reported", None),
    ],
)
def test_event_types(text, etype):
    assert classify(text) == etype


def test_gold_mines_and_claimed_responsibility_are_not_triggers():
    assert classify("workers at artisanal gold mines went on strike") is None


def figures(text: str):
    ft = FoldedText(text)
    return [
        (f.count, f.qualifier, f.victims, f.who_reported, f.is_claim) for f in find_fatalities(ft, 0, len(ft.folded))
    ]


def test_army_claim():
    text = (
        "The Malian military reported on Tuesday morning that they successfully repelled these attacks, "
        'claiming to have "neutralised" over 80 militants.'
    )
    assert figures(text) == [(80, "over", "militants", "Malian armed forces", True)]


def test_claimed_the_lives_is_not_a_claim():
    assert figures("a raid that claimed the lives of 30 soldiers in central Mali") == [
        (30, None, "soldiers", None, False)
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "gunmen killed at least 12 civilians, local officials said",
            [(12, "at least", "civilians", "local officials", False)],
        ),
        ("Thirty-one people were killed", [(31, None, "people", None, False)]),
        (
            "une dizaine de civils ont été tués selon des sources locales",
            [(10, "about", "civilians", "sources locales", False)],
        ),
        (
            "l'attaque a fait cinq morts parmi les militaires, selon l'armée malienne",
            [(5, None, "soldiers", "Malian armed forces", True)],
        ),
        ("the death toll rose to 49", [(49, None, "people", None, False)]),
        ("the CSP said it had killed 81 soldiers", [(81, None, "soldiers", "FLA/CSP/CMA separatists", True)]),
        ("killing three soldiers and wounding 12 others", [(3, None, "soldiers", None, False)]),
        ("12 soldiers were wounded and 3 vehicles destroyed", []),
        ("gunmen abducted 15 passengers", []),
    ],
)
def test_figures(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text, reporter", [
    # the subject after the verb, in a clause that follows the figure
    ("Des hommes armés ont tué 132 civils à Diallassagou, région de Mopti, a annoncé le gouvernement.",
     "gouvernement"),
    ("Au moins 30 civils ont été tués à Douentza, ont affirmé des sources locales mardi.", "sources locales"),
    ("Des hommes armés ont tué 12 civils à Bandiagara, a indiqué l'armée dans un communiqué.",
     "Malian armed forces"),
    # the usual order: the auxiliary is no part of the subject
    ("Le gouvernement a annoncé 20 morts à Ménaka lundi.", "gouvernement"),
])
def test_french_reporter_before_or_after_the_verb(text, reporter):
    ft = FoldedText(text)
    assert [f.who_reported for f in find_fatalities(ft, 0, len(ft.folded))] == [reporter]
