"""Mali Incident Map library: from news text to mapped, region-joined incidents.

This package never imports Streamlit; the dashboard (app.py) only calls it and renders.
"""

__version__ = "0.1.0"
