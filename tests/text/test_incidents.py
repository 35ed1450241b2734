"""Grouping mentions into incidents (no geocoding): frames, inheritance, merging, evidence."""

from __future__ import annotations

from datetime import date

PUB = date(2025, 7, 1)


def incs(analyse, text, pub=PUB, language="en"):
    return analyse(text, published=pub, language=language).incidents


def test_list_gives_one_incident_per_place_sharing_date_actor_and_type(analyse):
    text = (
        "JNIM fighters attacked military posts on Tuesday. Incidents occurred in seven towns, "
        "including Binoli, Kayes and Sandere."
    )
    got = incs(analyse, text)
    assert [i.place for i in got] == ["Binoli", "Kayes", "Sandere"]
    assert {(i.date, i.event_type, tuple(i.actors)) for i in got} == {
        (date(2025, 7, 1), "attack on military position", ("JNIM",))
    }


def test_sentence_without_a_trigger_only_adds_evidence(analyse):
    text = "Gunmen attacked Kayes on Tuesday. Kayes is the capital of the western region. Nioro is quiet."
    (inc,) = incs(analyse, text)
    assert inc.place == "Kayes" and len(inc.evidence) == 2


def test_same_place_and_date_merge_different_dates_do_not(analyse):
    text = (
        "Militants attacked Kidal on Tuesday. The attack on Kidal killed four soldiers. "
        "Drone strikes had hit Kidal on Saturday."
    )
    got = incs(analyse, text)
    assert [(i.place, i.date) for i in got] == [("Kidal", date(2025, 7, 1)), ("Kidal", date(2025, 6, 28))]
    assert [f.count for f in got[0].fatalities] == [4]


def test_new_date_opens_a_new_event_and_relative_dates_follow_it(analyse):
    text = (
        "JNIM claimed a June 2 assault on an army camp in Timbuktu, and a raid a day earlier that "
        "claimed the lives of 30 soldiers in central Mali."
    )
    got = incs(analyse, text)
    assert [(i.place, i.date) for i in got] == [("Timbuktu", date(2025, 6, 2)), ("central Mali", date(2025, 6, 1))]
    assert got[0].group != got[1].group
    assert [f.count for f in got[1].fatalities] == [30] and got[0].fatalities == []


def test_date_stated_after_the_place_in_a_later_sentence(analyse):
    text = (
        "Jihadists besieged the village of Farabougou, officials said on Thursday. Two villagers were killed on Monday."
    )
    (inc,) = incs(analyse, text, pub=date(2020, 10, 15))
    assert inc.date == date(2020, 10, 12)  # "said on Thursday" is when it was reported
    assert [f.count for f in inc.fatalities] == [2]


def test_reporting_date_is_used_when_nothing_better(analyse):
    (inc,) = incs(analyse, "Gunmen killed five herders near Tessit, officials said on Sunday.")
    assert inc.date == date(2025, 6, 29)


def test_undated_incident_gets_publication_week(analyse):
    (inc,) = incs(analyse, "Gunmen killed five herders near Tessit.")
    assert (inc.date, inc.date_precision) == (PUB, "week")
    (inc,) = incs(analyse, "Gunmen killed five herders near Tessit.", pub=None)
    assert inc.date is None


def test_border_phrase_after_places_qualifies_them(analyse):
    got = incs(analyse, "JNIM attacked Kayes and Sandere, near the Senegalese border, on Tuesday.")
    assert [i.place for i in got] == ["Kayes", "Sandere"]
    assert {i.border_zone for i in got} == {"Mali–Senegal border"}


def test_border_phrase_after_a_vague_area_replaces_it(analyse):
    (inc,) = incs(analyse, "There were attacks in northern regions close to Mali's Mauritanian boundary on Tuesday.")
    assert (inc.place, inc.place_kind, inc.geo_precision) == ("Mali–Mauritania border", "border", 4)


def test_standalone_border_incident(analyse):
    (inc,) = incs(analyse, "Six soldiers were killed in an ambush near the Burkinabe border on Sunday.")
    assert inc.place == "Mali–Burkina Faso border" and inc.date == date(2025, 6, 29)


def test_locator_makes_an_anchor_not_an_incident(analyse):
    (inc,) = incs(analyse, "Gunmen killed 20 civilians in the village of Tinabaw near Ménaka on Sunday.")
    assert (inc.place, inc.anchor) == ("Tinabaw", "Ménaka")
    got = incs(
        analyse,
        "Des hommes armés ont attaqué le village d'Ogossagou, dans le cercle de Bankass, région de Mopti, lundi.",
        language="fr",
    )
    assert [(i.place, i.anchor, i.regions_hint) for i in got] == [("Ogossagou", "Bankass", ("Mopti",))]


def test_between_two_towns_is_one_incident(analyse):
    (inc,) = incs(analyse, "A bus hit a mine on the road between Koutiala and San on Monday, killing eight.")
    assert (inc.place, inc.geo_precision) == ("Koutiala", 2)
    (inc,) = incs(analyse, "Une embuscade entre Boni et Hombori a fait quatre morts lundi.", language="fr")
    assert inc.place == "Boni"


def test_two_events_in_one_sentence(analyse):
    got = incs(analyse, "Gunmen killed 12 villagers in Diafarabé on Monday and burned houses in Dioura on Tuesday.")
    assert [(i.place, i.date, i.event_type) for i in got] == [
        ("Diafarabé", date(2025, 6, 30), "violence against civilians"),
        ("Dioura", date(2025, 7, 1), "looting/destruction"),
    ]


def test_paragraph_returns_to_the_main_event(analyse):
    text = (
        "Gunmen attacked Nioro on Sunday.\n\nOn Monday, militants ambushed a convoy near Diéma.\n\n"
        "The attack on Nioro killed three soldiers, the army said."
    )
    got = incs(analyse, text)
    nioro = [i for i in got if i.place == "Nioro"]
    assert len(nioro) == 1 and nioro[0].date == date(2025, 6, 29)
    assert [f.count for f in nioro[0].fatalities] == [3]


def test_frame_figures_shared_between_several_incidents(analyse):
    text = "The army said it neutralised over 80 militants on Tuesday. Attacks hit Kayes and Nioro."
    got = incs(analyse, text)
    assert [i.place for i in got] == ["Kayes", "Nioro"]
    assert all(f.shared and f.is_claim and f.count == 80 for i in got for f in i.fatalities)


def test_country_level_only_when_nothing_finer(analyse):
    (inc,) = incs(analyse, "Jihadists attacked several army posts in Mali on Tuesday.")
    assert (inc.place, inc.geo_precision) == ("Mali", 5)
    got = incs(analyse, "Jihadists attacked army posts in Mali on Tuesday, including in Kayes.")
    assert [i.place for i in got] == ["Kayes"]


def test_no_trigger_no_incident(analyse):
    assert incs(analyse, "The foreign minister visited Gao and Kidal on Tuesday to meet elders.") == []


def test_evidence_offsets(analyse):
    an = analyse("Intro line here.\n\nGunmen attacked Kayes on Tuesday, killing two.", published=PUB)
    (inc,) = an.incidents
    text = an.article.text
    assert [text[e.start : e.end] for e in inc.evidence] == ["Gunmen attacked Kayes on Tuesday, killing two."]
    assert all(text[e.start : e.end] == e.text for e in inc.evidence)
