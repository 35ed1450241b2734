"""``python -m geo data fetch`` killed with SIGKILL at every stage leaves the data as it was.

The fetch runs in a subprocess against ../shared/geodata served on loopback. It is killed
- **mid-download**: the mirror trickles one file and never sends its end, so the kill is
  certain to land while the body is being read;
- **mid-build**: the fetch is paused (a hook in the subprocess that prints "paused" and
  sleeps; the code under test runs unchanged) when the gazetteer build starts, and when
  the admin build starts (the staging folder then holds a finished gazetteer.csv);
- **while installing**: after the build every file-system step of the swap (rmtree,
  rename, replace) is a pause point, and the fetch is killed before each one in turn, so
  every state the disk passes through is seen.

After each kill: the data folder holds exactly the files it held before (same names,
same SHA-256), what the library reports (full data or not, admin levels, gazetteer) is
unchanged, each file still loads, and nothing half-built is taken for data. Once a kill
lands after the new data is complete and swapped in, the new data must be complete
instead (never a mix). Finally an uninterrupted fetch succeeds and installs the full
data, leaving no staging or backup folder behind.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from geo import datasets, fulldata, gazetteer
from geo.config import get_settings

REPO = Path(__file__).resolve().parent.parent
#: A safety net for a hung subprocess, not a measure.
WAIT_S = 300

#: The fetch, through the command line, with an optional pause point (KILLTEST_PAUSE):
#: "build_gazetteer" / "build_admin": on entering that build step; "install:N": before the
#: N-th file-system step (shutil.rmtree, os.rename, os.replace) after the build finished;
#: "rename:N": before the N-th rename or replace after the build. KILLTEST_NO_EXCHANGE=1
#: takes the path of systems where two folders cannot be swapped atomically.
RUNNER = r"""
import os, shutil, sys, time

from geo import fulldata

PAUSE = os.environ.get("KILLTEST_PAUSE", "")


def pause(what):
    print("paused", what, flush=True)
    while True:
        time.sleep(3600)


if PAUSE in ("build_gazetteer", "build_admin"):
    setattr(fulldata, PAUSE, lambda *a, **k: pause(PAUSE))
elif PAUSE.startswith(("install:", "rename:")):
    kind, wanted = PAUSE.split(":", 1)
    wanted = int(wanted)
    state = {"built": False, "step": 0}
    real_build_admin = fulldata.build_admin

    def build_admin(*a, **k):
        out = real_build_admin(*a, **k)
        state["built"] = True
        return out

    fulldata.build_admin = build_admin

    def hooked(name, fn):
        def inner(*a, **k):
            if state["built"]:
                state["step"] += 1
                if state["step"] == wanted:
                    pause(f"{kind}:{wanted} before {name}({', '.join(map(str, a[:2]))})")
            return fn(*a, **k)
        return inner

    if kind == "install":
        shutil.rmtree = hooked("rmtree", shutil.rmtree)
    os.rename = hooked("rename", os.rename)
    os.replace = hooked("replace", os.replace)

if os.environ.get("KILLTEST_NO_EXCHANGE"):     # a system without an atomic directory swap
    fulldata._exchange = lambda a, b: False

from geo.cli import main

