"""ACLED / UCDP imports and CSV / GeoJSON / GeoPackage exports, on both stores."""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import date

import pytest

from geo.errors import InvalidInputError
from geo.events_import import canonical_actor, import_events, read_rows
from geo.export import EXPORT_COLUMNS, export, export_bytes
from geo.filters import IncidentFilter
from storekit import EVENTS, PYTHON, REPO, make_article, make_incident

ACLED = EVENTS / "acled_mali.csv"
UCDP = EVENTS / "ucdp_ged_mali.csv"

ACLED_BAD = {8: "MLI90007", 9: "MLI90008", 10: "MLI90009", 11: "MLI90010", 12: None, 13: "MLI90012"}
UCDP_BAD = {5: "900104", 6: "900105", 7: "900106", 8: "900107", 10: "900109"}


def test_acled_rows_are_parsed_and_bad_ones_reported_by_line_and_id():
    good, bad, n, repeats = read_rows(ACLED, "acled")
    assert n == 16 and repeats == 1
    assert {b.line: b.event_id for b in bad} == ACLED_BAD
    reasons = {b.event_id: b.reason for b in bad}
    assert "not a date" in reasons["MLI90007"] and "latitude is empty" in reasons["MLI90008"]
    assert "8 fields" in reasons["MLI90010"] and "whole number" in reasons["MLI90012"]
    by_id = {r["source_event_id"]: r for r in good}
    assert len(by_id) == 9
    r = by_id["MLI90001"]
    assert r["date"] == date(2024, 1, 5) and r["date_precision"] == "day" and r["event_type"] == "armed clash"
    assert r["actors"] == ["JNIM", "Malian armed forces", "Wagner Group/Africa Corps"]
    assert r["fatalities"] == 7 and r["source_admin2"] == "Douentza" and r["source_location"] == "Boni"
    assert r["source_values"]["sub_event_type"] == "Armed clash" and r["source_values"]["inter1"] == "2"
    assert by_id["MLI90003"]["date_precision"] == "week" and by_id["MLI90003"]["event_type"] == "explosion/remote violence"
    assert by_id["MLI90004"]["date"] == date(2024, 2, 15)  # "15 February 2024"
    assert by_id["MLI90005"]["date_precision"] == "month" and by_id["MLI90005"]["geo_precision"] == 3
    assert by_id["MLI90013"]["notes"].endswith("5 fatalities.")  # a quoted note over two lines
    assert "Dan Na Ambassagou" in by_id["MLI90013"]["actors"]
    assert by_id["MLI90015"]["event_type"] == "looting/destruction"


def test_ucdp_rows_are_parsed_and_bad_ones_reported_by_line_and_id():
    good, bad, n, repeats = read_rows(UCDP, "ucdp")
    assert n == 11 and repeats == 1
    assert {b.line: b.event_id for b in bad} == UCDP_BAD
    by_id = {r["source_event_id"]: r for r in good}
    assert set(by_id) == {"900101", "900102", "900103", "900108", "900110"}
    r = by_id["900102"]
    assert (r["date"], r["date_start"], r["date_end"]) == (date(2023, 6, 5), date(2023, 6, 5), date(2023, 6, 11))
    assert r["date_precision"] == "week" and r["event_type"] == "violence against civilians"
    assert r["actors"] == ["JNIM", "Civilians"] and r["fatalities"] == 12 and r["geo_precision"] == 2
    assert r["source_values"]["low"] == "12" and r["source_admin1"] == "Mopti region"
    assert by_id["900103"]["geo_precision"] == 3 and by_id["900103"]["date_precision"] == "month"
    assert by_id["900101"]["actors"] == ["Malian armed forces", "JNIM"]


@pytest.mark.parametrize("name, expected", [
    ("JNIM: Group for Support of Islam and Muslims", "JNIM"),
    ("Islamic State (Sahel)", "Islamic State Sahel"),
    ("IS Sahel", "Islamic State Sahel"),
    ("Military Forces of Mali (2021-)", "Malian armed forces"),
    ("Government of Mali", "Malian armed forces"),
    ("CSP-DPA: Permanent Strategic Framework for the Defense of the People of Azawad", "FLA/CSP/CMA separatists"),
    ("Civilians (Mali)", "Civilians"),
    ("Military Forces of Burkina Faso (2022-)", "Military Forces of Burkina Faso (2022-)"),
])
def test_actor_names_are_canonicalised_when_known(name, expected):
    assert canonical_actor(name) == expected


def test_wrong_layout_is_refused_with_a_hint(tmp_path):
    with pytest.raises(InvalidInputError, match="use --format ucdp"):
        read_rows(UCDP, "acled")
    with pytest.raises(InvalidInputError, match="no such file"):
        read_rows(tmp_path / "missing.csv", "acled")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InvalidInputError, match="empty"):
        read_rows(tmp_path / "empty.csv", "ucdp")


