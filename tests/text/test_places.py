"""Place mentions: gazetteer matching, cues, regions, areas, border zones and non-locations."""

from __future__ import annotations

import pytest

from geo.gazetteer import Gazetteer, Place
from geo.text.places import PlaceIndex, place_index


def mentions(analyse, text: str, language: str = "en"):
    return [(p.kind, p.name, p.precision, p.cue) for p in analyse(text, language=language).places]


def names(analyse, text: str, language: str = "en", kinds=("place", "unknown")):
    return [p.name for p in analyse(text, language=language).places if p.kind in kinds and p.cue != "role"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Gunmen attacked Sandaré on Monday.", ["Sandaré"]),
        ("Gunmen attacked SANDERE on Monday.", ["SANDERE"]),
        ("Militants struck Tombouctou and Timbuktu airport.", ["Tombouctou", "Timbuktu"]),
        ("Une attaque à Ségou et à Segou.", ["Ségou", "Segou"]),
        ("The road to Ti-n-Essako was cut.", ["Ti-n-Essako"]),
        ("Fighting in Gourma-Rharous and Gourma Rharous.", ["Gourma-Rharous", "Gourma Rharous"]),
    ],
)
def test_gazetteer_names_are_folded(analyse, text, expected):
    assert names(analyse, text) == expected


def test_lowercase_words_and_common_words_do_not_match(analyse):
    assert names(analyse, "They say the kati and san and gao words are lowercase here.") == []
    assert names(analyse, "Say what you will. Man, the Grand Mosque is busy.") == []


def test_ambiguous_short_names_need_a_locative_cue(analyse):
    assert names(analyse, "San said nothing about it.") == []
    assert names(analyse, "Gunmen attacked a market in San on Friday.") == ["San"]
    assert names(analyse, "Dire straits for the economy.") == []
    assert names(analyse, "Des tirs à Diré mardi.", "fr") == ["Diré"]


def test_people_and_organisations_are_not_places(analyse):
    text = (
        "Army spokesperson Colonel Souleymane Dembele said. A recent alert from the United States Africa "
        "Command warned of routes to West Africa's coast. Moussa Kati spoke."
    )
    assert names(analyse, text) == []


def test_actor_names_hide_place_names(analyse):
    assert names(analyse, "The Katiba Macina and the Macina Liberation Front claimed it.") == []


def test_regions(analyse):
    got = mentions(analyse, "Attacks in the Kayes region, la région de Ségou and the Mopti and Gao regions.", "en")
    assert [(k, n, p) for k, n, p, _ in got] == [
        ("region", "Kayes", 3),
        ("region", "Ségou", 3),
        ("region", "Mopti", 3),
        ("region", "Gao", 3),
    ]
    assert [m[1] for m in mentions(analyse, "in the Timbuktu region")] == ["Tombouctou"]


def test_post_2016_region_is_its_capital_at_district_precision(analyse):
    (m,) = analyse("Fighting in the Bandiagara region.").places
    assert (m.kind, m.name, m.precision, m.regions) == ("place", "Bandiagara", 2, ("Mopti",))


@pytest.mark.parametrize(
    "text,area,regions",
    [
        ("a raid in central Mali", "central Mali", ("Mopti", "Ségou")),
        ("attacks in northern Mali", "northern Mali", ("Tombouctou", "Gao", "Kidal")),
        ("in the north of the country", "northern Mali", ("Tombouctou", "Gao", "Kidal")),
        ("dans le centre du Mali", "central Mali", ("Mopti", "Ségou")),
        ("les régions du nord", "northern Mali", ("Tombouctou", "Gao", "Kidal")),
        ("in Mali's south", "southern Mali", ("Sikasso", "Koulikoro")),
    ],
)
def test_vague_areas(analyse, text, area, regions):
    (m,) = [p for p in analyse(text).places if p.kind == "area"]
    assert (m.name, m.precision, m.regions) == (area, 3, regions)


def test_the_sahel_region_is_not_a_location(analyse):
    assert [
        p for p in analyse("Insecurity is growing throughout the Sahel region.").places if p.kind != "country"
    ] == []


