"""Fixtures for the geocoder: a fake Nominatim on 127.0.0.1, settings pointing at it, and
a small synthetic gazetteer with look-alike names for disambiguation cases."""

from __future__ import annotations

import http.server
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from geo import gazetteer
from geo._geopy import OnlineProvider
from geo.config import Settings
from geo.gazetteer import Gazetteer, Place
from geo.geocache import GeoCache
from geo.geocode import Geocoder

USER_AGENT = "mali-incident-map-tests/1.0 (+https://example.invalid/tests)"


@dataclass
class Reply:
    """One scripted answer: status, JSON-able body (or raw bytes), headers, delay before it."""

    status: int = 200
    body: Any = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def nominatim_place(name: str, lat: float, lon: float, *, kind: str = "village", importance: float = 0.3,
                    display: str | None = None, rank: int = 19) -> dict:
    """One hit as Nominatim's /search?format=json returns it (coordinates are strings)."""
    return {
        "place_id": abs(hash((name, lat, lon))) % 10**8, "licence": "Data © OpenStreetMap contributors, ODbL 1.0",
        "osm_type": "node", "osm_id": abs(hash(name)) % 10**9, "lat": f"{lat:.7f}", "lon": f"{lon:.7f}",
        "class": "place" if kind not in ("administrative",) else "boundary", "type": kind, "place_rank": rank,
        "importance": importance, "addresstype": kind, "name": name,
        "display_name": display or f"{name}, Mali", "boundingbox": [str(lat - 0.01), str(lat + 0.01),
                                                                    str(lon - 0.01), str(lon + 0.01)],
    }


class FakeNominatim:
    """Speaks Nominatim's /search JSON. ``script[q]`` is a list of replies, used in order
    (the last one repeats); unknown queries get ``default`` (no result). Every request
    is recorded with its parameters, headers and arrival time.

    One server (127.0.0.1, free port) serves the whole session; :meth:`reset` gives each
    test a clean script and log. ``Reply`` and ``place`` are here so tests need no imports.
    """

    Reply = Reply
    place = staticmethod(nominatim_place)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()
        state = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                with state._lock:
                    state.requests.append({"path": parts.path, "params": params, "headers": dict(self.headers),
                                           "t": time.monotonic()})
                    replies = state.script.get(params.get("q", ""))
                    if replies:
                        reply = replies.pop(0) if len(replies) > 1 else replies[0]
                    else:
                        reply = state.default
                    stop = state._stop
                if reply.delay:
                    stop.wait(reply.delay)
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def reset(self) -> None:
        with self._lock:
            old = getattr(self, "_stop", None)
            if old is not None:
                old.set()                      # wake handlers still sleeping for a timeout test
            self._stop = threading.Event()
            self.script: dict[str, list[Reply]] = {}
            self.default = Reply(200, [])
            self.requests: list[dict] = []

    def answer(self, query: str, *replies: Reply) -> None:
        with self._lock:
            self.script[query] = list(replies)

    def queries(self) -> list[str]:
        return [r["params"].get("q", "") for r in self.requests]

    def count(self, query: str) -> int:
        return self.queries().count(query)

    def close(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def _nominatim_server():
    server = FakeNominatim()
    yield server
    server.close()


@pytest.fixture
def fake_nominatim(_nominatim_server: FakeNominatim) -> FakeNominatim:
    _nominatim_server.reset()
    yield _nominatim_server
    _nominatim_server.reset()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'geocode.sqlite'}"


@pytest.fixture
def online_settings(fake_nominatim: FakeNominatim, db_url: str) -> Settings:
    return Settings(
        database_url=db_url, geocoder="nominatim", geocoder_url=fake_nominatim.url, user_agent=USER_AGENT,
        geocoder_min_delay=0.01, geocoder_timeout=0.3, geocoder_retries=2,
    )


@pytest.fixture(scope="session")
def gaz() -> Gazetteer:
    return gazetteer.load()


