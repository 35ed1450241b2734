"""Map: incidents on the map, filtered by region and date, each traceable to its source."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import dashboard, mapview
from ui import common, filters

MAP_KEY = "incident_map"
SELECTED = "selected_incident"


def _on_map_click() -> None:
    """A click on the map: a region, cercle or border zone filters; a marker selects."""
    value = st.session_state.get(MAP_KEY)
    zones = common.facets(common.db_url(), common.version()).get("border_zone") or []
    layers = common.base_layers(common.data_key())
    zone_names = list(zones) + list(layers.get("areas", {}).get("border_zone", {}))
    target = dashboard.click_target(value, zones=zone_names)
    if target is None:
        return
    if target.kind == "incident":
        st.session_state[SELECTED] = target.value
    else:
        filters.apply_click(target.kind, target.value)
        st.session_state.pop(SELECTED, None)


def _on_table_select() -> None:
    event = st.session_state.get("incident_table")
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    ids = st.session_state.get("_table_ids") or []
    if rows and rows[0] < len(ids):
        st.session_state[SELECTED] = int(ids[rows[0]])


def _timeline(weekly: pd.DataFrame) -> alt.Chart:
    colours = dict(zip(weekly["event_type"].unique(), mapview.type_colours(list(weekly["event_type"].unique()))))
    domain = sorted(colours)
    return (
        alt.Chart(weekly, title="Incidents per week, by event type")
        .mark_bar()
        .encode(
            x=alt.X("week:T", title="Week", timeUnit="yearmonthdate"),
            y=alt.Y("incidents:Q", title="Incidents", stack=True),
            color=alt.Color("event_type:N", title="Event type",
                            scale=alt.Scale(domain=domain, range=[colours[d] for d in domain]),
                            legend=alt.Legend(orient="bottom", columns=2)),
            tooltip=[alt.Tooltip("week:T", title="Week of", format="%Y-%m-%d"), "event_type:N", "incidents:Q"],
        )
        .properties(height=260)
    )


def _regions_chart(regions: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(regions, title="Incidents by region")
        .mark_bar(color="#3182bd")
        .encode(
            x=alt.X("incidents:Q", title="Incidents"),
            y=alt.Y("region:N", sort="-x", title=None),
            tooltip=["region:N", "incidents:Q", alt.Tooltip("fatalities:Q", title="Fatalities (reported)")],
        )
        .properties(height=max(120, 24 * len(regions)))
    )


def _incident_detail(incident_id: int) -> None:
    """The full record of one incident (every string from an article escaped)."""
    inc = common.store().get_incident(int(incident_id))
    if not inc:
        st.session_state.pop(SELECTED, None)
        return
    esc = mapview.esc
    with st.container(border=True, key="incident_detail"):
        head, close = st.columns([6, 1])
        head.subheader(f"Incident #{inc['id']}: {common.md_literal(inc.get('event_type')) or 'incident'}")
        close.button("Close", key="close_detail", on_click=lambda: st.session_state.pop(SELECTED, None))
        where = ", ".join(x for x in (inc.get("admin2"), inc.get("admin1")) if x) or "not in a Mali region"
        zone = inc.get("border_zone") or "none"
        if inc.get("distance_to_border_km") is not None:
            zone += f" · {inc['distance_to_border_km']:.0f} km from the border"
            zone += f" with {inc['nearest_country']}" if inc.get("nearest_country") else ""
        fats = [mapview.fatality_text(f) for f in inc.get("fatalities_detail") or []]
        rows = [
            ("Date", esc(f"{inc.get('date') or 'not stated'} ({inc.get('date_precision') or 'no date'})")),
            ("Place as written", esc(inc.get("place"))),
            ("Located to", esc(mapview.PRECISION_LABELS.get(inc.get("geo_precision") or 1, ""))
             + (f" ({dashboard.WAITING_TEXT})" if inc.get("geocode_status") == dashboard.RETRY
                else " (place not found)" if inc.get("lat") is None else "")),
            ("Region", esc(where)),
            ("Border zone", esc(zone)),
            ("Actors", esc(", ".join(inc.get("actors") or [])) or "—"),
            ("Fatalities", "<br>".join(f for f in fats if f) or "none reported"),
            ("Review", esc(inc.get("review_status"))),
        ]
        table = "".join(f"<tr><th style='text-align:left;padding-right:12px;color:#475569;font-weight:500'>{k}</th>"
                        f"<td>{v}</td></tr>" for k, v in rows)
        evidence = [mapview.highlight(e.get("text", ""), [inc.get("place") or ""], limit=600)
                    for e in inc.get("evidence") or [] if isinstance(e, dict)]
        quotes = "".join(f"<blockquote style='border-left:3px solid #cbd5e1;margin:4px 0;padding-left:8px'>{e}"
                         "</blockquote>" for e in evidence)
        links = []
        for a in inc.get("articles") or []:
            label = esc(a.get("title") or "article") + (f" ({esc(a.get('published'))})" if a.get("published") else "")
            url = mapview.safe_url(a.get("url"))
            links.append(f'<a href="{url}" target="_blank" rel="noopener noreferrer">{label}</a>' if url else label)
        st.html(f"<div style='font-size:0.92rem'><table>{table}</table>{quotes}"
                + (f"<p><b>Sources:</b> {'; '.join(links)}</p>" if links else "") + "</div>")
        for n, a in enumerate(inc.get("articles") or []):
            label = common.md_literal((a.get("title") or "article")[:60])
            if st.button(f"Open the article in Sources: {label}", key=f"open_src_{n}"):
                st.session_state["source_article"] = a["id"]
                st.switch_page("ui/sources.py")


def render() -> None:
    url = common.db_url()
    ver = common.version()
    key = common.data_key()
    fac = common.facets(url, ver)
    flt = filters.sidebar(fac)

    st.title("Mali Incident Map")
    st.caption(f"Showing {common.md_literal(filters.describe(flt))}. " + common.data_caption())

    summ = common.summaries(url, ver, flt)
    k: dashboard.Kpis = summ["kpis"]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Incidents", f"{k.incidents:,}")
    c2.metric("Fatalities", f"{k.fatalities:,}", help="Sum of the highest figure not claimed by a party, per incident.")
    c3.metric("Regions affected", f"{k.regions:,}")
    c4.metric("In border zones", f"{k.border_zones:,}", help="Incidents that lie in a border zone.")

    layers = common.base_layers(key)
    payload = common.map_payload(url, ver, flt, key)
    m = mapview.incident_map(
        payload, layers=layers, region_counts=summ["admin1"], admin2_counts=summ["admin2"],
        fit="incidents" if (flt.admin1 or flt.admin2 or flt.border_zone) else "mali",
    )
    # Only a click reruns the page (pan and zoom do not); the callback turns it into a
    # filter (region, cercle, border zone) or a selected incident (a marker).
    st_folium(m, key=MAP_KEY, height=620, use_container_width=True,
              returned_objects=["last_object_clicked", "last_object_clicked_tooltip"], on_change=_on_map_click)
    st.caption("Click a region or border zone to filter to it, a marker for its record. Solid dots: the town is "
               "known; dashed rings: only the district, region or border zone is (the area is drawn when you "
               "open it). Layers (heat map, choropleths) in the control at the top right.")

    if st.session_state.get(SELECTED):
        _incident_detail(st.session_state[SELECTED])

    left, right = st.columns([3, 2])
    weekly = summ["weekly"]
    if weekly.empty:
        left.info("No dated incidents for this filter.")
    else:
        left.altair_chart(_timeline(weekly), width="stretch")
    regions = summ["regions"]
    if regions.empty:
        right.info("No incidents for this filter.")
    else:
        right.altair_chart(_regions_chart(regions), width="stretch")

    st.subheader("Incidents")
    tbl = common.table(url, ver, flt)
    st.session_state["_table_ids"] = tbl["id"].tolist()
    if k.incidents > len(tbl):
        st.caption(f"The newest {len(tbl):,} of {k.incidents:,} incidents; the downloads hold all of them.")
    st.dataframe(
        tbl, hide_index=True, key="incident_table", on_select=_on_table_select, selection_mode="single-row",
        column_config={
            "id": st.column_config.NumberColumn("id", format="%d", width="small"),
            "date": st.column_config.DateColumn("date"),
            "fatalities": st.column_config.NumberColumn("fatalities", format="%d"),
            "sources": st.column_config.NumberColumn("sources", format="%d", width="small"),
        },
    )
    d1, d2, _ = st.columns([1, 1, 3])
    stem = "mali-incidents" + ("" if flt.is_empty() else "-filtered")
    d1.download_button("Download CSV", data=lambda: common.export_data(flt, "csv"), file_name=f"{stem}.csv",
                       mime="text/csv", key="dl_csv", on_click="ignore", icon=":material/download:")
    d2.download_button("Download GeoJSON", data=lambda: common.export_data(flt, "geojson"),
                       file_name=f"{stem}.geojson", mime="application/geo+json", key="dl_geojson",
                       on_click="ignore", icon=":material/download:")


render()
