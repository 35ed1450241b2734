"""Sources: every stored article, the incidents it reports and their review status."""

from __future__ import annotations

import streamlit as st

from geo import dashboard, mapview
from ui import common

CHOSEN = "source_article"


def _on_select() -> None:
    event = st.session_state.get("sources_table")
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    ids = st.session_state.get("_source_ids") or []
    if rows and rows[0] < len(ids):
        st.session_state[CHOSEN] = ids[rows[0]]


def render() -> None:
    st.title("Sources")
    store = common.store()
    df = dashboard.articles_frame(store)
    stats = store.stats()
    c1, c2, c3 = st.columns(3)
    c1.metric("Articles", f"{len(df):,}")
    c2.metric("Incidents", f"{stats.get('incidents', 0):,}")
    c3.metric("Articles with incidents to review", f"{int((df['to_review'] > 0).sum()) if len(df) else 0:,}")
    if df.empty:
        st.info("No articles yet: add some on the Add articles page.")
        return
    wanted = st.query_params.get("article")
    if wanted:
        hit = [a for a in df["id"] if a.startswith(wanted)]
        if hit:
            st.session_state[CHOSEN] = hit[0]

    st.session_state["_source_ids"] = df["id"].tolist()
    show = df[["published", "title", "language", "incidents", "status", "url", "ingested_at"]]
    st.dataframe(
        show, hide_index=True, key="sources_table", on_select=_on_select, selection_mode="single-row",
        column_config={
            "url": st.column_config.LinkColumn("url"),
            "published": st.column_config.DateColumn("published"),
            "ingested_at": st.column_config.DatetimeColumn("added", format="YYYY-MM-DD HH:mm"),
        },
    )
    chosen = st.session_state.get(CHOSEN)
    if chosen not in set(df["id"]):
        st.caption("Select an article to see its incidents and text.")
        return
    art = store.get_article(chosen) or {}
    st.subheader(common.md_literal(art.get("title")) or "Untitled article")
    url = mapview.safe_url(art.get("url"))
    st.html(f"<p>Published {mapview.esc(art.get('published') or 'date unknown')} · language "
            f"{mapview.esc(art.get('language') or '?')} · id <code>{mapview.esc(chosen[:12])}</code>"
            + (f' · <a href="{url}" target="_blank" rel="noopener noreferrer">original</a>' if url else "")
            + "</p>")
    incs = dashboard.article_incidents(store, chosen)
    if incs:
        rows = [{"id": i["id"], "date": i.get("date"), "place": i.get("place"), "region": i.get("admin1"),
                 "border zone": i.get("border_zone"), "event type": i.get("event_type"),
                 "fatalities": i.get("fatalities"), "reported by": i.get("source_count"),
                 "review": i.get("review_status")} for i in incs]
        st.dataframe(rows, hide_index=True, key="source_incidents")
    else:
        st.info("No incident was found in this article.")
    with st.expander("Article text"):
        st.text(art.get("text") or "")


render()
