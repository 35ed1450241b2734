"""Score extraction against a gold file (JSON Lines, one article a line).

Gold line: ``{"id", "published", "language", "text", "incidents": [{"place", "lat", "lon",
"admin1", "date", "precision"}]}``. ``precision`` is "town" (also "village", "district",
1 or 2), "region" (3), "border" (4, with an optional "border_zone") or "country" (5).

A gold incident is *found* by at most one predicted incident of the same article:

- town precision: a predicted point within :data:`TOWN_KM` (25 km) of the gold point; a
  gold town without coordinates (a village no gazetteer has) is found by a predicted
  incident with the same name (accent- and case-folded) and no coordinates;
- region precision: a predicted incident in the same admin-1 region;
- border precision: a predicted incident with the same border zone (or, when the gold
  line gives no zone, the same admin-1 region);
- country precision: any predicted incident in Mali.

Pairs are assigned greedily, best first (same date first, then the shorter distance).
precision = matched predictions / predictions, recall = found gold / gold incidents.
``median_error_km`` is over found town-precision incidents with coordinates on both
sides; ``admin1_accuracy`` over found incidents whose gold line gives admin1;
``date_accuracy`` over found incidents whose gold line gives a date.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from .errors import InvalidInputError
from .gazetteer import fold
from .text.records import as_date

TOWN_KM = 25.0
_PRECISION = {
    "town": "town",
    "village": "town",
    "city": "town",
    "district": "town",
    "near": "town",
    "1": "town",
    "2": "town",
    "region": "region",
    "area": "region",
    "3": "region",
    "border": "border",
    "border_zone": "border",
    "4": "border",
    "country": "country",
    "5": "country",
}


@dataclass
class GoldIncident:
    place: str
    lat: float | None
    lon: float | None
    admin1: str | None
    date: str | None
    precision: str
    border_zone: str | None = None


@dataclass
class GoldArticle:
    id: str
    published: str | None
    language: str | None
    text: str
    incidents: list[GoldIncident] = field(default_factory=list)
    title: str = ""


def load_gold(path: str | Path) -> list[GoldArticle]:
    """Read a gold JSONL file; a bad line raises :class:`InvalidInputError` naming it."""
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"{p}: no such gold file")
    out = []
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                out.append(_gold_article(obj))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise InvalidInputError(f"{p}:{n}: not a gold article ({exc})") from None
    if not out:
        raise InvalidInputError(f"{p}: the gold file holds no articles")
    return out


def _gold_article(obj: dict) -> GoldArticle:
    incs = []
    for g in obj["incidents"]:
        prec = _PRECISION.get(str(g.get("precision", "town")).lower())
        if prec is None:
            raise ValueError(f"unknown precision {g.get('precision')!r}")
        lat, lon = g.get("lat"), g.get("lon")
        incs.append(
            GoldIncident(
                place=str(g.get("place", "")),
                lat=None if lat is None else float(lat),
                lon=None if lon is None else float(lon),
                admin1=g.get("admin1"),
                date=g.get("date"),
                precision=prec,
                border_zone=g.get("border_zone"),
            )
        )
    return GoldArticle(
        str(obj["id"]), obj.get("published"), obj.get("language"), str(obj["text"]), incs, str(obj.get("title", ""))
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def _canon_admin1(name: Any) -> str | None:
    if not name:
        return None
    try:
        from .boundaries import admin1_lookup

        return admin1_lookup(str(name)) or fold(str(name))
    except Exception:  # noqa: BLE001 - boundaries unavailable: compare folded names
        return fold(str(name))


def _pair_ok(g: GoldIncident, p: dict) -> tuple[bool, float | None]:
    """Whether prediction ``p`` finds gold ``g``; and the distance in km when both have points."""
    dist = None
    if g.lat is not None and p.get("lat") is not None:
        dist = haversine_km(g.lat, g.lon, p["lat"], p["lon"])  # type: ignore[arg-type]
    if g.precision == "town":
        if g.lat is None:
            return p.get("lat") is None and fold(p.get("place") or "") == fold(g.place), None
        return dist is not None and dist <= TOWN_KM, dist
    if g.precision == "region":
        return _canon_admin1(p.get("admin1")) is not None and _canon_admin1(p.get("admin1")) == _canon_admin1(
            g.admin1
        ), dist
    if g.precision == "border":
        if g.border_zone:
            return p.get("border_zone") == g.border_zone, dist
        return _canon_admin1(p.get("admin1")) == _canon_admin1(g.admin1) and g.admin1 is not None, dist
    return (p.get("country") in ("Mali", None) and p.get("geo_precision", 5) <= 5), dist


def match_article(gold: list[GoldIncident], predicted: list[dict]) -> list[tuple[int, int, float | None]]:
    """Greedy one-to-one matches (gold index, predicted index, distance km)."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            ok, dist = _pair_ok(g, p)
            if ok:
                same_date = 0 if (g.date and p.get("date") == g.date) else 1
                pairs.append((same_date, dist if dist is not None else 0.0, gi, pi, dist))
    pairs.sort(key=lambda t: (t[0], t[1]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for _, _, gi, pi, dist in pairs:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        out.append((gi, pi, dist))
    return out


def score(gold: Iterable[GoldArticle], predictions: dict[str, list[dict]], details: bool = False) -> dict:
    """Figures for predicted incident dicts (the extract contract's) keyed by gold article id."""
    n_art = n_gold = n_pred = n_match = 0
    errors: list[float] = []
    admin_ok = admin_n = date_ok = date_n = 0
    per_article = []
    for art in gold:
        preds = predictions.get(art.id, [])
        matches = match_article(art.incidents, preds)
        n_art += 1
        n_gold += len(art.incidents)
        n_pred += len(preds)
        n_match += len(matches)
        for gi, pi, dist in matches:
            g, p = art.incidents[gi], preds[pi]
            if g.precision == "town" and dist is not None:
                errors.append(dist)
            if g.admin1:
                admin_n += 1
                admin_ok += int(_canon_admin1(p.get("admin1")) == _canon_admin1(g.admin1))
            if g.date:
                date_n += 1
                date_ok += int(p.get("date") == g.date)
        if details:
            found = {gi for gi, _, _ in matches}
            used = {pi for _, pi, _ in matches}
            per_article.append(
                {
                    "id": art.id,
                    "missed": [art.incidents[i].place for i in range(len(art.incidents)) if i not in found],
                    "spurious": [preds[i].get("place") for i in range(len(preds)) if i not in used],
                    "wrong_admin1": [
                        {
                            "place": art.incidents[gi].place,
                            "gold": art.incidents[gi].admin1,
                            "predicted": preds[pi].get("admin1"),
                        }
                        for gi, pi, _ in matches
                        if art.incidents[gi].admin1
                        and _canon_admin1(preds[pi].get("admin1")) != _canon_admin1(art.incidents[gi].admin1)
                    ],
                    "wrong_date": [
                        {
                            "place": art.incidents[gi].place,
                            "gold": art.incidents[gi].date,
                            "predicted": preds[pi].get("date"),
                        }
                        for gi, pi, _ in matches
                        if art.incidents[gi].date and preds[pi].get("date") != art.incidents[gi].date
                    ],
                }
            )
    precision = n_match / n_pred if n_pred else 0.0
    recall = n_match / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {
        "articles": n_art,
        "gold_incidents": n_gold,
        "predicted_incidents": n_pred,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "median_error_km": round(statistics.median(errors), 3) if errors else None,
        "admin1_accuracy": round(admin_ok / admin_n, 4) if admin_n else None,
        "date_accuracy": round(date_ok / date_n, 4) if date_n else None,
    }
    if details:
        out["per_article"] = per_article
    return out


def evaluate(gold: str | Path | list[GoldArticle], extractor: Any = None, details: bool = False) -> dict:
    """Run extraction on every gold article and :func:`score` it."""
    from .extract import default_extractor
    from .text.loading import make_article

    articles = load_gold(gold) if isinstance(gold, (str, Path)) else list(gold)
    ex = extractor or default_extractor()
    loaded = []
    for a in articles:
        loaded.append(make_article(a.text, title=a.title, published=_date(a.published), language=a.language))
    results = ex.extract_many(loaded)
    preds = {a.id: [i.to_dict() for i in r.incidents] for a, r in zip(articles, results)}
    return score(articles, preds, details=details)


def _date(s: str | None) -> date | None:
    try:
        return as_date(s)
    except ValueError:
        raise InvalidInputError(f"gold published date {s!r} is not YYYY-MM-DD") from None
