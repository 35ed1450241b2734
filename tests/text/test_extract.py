"""The pipeline with geocoding and the spatial join: where each kind of location lands."""

from __future__ import annotations

import shapely

from geo import boundaries
from geo.extract import Extractor, extract_source
from geo.geocode import Geocoder


def _inside(lat, lon, geom) -> bool:
    return geom.buffer(1e-9).contains(shapely.Point(lon, lat))


def test_town_is_geocoded_and_joined(extract):
    (inc,) = extract(
        "Gunmen attacked an army post in Diéma on Wednesday, killing two gendarmes.", published="2025-02-14"
    )
    assert inc["geocode_status"] == "resolved" and inc["geo_precision"] == 1
    assert abs(inc["lat"] - 14.54) < 0.01 and abs(inc["lon"] + 9.19) < 0.01
    assert inc["admin1"] == "Kayes" and inc["country"] == "Mali"
    assert inc["distance_to_border_km"] > 0 and inc["nearest_country"]
    assert inc["date"] == "2025-02-12"


def test_region_incident_sits_inside_its_region(extract):
    (inc,) = extract(
        "Two soldiers were killed when their patrol hit a mine in the Sikasso region on Tuesday.",
        published="2024-02-08",
    )
    assert (inc["place_kind"], inc["geo_precision"], inc["admin1"]) == ("region", 3, "Sikasso")
    a1 = boundaries.admin1()
    assert _inside(inc["lat"], inc["lon"], a1.loc[a1["name"] == "Sikasso"].geometry.iloc[0])


def test_vague_area_is_region_precision_inside_the_regions_it_covers(extract):
    (inc,) = extract("At least 20 civilians were killed in attacks in central Mali on Monday.", published="2025-04-16")
    assert (inc["place"], inc["geo_precision"]) == ("central Mali", 3)
    assert inc["admin1"] in ("Mopti", "Ségou")


def test_border_zone_incident_sits_inside_the_zone(extract):
    (inc,) = extract(
        "Suspected jihadists killed six soldiers in an ambush near the Burkinabe border on Sunday.",
        published="2024-10-22",
    )
    assert (inc["geo_precision"], inc["border_zone"]) == (4, "Mali–Burkina Faso border")
    zones = boundaries.border_zones()
    assert _inside(inc["lat"], inc["lon"], zones.loc[zones["name"] == inc["border_zone"]].geometry.iloc[0])


def test_unknown_place_is_kept_unresolved(extract):
    (inc,) = extract("Armed men looted shops in Tinagrou, a remote village, on Sunday.", published="2025-05-20")
    assert inc["place"] == "Tinagrou" and inc["geocode_status"] == "unresolved"
    assert inc["lat"] is None and inc["lon"] is None and inc["date"] == "2025-05-18"


def test_unknown_place_in_a_named_region_keeps_the_region(extract):
    (inc,) = extract(
        "Gunmen attacked the village of Tinabaw, in the Gao region, on Sunday, killing 20 civilians.",
        published="2024-11-20",
    )
    assert inc["geocode_status"] == "unresolved" and inc["lat"] is None
    assert inc["admin1"] == "Gao"


def test_unknown_place_near_a_known_one_takes_its_point_at_district_precision(extract):
    (inc,) = extract(
        "Gunmen killed 20 civilians in the village of Tinabaw near Ménaka on Sunday.", published="2024-11-20"
    )
    assert (inc["place"], inc["geocode_status"], inc["geo_precision"]) == ("Tinabaw", "resolved", 2)
    assert inc["geocoded_as"] == "Ménaka" and inc["admin1"] == "Gao"


def test_region_is_dropped_when_a_town_of_the_same_event_lies_in_it(extract):
    got = extract(
        "Des jihadistes ont attaqué mardi des positions de l'armée dans la région de Kayes, "
        "notamment à Sandaré et à Nioro du Sahel.",
        published="2025-07-03",
        language="fr",
    )
    assert [i["place"] for i in got] == ["Sandaré", "Nioro du Sahel"]


def test_stoplisted_but_real_town_is_geocoded(extract):
    (inc,) = extract("Jihadist fighters attacked the Kati military base on Friday.", published="2022-07-23")
    assert inc["place"] == "Kati" and inc["admin1"] == "Koulikoro"


def test_extract_many_joins_once_and_matches_single_calls(extractor):
    from geo.text.loading import make_article

    texts = ["Gunmen attacked Kayes on Tuesday.", "Drones struck Kidal on Monday.", "Militants raided Gao."]
    arts = [make_article(t, published="2025-07-01", language="en") for t in texts]
    many = [[i.to_dict() for i in r.incidents] for r in extractor.extract_many(arts)]
    single = [[i.to_dict() for i in extractor.extract_article(a).incidents] for a in arts]
    assert many == single and [len(m) for m in many] == [1, 1, 1]


def test_without_join(tmp_path):
    ex = Extractor(geocoder=Geocoder(online=False, cache=False), join=False)
    p = tmp_path / "a.json"
    p.write_text('{"text": "Gunmen attacked Kayes on Tuesday.", "published": "2025-07-01"}', encoding="utf-8")
    (res,) = extract_source(p, extractor=ex)
    (inc,) = res.incidents
    assert inc.lat is not None and inc.admin1 is None
    assert res.to_dict()["article"]["published"] == "2025-07-01"
