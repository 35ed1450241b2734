"""The online path end to end: real geopy (Nominatim, requests adapter) against a local
fake Nominatim, with the cache, retries, rate limit and every failure mode."""

from __future__ import annotations

import dataclasses
import time

import pytest

from geo import errors
from geo._geopy import COUNTRY_CODES, OnlineProvider, shared_provider
from geo.config import Settings
from geo.geocache import GeoCache
from geo.geocode import GeocodeContext, Geocoder


def boulkessi(fake) -> dict:
    return fake.place("Boulkessi", 14.70, -1.60, display="Boulkessi, Cercle de Douentza, Mopti, Mali")


def test_success_through_real_geopy(make_online, fake_nominatim, online_settings):
    fake_nominatim.answer("Boulkessi", fake_nominatim.Reply(200, [boulkessi(fake_nominatim)]))
    r = make_online().geocode("Boulkessi")
    assert r.status == "resolved"
    assert (r.lat, r.lon) == pytest.approx((14.70, -1.60))
    assert r.provider == "nominatim" and r.match == "online"
    assert r.geo_precision == 1 and r.country_code == "ML" and r.admin1 == "Mopti"
    assert r.matched_name == "Boulkessi" and not r.cached and not r.retry
    assert r.candidates and r.candidates[0].provider == "nominatim"

    [req] = fake_nominatim.requests
    assert req["path"] == "/search"
    p = req["params"]
    assert p["q"] == "Boulkessi" and p["format"] == "json"
    assert p["countrycodes"] == ",".join(COUNTRY_CODES)
    assert p["viewbox"] and p.get("bounded", "0") in ("0", "")   # a bias, not a bound
    assert p["limit"] == "5"
    assert req["headers"]["User-Agent"] == online_settings.user_agent


def test_gazetteer_names_never_go_online(make_online, fake_nominatim):
    r = make_online().geocode("Kayes")
    assert r.provider == "gazetteer"
    assert fake_nominatim.requests == []


def test_cache_prevents_a_second_request(make_online, fake_nominatim, online_settings):
    fake_nominatim.answer("Boulkessi", fake_nominatim.Reply(200, [boulkessi(fake_nominatim)]))
    first = make_online().geocode("Boulkessi")
    second = make_online().geocode("Boulkessi")          # a new Geocoder: no in-memory LRU
    third = make_online().geocode("BOULKESSI")            # same folded query
    assert fake_nominatim.count("Boulkessi") == 1 and len(fake_nominatim.requests) == 1
    assert not first.cached and second.cached and third.cached
    assert (second.lat, second.lon) == (first.lat, first.lon)
    # the answer is in the incident database, under the provider's name and options key
    cache = GeoCache(online_settings.database_url)
    assert cache.cache_size() == 1


def test_no_result_is_cached_and_unresolved(make_online, fake_nominatim):
    fake_nominatim.answer("Nowhereville", fake_nominatim.Reply(200, []))
    r = make_online().geocode("Nowhereville")
    assert r.status == "unresolved" and not r.retry and r.error is None
    again = make_online().geocode("Nowhereville")
    assert again.status == "unresolved"
    assert fake_nominatim.count("Nowhereville") == 1


def test_no_result_falls_back_to_the_region_named(make_online, fake_nominatim):
    r = make_online().geocode("Nowhereville", GeocodeContext(regions=("Kayes",)))
    assert r.status == "resolved" and r.fallback and r.geo_precision == 3 and r.admin1 == "Kayes"
    assert fake_nominatim.count("Nowhereville") == 1


def test_429_with_retry_after_is_honoured(make_online, fake_nominatim, sleeps):
    fake_nominatim.answer("Ogossagou", fake_nominatim.Reply(429, {"error": "slow down"}, {"Retry-After": "2"}),
                          fake_nominatim.Reply(200, [fake_nominatim.place("Ogossagou", 14.27, -3.43)]))
    r = make_online().geocode("Ogossagou")
    assert r.status == "resolved" and r.provider == "nominatim"
    assert fake_nominatim.count("Ogossagou") == 2
    assert sleeps.waits == [2.0]


def test_retry_after_is_capped(make_online, fake_nominatim, sleeps):
    fake_nominatim.answer("Ogossagou", fake_nominatim.Reply(429, {}, {"Retry-After": "3600"}),
                          fake_nominatim.Reply(200, [fake_nominatim.place("Ogossagou", 14.27, -3.43)]))
    r = make_online(max_wait=5.0).geocode("Ogossagou")
    assert r.resolved and sleeps.waits == [5.0]


