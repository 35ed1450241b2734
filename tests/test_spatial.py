"""The spatial join: admin-1, countries, border zones and distances, with bad input."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo import boundaries, spatial
from geo.errors import InvalidInputError

TOWNS = {  # (lat, lon) of the town -> expected admin-1
    "Kayes": ((14.4478, -11.4439), "Kayes"),
    "Timbuktu": ((16.7735, -3.0074), "Tombouctou"),
    "Gao": ((16.2717, -0.0447), "Gao"),
    "Kidal": ((18.4411, 1.4078), "Kidal"),
    "Mopti": ((14.4843, -4.1827), "Mopti"),
    "Bamako": ((12.6392, -8.0029), "Bamako"),
    "Sikasso": ((11.3176, -5.6665), "Sikasso"),
    "Ségou": ((13.4317, -6.2157), "Ségou"),
    "Koulikoro": ((12.8627, -7.5599), "Koulikoro"),
}


@pytest.mark.parametrize("town", sorted(TOWNS))
def test_town_coordinates_fall_in_their_region(town: str) -> None:
    (lat, lon), region = TOWNS[town]
    got = spatial.locate(lat, lon)
    assert got["country"] == "Mali"
    assert got["admin1"] == region


def test_point_in_senegal_gets_country_and_no_admin1() -> None:
    got = spatial.locate(14.6937, -17.4441)  # Dakar
    assert got["country"] == "Senegal"
    assert got["admin1"] is None
    assert got["border_zone"] is None


def test_point_outside_all_mapped_countries() -> None:
    got = spatial.locate(48.85, 2.35)  # Paris
    assert got["country"] is None and got["admin1"] is None
    assert 2500 < got["distance_to_border_km"] < 3000  # Paris to the Algeria–Mali border


def _independent_border_distance_km(lat: float, lon: float) -> tuple[float, str]:
    """Distance to Mali's border computed another way: densify each shared border to 50 m
    in a local UTM zone, take the nearest vertex, and measure geodesically."""
    geod = Geod(ellps="WGS84")
    zone = int((lon + 180) // 6) + 1
    utm = f"EPSG:{32600 + zone}"
    lines = boundaries.border_lines().to_crs(utm)
    pt = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(utm).iloc[0]
    best = (math.inf, "")
    for geom, name in zip(lines.geometry, lines["neighbour"]):
        near = shapely.ops.nearest_points(geom, pt)[0]
        nlon, nlat = gpd.GeoSeries([near], crs=utm).to_crs(4326).iloc[0].coords[0]
        d = geod.inv(lon, lat, nlon, nlat)[2] / 1000
        best = min(best, (d, name))
    return best


@pytest.mark.parametrize(
    "lat,lon",
    [(14.45511, -12.19945), (14.7038, -10.3057), (15.2293, -9.5928), (15.0, -1.0),
     (14.9563, 0.6960), (11.1, -5.5), (10.8, -8.2), (20.2, 1.0), (19.0, -5.0), (16.5, -3.5)],
)
def test_border_distance_agrees_with_independent_computation(lat: float, lon: float) -> None:
    got = spatial.locate(lat, lon)
    want_km, want_country = _independent_border_distance_km(lat, lon)
    assert abs(got["distance_to_border_km"] - want_km) < 1.0, (got, want_km)
    if want_km < 300:  # far away, two stretches of border can be nearly as close
        assert got["nearest_country"] == want_country


def test_border_zones_follow_the_configured_width() -> None:
    pts = spatial.points_frame([14.45511, 14.7038, 16.7735], [-12.19945, -10.3057, -3.0074])
    narrow = spatial.join(pts, border_km=10)
    wide = spatial.join(pts, border_km=100)
    # Diboli sits on the Senegal border; Sandaré is ~40 km from Mauritania; Timbuktu is far.
    assert narrow["border_zone"].tolist()[0] == "Mali–Senegal border"
    assert pd.isna(narrow["border_zone"].tolist()[1])
    assert wide["border_zone"].tolist()[1] == "Mali–Mauritania border"
    assert pd.isna(wide["border_zone"].tolist()[2])


def test_triborder_zone_spans_three_countries() -> None:
    tp = boundaries.tripoint()
    # 30 km north-west of the tripoint (Mali), and points in Burkina Faso and Niger nearby
    pts = spatial.points_frame([tp.y + 0.2, tp.y - 0.3, tp.y - 0.1], [tp.x - 0.2, tp.x - 0.1, tp.x + 0.4])
    out = spatial.join(pts)
    assert set(out["country"]) == {"Mali", "Burkina Faso", "Niger"}
    assert (out["border_zone"] == "Liptako-Gourma tri-border area").all()
    far = spatial.join(spatial.points_frame([tp.y + 1.5], [tp.x - 1.5]))
    assert far["border_zone"].iloc[0] != "Liptako-Gourma tri-border area"


def test_border_zone_polygons_match_the_join() -> None:
    """A point inside a zone polygon gets that zone from the join (away from zone edges)."""
    zones = boundaries.border_zones()
    national = zones[zones["kind"] == "border"]
    samples = national.geometry.representative_point()
    out = spatial.join(gpd.GeoDataFrame(geometry=samples.values, crs=4326))
    assert out["border_zone"].tolist() == national["name"].tolist()


def test_join_is_vectorised_and_keeps_rows_and_columns() -> None:
    rng = np.random.default_rng(1)
    pts = spatial.points_frame(rng.uniform(10, 25, 5000), rng.uniform(-12, 4, 5000), incident_id=np.arange(5000))
    out = spatial.join(pts)
    assert len(out) == 5000 and out["incident_id"].tolist() == list(range(5000))
    for col in spatial.JOIN_COLUMNS:
        assert col in out.columns
    in_mali = out["country"] == "Mali"
    assert out.loc[in_mali, "admin1"].notna().all()
    assert out.loc[~in_mali, "admin1"].isna().all()
    assert (out["distance_to_border_km"] >= 0).all()


def test_empty_frame_gives_empty_result() -> None:
    out = spatial.join(gpd.GeoDataFrame(geometry=[], crs=4326))
    assert out.empty and set(spatial.JOIN_COLUMNS) <= set(out.columns)


@pytest.mark.parametrize(
    "lats,lons",
    [([91.0], [0.0]), ([0.0], [-181.0]), ([float("nan")], [0.0]), (["abc"], [1.0]), ([1.0, 2.0], [1.0])],
)
def test_bad_coordinates_raise_a_clear_error(lats, lons) -> None:
    with pytest.raises(InvalidInputError):
        spatial.points_frame(lats, lons)


def test_non_point_geometry_and_wrong_crs_are_rejected() -> None:
    with pytest.raises(InvalidInputError, match="not valid lon/lat points"):
        spatial.join(gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=4326))
    with pytest.raises(InvalidInputError, match="EPSG:4326"):
        spatial.join(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=3857))
    with pytest.raises(InvalidInputError):
        spatial.join("not a frame")  # type: ignore[arg-type]


def test_country_hint_keeps_border_towns_in_their_country() -> None:
    # Gogui (GeoNames: Mali, Kayes) and Tinzaouaten (Mali, Kidal) sit on the 1:10m line.
    pts = spatial.points_frame([15.68592, 19.95427, 14.6937], [-9.32967, 2.96732, -17.4441])
    plain = spatial.join(pts)
    assert plain["country"].tolist()[:2] == ["Mauritania", "Algeria"]
    hinted = spatial.join(pts, country_hint=["ML", "MLI", "ML"])
    assert hinted["country"].tolist() == ["Mali", "Mali", "Senegal"]  # Dakar is far: hint ignored
    assert hinted["admin1"].tolist()[:2] == ["Kayes", "Kidal"]
    with pytest.raises(InvalidInputError, match="country_hint"):
        spatial.join(pts, country_hint=["ML"])