def test_import_recomputes_our_join_keeps_theirs_and_is_idempotent(store):
    r1 = import_events(ACLED, "acled", store=store, progress=False)
    assert (r1.rows, r1.inserted, r1.existing, r1.duplicates, r1.skipped) == (16, 9, 0, 1, 6)
    r2 = import_events(ACLED, "acled", store=store, progress=False)
    assert (r2.inserted, r2.existing) == (0, 9)
    r3 = import_events(UCDP, "ucdp", store=store, progress=False)
    assert r3.inserted == 5
    assert store.stats()["incidents"] == 14
    by_id = {r["source_event_id"]: r for r in store.query()}
    boni = by_id["MLI90001"]
    assert boni["admin1"] == "Mopti" and boni["country"] == "Mali" and boni["source_admin1"] == "Mopti"
    assert boni["distance_to_border_km"] > 0 and boni["nearest_country"]
    dogofry = by_id["MLI90005"]   # the source says Ségou; our join says where the point is
    assert dogofry["source_admin1"] == "Segou" and dogofry["admin1"] in ("Mopti", "Ségou")
    tin_akoff = by_id["MLI90016"]   # coded in Burkina Faso by the source, inside the tri-border area
    assert tin_akoff["country"] == "Burkina Faso" and tin_akoff["admin1"] is None
    assert tin_akoff["border_zone"] == "Liptako-Gourma tri-border area"
    assert store.count(IncidentFilter(sources=("ucdp",), actors=("JNIM",))) == 3
    assert store.count(IncidentFilter(text="drone strike kidal")) == 1   # ACLED notes are searchable