class SleepRecorder:
    """Stands in for time.sleep: records the waits asked for, sleeps a token amount."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(0.001)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_online(gaz, online_settings, sleeps):
    """Factory: an online Geocoder on the fake server (fresh in-memory LRU each call)."""

    providers: dict[int, OnlineProvider] = {}

    def make(settings: Settings | None = None, *, new_provider: bool = False, **provider_kwargs) -> Geocoder:
        s = settings or online_settings
        key = id(s)
        if new_provider or key not in providers or provider_kwargs:
            providers[key] = OnlineProvider(s, sleep=sleeps, **provider_kwargs)
        return Geocoder(gaz, settings=s, cache=GeoCache(s.database_url), provider=providers[key])

    return make


def _place(gid: int, name: str, lat: float, lon: float, cc: str, admin1: str, pop: int = 0,
           code: str = "PPL", alts: tuple[str, ...] = (), fclass: str = "P") -> Place:
    from unidecode import unidecode

    return Place(gid, name, unidecode(name), lat, lon, fclass, code, cc, admin1, pop, alts, "test")


@pytest.fixture(scope="session")
def lookalike_gaz() -> Gazetteer:
    """Real places (GeoNames ids and coordinates) chosen for their shared names."""
    return Gazetteer([
        # Kati: the garrison town near Bamako, and a hamlet in Tombouctou region (both real)
        _place(2455558, "Kati", 12.74409, -8.07257, "ML", "07", 42922, "PPLA2"),
        _place(2455557, "Kati", 16.11326, -3.73328, "ML", "08", 0),
        _place(2287490, "Kati", 6.51464, -7.52569, "CI", "78", 1464),
        _place(2460954, "Ber", 16.85, -3.38, "ML", "08", 0),
        _place(2449067, "Timbuktu", 16.77348, -3.00742, "ML", "08", 32460, "PPLA", ("Tombouctou", "Timbuctoo")),
        _place(2457163, "Goundam", 16.41453, -3.67075, "ML", "08", 12586, "PPLA2"),
        _place(2460596, "Bamako", 12.65, -8.0, "ML", "01", 1297281, "PPLC"),
        _place(2455518, "Kayes", 14.44693, -11.44448, "ML", "03", 78406, "PPLA"),
        _place(2451711, "Sandaré", 14.7038, -10.3057, "ML", "03", 0, alts=("Sandare",)),
        # Sogou: three villages of that name in Mopti region, and Boni: Mopti and Kayes
        _place(2450870, "Sogou", 14.7538, -3.00129, "ML", "04"),
        _place(2450871, "Sogou", 14.15453, -3.49057, "ML", "04"),
        _place(2459917, "Boni", 15.07658, -2.21976, "ML", "04", 0),
        _place(9000001, "Boni", 14.10, -11.80, "ML", "03", 0),
        _place(2460105, "Douentza", 15.00155, -2.94978, "ML", "04", 24005, "PPLA2"),
        _place(2453348, "Mopti", 14.4843, -4.18296, "ML", "04", 108456, "PPLA"),
        # Gao: Mali's regional capital and a town in Burkina Faso
        _place(2457161, "Gao", 16.27167, -0.04472, "ML", "09", 86633, "PPLA"),
        _place(2361000, "Gao", 11.64967, -2.17777, "BF", "06", 26453),
        _place(2361029, "Dori", 14.0354, -0.0345, "BF", "12", 46512, "PPLA"),
        # Diboli (Mali) sits across the river from Kidira (Senegal); a "Diboli" in Guinea too
        _place(2458925, "Diboli", 14.45511, -12.19945, "ML", "03"),
        _place(9000002, "Diboli", 11.20, -9.90, "GN", "K", 800),
        _place(2249782, "Kidira", 14.46833, -12.21917, "SN", "05", 5000),
        # the same name twice, equally good, far apart: ambiguous without context
        _place(9000003, "Tintam", 15.10, -9.00, "ML", "03", 500),
        _place(9000004, "Tintam", 15.30, -1.00, "ML", "09", 500),
        # a region's seat and the region as an ADM1 row
        _place(2451478, "Ségou", 13.4317, -6.2157, "ML", "05", 130690, "PPLA", ("Segou", "Segu")),
        _place(2451477, "Ségou Region", 13.8, -6.0, "ML", "05", 2336255, "ADM1", ("Ségou",), fclass="A"),
        _place(2451185, "Sikasso", 11.31755, -5.66654, "ML", "06", 144786, "PPLA"),
    ])


@pytest.fixture
def offline(gaz) -> Geocoder:
    return Geocoder(gaz, cache=False, online=False)


@pytest.fixture
def lookalike(lookalike_gaz) -> Geocoder:
    return Geocoder(lookalike_gaz, cache=False, online=False)


@pytest.fixture(autouse=True)
def _fresh_shared_providers():
    """Providers are shared per process (rate limit, failure count); not across tests."""
    from geo import _geopy

    _geopy._PROVIDERS.clear()
    yield
    _geopy._PROVIDERS.clear()
