"""Add articles, Review, Sources and Data under AppTest, and the first run on an empty database."""

from __future__ import annotations

import json


from geo import dashboard
from geo.filters import IncidentFilter

from .conftest import APP, ROOT, UNKNOWN_PLACE, metric, no_exception

ARTICLE = ("Militants attacked the army camp in Boni on Sunday 2 March 2025, killing 5 soldiers, "
           "the army said. JNIM claimed the attack.")


def _errors(at) -> list[str]:
    return [e.value for e in at.error]


# ---------------------------------------------------------------- first run


def test_first_run_stores_the_sample_articles(empty_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from geo.store import open_store

    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    no_exception(at)
    with open_store(empty_url) as store:
        stats = store.stats()
        assert stats["articles"] == len(dashboard.sample_files()) >= 8
        assert metric(at, "Incidents") == f"{store.count():,}"
        assert store.count() >= stats["articles"]
    assert at.title[0].value == "Mali Incident Map"


# ---------------------------------------------------------------- add articles


def _add_page(app):
    at = app.run()
    return at.switch_page("ui/add_articles.py").run()


def test_add_articles_paste_preview_save(app, store):
    before = store.stats()
    at = _add_page(app)
    no_exception(at)
    assert at.title[0].value == "Add articles"
    at.text_area(key="add_text").input(ARTICLE)
    at.text_input(key="add_title").input("Camp attacked in Boni")
    at.button(key="add_go_text").click().run()
    no_exception(at)
    assert not _errors(at), _errors(at)
    assert any("Check before saving" in s.value for s in at.subheader)
    preview = at.session_state["add_frame"]
    assert len(preview) >= 1 and "Boni" in set(preview["place"])
    at.button(key="add_save").click().run()
    no_exception(at)
    after = store.stats()
    assert after["articles"] == before["articles"] + 1
    assert after["incidents"] > before["incidents"]
    assert any("Saved 1 article" in s.value for s in at.success)
    got = store.query(IncidentFilter(text="Boni"), columns=["place", "admin1", "event_type"])
    assert got and got[0]["admin1"] == "Mopti"


def test_add_articles_preview_edits_are_saved(app, store):
    """Drop one incident, rename and move another, in the preview table, then save."""
    import pandas as pd

    from geo.text.loading import articles_from_text

    at = _add_page(app)
    text = ("Gunmen attacked Boni and Douentza on 3 March 2025, the army said. JNIM claimed both attacks.")
    at.text_area(key="add_text").input(text)
    at.button(key="add_go_text").click().run()
    frame: pd.DataFrame = at.session_state["add_frame"]
    assert {"Boni", "Douentza"} <= set(frame["place"]), frame
    # What the editor returns after the user's edits (AppTest cannot type into the grid).
    results = at.session_state["add_results"]
    edited = frame.copy()
    boni = edited.index[edited["place"] == "Boni"][0]
    dz = edited.index[edited["place"] == "Douentza"][0]
    edited.loc[boni, "keep"] = False
    edited.loc[dz, ["lat", "lon"]] = [15.0, -2.95]
    edited.loc[dz, "event_type"] = "armed clash"
    batch = dashboard.apply_preview(results, edited)
    incs = [i for _, incs in batch for i in incs]
    assert "Boni" not in {i.place for i in incs}
    moved = next(i for i in incs if i.place == "Douentza")
    assert (moved.lat, moved.lon, moved.event_type, moved.geo_precision) == (15.0, -2.95, "armed clash", 1)
    assert moved.admin1 == "Mopti"
    assert articles_from_text(text)[0].id == batch[0][0].id


def test_add_articles_bad_and_good_uploads(app, store):
    at = _add_page(app)
    sample = dashboard.sample_files()[0]
    at.file_uploader(key="add_files").set_value([
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
        ("empty.txt", b"   ", "text/plain"),
        (sample.name, sample.read_bytes(), "application/json"),
    ]).run()
    at.button(key="add_go_files").click().run()
    no_exception(at)
    errors = " | ".join(_errors(at))
    assert "photo.png" in errors and "PNG" in errors
    assert "empty.txt" in errors and "empty" in errors
    assert len(at.session_state["add_results"]) == 1        # the good file still goes through
    title = json.loads(sample.read_text(encoding="utf-8"))["title"]
    assert at.session_state["add_results"][0][0].title == title


def test_add_articles_url_errors_are_clear(app):
    at = _add_page(app)
    at.text_input(key="add_url").input("not a url")
    at.button(key="add_go_url").click().run()
    no_exception(at)
    assert any("not an http(s) URL" in e for e in _errors(at))


def test_add_articles_from_a_feed(app, store, serve_dir, tmp_path, monkeypatch):
    """An RSS feed on a loopback server: every entry becomes an article in the preview."""
    from geo import config

    monkeypatch.setenv("GEO_ALLOW_PRIVATE_URLS", "1")   # the test's feed is on 127.0.0.1
    config.get_settings.cache_clear()
    items = "".join(
        f"<item><title>Attack {i}</title><link>http://127.0.0.1/a{i}</link>"
        f"<pubDate>Mon, 0{i} Mar 2025 10:00:00 GMT</pubDate>"
        f"<description>Gunmen attacked the army post in {place} on Sunday, killing {i + 2} soldiers."
        "</description></item>"
        for i, place in enumerate(("Boni", "Tessit"), start=1)
    )
    (tmp_path / "feed.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                                       f"{items}</channel></rss>", encoding="utf-8")
    srv = serve_dir(tmp_path)
    at = _add_page(app)
    at.text_input(key="add_feed").input(srv.url + "feed.xml")
    at.button(key="add_go_feed").click().run()
    no_exception(at)
    assert not _errors(at), _errors(at)
    results = at.session_state["add_results"]
    assert [a.title for a, _ in results] == ["Attack 1", "Attack 2"]
    assert {a.url for a, _ in results} == {"http://127.0.0.1/a1", "http://127.0.0.1/a2"}
    before = store.stats()["articles"]
    at.button(key="add_save").click().run()
    assert store.stats()["articles"] == before + 2


# ---------------------------------------------------------------- review


def _review_page(app):
    at = app.run()
    return at.switch_page("ui/review.py").run()


def _unknown(store):
    return store.query(IncidentFilter(text=UNKNOWN_PLACE), columns=["id", "lat", "review_status"])[0]


def test_review_lists_the_unresolved_place(app, store):
    at = _review_page(app)
    no_exception(at)
    assert at.title[0].value == "Review"
    inc = _unknown(store)
    assert inc["id"] in at.selectbox(key="review_pick").options or any(
        UNKNOWN_PLACE in o for o in at.selectbox(key="review_pick").options)
    assert any(UNKNOWN_PLACE in s.value for s in at.subheader)


def test_review_fix_locates_the_incident_and_becomes_an_alias(app, store):
    at = _review_page(app)
    inc = _unknown(store)
    pick = inc["id"]
    at.text_input(key=f"review_pname_{pick}").input("Zorbougou (hamlet)")
    at.number_input(key=f"review_lat_{pick}").set_value(14.3)
    at.number_input(key=f"review_lon_{pick}").set_value(-4.1).run()
    at.button(key="review_fix_coords").click().run()
    no_exception(at)
    assert any("located at" in s.value for s in at.success), [s.value for s in at.success]
    fixed = store.get_incident(pick)
    assert (fixed["lat"], fixed["lon"], fixed["review_status"], fixed["admin1"]) == (14.3, -4.1, "corrected", "Mopti")
    # The name as written is now an alias: the geocoder resolves it there.
    from geo.geocache import GeoCache

    alias = GeoCache(store.engine).get_alias(UNKNOWN_PLACE)
    assert alias is not None and (alias.lat, alias.lon) == (14.3, -4.1)
    from ui import common  # the app's own geocoder (cached per database) knows it at once

    res = common.geocoder().geocode(UNKNOWN_PLACE)
    assert res.status == "resolved" and (round(res.lat, 3), round(res.lon, 3)) == (14.3, -4.1)
    assert any("Nothing to review" in s.value for s in at.success) or pick not in at.selectbox(key="review_pick").options


def test_review_candidates_confirm_and_reject(app, store):
    at = _review_page(app)
    pick = _unknown(store)["id"]
    at.text_input(key=f"review_name_{pick}").input("Boni").run()
    radio = at.radio(key=f"review_cand_{pick}_Boni")
    assert any("Boni" in str(o) for o in radio.options), radio.options
    at.button(key="review_reject").click().run()
    no_exception(at)
    assert store.get_incident(pick)["review_status"] == "rejected"


def test_review_confirm(app, store):
    at = _review_page(app)
    pick = _unknown(store)["id"]
    at.button(key="review_confirm").click().run()
    assert store.get_incident(pick)["review_status"] == "confirmed"


# ---------------------------------------------------------------- sources and data


def test_sources_lists_articles_with_their_incidents(app, store):
    at = app.run()
    at.switch_page("ui/sources.py").run()
    no_exception(at)
    assert at.title[0].value == "Sources"
    assert metric(at, "Articles") == "2"
    table = at.dataframe[0].value
    assert set(table["title"]) == {"Army post attacked in Kayes", f"Raid on {UNKNOWN_PLACE}"}
    assert set(table["status"]) == {"not reviewed"}
    art = dashboard.articles_frame(store)
    chosen = art.loc[art["title"] == "Army post attacked in Kayes", "id"].iloc[0]
    at.session_state["source_article"] = chosen
    at.run()
    assert any("Army post attacked in Kayes" in s.value for s in at.subheader)
    incidents = at.dataframe[1].value
    assert list(incidents["place"]) == ["Kayes"]
    assert "Gunmen attacked" in at.text[0].value


def test_sources_link_by_article_id(app, store):
    art = dashboard.articles_frame(store)
    chosen = art.loc[art["title"] == f"Raid on {UNKNOWN_PLACE}", "id"].iloc[0]
    at = app.run()
    at.switch_page("ui/sources.py")
    at.query_params["article"] = chosen[:12]
    at.run()
    assert any(f"Raid on {UNKNOWN_PLACE}" in s.value for s in at.subheader)


def test_data_page(app, store):
    at = app.run()
    at.switch_page("ui/data.py").run()
    no_exception(at)
    assert at.title[0].value == "Data"
    assert metric(at, "Data in use") == "embedded"
    assert metric(at, "Border zones") == "8"
    settings = next(d.value for d in at.dataframe if "setting" in d.value.columns)
    assert "GEO_GEOCODER" in set(settings["setting"])
    assert any("sqlite" in m.value for m in at.markdown)


def test_data_page_installs_full_data_and_the_map_gets_admin2(app, store, shared_geodata):
    """The Data page's download (from a local mirror of the publishers' files), then the
    map's admin-2 layer and filter (the seeded data names a cercle)."""
    from geo import datasets, mapview

    at = app.run()
    at.switch_page("ui/data.py").run()
    assert metric(at, "Data in use") == "embedded"
    at.text_input(key="data_mirror").input(str(shared_geodata))
    at.button(key="data_fetch").click().run()
    no_exception(at)
    assert any("Full data installed" in s.value for s in at.success), [e.value for e in at.error]
    assert metric(at, "Data in use") == "full" and datasets.has_full_data()
    layers = mapview.base_layers()
    assert layers["admin2"] and len(layers["admin2"]["features"]) > 40
    out = mapview.incident_map(mapview.incident_payload(store.frame(None, columns=list(dashboard.FRAME_COLUMNS))),
                               layers=layers).get_root().render()
    assert mapview.ADMIN2_LAYER in out
    at.switch_page("ui/map_page.py").run()
    no_exception(at)
    at.multiselect(key="f_admin2").set_value(["Cercle de Test"]).run()
    assert metric(at, "Incidents") == f"{store.count(IncidentFilter(admin2=('Cercle de Test',))):,}"