def test_429_every_time_leaves_it_unresolved_for_next_run(make_online, fake_nominatim, sleeps, online_settings):
    fake_nominatim.answer("Ogossagou", fake_nominatim.Reply(429, {}, {"Retry-After": "1"}))
    r = make_online().geocode("Ogossagou")
    assert r.status == "unresolved" and r.retry and "GeocoderRateLimited" in r.error
    assert fake_nominatim.count("Ogossagou") == online_settings.geocoder_retries + 1
    assert sleeps.waits == [1.0, 1.0]
    # nothing cached: the next run asks again, and this time it works
    fake_nominatim.answer("Ogossagou", fake_nominatim.Reply(200, [fake_nominatim.place("Ogossagou", 14.27, -3.43)]))
    r2 = make_online(new_provider=True).geocode("Ogossagou")
    assert r2.resolved and not r2.cached
    assert fake_nominatim.count("Ogossagou") == online_settings.geocoder_retries + 2


def test_500_is_retried_with_backoff_then_unresolved(make_online, fake_nominatim, sleeps, online_settings):
    fake_nominatim.answer("Intahaka", fake_nominatim.Reply(500, {"error": "boom"}))
    r = make_online(backoff=0.5).geocode("Intahaka")
    assert r.status == "unresolved" and r.retry
    assert "500" in r.error and "GeocoderUnavailable" in r.error
    assert fake_nominatim.count("Intahaka") == online_settings.geocoder_retries + 1
    assert sleeps.waits == [0.5, 1.0]                      # exponential back-off
    assert GeoCache(online_settings.database_url).cache_size() == 0


def test_500_then_success_within_one_lookup(make_online, fake_nominatim):
    fake_nominatim.answer("Intahaka", fake_nominatim.Reply(503, {}), fake_nominatim.Reply(502, {}),
                          fake_nominatim.Reply(200, [fake_nominatim.place("Intahaka", 16.63, -0.62)]))
    r = make_online().geocode("Intahaka")
    assert r.resolved and r.admin1 == "Gao"
    assert fake_nominatim.count("Intahaka") == 3


def test_500_with_region_fallback_keeps_retry_flag(make_online, fake_nominatim):
    fake_nominatim.answer("Intahaka", fake_nominatim.Reply(500, {}))
    r = make_online().geocode("Intahaka", GeocodeContext(regions=("Gao",)))
    assert r.status == "resolved" and r.fallback and r.geo_precision == 3
    assert r.retry and r.error                            # the name itself is still to be found


def test_timeout(make_online, fake_nominatim, online_settings):
    fake_nominatim.answer("Tarkint", fake_nominatim.Reply(200, [fake_nominatim.place("Tarkint", 17.6, 0.2)], delay=2.0))
    settings = dataclasses.replace(online_settings, geocoder_retries=1, geocoder_timeout=0.2)
    t0 = time.monotonic()
    r = make_online(settings).geocode("Tarkint")
    elapsed = time.monotonic() - t0
    assert r.status == "unresolved" and r.retry and "GeocoderTimedOut" in r.error
    assert fake_nominatim.count("Tarkint") == 2           # geopy's adapter does not retry on its own
    assert elapsed < 1.5
    assert GeoCache(settings.database_url).cache_size() == 0


def test_malformed_json_is_not_cached_and_not_hammered(make_online, fake_nominatim, online_settings):
    fake_nominatim.answer("Sobane", fake_nominatim.Reply(200, b"<html>proxy error</html>"))
    r = make_online().geocode("Sobane")
    assert r.status == "unresolved" and r.retry and "malformed" in r.error
    assert fake_nominatim.count("Sobane") == 1
    assert GeoCache(online_settings.database_url).cache_size() == 0


def test_unexpected_json_shape_is_a_failure_not_a_crash(make_online, fake_nominatim):
    fake_nominatim.answer("Sobane", fake_nominatim.Reply(200, {"unexpected": "object"}))
    r = make_online().geocode("Sobane")
    assert r.status == "unresolved" and r.retry


def test_result_outside_mali_and_neighbours_is_rejected(make_online, fake_nominatim):
    # a Maltese look-alike tagged as Mali: the coordinates tell the truth (DESIGN pitfalls)
    malta = fake_nominatim.place("Mellieha", 35.956, 14.362, display="Mellieħa, Mali")
    fake_nominatim.answer("Mellieha", fake_nominatim.Reply(200, [malta]))
    r = make_online().geocode("Mellieha")
    assert r.status == "unresolved" and not r.retry     # a real answer: cached, not retried
    assert make_online().geocode("Mellieha").status == "unresolved"
    assert fake_nominatim.count("Mellieha") == 1


