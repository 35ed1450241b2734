"""The map page under Streamlit's AppTest: KPIs, every filter, the URL, the record panel.

AppTest cannot see inside the map (st_folium is a custom component): what the map draws
is checked in tests/browser. Here every filter widget is changed and the KPI must equal
what the store counts for the same IncidentFilter, and the URL must hold that filter.
"""

from __future__ import annotations

from datetime import date

import pytest

from geo.filters import IncidentFilter

from .conftest import UNKNOWN_PLACE, metric, no_exception


def _count(store, **kw) -> str:
    return f"{store.count(IncidentFilter(**kw)):,}"


def _params(at) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def _flat(params: dict) -> dict:
    return {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in params.items()}


def test_map_page_shows_kpis_charts_table_and_downloads(app, store):
    at = app.run()
    no_exception(at)
    assert at.title[0].value == "Mali Incident Map"
    assert "all incidents" in at.caption[0].value
    total = store.count()
    assert metric(at, "Incidents") == f"{total:,}"
    df = store.frame(None, columns=["fatalities", "admin1", "border_zone"])
    assert metric(at, "Fatalities") == f"{int(df['fatalities'].fillna(0).sum()):,}"
    assert metric(at, "Regions affected") == str(df["admin1"].dropna().nunique())
    assert metric(at, "In border zones") == str(int(df["border_zone"].notna().sum()))
    # timeline and regions chart (Altair), the incidents table, two downloads
    assert len(at.get("vega_lite_chart")) == 2
    table = at.dataframe[0].value
    assert len(table) == total and {"id", "date", "place", "admin1", "event_type", "actors"} <= set(table.columns)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download GeoJSON"]
    assert _params(at) == {}


FILTER_CASES = {
    "date range": (lambda at: at.date_input(key="f_dates").set_value((date(2024, 3, 1), date(2024, 6, 30))),
                   {"date_from": date(2024, 3, 1), "date_to": date(2024, 6, 30)}),
    "region": (lambda at: at.multiselect(key="f_admin1").set_value(["Mopti", "Gao"]), {"admin1": ("Gao", "Mopti")}),
    "admin-2": (lambda at: at.multiselect(key="f_admin2").set_value(["Cercle de Test"]),
                {"admin2": ("Cercle de Test",)}),
    "border zone": (lambda at: at.multiselect(key="f_zone").set_value(["Mali–Senegal border"]),
                    {"border_zone": ("Mali–Senegal border",)}),
    "actor": (lambda at: at.multiselect(key="f_actors").set_value(["Islamic State Sahel"]),
              {"actors": ("Islamic State Sahel",)}),
    "event type": (lambda at: at.multiselect(key="f_types").set_value(["abduction", "armed clash"]),
                   {"event_types": ("abduction", "armed clash")}),
    "precision": (lambda at: at.multiselect(key="f_precision").set_value([3, 4]), {"precision": (3, 4)}),
    "minimum fatalities": (lambda at: at.number_input(key="f_min_fat").set_value(10), {"min_fatalities": 10}),
    "free text": (lambda at: at.text_input(key="f_text").input("ambush WELL"), {"text": "ambush WELL"}),
}


@pytest.mark.parametrize("case", list(FILTER_CASES))
def test_each_filter_changes_the_count_as_the_store_says(app, store, case):
    action, fields = FILTER_CASES[case]
    at = app.run()
    before = metric(at, "Incidents")
    action(at).run()
    no_exception(at)
    expected = IncidentFilter(**fields)
    assert metric(at, "Incidents") == _count(store, **fields)
    assert metric(at, "Incidents") != before, "the seeded data should make every filter narrow the view"
    assert _flat(_params(at)) == expected.to_query_params()
    assert at.dataframe[0].value["id"].tolist() == [r["id"] for r in store.query(expected, columns=["id"])]


def test_filters_combine_and_clear(app, store):
    at = app.run()
    at.multiselect(key="f_admin1").set_value(["Kayes"])
    at.multiselect(key="f_types").set_value(["attack on military position"]).run()
    assert metric(at, "Incidents") == _count(store, admin1=("Kayes",), event_types=("attack on military position",))
    at.button(key="f_reset").click().run()
    no_exception(at)
    assert metric(at, "Incidents") == _count(store)
    assert _params(at) == {}


