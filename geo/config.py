"""Every setting in one place: environment variables with documented defaults.

Read once through :func:`get_settings`; tests and the CLI may build their own
:class:`Settings` with ``dataclasses.replace``. Nothing else in the library reads
``os.environ``.

===========================  ==========================================================
variable                     meaning (default)
===========================  ==========================================================
GEO_DATA_DIR                 where downloaded full data lives (user data dir/full-data)
GEO_DATABASE_URL             SQLAlchemy URL of the incident store (sqlite file in the
                             user data dir)
GEO_BORDER_KM                width of each national border zone inside Mali (50)
GEO_TRIBORDER_KM             radius of the Liptako-Gourma zone around the Mali, Burkina
                             Faso and Niger tripoint (100)
GEO_DB_BUSY_TIMEOUT          seconds an SQLite writer waits for another writer's lock (60)
GEO_DB_RETRIES               times a write that failed because the database was locked or
                             unreachable is tried again before the run stops (3)
GEO_DB_RETRY_WAIT            seconds before the first such retry; doubled each time (1)
GEO_MAX_INPUT_BYTES          largest article or upload accepted (5,000,000)
GEO_GEOCODER                 online geocoder: "" (off), "nominatim", or any geopy name
GEO_GEOCODER_URL             base URL of the online geocoder (the provider's own)
GEO_GEOCODER_OPTIONS         JSON object of extra geopy options (api keys, ...)
GEO_USER_AGENT               User-Agent sent to online services
GEO_GEOCODER_MIN_DELAY       seconds between online geocoder requests (1.0)
GEO_GEOCODER_TIMEOUT         seconds before an online request times out (10)
GEO_GEOCODER_RETRIES         retries on timeout, 429 and 5xx (3)
GEO_MIRROR                   directory or URL to fetch full data from instead of the
                             publishers' sites
GEO_ALLOW_PRIVATE_URLS       let article/feed fetching reach loopback, private, link-local
                             and other non-public addresses ("1"/"true"; off by default)
GEO_FETCH_TIMEOUT            seconds to connect, and to wait for each read, when fetching
                             an article or feed URL (10)
GEO_FETCH_DEADLINE           seconds a whole article or feed fetch may take, redirects
                             included (30)
GEO_FETCH_MAX_REDIRECTS      redirects followed when fetching, each one re-checked (5)
===========================  ==========================================================
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import platformdirs

APP_NAME = "mali-incident-map"
#: The repository's data/ folder: embedded data, committed.
EMBEDDED_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={raw!r} is not a yes/no value (use 1 or 0)")


def _user_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Runtime configuration. Build from the environment with :func:`get_settings`."""

    data_dir: Path = field(default_factory=lambda: _user_dir() / "full-data")
    database_url: str = field(default_factory=lambda: f"sqlite:///{_user_dir() / 'incidents.sqlite'}")
    border_km: float = 50.0
    triborder_km: float = 100.0
    db_busy_timeout: float = 60.0
    db_retries: int = 3
    db_retry_wait: float = 1.0
    max_input_bytes: int = 5_000_000
    geocoder: str = ""
    geocoder_url: str = ""
    geocoder_options: dict = field(default_factory=dict)
    user_agent: str = f"{APP_NAME}/0.1 (+https://example.invalid/mali-incident-map)"
    geocoder_min_delay: float = 1.0
    geocoder_timeout: float = 10.0
    geocoder_retries: int = 3
    mirror: str = ""
    allow_private_urls: bool = False
    fetch_timeout: float = 10.0
    fetch_deadline: float = 30.0
    fetch_max_redirects: int = 5

    @classmethod
    def from_env(cls) -> "Settings":
        """Read every ``GEO_*`` variable, falling back to the defaults above."""
        base = cls()
        env = os.environ
        options_raw = env.get("GEO_GEOCODER_OPTIONS", "").strip()
        try:
            options = json.loads(options_raw) if options_raw else {}
        except json.JSONDecodeError as exc:
            raise ValueError(f"GEO_GEOCODER_OPTIONS is not JSON: {exc}") from None
        return cls(
            data_dir=Path(env["GEO_DATA_DIR"]) if env.get("GEO_DATA_DIR") else base.data_dir,
            database_url=env.get("GEO_DATABASE_URL") or base.database_url,
            border_km=_env_float("GEO_BORDER_KM", base.border_km),
            triborder_km=_env_float("GEO_TRIBORDER_KM", base.triborder_km),
            db_busy_timeout=_env_float("GEO_DB_BUSY_TIMEOUT", base.db_busy_timeout),
            db_retries=int(_env_float("GEO_DB_RETRIES", base.db_retries)),
            db_retry_wait=_env_float("GEO_DB_RETRY_WAIT", base.db_retry_wait),
            max_input_bytes=int(_env_float("GEO_MAX_INPUT_BYTES", base.max_input_bytes)),
            geocoder=env.get("GEO_GEOCODER", "").strip().lower(),
            geocoder_url=env.get("GEO_GEOCODER_URL", "").strip(),
            geocoder_options=options,
            user_agent=env.get("GEO_USER_AGENT") or base.user_agent,
            geocoder_min_delay=_env_float("GEO_GEOCODER_MIN_DELAY", base.geocoder_min_delay),
            geocoder_timeout=_env_float("GEO_GEOCODER_TIMEOUT", base.geocoder_timeout),
            geocoder_retries=int(_env_float("GEO_GEOCODER_RETRIES", base.geocoder_retries)),
            mirror=env.get("GEO_MIRROR", "").strip(),
            allow_private_urls=_env_bool("GEO_ALLOW_PRIVATE_URLS", base.allow_private_urls),
            fetch_timeout=_env_float("GEO_FETCH_TIMEOUT", base.fetch_timeout),
            fetch_deadline=_env_float("GEO_FETCH_DEADLINE", base.fetch_deadline),
            fetch_max_redirects=int(_env_float("GEO_FETCH_MAX_REDIRECTS", base.fetch_max_redirects)),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()