def test_hits_are_ranked_with_the_article_context(make_online, fake_nominatim):
    fake_nominatim.answer("Dounkassa", fake_nominatim.Reply(200, [
        fake_nominatim.place("Dounkassa", 13.0, -2.5, display="Dounkassa, Burkina Faso", importance=0.4),
        fake_nominatim.place("Dounkassa", 14.9, -9.5, display="Dounkassa, Kayes, Mali", importance=0.1),
    ]))
    geocoder = make_online()
    assert geocoder.geocode("Dounkassa").country_code == "ML"          # Mali first
    r = geocoder.geocode("Dounkassa", GeocodeContext(country_code="BF", places=("Djibo",)))
    assert r.country_code == "BF"
    kayes = geocoder.geocode("Dounkassa", GeocodeContext(regions=("Kayes",)))
    assert kayes.admin1 == "Kayes"
    assert fake_nominatim.count("Dounkassa") == 1


def test_precision_from_nominatim_type(make_online, fake_nominatim):
    fake_nominatim.answer("Cercle de Youwarou", fake_nominatim.Reply(200, [
        fake_nominatim.place("Cercle de Youwarou", 15.2, -4.3, kind="county", rank=12)]))
    r = make_online().geocode("Cercle de Youwarou")
    assert r.resolved and r.geo_precision == 2


def test_repeated_failures_trip_the_breaker(make_online, fake_nominatim, online_settings):
    for name in ("Aaaville", "Bbbville", "Cccville", "Dddville"):
        fake_nominatim.answer(name, fake_nominatim.Reply(500, {}))
    geocoder = make_online(breaker=3, cooloff=60.0)
    for name in ("Aaaville", "Bbbville", "Cccville"):
        assert geocoder.geocode(name).retry
    n = len(fake_nominatim.requests)
    r = geocoder.geocode("Dddville")
    assert r.retry and "skipped" in r.error
    assert len(fake_nominatim.requests) == n              # failed fast, no request
    geocoder._provider.reset()
    fake_nominatim.answer("Dddville", fake_nominatim.Reply(200, [fake_nominatim.place("Dddville", 14.0, -4.0)]))
    assert geocoder.geocode("Dddville").resolved


def test_failures_are_not_kept_in_the_lru(make_online, fake_nominatim):
    fail = fake_nominatim.Reply(500, {})
    fake_nominatim.answer("Intahaka", fail, fail, fail,
                          fake_nominatim.Reply(200, [fake_nominatim.place("Intahaka", 16.63, -0.62)]))
    geocoder = make_online()
    assert geocoder.geocode("Intahaka").retry
    assert geocoder.geocode("Intahaka").resolved          # same Geocoder, asked again


def test_rate_limiter_spaces_requests(fake_nominatim, online_settings, gaz):
    settings = dataclasses.replace(online_settings, geocoder_min_delay=0.25)
    provider = OnlineProvider(settings)                    # real sleeps
    geocoder = Geocoder(gaz, settings=settings, cache=False, provider=provider)
    for name in ("Aaaville", "Bbbville", "Cccville"):
        geocoder.geocode(name)
    times = [r["t"] for r in fake_nominatim.requests]
    assert len(times) == 3
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.2


def test_real_sleep_on_429(fake_nominatim, online_settings, gaz):
    fake_nominatim.answer("Ogossagou", fake_nominatim.Reply(429, {}, {"Retry-After": "1"}),
                          fake_nominatim.Reply(200, [fake_nominatim.place("Ogossagou", 14.27, -3.43)]))
    provider = OnlineProvider(online_settings, max_wait=0.1)
    t0 = time.monotonic()
    r = Geocoder(gaz, settings=online_settings, cache=False, provider=provider).geocode("Ogossagou")
    assert r.resolved and time.monotonic() - t0 >= 0.1
    assert [a.outcome for a in provider.attempts] == ["429", "ok"]


def test_errors_map_to_geo_errors(fake_nominatim, online_settings, sleeps):
    fake_nominatim.answer("Tarkint", fake_nominatim.Reply(200, [], delay=2.0))
    fake_nominatim.answer("Ogossagou", fake_nominatim.Reply(429, {}))
    fake_nominatim.answer("Intahaka", fake_nominatim.Reply(500, {}))
    settings = dataclasses.replace(online_settings, geocoder_retries=0, geocoder_timeout=0.2)
    provider = OnlineProvider(settings, sleep=sleeps, breaker=100)
    with pytest.raises(errors.GeocoderTimedOut) as t:
        provider.search("Tarkint")
    assert isinstance(t.value, TimeoutError)
    with pytest.raises(errors.GeocoderRateLimited) as rl:
        provider.search("Ogossagou")
    assert isinstance(rl.value, errors.GeocoderUnavailable) and isinstance(rl.value, ConnectionError)
    with pytest.raises(errors.GeocoderUnavailable):
        provider.search("Intahaka")