raise SystemExit(main(["data", "fetch", "--mirror", sys.argv[1], "--json"]))
"""


# ---------------------------------------------------------------- a mirror that can trickle

class _Mirror(http.server.SimpleHTTPRequestHandler):
    """Serves the mirror; the file named by ``trickle`` (if any) is sent 1 KB at a time and
    its last KB is held back until ``release`` is set, so its download never completes
    while the test wants it in progress. ``sending`` is set once 8 KB of it went out."""

    trickle: str | None = None
    sending: threading.Event
    release: threading.Event

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if not self.trickle or not self.path.endswith(self.trickle):
            return super().do_GET()
        data = (Path(self.directory) / self.path.lstrip("/")).read_bytes()
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            sent = 0
            while not self.release.is_set():
                if sent < len(data) - 1024:
                    self.wfile.write(data[sent:sent + 1024])
                    self.wfile.flush()
                    sent += 1024
                    if sent >= 8192:
                        self.sending.set()
                self.release.wait(0.01)
        except (BrokenPipeError, ConnectionResetError):
            pass          # the client was killed: what we wanted
        self.close_connection = True


@pytest.fixture
def mirror(shared_geodata: Path, serve_handler):
    """Factory: the shared mirror on loopback, trickling ``trickle`` (or nothing)."""
    releases: list[threading.Event] = []

    def start(trickle: str | None = None):
        release = threading.Event()
        releases.append(release)
        handler = type("Mirror", (_Mirror,), {"trickle": trickle, "sending": threading.Event(), "release": release})
        srv = serve_handler(functools.partial(handler, directory=str(shared_geodata)))
        return srv, handler

    yield start
    for r in releases:
        r.set()


# ---------------------------------------------------------------- running and killing the fetch

def _env(pause: str = "") -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), KILLTEST_PAUSE=pause)
    return env


def _start(url: str, pause: str = "", **env: str) -> tuple[subprocess.Popen, "queue.Queue[str | None]"]:
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, url], cwd=REPO, env=dict(_env(pause), **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return proc, lines


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=WAIT_S)
    assert proc.returncode == -signal.SIGKILL
    proc.stderr.close()


def kill_mid_download(mirror, trickle: str) -> None:
    srv, handler = mirror(trickle)
    proc, _ = _start(srv.url)
    try:
        assert handler.sending.wait(WAIT_S), "the fetch never started downloading " + trickle
        assert proc.poll() is None
    finally:
        if proc.poll() is None:
            _kill(proc)


def kill_at_pause(url: str, pause: str, **env: str) -> str | None:
    """Run the fetch until it pauses at ``pause`` and kill it there: the pause line; None
    when the fetch finished without reaching that point (it then succeeded)."""
    proc, lines = _start(url, pause, **env)
    try:
        while True:
            line = lines.get(timeout=WAIT_S)
            if line is None:      # ended without pausing there
                proc.wait(timeout=WAIT_S)
                err = proc.stderr.read()
                assert proc.returncode == 0, err
                return None
            if line.startswith("paused"):
                assert proc.poll() is None
                _kill(proc)
                return line.strip()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def fetch_to_completion(url: str) -> dict:
    p = subprocess.run([sys.executable, "-m", "geo", "data", "fetch", "--mirror", url, "--json"], cwd=REPO,
                       env=_env(), capture_output=True, text=True, timeout=WAIT_S)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


# ---------------------------------------------------------------- what the data looks like

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_LOADED: dict[tuple, tuple] = {}


def data_state() -> dict:
    """The data folder's files and hashes, and what the library makes of it: the files in
    use loaded afresh (parsed again whenever their bytes differ from any seen before)."""
    import geopandas as gpd

    d = get_settings().data_dir
    files = ({p.relative_to(d).as_posix(): _sha256(p) for p in sorted(d.rglob("*")) if p.is_file()}
             if d.exists() else None)
    gaz_path = datasets.gazetteer_path()
    levels = datasets.admin_levels()
    in_use = (str(gaz_path), _sha256(gaz_path),
              tuple((lvl, str(datasets.admin_path(lvl)), _sha256(datasets.admin_path(lvl))) for lvl in levels))
    if in_use not in _LOADED:
        _LOADED[in_use] = (len(gazetteer.Gazetteer.from_csv(gaz_path)),
                           {lvl: len(gpd.read_file(datasets.admin_path(lvl))) for lvl in levels})
    places, features = _LOADED[in_use]
    return {
        "files": files,
        "full_data": datasets.has_full_data(),
        "admin_levels": levels,
        "gazetteer_path": str(gaz_path),
        "gazetteer_places": places,
        "admin_features": features,
    }


def cli_data_info() -> dict:
    p = subprocess.run([sys.executable, "-m", "geo", "data", "info", "--json"], cwd=REPO, env=_env(),
                       capture_output=True, text=True, timeout=WAIT_S)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def assert_complete_new_data(state: dict, sums: dict[str, str]) -> None:
    """A complete install from the shared mirror: every file its manifest names, the
    downloads' hashes those of the mirror, admin-2 present."""
    d = get_settings().data_dir
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    assert state["full_data"] and state["admin_levels"] == [1, 2]
    assert set(state["files"]) == {"manifest.json", datasets.GAZETTEER_FILE, "mali_admin1.geojson",
                                   "mali_admin2.geojson"}
    assert manifest["admin_levels"] == [1, 2] and manifest["gazetteer"]["places"] == state["gazetteer_places"]
    for rel, sha in manifest["files"].items():
        assert sums[rel] == sha
    assert state["gazetteer_places"] > 20000


def assert_no_leftovers() -> None:
    d = get_settings().data_dir
    assert sorted(p.name for p in d.parent.iterdir() if p.name.startswith(d.name)) == [d.name]


def _mirror_sums(shared: Path) -> dict[str, str]:
    return {line.split()[1].removeprefix("./"): line.split()[0]
            for line in (shared / "SHA256SUMS").read_text().splitlines() if line.strip()}


def _small_mirror(shared: Path, dest: Path) -> Path:
    """ML dump and admin-1 only: a fetch from it installs full data without admin-2, so the
    previous install and the new one differ."""
    sums = _mirror_sums(shared)
    keep = ["geonames/ML.zip", "geoboundaries/geoBoundaries-MLI-ADM1_simplified.geojson"]
    for rel in keep:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared / rel, dest / rel)
    (dest / "SHA256SUMS").write_text("".join(f"{sums[r]}  {r}\n" for r in keep))
    return dest


# ---------------------------------------------------------------- the tests

