"""Fixtures for the text-extraction tests: one shared offline extractor, the client's seed."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seeds" / "mali-attacks-article.txt"
GOLD = REPO / "tests" / "data" / "gold.jsonl"


@pytest.fixture(scope="session")
def extractor():
    """An offline extractor with no persistent geocode cache (nothing written to disk)."""
    from geo.extract import Extractor
    from geo.geocode import Geocoder

    return Extractor(geocoder=Geocoder(online=False, cache=False))


@pytest.fixture(scope="session")
def extract(extractor):
    """``extract(text, published=None, language=None)`` -> list of incident dicts."""
    from geo.extract import extract_text

    def run(text: str, published=None, language=None, title: str = ""):
        return [
            i.to_dict()
            for i in extract_text(
                text, published=published, language=language, title=title, extractor=extractor
            ).incidents
        ]

    return run


@pytest.fixture(scope="session")
def analyse():
    """``analyse(text, published=None, language="en")`` -> geo.text.incidents.Analysis (no geocoding)."""
    from geo.text.incidents import analyse as _analyse
    from geo.text.loading import make_article

    def run(text: str, published=None, language: str | None = "en"):
        return _analyse(make_article(text, published=published, language=language))

    return run


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The client's example article, or a clear skip where ../shared/seeds is absent."""
    if not SEED.is_file():
        pytest.skip(f"{SEED} is absent: the client's example article cannot be checked here")
    return SEED


def _by_place(incidents: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for i in incidents:
        out.setdefault(i["place"], []).append(i)
    return out


@pytest.fixture(scope="session")
def by_place():
    """``by_place(incidents)`` -> {place: [incident, ...]}."""
    return _by_place
