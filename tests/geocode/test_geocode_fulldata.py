"""The geocoder on the full GeoNames gazetteer (Mali's dump from ../shared/geodata, built
with geo.fulldata as ``python -m geo data fetch`` would): real duplicates, feature codes."""

from __future__ import annotations

import pytest

from geo import fulldata
from geo.gazetteer import Gazetteer
from geo.geocode import GeocodeContext, Geocoder


@pytest.fixture(scope="module")
def full(shared_geodata, tmp_path_factory) -> Geocoder:
    out = tmp_path_factory.mktemp("full") / "gazetteer.csv"
    fulldata.build_gazetteer({"ML": shared_geodata / "geonames" / "ML.zip"}, out)
    return Geocoder(Gazetteer.from_csv(out), cache=False, online=False)


def test_client_example_on_full_data(full):
    ctx = GeocodeContext(places=("Binoli", "Kayes", "Sandere", "Timbuktu"), border_zones=("Senegalese border",))
    assert full.geocode("Kayes", ctx).geonameid == 2455518
    sandere = full.geocode("Sandere", ctx)
    assert sandere.geonameid == 2451711 and sandere.admin1 == "Kayes"
    assert full.geocode("Timbuktu", ctx).geonameid == 2449067
    assert full.geocode("Binoli", ctx).fallback


def test_two_katis_in_mali(full):
    # the garrison town (PPLA2, Koulikoro) and a village in Tombouctou region
    assert full.geocode("Kati", strict=False).geonameid == 2455558       # feature code and population
    assert full.geocode("Kati", GeocodeContext(places=("Bamako",))).geonameid == 2455558
    north = full.geocode("Kati", GeocodeContext(regions=("Tombouctou",)))
    assert north.geonameid == 2455557 and north.admin1 == "Tombouctou"
    # Kaïa, 30 km away, is also called Kati: a reviewer should look
    assert north.ambiguous and any(c.name == "Kaïa" for c in north.candidates)


def test_boni_across_regions(full):
    assert full.geocode("Boni", GeocodeContext(places=("Douentza", "Hombori"))).admin1 == "Mopti"
