"""Mali Incident Map: Streamlit entry point.

    streamlit run app.py

Pages (``ui/``): Map (default), Add articles, Review, Sources, Data. The map works with no
internet: its scripts are served from ./static (see .streamlit/config.toml) and the base
map is drawn from our own boundaries. On an empty database the first run stores the
sample articles in data/samples, so the map is never blank. Pages only call geo/ and
render.
"""

from __future__ import annotations

import streamlit as st

from ui import common

st.set_page_config(page_title="Mali Incident Map", page_icon="🗺️", layout="wide")

try:
    report = common.first_run()
except Exception as exc:  # noqa: BLE001 - the app still opens; the error is shown
    report = None
    st.error(f"The sample articles could not be added: {exc}")
if report and report.get("failed"):
    st.warning(f"Some sample articles could not be added: {report['failed']}")

pages = [
    st.Page("ui/map_page.py", title="Map", icon=":material/map:", default=True),
    st.Page("ui/add_articles.py", title="Add articles", icon=":material/post_add:", url_path="add"),
    st.Page("ui/review.py", title="Review", icon=":material/fact_check:", url_path="review"),
    st.Page("ui/sources.py", title="Sources", icon=":material/article:", url_path="sources"),
    st.Page("ui/data.py", title="Data", icon=":material/database:", url_path="data"),
]
st.navigation(pages).run()
