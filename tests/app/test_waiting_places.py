"""Places the online geocoder could not answer for, in the dashboard: Review says why they
have no point, the Data page counts them, and its button asks the geocoder again.

The article is ingested for real with the online geocoder pointed at a port where nothing
listens; the geocoder that comes back is a loopback HTTP server speaking Nominatim's JSON.
"""

from __future__ import annotations

import http.server
import json
import socket
from datetime import date
from urllib.parse import parse_qs, urlsplit

from geo import _geopy, config
from geo.ingest import ingest
from geo.text.records import Article

from .conftest import no_exception

ARTICLE = Article(
    title="Army camp attacked",
    text=("Suspected jihadists attacked a military camp in the village of Boulkessi in the Mopti region on "
          "Tuesday, killing 12 soldiers, the army said."),
    published=date(2026, 11, 20), language="en",
)
BOULKESSI = (15.04, -1.37)


class _Nominatim(http.server.BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        q = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
        type(self).asked.append(q)
        hits = [{"lat": str(BOULKESSI[0]), "lon": str(BOULKESSI[1]), "name": "Boulkessi", "type": "village",
                 "addresstype": "village", "importance": 0.3, "display_name": "Boulkessi, Mopti, Mali"}] \
            if q == "Boulkessi" else []
        body = json.dumps(hits).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def _geocoder_at(monkeypatch, url: str) -> None:
    for k, v in {"GEO_GEOCODER": "nominatim", "GEO_GEOCODER_URL": url, "GEO_GEOCODER_MIN_DELAY": "0",
                 "GEO_GEOCODER_TIMEOUT": "2", "GEO_GEOCODER_RETRIES": "0"}.items():
        monkeypatch.setenv(k, v)
    config.get_settings.cache_clear()
    _geopy._PROVIDERS.clear()


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _boulkessi(store) -> dict:
    rows = [r for r in store.query() if r["place"] == "Boulkessi"]
    assert len(rows) == 1
    return rows[0]


def test_waiting_places_are_explained_counted_and_asked_again(app, store, seeded_url, monkeypatch, serve_handler):
    _geocoder_at(monkeypatch, _dead_url())
    report = ingest(articles=[ARTICLE], db=seeded_url, online=True, progress=False)
    assert report.ok and report.pending_places == 1
    inc = _boulkessi(store)
    assert inc["geocode_status"] == "retry" and inc["lat"] is None

    at = app.run()
    at.switch_page("ui/review.py").run()
    no_exception(at)
    label = next(o for o in at.selectbox(key="review_pick").options if "Boulkessi" in str(o))
    assert "waiting for the online geocoder" in str(label)

    server = serve_handler(_Nominatim)
    _Nominatim.asked = []
    _geocoder_at(monkeypatch, server.url.rstrip("/"))
    at.switch_page("ui/data.py").run()
    no_exception(at)
    assert any("1 place(s) wait for the online geocoder" in w.value for w in at.warning)
    at.button(key="data_regeocode").click().run()
    no_exception(at)
    assert any("1 located" in s.value for s in at.success), [s.value for s in at.success]
    assert not any("wait for the online geocoder" in w.value for w in at.warning)
    assert _Nominatim.asked == ["Boulkessi"]

    inc = _boulkessi(store)
    assert inc["geocode_status"] == "resolved"
    assert (inc["lat"], inc["lon"]) == BOULKESSI
    assert inc["admin1"] == "Mopti"