def test_connection_refused_is_unavailable(online_settings, gaz, sleeps):
    import socket

    with socket.socket() as s:                              # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = dataclasses.replace(online_settings, geocoder_url=f"http://127.0.0.1:{port}", geocoder_retries=1)
    provider = OnlineProvider(settings, sleep=sleeps)
    r = Geocoder(gaz, settings=settings, cache=False, provider=provider).geocode("Boulkessi")
    assert r.status == "unresolved" and r.retry and "GeocoderUnavailable" in r.error
    assert len(sleeps.waits) == 1


def test_offline_by_default(fake_nominatim, gaz, db_url):
    settings = Settings(database_url=db_url, geocoder="", geocoder_url=fake_nominatim.url)
    geocoder = Geocoder(gaz, settings=settings)
    assert not geocoder.online
    assert geocoder.geocode("Boulkessi").status == "unresolved"
    assert fake_nominatim.requests == []


def test_settings_turn_it_on(fake_nominatim, online_settings, gaz):
    fake_nominatim.answer("Boulkessi", fake_nominatim.Reply(200, [boulkessi(fake_nominatim)]))
    geocoder = Geocoder(gaz, settings=online_settings)        # geocoder="nominatim" in settings
    assert geocoder.online and geocoder.geocode("Boulkessi").resolved
    assert shared_provider(online_settings) is geocoder._provider
    assert Geocoder(gaz, settings=online_settings)._provider is geocoder._provider


def test_online_true_defaults_to_nominatim(fake_nominatim, online_settings, gaz):
    settings = dataclasses.replace(online_settings, geocoder="")
    geocoder = Geocoder(gaz, settings=settings, online=True)
    assert geocoder._provider.service == "nominatim"


def test_running_text_guards_apply_online(make_online, fake_nominatim):
    geocoder = make_online()
    assert geocoder.geocode("boulkessi").status == "unresolved"     # lower case: not a place mention
    assert geocoder.geocode("Tall").status == "unresolved"          # stoplisted personal name
    assert fake_nominatim.requests == []


# ---------------------------------------------------------------- configuration

def test_other_geopy_services_by_name(online_settings):
    photon = OnlineProvider(dataclasses.replace(online_settings, geocoder="photon"))
    assert type(photon.geocoder).__name__ == "Photon"
    assert photon.geocoder.domain == online_settings.geocoder_url.split("://")[1]
    assert "bbox" in photon.query_options and "country_codes" not in photon.query_options

    geonames = OnlineProvider(dataclasses.replace(
        online_settings, geocoder="geonames", geocoder_url="", geocoder_options={"username": "demo"}))
    assert geonames.geocoder.username == "demo"
    assert geonames.query_options["country"] == [c.upper() for c in COUNTRY_CODES]

    opencage = OnlineProvider(dataclasses.replace(
        online_settings, geocoder="opencage", geocoder_url="", geocoder_options={"api_key": "k", "language": "fr"}))
    assert opencage.query_options["language"] == "fr"

    pelias = OnlineProvider(dataclasses.replace(online_settings, geocoder="pelias", geocoder_options={"api_key": "k"}))
    assert "countries" in pelias.query_options
    assert pelias.options_key != photon.options_key


def test_url_gives_domain_and_scheme(online_settings):
    p = OnlineProvider(dataclasses.replace(online_settings, geocoder_url="https://geo.example.org/nominatim/"))
    assert p.geocoder.domain == "geo.example.org/nominatim" and p.geocoder.scheme == "https"


@pytest.mark.parametrize("change, message", [
    ({"geocoder": "no-such-geocoder"}, "unknown geocoder"),
    ({"geocoder_options": {"frobnicate": 1}}, "not a parameter"),
    ({"geocoder_options": {"user_agent": "x"}}, "set from other settings"),
    ({"geocoder": "here", "geocoder_options": {"apikey": "k"}}, "does not take a URL"),
    ({"geocoder_url": "ftp://example.org"}, "not an http"),
])
def test_bad_configuration_fails_fast(online_settings, gaz, change, message):
    settings = dataclasses.replace(online_settings, **change)
    with pytest.raises(errors.GeocoderConfigError, match=message) as exc:
        Geocoder(gaz, settings=settings, online=True, cache=False)
    assert isinstance(exc.value, ValueError)
