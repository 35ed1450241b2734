"""Data: boundaries and gazetteer in use, the full-data download, geocoder settings."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import dashboard
from geo.errors import GeoError
from ui import common


def _fetch(mirror: str) -> None:
    from geo import fulldata

    with st.spinner("Downloading and checking the full data (GeoNames, geoBoundaries)…"):
        try:
            out = fulldata.fetch(mirror=mirror or None, progress=False)
        except (GeoError, OSError) as exc:
            st.session_state["data_msg"] = ("error", f"Full data not installed: {exc}")
            return
    common.clear_caches()
    st.session_state["data_msg"] = ("success", f"Full data installed: {out.get('gazetteer_places', 0):,} places, "
                                               f"admin levels {out.get('admin_levels')}.")


def render() -> None:
    st.title("Data")
    msg = st.session_state.pop("data_msg", None)
    if msg:
        getattr(st, msg[0])(msg[1])

    ov = dashboard.data_overview()
    st.subheader("Boundaries and gazetteer")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Data in use", "full" if ov["full_data"] else "embedded")
    c2.metric("Gazetteer places", f"{ov['gazetteer_places']:,}")
    c3.metric("Admin levels", ", ".join(str(x) for x in ov["admin_levels"]))
    c4.metric("Border zones", len(ov["border_zones"]))
    units = pd.DataFrame([{"level": f"admin-{k}", "units": v} for k, v in ov["admin_units"].items()])
    left, right = st.columns(2)
    left.dataframe(units, hide_index=True, key="data_units")
    right.dataframe(pd.DataFrame(ov["border_zones"]), hide_index=True, key="data_zones")
    st.caption(f"Border zones: the part of Mali within {ov['border_km']:g} km of each neighbour (GEO_BORDER_KM), "
               f"and {ov['triborder_km']:g} km around the Mali–Burkina Faso–Niger tripoint (GEO_TRIBORDER_KM). "
               f"Gazetteer file: {ov['gazetteer_path']}. Sources and licences: data/README.md.")

    st.subheader("Full data")
    if ov["full_data"]:
        manifest = ov.get("manifest") or {}
        st.success(f"Installed in {ov['data_dir']}" + (f" on {manifest.get('fetched_at')}" if manifest else "")
                   + (f" from {manifest.get('source')}." if manifest else "."))
    else:
        st.info("Not installed: the embedded data is in use (Mali's 9 pre-2016 regions, a gazetteer of "
                "populated places). The full data adds admin-2 and admin-3 (geoBoundaries) and GeoNames' "
                "complete lists for Mali and its neighbours; downloads are checked against SHA-256 sums.")
    mirror = st.text_input("Download from (optional mirror: a folder or URL; empty: the publishers)",
                           value=ov.get("mirror") or "", key="data_mirror")
    if st.button("Download full data" if not ov["full_data"] else "Download again", key="data_fetch"):
        _fetch(mirror)
        st.rerun()

    st.subheader("Geocoder")
    store = common.store()
    geo = dashboard.geocoder_overview(store)
    settings = pd.DataFrame([
        {"setting": "GEO_GEOCODER", "value": geo["online_geocoder"]},
        {"setting": "GEO_GEOCODER_URL", "value": geo["geocoder_url"]},
        {"setting": "GEO_USER_AGENT", "value": geo["user_agent"]},
        {"setting": "GEO_GEOCODER_MIN_DELAY", "value": f"{geo['min_delay_s']:g} s"},
        {"setting": "GEO_GEOCODER_TIMEOUT", "value": f"{geo['timeout_s']:g} s"},
        {"setting": "GEO_GEOCODER_RETRIES", "value": str(geo["retries"])},
        {"setting": "GEO_GEOCODER_OPTIONS", "value": ", ".join(geo["options"]) or "—"},
    ])
    st.dataframe(settings, hide_index=True, key="data_geocoder")
    st.caption("Set these environment variables before starting the app (see README). The online geocoder is "
               "used only when asked (Add articles); every answer is cached in the database, "
               f"which holds {geo['cache_entries']:,} cached answers and {geo['aliases']:,} aliases.")
    waiting = geo["waiting"] or 0
    if waiting:
        st.warning(f"{waiting:,} place(s) wait for the online geocoder: it could not be reached (down, too slow "
                   "or rate limiting) when their articles were added. They are stored without a point and asked "
                   "again on the next online run, or now.")
        if st.button("Ask the online geocoder again", key="data_regeocode"):
            with st.spinner("Asking the online geocoder…"):
                report = dashboard.retry_waiting_places(store)
            st.session_state["data_msg"] = ("success" if not report.still_pending and not report.errors
                                            else "warning", common.md_literal(report.summary()))
            st.rerun()

    st.subheader("Aliases (review fixes)")
    aliases = dashboard.aliases_frame(store)
    if aliases.empty:
        st.caption("No aliases yet: fixes made on the Review page appear here.")
    else:
        st.dataframe(aliases, hide_index=True, key="data_aliases")
        st.download_button("Download aliases (CSV)", aliases.to_csv(index=False).encode("utf-8"),
                           file_name="aliases.csv", mime="text/csv", key="data_aliases_dl")
    up = st.file_uploader("Import aliases (CSV or JSON, as downloaded)", type=["csv", "json"], key="data_aliases_up")
    if up is not None and st.button("Import", key="data_aliases_import"):
        from geo.geocache import GeoCache

        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / Path(up.name).name
            p.write_bytes(up.getvalue())
            try:
                n = GeoCache.for_store(store).import_aliases(p)
            except GeoError as exc:
                st.error(common.md_literal(exc))
            else:
                common.geocoder().reload_aliases()
                st.success(f"Imported {n} alias(es).")

    st.subheader("Database")
    stats = store.stats()
    st.write(f"{getattr(store, 'backend', '?')} · schema version {store.schema_version()} · "
             f"{stats.get('articles', 0):,} articles, {stats.get('incidents', 0):,} incidents")
    if getattr(store, "safe_url", None):
        st.caption(f"GEO_DATABASE_URL: {store.safe_url}")


render()