def test_cli_import_reports_bad_rows_and_counts(cli_env):
    run = lambda *a: subprocess.run([PYTHON, "-m", "geo", "import-events", *a], cwd=REPO, env=cli_env,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    p = run(str(ACLED), "--format", "acled")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines() == [
        "import-events acled: 16 rows, 9 imported, 0 already present, 1 repeated in the file, 6 malformed skipped"]
    for line, eid in ACLED_BAD.items():
        assert f"acled_mali.csv:{line}: event {eid or '?'}:" in p.stderr
    p = run(str(ACLED), "--format", "acled", "--json")
    doc = json.loads(p.stdout)
    assert p.returncode == 0 and doc["inserted"] == 0 and doc["existing"] == 9
    assert {b["line"] for b in doc["bad_rows"]} == set(ACLED_BAD)
    p = run(str(UCDP), "--format", "acled")
    assert p.returncode == 2 and "use --format ucdp" in p.stderr and not p.stdout


def test_cli_import_with_no_usable_row_fails(tmp_path, cli_env):
    bad = tmp_path / "bad.csv"
    lines = ACLED.read_text().splitlines()
    bad.write_text("\n".join([lines[0], lines[7], lines[8]]) + "\n")
    p = subprocess.run([PYTHON, "-m", "geo", "import-events", str(bad), "--format", "acled"], cwd=REPO,
                       env=cli_env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "no usable row" in p.stderr and "2 malformed skipped" in p.stdout


# ---------------------------------------------------------------- exports

def _filled(store):
    import_events(ACLED, "acled", store=store, progress=False)
    import_events(UCDP, "ucdp", store=store, progress=False)
    store.add_article(make_article("An article about Boni, with a url", url="https://example.org/boni"),
                      [make_incident(evidence="Jihadists attacked Boni", fatalities=(4,))])
    store.add_article(make_article("An unlocated incident"), [make_incident(place="Somewhere", lat=None, lon=None)])


FILTERS = [
    IncidentFilter(),
    IncidentFilter(admin1=("Mopti",)),
    IncidentFilter(date_from="2024-01-01", date_to="2024-03-31", event_types=("armed clash", "violence against civilians")),
    IncidentFilter(border_zone=("Liptako-Gourma tri-border area",)),
    IncidentFilter(actors=("JNIM",), min_fatalities=5),
    IncidentFilter(max_precision=1, text="boni"),
    IncidentFilter(admin1=("Nowhere",)),
]


@pytest.mark.parametrize("fi", range(len(FILTERS)))
def test_exports_hold_exactly_the_filtered_incidents(store, tmp_path, fi):
    import geopandas as gpd

    _filled(store)
    f = FILTERS[fi]
    expected = {r["id"] for r in store.query(f, columns=("id",))}
    assert expected == {r["id"] for r in store.query() if f.matches(r)}

    res = export(tmp_path / "out.csv", f, store=store)
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert res.incidents == len(rows) == len(expected)
    assert {int(r["id"]) for r in rows} == expected
    assert list(rows[0].keys()) == list(EXPORT_COLUMNS) if rows else True

    export(tmp_path / "out.geojson", f, store=store)
    doc = json.loads((tmp_path / "out.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and {ft["id"] for ft in doc["features"]} == expected
    for ft in doc["features"]:
        p = ft["properties"]
        if p["lat"] is None:
            assert ft["geometry"] is None
        else:
            assert ft["geometry"]["coordinates"] == [p["lon"], p["lat"]]
        assert isinstance(p["actors"], list)

    export(tmp_path / "out.gpkg", f, store=store)
    gdf = gpd.read_file(tmp_path / "out.gpkg", layer="incidents")
    assert set(gdf["id"].tolist()) == expected
    if len(gdf):
        assert gdf.crs.to_epsg() == 4326
    assert not list(tmp_path.glob(".*part*"))   # no temporary files left


def test_export_content_details(store, tmp_path):
    _filled(store)
    export(tmp_path / "a.csv", IncidentFilter(sources=("article",)), store=store)
    rows = list(csv.DictReader(open(tmp_path / "a.csv", newline="", encoding="utf-8")))
    boni = next(r for r in rows if r["place"] == "Boni")
    assert boni["article_urls"] == "https://example.org/boni" and len(boni["article_ids"]) == 64
    assert json.loads(boni["evidence"])[0]["text"] == "Jihadists attacked Boni" and boni["fatalities"] == "4"
    unlocated = next(r for r in rows if r["place"] == "Somewhere")
    assert unlocated["lat"] == "" and unlocated["lon"] == ""
    export(tmp_path / "u.geojson", IncidentFilter(sources=("ucdp",)), store=store)
    feats = json.loads((tmp_path / "u.geojson").read_text())["features"]
    p = next(ft["properties"] for ft in feats if ft["properties"]["source_event_id"] == "900102")
    assert p["source_admin1"] == "Mopti region" and p["admin1"] == "Mopti" and p["source_values"]["high"] == "15"
    assert p["date"] == "2023-06-05" and p["actors"] == ["JNIM", "Civilians"]
    assert export_bytes(IncidentFilter(admin1=("Mopti",)), "csv", store=store).startswith(b"id,source,")


def test_export_errors(store, tmp_path):
    with pytest.raises(InvalidInputError, match="format"):
        export(tmp_path / "out.xlsx", store=store)
    with pytest.raises(InvalidInputError, match="no such folder"):
        export(tmp_path / "missing" / "out.csv", store=store)


def test_cli_export_with_filters_and_dashboard_query_string(cli_env, tmp_path):
    run = lambda *a: subprocess.run([PYTHON, "-m", "geo", *a], cwd=REPO, env=cli_env,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    assert run("import-events", str(ACLED), "--format", "acled").returncode == 0
    out = tmp_path / "mopti.geojson"
    p = run("export", "--format", "geojson", "--admin1", "Mopti", "--from", "2024-01-01", "-o", str(out))
    assert p.returncode == 0, p.stderr
    n = len(json.loads(out.read_text())["features"])
    assert p.stdout.strip() == f"export geojson: {n} incidents written to {out}" and n == 4
    q = IncidentFilter(admin1=("Mopti",), date_from="2024-01-01").to_query_string()
    p = run("export", "--filter", q, "--min-fatalities", "4", "-o", str(tmp_path / "x.csv"), "--json")
    doc = json.loads(p.stdout)
    assert p.returncode == 0 and doc["incidents"] == 2 and doc["filter"]["min_fatalities"] == "4"
    p = run("export", "--format", "gpkg", "--bbox", "10,0,-10,5", "-o", str(tmp_path / "x.gpkg"))
    assert p.returncode == 2 and "bbox" in p.stderr
    p = run("export", "-o", str(tmp_path / "x.gpkg"), "--db", "mysql://nobody@localhost/x")
    assert p.returncode == 2 and "unsupported database" in p.stderr


def test_csv_export_defuses_spreadsheet_formulas(store, tmp_path):
    store.add_article(make_article("A hostile place name"),
                      [make_incident(place='=HYPERLINK("http://evil.example","x")', lat=14.45, lon=-11.44),
                       make_incident(place="@SUM(1+1)", lat=13.0, lon=-5.0)])
    export(tmp_path / "h.csv", store=store)
    rows = list(csv.DictReader(open(tmp_path / "h.csv", newline="", encoding="utf-8")))
    places = sorted(r["place"] for r in rows)
    assert places == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'@SUM(1+1)"]
    assert all(not r["lon"].startswith("'") for r in rows)  # negative numbers stay numbers
    assert float(next(r for r in rows if r["place"].startswith("'=")) ["lon"]) == -11.44
