"""``python -m geo geocode`` and ``python -m geo aliases``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from geo import config
from geo.cli import main

REPO = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_geocode_json(capsys):
    code, out = run(capsys, "geocode", "Gao", "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["status"] == "resolved" and doc["provider"] == "gazetteer" and doc["geo_precision"] == 1
    assert doc["country_code"] == "ML" and doc["admin1"] == "Gao" and doc["precision_label"] == "town/village"
    assert [c["country_code"] for c in doc["candidates"]] == ["ML", "BF"]    # the top candidates


def test_geocode_text_output(capsys):
    code, out = run(capsys, "geocode", "Tombouctou")
    assert code == 0 and "Timbuktu" in out and "precision 1" in out and "candidates:" in out


def test_near_region_and_fallback(capsys):
    code, out = run(capsys, "geocode", "Binoli", "--near", "Kayes", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["fallback"] and doc["geo_precision"] == 3 and doc["admin1"] == "Kayes"
    code, out = run(capsys, "geocode", "Binoli", "--near", "Senegalese border", "--json")
    assert json.loads(out)["geo_precision"] == 4
    code, out = run(capsys, "geocode", "Binoli", "--json")
    assert code == 1 and json.loads(out)["status"] == "unresolved"


def test_near_place(capsys):
    code, out = run(capsys, "geocode", "Kati", "--near", "Bamako", "--strict", "--json")
    assert code == 0 and json.loads(out)["admin1"] == "Koulikoro"
    code, out = run(capsys, "geocode", "Kati", "--strict", "--json")
    assert code == 1


def test_area_flag(capsys):
    code, out = run(capsys, "geocode", "Kayes", "--area", "--json")
    assert json.loads(out)["geo_precision"] == 3


def test_limit(capsys):
    code, out = run(capsys, "geocode", "Koro", "--limit", "1", "--json")
    assert len(json.loads(out)["candidates"]) == 1


def test_missing_name(capsys):
    assert main(["geocode"]) == 2
    assert "place name" in capsys.readouterr().err


def test_online_against_the_fake_server(capsys, monkeypatch, fake_nominatim):
    fake_nominatim.answer("Boulkessi", fake_nominatim.Reply(200, [fake_nominatim.place("Boulkessi", 14.70, -1.60)]))
    monkeypatch.setenv("GEO_GEOCODER_URL", fake_nominatim.url)
    monkeypatch.setenv("GEO_GEOCODER_MIN_DELAY", "0.01")
    monkeypatch.setenv("GEO_USER_AGENT", "mali-incident-map-tests/cli")
    config.get_settings.cache_clear()
    code, out = run(capsys, "geocode", "Boulkessi", "--json")
    assert code == 1 and fake_nominatim.requests == []                 # offline unless asked
    code, out = run(capsys, "geocode", "Boulkessi", "--online", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["provider"] == "nominatim" and not doc["cached"]
    code, out = run(capsys, "geocode", "Boulkessi", "--online", "--json")
    assert json.loads(out)["cached"] and fake_nominatim.count("Boulkessi") == 1
    assert fake_nominatim.requests[0]["headers"]["User-Agent"] == "mali-incident-map-tests/cli"


def test_online_failure_message(capsys, monkeypatch, fake_nominatim):
    fake_nominatim.answer("Intahaka", fake_nominatim.Reply(500, {}))
    monkeypatch.setenv("GEO_GEOCODER_URL", fake_nominatim.url)
    monkeypatch.setenv("GEO_GEOCODER_MIN_DELAY", "0.01")
    monkeypatch.setenv("GEO_GEOCODER_RETRIES", "0")
    config.get_settings.cache_clear()
    code, out = run(capsys, "geocode", "Intahaka", "--online")
    assert code == 1 and "unresolved" in out and "retried on the next run" in out


def test_bad_geocoder_setting(capsys, monkeypatch):
    monkeypatch.setenv("GEO_GEOCODER", "no-such-service")
    config.get_settings.cache_clear()
    assert main(["geocode", "Gao"]) == 2
    assert "unknown geocoder" in capsys.readouterr().err


def test_aliases_commands(capsys, tmp_path):
    code, out = run(capsys, "aliases", "add", "Binoli", "14.45511", "-12.19945", "--place-name", "Diboli",
                    "--note", "client example", "--json")
    assert code == 0 and json.loads(out)["admin1"] == "Kayes"
    code, out = run(capsys, "geocode", "Binoli", "--json")
    assert json.loads(out)["provider"] == "alias"
    code, out = run(capsys, "aliases", "list", "--json")
    assert [a["alias"] for a in json.loads(out)["aliases"]] == ["Binoli"]
    target = tmp_path / "aliases.csv"
    code, out = run(capsys, "geocode", "--export-aliases", str(target), "--json")
    assert json.loads(out)["exported"] == 1 and "Diboli" in target.read_text(encoding="utf-8")
    code, out = run(capsys, "aliases", "export", str(tmp_path / "aliases.json"))
    assert code == 0
    code, out = run(capsys, "aliases", "remove", "binoli")
    assert code == 0
    code, out = run(capsys, "aliases", "remove", "binoli")
    assert code == 1
    code, out = run(capsys, "aliases", "import", str(tmp_path / "aliases.json"), "--json")
    assert json.loads(out)["imported"] == 1
    assert main(["aliases", "export", str(tmp_path / "aliases.txt")]) == 2


def test_python_m_geo_geocode():
    """The issue's command line, as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "geo", "geocode", "Sandere", "--near", "Kayes", "--json"],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["matched_name"] == "Sandaré" and doc["admin1"] == "Kayes" and doc["provider"] == "gazetteer"
    assert doc["candidates"]