@pytest.mark.parametrize(
    "text,zone",
    [
        ("near the Senegalese border", "Mali–Senegal border"),
        ("close to Mali's Mauritanian boundary", "Mali–Mauritania border"),
        ("along the border with Niger", "Mali–Niger border"),
        ("près de la frontière burkinabè", "Mali–Burkina Faso border"),
        ("à la frontière avec l'Algérie", "Mali–Algeria border"),
        ("in the tri-border area", "Liptako-Gourma tri-border area"),
        ("dans la zone des trois frontières", "Liptako-Gourma tri-border area"),
        ("in Liptako-Gourma", "Liptako-Gourma tri-border area"),
    ],
)
def test_border_zones(analyse, text, zone):
    (m,) = [p for p in analyse(text).places if p.kind == "border"]
    assert (m.name, m.precision) == (zone, 4)


def test_context_cues_find_places_the_gazetteer_lacks(analyse):
    assert names(analyse, "Gunmen attacked the village of Tinabaw on Sunday.") == ["Tinabaw"]
    assert names(analyse, "Des hommes armés ont attaqué la localité de Boulkessi.", "fr") == ["Boulkessi"]
    assert names(analyse, "Une attaque à Kerena mardi.", "fr") == ["Kerena"]
    assert names(analyse, "The attack near Dogofry was repelled.") == ["Dogofry"]
    assert names(analyse, "Soldiers in the cercle de Bankoro were hit.") == ["Bankoro"]
    assert names(analyse, "Raids in Tinagrou, a remote village, on Sunday.") == ["Tinagrou"]
    # English "in X" alone is too loose for a name no gazetteer has
    assert names(analyse, "Talks in Washington ended.") == []


def test_list_members_next_to_known_places_are_places(analyse):
    an = analyse("Incidents occurred throughout seven towns, including Binoli, Kayes, and Sandere.")
    got = [(p.kind, p.name, p.in_list) for p in an.places]
    assert got == [("unknown", "Binoli", True), ("place", "Kayes", True), ("place", "Sandere", True)]


def test_near_and_cercle_make_district_precision(analyse):
    got = {p.name: (p.precision, p.cue) for p in analyse("Fighting near Boni and in the cercle de Niono.").places}
    assert got["Boni"] == (2, "near") and got["Niono"] == (2, "cercle")


def test_roles_destinations_routes_and_named_things_are_not_event_locations(analyse):
    an = analyse(
        "The governor of Mopti said residents fled to Gao. The boat, the Tombouctou, sailed from "
        "Gao to Mopti. A Bamako-based analyst spoke."
    )
    events = [(p.name, p.cue) for p in an.places if p.kind == "place"]
    assert all(cue == "role" for _, cue in events), events
    assert "Tombouctou" not in [n for n, _ in events]


def test_anaphora_refers_to_the_last_place(analyse):
    an = analyse("The army took control of Kidal on Tuesday. Drones had hit the town on Saturday.")
    refs = [(p.name, p.cue, p.text) for p in an.places if p.kind == "place"]
    assert refs == [("Kidal", "", "Kidal"), ("Kidal", "anaphor", "the town")]


def test_corridor_names_the_first_town(analyse):
    assert names(analyse, "Trucks burned on the Dakar–Bamako road and the Gogui–Nioro axis.") == ["Gogui"]


def test_custom_gazetteer_index():
    p = Place(1, "Zinzana", "Zinzana", 13.25, -6.0, "P", "PPL", "ML", "05", 0, ("Zinzanna",))
    q = Place(2, "Bêtise", "Betise", 1.0, 1.0, "P", "PPL", "CI", "01", 0, ("Ba", "مكان"))
    idx = PlaceIndex(Gazetteer([p, q]))
    assert set(idx.keys) == {"zinzana", "zinzanna", "betise"}  # too short / non-Latin names are left out
    assert idx.scan("attack at zinzanna today") == [(10, 18, "zinzanna")]
    assert idx.scan("zinzanas") == []  # whole words only
    assert place_index() is place_index()  # cached


def test_an_adjective_between_village_and_its_name_keeps_the_name() -> None:
    """"le village peul d'Ogossagou": the village is reported as written, placed at its cercle."""
    from geo.extract import extract_text

    result = extract_text(
        "Des hommes armés ont attaqué vendredi le village dogon d'Ogossagou, dans le cercle de Bankass, "
        "tuant 31 civils.", published="2020-02-14", language="fr")
    places = {i.place: i for i in result.incidents}
    assert "Ogossagou" in places
    assert places["Ogossagou"].geo_precision == 2 and places["Ogossagou"].admin1 == "Mopti"
