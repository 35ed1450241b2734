"""Review: places the geocoder could not find and doubtful incidents, to confirm or fix.

A fix locates the incident where the reviewer says and remembers the name as written as
an alias of that place (the geocoder consults aliases first), so the next article that
writes it the same way is placed right.
"""

from __future__ import annotations

import streamlit as st

from geo import dashboard, mapview
from geo.errors import GeoError
from ui import common

PICK = "review_pick"


def _label(inc: dict) -> str:
    return f"#{inc['id']} · {inc.get('place') or '?'} · {inc.get('date') or 'no date'} · {', '.join(inc['reasons'])}"


def _evidence_html(inc: dict) -> str:
    quotes = [mapview.highlight(e.get("text", ""), [inc.get("place") or ""], limit=500)
              for e in inc.get("evidence") or [] if isinstance(e, dict)]
    return "".join(f"<blockquote style='border-left:3px solid #cbd5e1;margin:4px 0;padding-left:8px'>{q}</blockquote>"
                   for q in quotes) or "<p><i>No evidence sentence stored.</i></p>"


def _fix(inc: dict, name: str, lat: float, lon: float, precision: int) -> None:
    try:
        out = dashboard.apply_fix(common.store(), common.geocoder(), inc["id"], place_name=name, lat=lat, lon=lon,
                                  geo_precision=precision)
    except GeoError as exc:
        st.session_state["review_msg"] = ("error", f"Not saved: {common.md_literal(exc)}")
        return
    md = common.md_literal
    extra = f" and {out['others']} other incident(s) with the same name" if out["others"] else ""
    alias = f" From now on “{md(inc.get('place'))}” means {md(name)}." if out["alias"] else ""
    st.session_state["review_msg"] = ("success", f"Incident #{inc['id']}{extra} located at {md(name)} "
                                                 f"({lat:.4f}, {lon:.4f}).{alias}")


def _status(inc: dict, status: str) -> None:
    dashboard.set_review(common.store(), inc["id"], status, "set in review")
    st.session_state["review_msg"] = ("success", f"Incident #{inc['id']} {status}.")


def render() -> None:
    st.title("Review")
    st.caption("Unresolved places, points outside Mali's regions and low-confidence incidents. Confirm them, "
               "locate them (the name becomes a gazetteer alias), or reject them (hidden from the map).")
    msg = st.session_state.pop("review_msg", None)
    if msg:
        getattr(st, msg[0])(msg[1])

    queue = dashboard.review_queue(common.store())
    if not queue:
        st.success("Nothing to review.")
        return
    st.write(f"{len(queue)} incident(s) to review.")
    by_id = {inc["id"]: inc for inc in queue}
    if st.session_state.get(PICK) not in by_id:
        st.session_state.pop(PICK, None)
    pick = st.selectbox("Incident", list(by_id), format_func=lambda i: _label(by_id[i]), key=PICK)
    inc = by_id[pick]

    left, right = st.columns([3, 2])
    with left:
        st.subheader(f"“{common.md_literal(inc.get('place')) or '?'}”")
        arts = ", ".join(mapview.esc(a.get("title") or "article") for a in inc.get("articles") or [])
        st.html(f"<div style='font-size:0.92rem'><p><b>Why:</b> {mapview.esc(', '.join(inc['reasons']))}<br>"
                f"<b>Type:</b> {mapview.esc(inc.get('event_type') or '—')} · "
                f"<b>Region from the text:</b> {mapview.esc(inc.get('admin1') or '—')} · "
                f"<b>Border zone:</b> {mapview.esc(inc.get('border_zone') or '—')}<br>"
                f"<b>From:</b> {arts or '—'}</p>{_evidence_html(inc)}</div>")
    with right:
        b1, b2 = st.columns(2)
        if b1.button("Confirm as is", key="review_confirm", help="The incident is right as it stands."):
            _status(inc, "confirmed")
            st.rerun()
        if b2.button("Reject", key="review_reject", help="Not an incident, or a duplicate: hidden from the map."):
            _status(inc, "rejected")
            st.rerun()

    st.subheader("Locate it")
    name = st.text_input("Look up a place name", value=inc.get("place") or "", key=f"review_name_{pick}")
    cands = dashboard.place_candidates(common.geocoder(), name, admin1=inc.get("admin1"))
    if cands:
        choice = st.radio("Gazetteer candidates", range(len(cands)),
                          format_func=lambda i: common.md_literal(cands[i]["label"]), key=f"review_cand_{pick}_{name}")
        c = cands[choice]
        md = common.md_literal
        if st.button(f"Locate at {md(c['name'])} and remember “{md(inc.get('place'))}”", key="review_fix_cand",
                     type="primary"):
            _fix(inc, c["name"], c["lat"], c["lon"], c["geo_precision"])
            st.rerun()
    else:
        st.info("No gazetteer place by that name: type another spelling, or give coordinates below.")
    with st.expander("Or give coordinates"):
        c1, c2, c3 = st.columns(3)
        place_name = c1.text_input("Place name", value=name, key=f"review_pname_{pick}")
        lat = c2.number_input("Latitude", min_value=-90.0, max_value=90.0, value=None, format="%.5f",
                              key=f"review_lat_{pick}")
        lon = c3.number_input("Longitude", min_value=-180.0, max_value=180.0, value=None, format="%.5f",
                              key=f"review_lon_{pick}")
        prec = st.selectbox("That point is", [1, 2], format_func=lambda p: mapview.PRECISION_LABELS[p],
                            key=f"review_prec_{pick}")
        if st.button("Locate here and remember the name", key="review_fix_coords",
                     disabled=lat is None or lon is None or not place_name.strip()):
            _fix(inc, place_name.strip(), float(lat), float(lon), int(prec))
            st.rerun()


render()
