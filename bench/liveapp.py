"""`streamlit run app.py` on a free local port: the live app of the load bench and of the
browser tests (tests/browser/), one way to start and stop it.

The server runs in its own process group, gets SIGTERM if its parent dies (Linux), and is
stopped with everything it started when the ``with`` block ends, error or not.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

ROOT = Path(__file__).resolve().parent.parent
#: Seconds the server may take to answer its health check (a loaded machine is slow).
STARTUP_TIMEOUT_S = 90


@dataclass
class LiveApp:
    url: str            # ends with "/"
    db_url: str
    process: subprocess.Popen
    log_path: Path

    def log(self, n: int = 4000) -> str:
        """The end of the server's output."""
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """In the child: SIGTERM when the parent dies, so a killed run leaves no server behind."""
    try:
        import ctypes

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


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and anything it started (its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.wait(timeout=15)


@contextlib.contextmanager
def streamlit_app(tmp: Path, *, db_url: str | None = None, env: Mapping[str, str] = ()) -> Iterator[LiveApp]:
    """Run the dashboard on ``db_url`` (default: a new SQLite file in ``tmp``) and an empty
    full-data folder in ``tmp``, with ``env`` added to the environment; yields a
    :class:`LiveApp` once it answers its health check."""
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
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
        "--server.runOnSave", "false",
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
        _stop(proc)
