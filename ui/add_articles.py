"""Add articles: paste, upload, a URL or a feed; check the incidents found; save."""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import dashboard, mapview
from geo.errors import GeoError
from ui import common

RESULTS = "add_results"     # [(article, incidents)] extracted, not saved yet
ERRORS = "add_errors"       # [(input, message)]
FRAME = "add_frame"         # the preview table as last edited (DataFrame)
EDITOR_VERSION = "add_editor_version"
EVENT_TYPES = sorted(mapview.EVENT_COLOURS)


def _extract(inputs: list[tuple[str, object, str]], published, title: str | None = None,
             uploads: list | None = None) -> None:
    """Load every input (and uploaded files, each checked on its own: size, content), extract
    incidents with a progress bar, keep them for the preview. Nothing is stored here."""
    online = bool(st.session_state.get("add_online"))
    errors: list[tuple[str, str]] = []
    articles = []
    if uploads:
        report = dashboard.load_uploads(uploads, published=published)
        articles.extend(report.articles)
        errors.extend(report.errors)
    for kind, value, name in inputs:
        try:
            articles.extend(dashboard.load_input(kind, value, published=published, name=name, title=title))
        except GeoError as exc:
            errors.append((name or kind, str(exc)))
    results = []
    if articles:
        try:
            ex = common.extractor(online)
        except GeoError as exc:
            errors.append(("geocoder", str(exc)))
            ex = common.extractor(False)
        bar = st.progress(0.0, text=f"Extracting incidents from {len(articles)} article(s)…")
        for n, art in enumerate(articles, 1):
            try:
                r = ex.extract_article(art)
                results.append((r.article, r.incidents))
            except Exception as exc:  # noqa: BLE001 - one bad article does not stop the batch
                errors.append((art.title or f"article {n}", f"{type(exc).__name__}: {exc}"))
            bar.progress(n / len(articles), text=f"Extracted {n} of {len(articles)} article(s)")
        bar.empty()
    st.session_state[RESULTS] = results
    st.session_state[ERRORS] = errors
    st.session_state[FRAME] = dashboard.preview_frame(results)
    st.session_state[EDITOR_VERSION] = st.session_state.get(EDITOR_VERSION, 0) + 1


def _discard() -> None:
    for k in (RESULTS, ERRORS, FRAME):
        st.session_state.pop(k, None)


def _preview_map(frame: pd.DataFrame) -> folium.Map:
    layers = common.base_layers(common.data_key())
    m = mapview.base_map(layers=layers)
    pts = frame.dropna(subset=["lat", "lon"])
    pts = pts[pts["keep"].astype(bool)]
    for key, row in pts.iterrows():
        colour = mapview.type_colours([row["event_type"]])[0]
        folium.CircleMarker(
            [float(row["lat"]), float(row["lon"])], radius=7, color="#1f2937", weight=1, fill=True,
            fill_color=colour, fill_opacity=0.85,
            tooltip=mapview.esc(f"{key} · {row['place']} · {row['date'] or ''}"),
        ).add_to(m)
    if len(pts):
        m.fit_bounds([[pts["lat"].min() - 0.5, pts["lon"].min() - 0.5],
                      [pts["lat"].max() + 0.5, pts["lon"].max() + 0.5]], max_zoom=8)
    return m


def _save(edited: pd.DataFrame) -> None:
    results = st.session_state.get(RESULTS) or []
    try:
        batch = dashboard.apply_preview(results, edited, geocoder=common.geocoder())
    except GeoError as exc:
        st.error(f"Not saved: {common.md_literal(exc)}")
        return
    bar = st.progress(0.0, text="Saving…")
    out = dashboard.save_articles(common.store(), batch,
                                  progress=lambda k, n: bar.progress(k / n, text=f"Saved {k} of {n} article(s)"))
    bar.empty()
    _discard()
    st.session_state["add_saved"] = out