def test_killed_fetch_leaves_no_full_data_as_it_was(shared_geodata: Path, mirror) -> None:
    """No full data before: after each kill the app is still on the embedded data."""
    before = data_state()
    info_before = cli_data_info()
    assert before["files"] is None and not before["full_data"]
    kill_mid_download(mirror, "geonames/ML.zip")       # the first file
    assert data_state() == before
    kill_mid_download(mirror, "geonames/SN.zip")       # after several complete files
    assert data_state() == before
    srv, _ = mirror(None)
    assert kill_at_pause(srv.url, "build_admin") == "paused build_admin"   # a gazetteer.csv in staging
    assert data_state() == before
    assert cli_data_info() == info_before
    summary = fetch_to_completion(srv.url)
    assert summary["full_data"] is True and summary["admin_levels"] == [1, 2]
    assert_complete_new_data(data_state(), _mirror_sums(shared_geodata))
    assert_no_leftovers()
    assert cli_data_info()["full_data"] is True


def install_previous_data(shared: Path, tmp_path: Path, monkeypatch) -> tuple[dict, dict]:
    """Full data from a mirror without admin-2 (the "previous" install); its state and what
    ``data info`` reports."""
    fulldata.fetch(mirror=str(_small_mirror(shared, tmp_path / "small")), progress=False)
    before = data_state()
    assert before["full_data"] and before["admin_levels"] == [1] and before["files"]
    return before, cli_data_info()


def kill_at_each_step(url: str, kind: str, before: dict, sums: dict[str, str], **env: str) -> tuple[list[str], bool]:
    """Kill a fetch before each install step in turn (each run starting from what the
    previous kill left); after each kill the previous data or the whole new data is in
    place, and once the new data was seen the previous never comes back. Returns the pause
    lines and whether a kill found the new data in place; the last run, which had no such
    step left, completed the fetch."""
    seen: list[str] = []
    seen_new = False
    for n in range(1, 50):
        paused = kill_at_pause(url, f"{kind}:{n}", **env)
        if paused is None:      # no step n: that run completed the fetch
            break
        seen.append(paused)
        state = data_state()
        if state == before:
            assert not seen_new, f"{paused}: the previous data came back after the new data was in"
            continue
        # not the previous data: then the new data, whole
        assert state["files"] is not None, f"{paused}: the data folder is gone (no full data)"
        assert_complete_new_data(state, sums)
        seen_new = True
    else:
        pytest.fail("the fetch never completed")
    # the last run completed: the new data, whole, and nothing left beside it
    assert_complete_new_data(data_state(), sums)
    assert_no_leftovers()
    return seen, seen_new


def test_killed_fetch_leaves_previous_full_data_as_it_was(shared_geodata: Path, mirror, tmp_path: Path,
                                                        monkeypatch) -> None:
    """Full data installed before (admin-1 only): after a kill at any stage it is there,
    byte for byte, and loads as before; or, once the new data is swapped in, the new data
    is there whole. The run that gets past the last pause point is the fetch run to
    completion."""
    before, info_before = install_previous_data(shared_geodata, tmp_path, monkeypatch)
    sums = _mirror_sums(shared_geodata)

    kill_mid_download(mirror, "geonames/SN.zip")
    assert data_state() == before
    srv, _ = mirror(None)
    for stage in ("build_gazetteer", "build_admin"):
        assert kill_at_pause(srv.url, stage) == f"paused {stage}"
        assert data_state() == before, stage
    assert cli_data_info() == info_before

    steps, seen_new = kill_at_each_step(srv.url, "install", before, sums)
    assert len(steps) >= 2 and seen_new, steps    # killed before the swap, and after it
    info = cli_data_info()
    assert info != info_before and info["full_data"] is True and info["admin_levels"] == [1, 2]


def test_killed_install_without_an_atomic_swap_is_recovered(shared_geodata: Path, mirror, tmp_path: Path,
                                                           monkeypatch) -> None:
    """Where two folders cannot be swapped in one step the previous data is moved aside
    first: a kill between the two renames leaves no data folder for a moment. What a fetch
    does first (fulldata.recover) must put the previous data back, byte for byte, before
    anything else; the next fetch then completes."""
    before, _ = install_previous_data(shared_geodata, tmp_path, monkeypatch)
    sums = _mirror_sums(shared_geodata)
    srv, _ = mirror(None)
    target = get_settings().data_dir
    first = kill_at_pause(srv.url, "rename:1", KILLTEST_NO_EXCHANGE="1")
    assert first and data_state() == before, first          # killed before any rename
    second = kill_at_pause(srv.url, "rename:2", KILLTEST_NO_EXCHANGE="1")
    assert second and f"before rename({target}.staging, {target})" in second
    assert not target.exists()                                # the window the atomic swap closes
    assert fulldata.recover() is True
    assert data_state() == before                             # back, byte for byte
    assert kill_at_pause(srv.url, "rename:3", KILLTEST_NO_EXCHANGE="1") is None   # ran to completion
    assert_complete_new_data(data_state(), sums)
    assert_no_leftovers()
