"""The command-line contract, run as a user would: ``python -m geo ...`` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_geo(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_data_info_json_contract() -> None:
    r = run_geo("data", "info", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert set(info) == {"admin1", "admin_levels", "countries", "border_zones", "gazetteer_places", "full_data"}
    assert len(info["admin1"]) == 9 and "Tombouctou" in info["admin1"]
    assert info["admin_levels"] == [1] and info["full_data"] is False
    assert len(info["countries"]) == 8 and "Senegal" in info["countries"]
    assert "Mali–Senegal border" in info["border_zones"] and "Liptako-Gourma tri-border area" in info["border_zones"]
    assert info["gazetteer_places"] > 5000


def test_locate_json_contract() -> None:
    r = run_geo("locate", "16.7735", "-3.0074", "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert set(got) == {"country", "admin1", "admin2", "border_zone", "distance_to_border_km", "nearest_country"}
    assert got["country"] == "Mali" and got["admin1"] == "Tombouctou" and got["admin2"] is None
    assert isinstance(got["distance_to_border_km"], float)


def test_locate_in_senegal() -> None:
    got = json.loads(run_geo("locate", "14.6937", "-17.4441", "--json").stdout)
    assert got["country"] == "Senegal" and got["admin1"] is None


@pytest.mark.parametrize("args", [("locate", "95", "0"), ("locate", "10", "-200")])
def test_locate_out_of_range_is_a_clear_error(args) -> None:
    r = run_geo(*args, "--json")
    assert r.returncode == 2
    assert "error:" in r.stderr and "latitude" in r.stderr and "Traceback" not in r.stderr


def test_locate_not_a_number() -> None:
    r = run_geo("locate", "abc", "1")
    assert r.returncode == 2 and "invalid float value" in r.stderr


def test_missing_data_file_names_the_rebuild_command(tmp_path: Path) -> None:
    code = (
        "import geo.datasets as d, pathlib, sys; d.EMBEDDED_DATA_DIR = pathlib.Path(sys.argv[1]);"
        "from geo.cli import main; raise SystemExit(main(['locate', '14', '-4']))"
    )
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "countries" in r.stderr and "python -m geo data build" in r.stderr and "Traceback" not in r.stderr


def test_data_fetch_cli_with_mirror(shared_geodata: Path, isolated_settings: Path) -> None:
    env = {"GEO_DATA_DIR": str(isolated_settings / "cli-full")}
    r = run_geo("data", "fetch", "--mirror", str(shared_geodata), "--json", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["full_data"] is True
    info = json.loads(run_geo("data", "info", "--json", env_extra=env).stdout)
    assert info["full_data"] is True and info["admin_levels"] == [1, 2] and info["gazetteer_places"] > 20000
    again = run_geo("data", "fetch", "--once", "--json", env_extra=env)
    assert json.loads(again.stdout)["skipped"] is True