def render() -> None:
    st.title("Add articles")
    st.caption("Paste an article, upload files, or give a web page or an RSS feed. Check the incidents found, "
               "fix what is wrong, then save. English and French.")
    if st.session_state.get("add_saved"):
        out = st.session_state.pop("add_saved")
        st.success(f"Saved {out['added']} article(s) ({out['already']} already stored): "
                   f"{out['incidents_new']} new incident(s), {out['incidents_merged']} merged with ones already "
                   "reported.")

    c1, c2 = st.columns([1, 2])
    published = c1.date_input("Published on", value=None, key="add_published",
                              help="For articles that do not say when they were published: relative dates "
                                   "(\"on Tuesday\") are read from it.")
    c2.toggle("Use the online geocoder for names the gazetteer does not know", key="add_online",
              help="Off by default: nothing goes online unless you ask (GEO_GEOCODER, Nominatim's usage "
                   "policy: at most one request a second, results cached).")

    t_text, t_files, t_url, t_feed = st.tabs(["Paste text", "Upload files", "Web page (URL)", "RSS feed"])
    with t_text:
        title = st.text_input("Title (optional)", key="add_title")
        text = st.text_area("Article text", height=220, key="add_text",
                            placeholder="Paste the article (plain text, HTML or JSON)…")
        if st.button("Find incidents", key="add_go_text", type="primary"):
            _extract([("text", text, "pasted text")], published, title=title or None)
    with t_files:
        # No type= filter: what a file is comes from its content, not its name (a .txt that
        # is an image is refused, a .htm saved as .png is read); the size limit is ours.
        per_file, per_batch = dashboard.upload_limits()
        files = st.file_uploader(
            "Article files", accept_multiple_files=True, key="add_files",
            max_upload_size=min(dashboard.upload_limit_mb(), st.get_option("server.maxUploadSize")),
            help=f"Plain text, HTML, JSON ({{title, text, published, url}} or a list of them), RSS or Atom, in "
                 f"any encoding; up to {per_file:,} bytes a file and {per_batch:,} bytes in all.")
        if st.button("Find incidents", key="add_go_files", type="primary", disabled=not files):
            _extract([], published, uploads=[(f.name, f) for f in files or []])
    with t_url:
        url = st.text_input("Article URL", key="add_url", placeholder="https://…")
        st.caption("The page is downloaded from the internet.")
        if st.button("Find incidents", key="add_go_url", type="primary"):
            _extract([("url", url, url)], published)
    with t_feed:
        feed = st.text_input("Feed URL", key="add_feed", placeholder="https://…/rss")
        st.caption("Every entry of the feed is read (entries already stored are skipped when saving).")
        if st.button("Find incidents", key="add_go_feed", type="primary"):
            _extract([("feed", feed, feed)], published)

    for name, message in st.session_state.get(ERRORS) or []:
        st.error(f"{common.md_literal(name)}: {common.md_literal(message)}")

    results = st.session_state.get(RESULTS)
    if results is None:
        return
    if not results:
        st.warning("No article could be read.")
        return
    stored = common.store().existing_articles([a.id for a, _ in results])
    n_inc = sum(len(i) for _, i in results)
    st.subheader("Check before saving")
    st.write(f"{len(results)} article(s), {n_inc} incident(s) found."
             + (f" {len(stored)} article(s) are already stored and will be skipped." if stored else ""))

    frame: pd.DataFrame = st.session_state[FRAME]
    editor_key = f"add_editor_{st.session_state.get(EDITOR_VERSION, 0)}"
    edited = st.data_editor(
        frame, key=editor_key, num_rows="delete", width="stretch",
        column_config={
            "keep": st.column_config.CheckboxColumn("keep", help="Untick to drop an incident."),
            "article": st.column_config.TextColumn("article", disabled=True),
            "place": st.column_config.TextColumn("place", help="Change the name to look it up again."),
            "lat": st.column_config.NumberColumn("lat", min_value=-90.0, max_value=90.0, format="%.5f"),
            "lon": st.column_config.NumberColumn("lon", min_value=-180.0, max_value=180.0, format="%.5f"),
            "date": st.column_config.DateColumn("date"),
            "event_type": st.column_config.SelectboxColumn("event_type", options=EVENT_TYPES),
            "fatalities": st.column_config.TextColumn("fatalities", disabled=True),
            "admin1": st.column_config.TextColumn("region", disabled=True),
            "border_zone": st.column_config.TextColumn("border zone", disabled=True),
            "precision": st.column_config.TextColumn("located to", disabled=True),
            "status": st.column_config.TextColumn("status", disabled=True),
        },
    )

    if len(edited):
        labels = {k: f"{k} · {r['place']} ({r['article'][:40]})" for k, r in edited.iterrows()}
        move = st.selectbox("Move a point: choose an incident, then click its place on the map",
                            [None, *labels], format_func=lambda k: "—" if k is None else labels[k], key="add_move")
        click = st_folium(_preview_map(edited), key="add_map", height=380, use_container_width=True,
                          returned_objects=["last_clicked"])
        last = (click or {}).get("last_clicked")
        if move and last and last != st.session_state.get("_add_last_click"):
            st.session_state["_add_last_click"] = last
            new = edited.copy()
            new.loc[move, "lat"] = round(float(last["lat"]), 5)
            new.loc[move, "lon"] = round(float(last["lng"]), 5)
            new.loc[move, "status"] = "moved by hand"
            st.session_state[FRAME] = new
            st.session_state[EDITOR_VERSION] = st.session_state.get(EDITOR_VERSION, 0) + 1
            st.rerun()

    b1, b2, _ = st.columns([1, 1, 4])
    if b1.button("Save", key="add_save", type="primary"):
        _save(edited)
        st.rerun()
    b2.button("Discard", key="add_discard", on_click=_discard)


render()
