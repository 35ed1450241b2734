"""Online geocoders through geopy: private plumbing for :mod:`geo.geocode`.

:class:`OnlineProvider` builds any geopy geocoder by its service name
(``geopy.geocoders.get_geocoder_for_service``) from :class:`geo.config.Settings`, biases
its queries to Mali and its neighbours where the service has a parameter for that, spaces
requests with geopy's :class:`~geopy.extra.rate_limiter.RateLimiter` and retries with
back-off on timeouts, 429 (honouring ``Retry-After``, capped) and 5xx. geopy's errors
come out as :mod:`geo.errors` ones. After several lookups in a row have failed, the
provider stops asking for a while (``cooloff``) and fails fast, so a dead service does
not cost minutes per article; the mentions stay unresolved and are retried on a later run.

Nothing here caches: :mod:`geo.geocode` puts answers in :mod:`geo.geocache`.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

import geopy.exc as gexc
from geopy.adapters import RequestsAdapter
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service

from .config import Settings
from .errors import GeocoderConfigError, GeocoderRateLimited, GeocoderTimedOut, GeocoderUnavailable

log = logging.getLogger(__name__)

#: Mali and its neighbours, ISO 3166-1 alpha-2 (lower case as Nominatim wants it).
COUNTRY_CODES = ("ml", "sn", "mr", "dz", "ne", "bf", "ci", "gn")
#: Mali's bounding box, (south, west), (north, east): a bias, not a bound.
MALI_BOX = ((10.1, -12.3), (25.0, 4.3))
#: Mali and all its neighbours: used where a service can only restrict to a box.
REGION_BOX = ((4.3, -17.6), (37.2, 16.0))
#: Results asked for per query.
LIMIT = 5

#: Default query options, applied when the service's ``geocode`` takes a parameter of
#: that name (and the user's options do not set it).
_BIAS: dict[str, Any] = {
    "exactly_one": False,
    "limit": LIMIT,
    "country_codes": list(COUNTRY_CODES),      # Nominatim
    "viewbox": [list(MALI_BOX[0]), list(MALI_BOX[1])],  # Nominatim (with bounded=False)
    "bounded": False,
    "countries": [c.upper() for c in COUNTRY_CODES],  # Pelias
    "country": [c.upper() for c in COUNTRY_CODES],    # GeoNames, OpenCage
    "country_bias": "ML",
    "bbox": [list(REGION_BOX[0]), list(REGION_BOX[1])],           # Photon
    "boundary_rect": [list(REGION_BOX[0]), list(REGION_BOX[1])],  # Pelias
    "bounds": [list(REGION_BOX[0]), list(REGION_BOX[1])],         # OpenCage
}
#: Parameters our code sets itself, which user options may not override.
_RESERVED_INIT = {"user_agent", "timeout", "adapter_factory", "domain", "scheme"}

#: Nominatim ``addresstype``/``type`` -> geo_precision.
_PRECISION_BY_TYPE = {
    "country": 5,
    "state": 3, "region": 3, "province": 3,
    "county": 2, "state_district": 2, "district": 2, "municipality": 2, "department": 2,
    "administrative": 2,
}


@dataclass
class Attempt:
    """One request made (for logs and tests): outcome and the wait that followed it."""

    query: str
    outcome: str      # "ok", "429", "timeout", "5xx", "unavailable", "bad-response", "rejected"
    wait: float = 0.0


def _status_of(exc: BaseException) -> int | None:
    """The HTTP status behind a geopy error, when geopy kept it."""
    cause = exc.__cause__
    return getattr(cause, "status_code", None)


def _params(func: Callable) -> set[str]:
    try:
        return set(inspect.signature(func).parameters)
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return set()


class OnlineProvider:
    """One online geocoder, configured from settings; thread-safe and rate limited."""

    def __init__(
        self,
        settings: Settings,
        service: str | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_wait: float = 60.0,
        backoff: float | None = None,
        breaker: int = 3,
        cooloff: float = 300.0,
    ) -> None:
        self.service = (service or settings.geocoder or "nominatim").strip().lower()
        try:
            cls = get_geocoder_for_service(self.service)
        except gexc.GeocoderNotFound as exc:
            raise GeocoderConfigError(f"unknown geocoder {self.service!r}: {exc}") from exc
        init_params, query_params = _params(cls.__init__), _params(cls.geocode)

        init_kwargs: dict[str, Any] = {}
        query_kwargs: dict[str, Any] = {k: v for k, v in _BIAS.items() if k in query_params}
        for key, value in (settings.geocoder_options or {}).items():
            if key in _RESERVED_INIT:
                raise GeocoderConfigError(f"geocoder option {key!r} is set from other settings; remove it")
            if key in init_params:
                init_kwargs[key] = value
            elif key in query_params:
                query_kwargs[key] = value
            else:
                raise GeocoderConfigError(
                    f"geocoder option {key!r} is not a parameter of geopy's {cls.__name__}"
                )
        self.url = settings.geocoder_url.strip()
        if self.url:
            parts = urlsplit(self.url if "://" in self.url else f"https://{self.url}")
            if "domain" not in init_params:
                raise GeocoderConfigError(f"geopy's {cls.__name__} does not take a URL (GEO_GEOCODER_URL)")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise GeocoderConfigError(f"geocoder URL {self.url!r} is not an http(s) URL")
            init_kwargs["domain"] = parts.netloc + parts.path.rstrip("/")
            if "scheme" in init_params:
                init_kwargs["scheme"] = parts.scheme
        if "user_agent" in init_params:
            init_kwargs["user_agent"] = settings.user_agent
        if "timeout" in init_params:
            init_kwargs["timeout"] = settings.geocoder_timeout
        if "adapter_factory" in init_params:
            # geopy's default requests adapter retries connection errors itself; we count
            # and space every retry ourselves, so it must not.
            init_kwargs["adapter_factory"] = lambda proxies, ssl_context: RequestsAdapter(
                proxies=proxies, ssl_context=ssl_context, max_retries=0,
            )
        try:
            self.geocoder = cls(**init_kwargs)
        except (TypeError, ValueError, gexc.ConfigurationError) as exc:
            raise GeocoderConfigError(f"cannot configure geopy's {cls.__name__}: {exc}") from exc

        self.query_options = query_kwargs
        self.retries = max(0, int(settings.geocoder_retries))
        self.min_delay = max(0.0, float(settings.geocoder_min_delay))
        self.backoff = float(backoff) if backoff is not None else max(self.min_delay, 0.05)
        self.max_wait = float(max_wait)
        self.breaker = max(1, int(breaker))
        self.cooloff = float(cooloff)
        self._sleep = sleep
        self._clock = clock
        self._limited = RateLimiter(
            self.geocoder.geocode, min_delay_seconds=self.min_delay, max_retries=0, swallow_exceptions=False,
        )
        self._lock = threading.Lock()
        self._failures = 0
        self._down_until = 0.0
        #: the latest requests and their outcomes (for logs, the CLI and tests)
        self.attempts: deque[Attempt] = deque(maxlen=200)
        ident = json.dumps({"url": self.url, "query": query_kwargs}, sort_keys=True, default=str)
        #: Names the endpoint and the options that shape answers (cache key part).
        self.options_key = hashlib.sha1(ident.encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"OnlineProvider({self.service!r}, url={self.url!r})"

    @property
    def is_down(self) -> bool:
        return self._clock() < self._down_until

    def search(self, query: str) -> list[dict]:
        """Ask the service; return its hits as plain dicts (possibly none).

        Raises :class:`GeocoderTimedOut`, :class:`GeocoderRateLimited` or
        :class:`GeocoderUnavailable` when it kept failing; those answers are not cached.
        """
        if self.is_down:
            raise GeocoderUnavailable(
                f"{self.service}: skipped, it failed {self.breaker} lookups in a row "
                f"(trying again in {self._down_until - self._clock():.0f} s)"
            )
        attempt = 0
        while True:
            wait: float | None = None
            try:
                raw = self._limited(query, **self.query_options)
            except gexc.GeocoderRateLimited as exc:
                outcome, retryable, wait = "429", True, exc.retry_after
                error: Exception = GeocoderRateLimited(f"{self.service}: too many requests (429)")
            except gexc.GeocoderTimedOut as exc:  # also what geopy raises for 408, 503 and 504
                status = _status_of(exc)
                retryable = True
                if status is not None and status >= 500:
                    outcome, error = "5xx", GeocoderUnavailable(f"{self.service}: HTTP {status}")
                else:
                    outcome = "timeout"
                    error = GeocoderTimedOut(f"{self.service}: no answer within {self.geocoder.timeout} s")
            except gexc.GeocoderUnavailable as exc:
                outcome, retryable = "unavailable", True
                error = GeocoderUnavailable(f"{self.service}: cannot connect ({exc})")
            except gexc.GeocoderParseError as exc:
                outcome, retryable = "bad-response", False
                error = GeocoderUnavailable(f"{self.service}: malformed answer ({exc})")
            except gexc.GeocoderServiceError as exc:
                status = _status_of(exc)
                if status is not None and status >= 500:
                    outcome, retryable = "5xx", True
                    error = GeocoderUnavailable(f"{self.service}: HTTP {status}")
                else:  # 4xx: bad credentials, quota, refused query; retrying will not help now
                    outcome, retryable = "rejected", False
                    error = GeocoderUnavailable(f"{self.service}: request refused ({exc})")
            except (ValueError, TypeError, KeyError) as exc:  # a body geopy could not digest
                outcome, retryable = "bad-response", False
                error = GeocoderUnavailable(f"{self.service}: malformed answer ({type(exc).__name__}: {exc})")
            else:
                self.attempts.append(Attempt(query, "ok"))
                with self._lock:
                    self._failures = 0
                return [self._convert(loc) for loc in _as_list(raw)]

            if retryable and attempt < self.retries:
                if wait is None or wait <= 0:
                    wait = self.backoff * (2 ** attempt)
                wait = min(float(wait), self.max_wait)
                self.attempts.append(Attempt(query, outcome, wait))
                log.info("%s: %s for %r; retry %d/%d in %.2f s", self.service, outcome, query,
                         attempt + 1, self.retries, wait)
                self._sleep(wait)
                attempt += 1
                continue
            self.attempts.append(Attempt(query, outcome))
            with self._lock:
                self._failures += 1
                if self._failures >= self.breaker:
                    self._down_until = self._clock() + self.cooloff
                    log.warning("%s failed %d lookups in a row; not asking it again for %.0f s",
                                self.service, self._failures, self.cooloff)
            raise error from None

    def reset(self) -> None:
        """Forget past failures (ask again even while cooling off)."""
        with self._lock:
            self._failures = 0
            self._down_until = 0.0

    def _convert(self, loc: Any) -> dict:
        raw = loc.raw if isinstance(getattr(loc, "raw", None), dict) else {}
        display = str(getattr(loc, "address", "") or raw.get("display_name") or "")
        name = raw.get("name") or (display.split(",")[0].strip() if display else "")
        kind = str(raw.get("addresstype") or raw.get("type") or "")
        precision = _PRECISION_BY_TYPE.get(kind, 1)
        rank = raw.get("place_rank")
        if kind == "administrative" and isinstance(rank, (int, str)) and str(rank).isdigit():
            r = int(rank)
            precision = 5 if r <= 4 else 3 if r <= 8 else 2 if r <= 12 else 1
        try:
            importance = float(raw.get("importance") or 0.0)
        except (TypeError, ValueError):
            importance = 0.0
        return {
            "name": str(name), "display_name": display, "lat": float(loc.latitude), "lon": float(loc.longitude),
            "geo_precision": precision, "type": kind, "importance": importance,
        }


def _as_list(raw: Any) -> list:
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        return [r for r in raw if r is not None]
    return [raw]


_PROVIDERS: dict[tuple, OnlineProvider] = {}
_PROVIDERS_LOCK = threading.Lock()


def shared_provider(settings: Settings, service: str | None = None) -> OnlineProvider:
    """One provider per endpoint and configuration in this process.

    Sharing matters: the rate limit (Nominatim: 1 request/s per application) and the
    failure count must hold across every :class:`geo.geocode.Geocoder` built.
    """
    name = (service or settings.geocoder or "nominatim").strip().lower()
    key = (
        name, settings.geocoder_url, json.dumps(settings.geocoder_options or {}, sort_keys=True, default=str),
        settings.user_agent, settings.geocoder_min_delay, settings.geocoder_timeout, settings.geocoder_retries,
    )
    with _PROVIDERS_LOCK:
        provider = _PROVIDERS.get(key)
        if provider is None:
            provider = _PROVIDERS[key] = OnlineProvider(settings, name)
        return provider
