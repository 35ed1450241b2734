"""The sidebar filters of the map page, kept in the URL so a view can be shared.

On a session's first run the filter is read from the query string
(:meth:`IncidentFilter.from_query_params`, lenient: a bad value is dropped with a
warning); the widgets are seeded from it; after they run, the filter they describe is
written back to the query string (:meth:`IncidentFilter.to_query_params`), keeping any
other keys. The current filter also lives in ``st.session_state["filter"]``, so leaving
the map page and coming back keeps it.
"""

from __future__ import annotations

from typing import Any, Mapping

import streamlit as st

from geo.dashboard import PRECISION_LABELS, facet_options
from geo.errors import InvalidInputError
from geo.filters import IncidentFilter
from ui.common import md_literal

STATE = "filter"
#: widget key -> the IncidentFilter field it edits
KEYS = {
    "f_dates": ("date_from", "date_to"),
    "f_admin1": "admin1",
    "f_admin2": "admin2",
    "f_zone": "border_zone",
    "f_actors": "actors",
    "f_types": "event_types",
    "f_precision": "precision",
    "f_min_fat": "min_fatalities",
    "f_text": "text",
    "f_rejected": "review_status",
}
_DATE_BOUNDS = "_f_date_bounds"
VISIBLE_STATUSES = ("confirmed", "corrected", "unreviewed")


def _url_params() -> dict[str, list[str]]:
    qp = st.query_params
    return {k: qp.get_all(k) for k in qp.keys()}


def initial_filter() -> IncidentFilter:
    """The filter of this session: from session state, else from the URL."""
    if STATE in st.session_state:
        return st.session_state[STATE]
    params = _url_params()
    try:
        flt = IncidentFilter.from_query_params(params)
    except InvalidInputError as exc:
        st.session_state["_f_url_warning"] = f"Part of the link's filter was ignored: {md_literal(exc)}"
        flt = IncidentFilter.from_query_params(params, strict=False)
    st.session_state[STATE] = flt
    return flt


def reset() -> None:
    """Callback: clear every filter."""
    for key in KEYS:
        st.session_state.pop(key, None)
    st.session_state.pop(_DATE_BOUNDS, None)
    st.session_state[STATE] = IncidentFilter()


def apply_click(kind: str, value: Any) -> None:
    """Filter to what was clicked on the map (kind admin1, admin2 or border_zone)."""
    key = {"admin1": "f_admin1", "admin2": "f_admin2", "border_zone": "f_zone"}[kind]
    st.session_state[key] = [value]
    flt = st.session_state.get(STATE, IncidentFilter())
    st.session_state[STATE] = flt.replace(**{ {"f_admin1": "admin1", "f_admin2": "admin2",
                                                "f_zone": "border_zone"}[key]: (value,)})


def _seed(flt: IncidentFilter, facets: Mapping[str, Any]) -> None:
    """Widget state from the filter, for each widget that has none yet."""
    lo, hi = facets.get("date_min"), facets.get("date_max")
    if lo and hi:
        bounds = (min(lo, flt.date_from or lo), max(hi, flt.date_to or hi))
        old = st.session_state.get(_DATE_BOUNDS)
        current = st.session_state.get("f_dates")
        if old and old != bounds and current is not None and tuple(current) == tuple(old):
            # "everything" over bounds that have since grown: everything again
            st.session_state.pop("f_dates", None)
        st.session_state[_DATE_BOUNDS] = bounds
    defaults = {
        "f_admin1": list(flt.admin1), "f_admin2": list(flt.admin2), "f_zone": list(flt.border_zone),
        "f_actors": list(flt.actors), "f_types": list(flt.event_types), "f_precision": list(flt.precision),
        "f_min_fat": int(flt.min_fatalities or 0), "f_text": flt.text,
        "f_rejected": "rejected" in flt.review_status,
    }
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value


