"""The persistent cache and user-correction aliases (geo.geocache), and their use by the Geocoder."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import create_engine, inspect, text

from geo.errors import InvalidInputError
from geo.geocache import ALIAS_FIELDS, Alias, GeoCache, geocode_cache, metadata, place_aliases
from geo.geocode import GeocodeContext, Geocoder


def test_tables_are_created_on_first_use(db_url):
    cache = GeoCache(db_url)
    engine = create_engine(db_url)
    assert "geocode_cache" not in inspect(engine).get_table_names()      # nothing before use
    assert cache.get("nominatim", "Kayes") is None
    insp = inspect(engine)
    assert {"geocode_cache", "place_aliases"} <= set(insp.get_table_names())
    cols = {c["name"] for c in insp.get_columns("geocode_cache")}
    assert {"provider", "query", "options_key", "result", "created_at"} <= cols
    cols = {c["name"] for c in insp.get_columns("place_aliases")}
    assert {"alias", "place_name", "lat", "lon", "country", "admin1", "created_by", "created_at", "note"} <= cols
    # the store can adopt them: one MetaData with both tables
    assert {geocode_cache.name, place_aliases.name} <= set(metadata.tables)


def test_put_get_roundtrip(db_url):
    cache = GeoCache(db_url)
    hits = [{"name": "Boulkessi", "lat": 14.7, "lon": -1.6, "country_code": "ML"}]
    cache.put("nominatim", "Boulkessi", "k1", hits)
    assert cache.get("nominatim", "BOULKESSI", "k1") == hits           # query is folded
    assert cache.get("nominatim", "Boulkessi", "k2") is None            # other options: other question
    assert cache.get("photon", "Boulkessi", "k1") is None               # other provider
    cache.put("nominatim", "Nowhere", "k1", [])
    assert cache.get("nominatim", "Nowhere", "k1") == []                # "no result" is an answer
    cache.put("nominatim", "Boulkessi", "k1", [])                       # replaced, not duplicated
    assert cache.get("nominatim", "Boulkessi", "k1") == []
    assert cache.cache_size() == 2
    assert cache.clear_cache("photon") == 0 and cache.clear_cache() == 2


def test_persistent_across_instances(db_url):
    GeoCache(db_url).put("nominatim", "Boulkessi", "", [{"lat": 1.0}])
    assert GeoCache(db_url).get("nominatim", "Boulkessi", "") == [{"lat": 1.0}]


def test_damaged_row_is_a_miss(db_url):
    cache = GeoCache(db_url)
    cache.put("nominatim", "Boulkessi", "", [])
    with cache.engine.begin() as conn:
        conn.execute(text("UPDATE geocode_cache SET result = '{not json'"))
    assert cache.get("nominatim", "Boulkessi", "") is None


def test_in_memory_database():
    cache = GeoCache("sqlite://")
    cache.put("nominatim", "x", "", [])
    cache.add_alias(Alias("Binoli", "Diboli", 14.45511, -12.19945))
    assert cache.get("nominatim", "x", "") == [] and cache.get_alias("binoli").place_name == "Diboli"


def test_aliases(db_url):
    cache = GeoCache(db_url)
    stored = cache.add_alias(Alias("Sandéré ", "Sandaré", 14.7038, -10.3057, "ML", "Kayes", created_by="ana"))
    assert stored.alias == "Sandéré" and stored.created_at is not None
    got = cache.get_alias("SANDERE")
    assert got.place_name == "Sandaré" and got.country == "ML" and got.created_by == "ana"
    assert got.created_at.tzinfo is not None
    cache.add_alias(Alias("sandere", "Sandaré (corrected)", 14.70, -10.30, note="moved"))
    assert len(cache.aliases()) == 1 and cache.get_alias("Sandere").note == "moved"
    assert cache.remove_alias("Sandéré") and cache.get_alias("Sandere") is None
    assert not cache.remove_alias("Sandere")


@pytest.mark.parametrize("alias", [
    Alias("", "X", 1.0, 1.0), Alias("X", " ", 1.0, 1.0), Alias("X", "Y", 91.0, 1.0),
    Alias("X", "Y", 1.0, 181.0), Alias("X", "Y", float("nan"), 1.0), Alias("X", "Y", "north", 1.0),
])
def test_bad_aliases_are_refused(db_url, alias):
    with pytest.raises(InvalidInputError):
        GeoCache(db_url).add_alias(alias)


@pytest.mark.parametrize("suffix", ["csv", "json"])
def test_export_import_roundtrip(db_url, tmp_path, suffix):
    cache = GeoCache(db_url)
    cache.add_alias(Alias("Binoli", "Diboli", 14.45511, -12.19945, "ML", "Kayes", 1, "reviewer",
                          note="typo, ça arrive"))
    cache.add_alias(Alias("Camp de Kati", "Kati", 12.74409, -8.07257, "ML", "Koulikoro", 1))
    path = tmp_path / f"aliases.{suffix}"
    assert cache.export_aliases(path) == 2
    if suffix == "csv":
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert tuple(rows[0]) == ALIAS_FIELDS
    else:
        rows = json.loads(path.read_text(encoding="utf-8"))
    assert [r["alias"] for r in rows] == ["Binoli", "Camp de Kati"]
    other = GeoCache(f"sqlite:///{tmp_path / 'other.sqlite'}")
    assert other.import_aliases(path) == 2
    a, b = cache.aliases(), other.aliases()
    assert [(x.alias, x.place_name, x.lat, x.lon, x.country, x.admin1, x.note, x.created_at) for x in a] == \
           [(x.alias, x.place_name, x.lat, x.lon, x.country, x.admin1, x.note, x.created_at) for x in b]


def test_import_errors(db_url, tmp_path):
    cache = GeoCache(db_url)
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(InvalidInputError):
        cache.import_aliases(bad)
    bad.write_text('[{"alias": "X"}]', encoding="utf-8")
    with pytest.raises(InvalidInputError, match="alias 1"):
        cache.import_aliases(bad)
    with pytest.raises(InvalidInputError):
        cache.export_aliases(tmp_path / "aliases.xlsx")
    with pytest.raises(InvalidInputError):
        cache.import_aliases(tmp_path / "missing.csv")


# ---------------------------------------------------------------- corrections in the chain

def test_correction_becomes_an_alias_used_from_then_on(gaz, db_url):
    geocoder = Geocoder(gaz, cache=GeoCache(db_url), online=False)
    ctx = GeocodeContext(regions=("Kayes",))
    before = geocoder.geocode("Binoli", ctx)
    assert before.fallback                                             # cached in the LRU too
    alias = geocoder.add_alias("Binoli", "Diboli", 14.45511, -12.19945, created_by="reviewer")
    assert (alias.country, alias.admin1) == ("ML", "Kayes")           # filled from the polygons
    after = geocoder.geocode("Binoli", ctx)
    assert after.provider == "alias" and after.matched_name == "Diboli" and after.geo_precision == 1
    assert (after.lat, after.lon) == (14.45511, -12.19945) and not after.fallback
    # a new process (new Geocoder) on the same database sees it
    again = Geocoder(gaz, cache=GeoCache(db_url), online=False).geocode("BINOLI")
    assert again.provider == "alias"


def test_alias_overrides_the_gazetteer(gaz, db_url):
    geocoder = Geocoder(gaz, cache=GeoCache(db_url), online=False)
    assert geocoder.geocode("Kati").status == "unresolved"            # stoplisted without context
    geocoder.add_alias("Kati", "Kati (camp militaire)", 12.7441, -8.0726, note="garrison town")
    r = geocoder.geocode("Kati")
    assert r.provider == "alias" and r.admin1 == "Koulikoro" and r.country_code == "ML"
    assert geocoder.remove_alias("kati")
    assert geocoder.geocode("Kati").status == "unresolved"


def test_reload_aliases_sees_other_writers(gaz, db_url):
    geocoder = Geocoder(gaz, cache=GeoCache(db_url), online=False)
    assert not geocoder.geocode("Binoli").resolved
    GeoCache(db_url).add_alias(Alias("Binoli", "Diboli", 14.45511, -12.19945, "ML", "Kayes"))
    geocoder.reload_aliases()
    assert geocoder.geocode("Binoli").provider == "alias"


def test_aliases_without_persistence(gaz):
    geocoder = Geocoder(gaz, cache=False, online=False)
    geocoder.add_alias("Binoli", "Diboli", 14.45511, -12.19945, country="ML", admin1="Kayes")
    assert geocoder.geocode("Binoli").provider == "alias"


def test_default_cache_uses_settings_database(gaz, isolated_settings):
    geocoder = Geocoder(gaz, online=False)
    geocoder.add_alias("Binoli", "Diboli", 14.45511, -12.19945)
    assert (isolated_settings / "incidents.sqlite").is_file()


def test_cache_given_as_url_or_engine(gaz, db_url, tmp_path):
    Geocoder(gaz, cache=db_url, online=False).add_alias("Binoli", "Diboli", 14.45511, -12.19945)
    assert GeoCache(db_url).get_alias("Binoli") is not None
    engine = create_engine(db_url)
    assert Geocoder(gaz, cache=engine, online=False).geocode("Binoli").provider == "alias"
