"""Full data on demand, fetched from ../shared/geodata served on loopback (or as a folder)."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
from pathlib import Path

import pytest

from geo import boundaries, datasets, fulldata, gazetteer, spatial
from geo.config import get_settings
from geo.errors import DataFileError, DownloadError


def _installed_manifest() -> dict:
    return json.loads((get_settings().data_dir / "manifest.json").read_text(encoding="utf-8"))


def test_fetch_over_http_installs_full_gazetteer_and_admin2(shared_geodata: Path, serve_dir) -> None:
    srv = serve_dir(shared_geodata)
    summary = fulldata.fetch(mirror=srv.url, progress=False)
    assert summary["full_data"] is True and datasets.has_full_data()
    assert summary["admin_levels"] == [1, 2]
    # The GeoNames ML dump has 15,448 populated places; neighbours add theirs.
    per_country = _installed_manifest()["gazetteer"]["per_country"]
    assert per_country["ML"] >= 15000
    assert "geonames/DZ.zip" in summary["missing"]  # not in the mirror: embedded rows kept
    assert per_country["DZ"] > 0
    gaz = gazetteer.load()
    assert gaz.path == get_settings().data_dir / "gazetteer.csv"
    assert len(gaz) > 20000
    # our supplement's spellings survive the rebuild from the dump (GeoNames has Sandaré)
    assert any(p.name == "Sandaré" for p in gaz.lookup("Sandere"))
    # a village the embedded gazetteer lacks
    assert not gazetteer.Gazetteer.from_csv(datasets.embedded_path(datasets.GAZETTEER_FILE)).lookup("Kolongo")
    assert {p.admin1_code for p in gaz.lookup("Kolongo") if p.country_code == "ML"} == {"04", "05"}
    # admin-2 (cercles) now joins, and admin-1 names stay ours (not "Koulikouro")
    got = spatial.locate(14.4478, -11.4439)
    assert got["admin1"] == "Kayes" and got["admin2"] == "Kayes"
    assert "Koulikoro" in set(boundaries.admin1()["name"])
    files = _installed_manifest()["files"]
    sums = {line.split()[1].removeprefix("./"): line.split()[0]
            for line in (shared_geodata / "SHA256SUMS").read_text().splitlines() if line.strip()}
    for rel, sha in files.items():
        assert sums[rel] == sha


def test_fetch_from_a_folder_mirror(shared_geodata: Path) -> None:
    summary = fulldata.fetch(mirror=str(shared_geodata), progress=False)
    assert summary["full_data"] and summary["gazetteer_places"] > 20000


def test_once_does_nothing_after_an_attempt(shared_geodata: Path, tmp_path: Path) -> None:
    with pytest.raises(DownloadError):
        fulldata.fetch(mirror=str(tmp_path / "empty"), once=True, progress=False)
    again = fulldata.fetch(mirror=str(shared_geodata), once=True, progress=False)
    assert again["skipped"] is True and again["full_data"] is False


def _mirror_copy(shared: Path, dest: Path) -> Path:
    shutil.copytree(shared, dest)
    for p in dest.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    dest.chmod(0o755)
    return dest


def test_checksum_mismatch_leaves_previous_data_intact(shared_geodata: Path, tmp_path: Path) -> None:
    fulldata.fetch(mirror=str(shared_geodata), progress=False)
    before = (get_settings().data_dir / "gazetteer.csv").read_bytes()
    mirror = _mirror_copy(shared_geodata, tmp_path / "mirror")
    (mirror / "geonames" / "SN.zip").write_bytes(b"PK\x03\x04 tampered")
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        fulldata.fetch(mirror=str(mirror), progress=False)
    assert (get_settings().data_dir / "gazetteer.csv").read_bytes() == before
    assert not (get_settings().data_dir.parent / "full-data.staging").exists()


class _CutHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files, but sends only half of SN.zip and then drops the connection."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if not self.path.endswith("SN.zip"):
            return super().do_GET()
        data = (Path(self.directory) / "geonames" / "SN.zip").read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True


def test_interrupted_download_leaves_previous_data_intact(shared_geodata: Path, serve_handler) -> None:
    srv = serve_handler(functools.partial(_CutHandler, directory=str(shared_geodata)))
    assert not datasets.has_full_data()
    with pytest.raises(DownloadError, match="SN.zip"):
        fulldata.fetch(mirror=srv.url, progress=False)
    assert not datasets.has_full_data()  # still on the embedded data
    assert gazetteer.load().path == datasets.embedded_path(datasets.GAZETTEER_FILE)
    assert not (get_settings().data_dir.parent / "full-data.staging").exists()


def test_unreachable_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="127.0.0.1:9"):
        fulldata.fetch(mirror="http://127.0.0.1:9/", progress=False)
    assert not datasets.has_full_data()


def test_corrupt_dump_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "ML.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataFileError, match="ML.zip"):
        fulldata.parse_geonames_zip(bad, "ML")