def sidebar(facets: Mapping[str, Any]) -> IncidentFilter:
    """Draw the filters in the sidebar; return the filter they describe (and sync the URL)."""
    base = initial_filter()
    _seed(base, facets)
    options = facet_options(facets, base)
    sb = st.sidebar
    sb.header("Filters")
    if st.session_state.get("_f_url_warning"):
        sb.warning(st.session_state.pop("_f_url_warning"))  # made with md_literal: it echoes the link

    date_from = date_to = None
    bounds = st.session_state.get(_DATE_BOUNDS)
    if bounds:
        # The value is only used when the widget is (re)created: from the filter, else everything.
        picked = sb.date_input("Date range", value=(base.date_from or bounds[0], base.date_to or bounds[1]),
                               min_value=bounds[0], max_value=bounds[1], key="f_dates",
                               help="Incidents from the first to the last day (both included).")
        picked = tuple(picked) if isinstance(picked, (tuple, list)) else ((picked,) if picked else ())
        if picked:
            date_from = picked[0] if picked[0] != bounds[0] else None
            date_to = picked[1] if len(picked) > 1 and picked[1] != bounds[1] else None
    else:
        sb.caption("No dated incidents yet.")

    # A multiselect errors if its state holds a value that is not an option.
    for key, opt in (("f_admin1", "admin1"), ("f_admin2", "admin2"), ("f_zone", "border_zone"),
                     ("f_actors", "actors"), ("f_types", "event_types")):
        cur = st.session_state.get(key) or []
        missing = [v for v in cur if v not in options[opt]]
        if missing:
            options[opt] = sorted(set(options[opt]) | set(missing))

    admin1 = sb.multiselect("Region (admin-1)", options["admin1"], key="f_admin1",
                            help="Or click a region on the map.")
    admin2 = []
    if options["admin2"]:
        admin2 = sb.multiselect("Cercle (admin-2)", options["admin2"], key="f_admin2")
    zones = sb.multiselect("Border zone", options["border_zone"], key="f_zone")
    actors = sb.multiselect("Actor", options["actors"], key="f_actors")
    types = sb.multiselect("Event type", options["event_types"], key="f_types")
    precision = sb.multiselect("Location precision", [1, 2, 3, 4, 5], key="f_precision",
                               format_func=lambda p: f"{p} · {PRECISION_LABELS.get(p, p)}")
    min_fat = sb.number_input("Minimum fatalities", min_value=0, step=1, key="f_min_fat",
                              help="0: no minimum (incidents with no reported figure included).")
    text = sb.text_input("Text search", key="f_text",
                         help="Every word must occur in the place, regions, actors, type or evidence.")
    show_rejected = False
    if "rejected" in (facets.get("review_status") or []) or st.session_state.get("f_rejected"):
        show_rejected = sb.checkbox("Show incidents rejected in review", key="f_rejected")
    sb.button("Clear filters", on_click=reset, key="f_reset")

    review = ()
    if "rejected" in (facets.get("review_status") or []) and not show_rejected:
        review = VISIBLE_STATUSES
    flt = IncidentFilter(
        date_from=date_from, date_to=date_to, admin1=tuple(admin1), admin2=tuple(admin2),
        border_zone=tuple(zones), actors=tuple(actors), event_types=tuple(types), precision=tuple(precision),
        min_fatalities=int(min_fat) if min_fat else None, text=text or "", review_status=review,
        bbox=base.bbox, sources=base.sources, max_precision=base.max_precision,   # no widget: kept from the link
    )
    st.session_state[STATE] = flt
    sync_url(flt)
    return flt


def sync_url(flt: IncidentFilter) -> None:
    """Make the query string hold exactly ``flt`` (other keys are kept)."""
    want = flt.to_query_params()
    qp = st.query_params
    for key in list(qp.keys()):
        if key in _all_filter_keys() and key not in want:
            del qp[key]
    for key, value in want.items():
        if qp.get_all(key) != [value]:
            qp[key] = value


def _all_filter_keys() -> set[str]:
    from dataclasses import fields

    return {f.name for f in fields(IncidentFilter)}


def describe(flt: IncidentFilter) -> str:
    if flt.review_status == VISIBLE_STATUSES:
        flt = flt.replace(review_status=())
    return flt.describe()