@pytest.mark.parametrize("flt", [
    IncidentFilter(admin1=("Tombouctou",), date_from=date(2024, 2, 1), min_fatalities=1),
    IncidentFilter(admin1=("Tombouctou",), date_from=date(2024, 2, 1), min_fatalities=1, max_precision=2),
], ids=["widgets", "with-max_precision"])
def test_a_shared_link_opens_with_its_filter(app, store, flt):
    for k, v in flt.to_query_params().items():
        app.query_params[k] = v
    app.query_params["unrelated"] = "kept"
    at = app.run()
    no_exception(at)
    assert metric(at, "Incidents") == f"{store.count(flt):,}"
    assert at.multiselect(key="f_admin1").value == ["Tombouctou"]
    assert at.number_input(key="f_min_fat").value == 1
    assert _flat(_params(at)) == {**flt.to_query_params(), "unrelated": "kept"}


def test_a_bad_link_value_is_dropped_with_a_warning(app, store):
    app.query_params["date_from"] = "yesterday"
    app.query_params["admin1"] = "Gao"
    at = app.run()
    no_exception(at)
    assert metric(at, "Incidents") == _count(store, admin1=("Gao",))
    assert any("ignored" in w.value for w in at.sidebar.warning)
    assert "date_from" not in _params(at)


def test_rejected_incidents_are_hidden_unless_asked(app, store):
    victim = store.query(IncidentFilter(admin1=("Gao",)), columns=["id"], limit=1)[0]["id"]
    store.set_review(victim, "rejected", "duplicate")
    at = app.run()
    total = store.count()
    assert metric(at, "Incidents") == f"{total - 1:,}"
    at.checkbox(key="f_rejected").check().run()
    assert metric(at, "Incidents") == f"{total:,}"


def test_selected_incident_shows_its_record_escaped(app, store):
    target = store.query(IncidentFilter(text=UNKNOWN_PLACE), columns=["id"])[0]["id"]
    store.update_incident(target, notes="x", place=f"<b>{UNKNOWN_PLACE}</b>")
    app.session_state["selected_incident"] = target
    at = app.run()
    no_exception(at)
    assert any(f"Incident #{target}" in h.value for h in at.subheader)
    html = " ".join(h.proto.body for h in at.get("html"))
    assert f"&lt;b&gt;{UNKNOWN_PLACE}&lt;/b&gt;" in html and f"<b>{UNKNOWN_PLACE}</b>" not in html
    assert "Raid on" in html   # its source article
    at.button(key="close_detail").click().run()
    assert not any(f"Incident #{target}" in h.value for h in at.subheader)


def test_the_record_links_to_its_article_in_sources(app, store):
    target = store.query(IncidentFilter(text=UNKNOWN_PLACE), columns=["id"])[0]["id"]
    app.session_state["selected_incident"] = target
    at = app.run()
    at.button(key="open_src_0").click().run()
    no_exception(at)
    assert at.title[0].value == "Sources"
    assert any(f"Raid on {UNKNOWN_PLACE}" in s.value for s in at.subheader)


def test_exports_hold_exactly_the_filtered_incidents(seeded_url, store):
    """What the download buttons call (ui.common.export_data -> geo.export) for a filter."""
    import csv
    import io
    import json

    from geo.export import export_bytes

    flt = IncidentFilter(admin1=("Mopti",), date_from=date(2024, 2, 1))
    n = store.count(flt)
    rows = list(csv.DictReader(io.StringIO(export_bytes(flt, "csv", store=store).decode("utf-8"))))
    assert len(rows) == n and {r["admin1"] for r in rows} == {"Mopti"}
    fc = json.loads(export_bytes(flt, "geojson", store=store))
    assert len(fc["features"]) == n


def test_a_filter_with_no_result(app):
    at = app.run()
    at.text_input(key="f_text").input("nothing matches this").run()
    no_exception(at)
    assert metric(at, "Incidents") == "0" and metric(at, "Regions affected") == "0"
    assert len(at.info) == 2 and at.dataframe[0].value.empty


def test_the_empty_map_payload_renders():
    import pandas as pd

    from geo import mapview
    from geo.dashboard import FRAME_COLUMNS

    empty = pd.DataFrame(columns=list(FRAME_COLUMNS))
    p = mapview.incident_payload(empty)
    assert (p["total"], p["drawn"], p["lat"]) == (0, 0, [])
    out = mapview.incident_map(mapview.prepare_payload(p), fit="incidents").get_root().render()
    assert "0 incidents on the map" in out and out.count(".fitBounds(") == 1
