"""`streamlit run app.py` on a free local port, for the browser tests.

conftest.py's session-wide server is one (on an empty database: its first run stores the
sample articles, which test_map_offline.py counts on); a test that stores hostile
articles, or needs a different setting (a small GEO_MAX_INPUT_BYTES), starts its own with
:func:`streamlit_app`, stopped when the test ends.

Imported by the test modules of this folder (pytest puts the folder on ``sys.path``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60


@dataclass
class LiveApp:
    url: str
    db_url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _wait_healthy(app: LiveApp) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {app.process.returncode}:\n{app.log()}")
        try:
            with urllib.request.urlopen(app.url + "_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit not healthy after {STARTUP_TIMEOUT_S}s:\n{app.log()}")


@contextlib.contextmanager
def streamlit_app(tmp: Path, *, db_url: str | None = None, env: Mapping[str, str] = ()) -> Iterator[LiveApp]:
    """Run the dashboard on ``db_url`` (default: a new SQLite file in ``tmp``) with ``env``
    added to the environment; yields a :class:`LiveApp` once it answers its health check."""
    tmp.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    db_url = db_url or f"sqlite:///{tmp / 'incidents.sqlite'}"
    full_env = dict(os.environ)
    full_env.update({"GEO_DATABASE_URL": db_url, "GEO_DATA_DIR": str(tmp / "full-data"), "PYTHONUNBUFFERED": "1"})
    full_env.update(dict(env))
    log_path = tmp / "streamlit.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    app = LiveApp(f"http://127.0.0.1:{port}/", db_url, proc, log_path)
    try:
        _wait_healthy(app)
        yield app
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
