"""``python -m geo geocode`` and ``python -m geo aliases``.

    python -m geo geocode "NAME" [--near REGION]... [--online] [--json]
    python -m geo geocode --export-aliases FILE.csv|FILE.json
    python -m geo aliases list|add|remove|export|import ...

``geocode`` prints the chosen result and the top candidates; it exits 0 when the name
resolved, 1 when it did not. ``--near`` takes a region ("Kayes", "Timbuktu region"), a
border zone ("Senegalese border") or another place named alongside ("Nioro").
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_subcommands(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "geocode", help="resolve a place name to coordinates (offline unless --online)",
        description="Resolve a place name through the geocoder chain: user aliases, areas, "
                    "gazetteer, online provider (with --online or GEO_GEOCODER), region fallback.",
    )
    p.add_argument("name", nargs="?", help="the place name, as written in the article")
    p.add_argument("--near", action="append", default=[], metavar="REGION",
                   help="a region, border zone or place named in the same text (repeatable)")
    p.add_argument("--country", default="ML", help="country the article is about (ISO2, default ML)")
    p.add_argument("--online", action="store_true",
                   help="also ask the online geocoder (GEO_GEOCODER, default Nominatim)")
    p.add_argument("--strict", action="store_true",
                   help="apply the running-text guards (capitalisation, stoplist)")
    p.add_argument("--area", action="store_true", help="resolve NAME as a region, border zone or country")
    p.add_argument("--limit", type=int, default=5, help="candidates to show (default 5)")
    p.add_argument("--export-aliases", metavar="FILE", help="write user aliases to FILE (.csv or .json) and exit")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=_cmd_geocode)

    a = subparsers.add_parser("aliases", help="user corrections of place names (list, add, export, import)")
    asub = a.add_subparsers(dest="aliases_command", required=True)
    q = asub.add_parser("list", help="list aliases")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_cmd_aliases_list)
    q = asub.add_parser("add", help="make NAME mean the place at LAT LON from now on")
    q.add_argument("alias")
    q.add_argument("lat", type=float)
    q.add_argument("lon", type=float)
    q.add_argument("--place-name", help="name of the place (default: the alias)")
    q.add_argument("--precision", type=int, default=1, choices=range(1, 6), help="geo_precision (default 1)")
    q.add_argument("--by", default="cli", help="who made the correction")
    q.add_argument("--note")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_cmd_aliases_add)
    q = asub.add_parser("remove", help="remove an alias")
    q.add_argument("alias")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_cmd_aliases_remove)
    q = asub.add_parser("export", help="write aliases to FILE (.csv or .json)")
    q.add_argument("file")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_cmd_aliases_export)
    q = asub.add_parser("import", help="read aliases from FILE (.csv or .json)")
    q.add_argument("file")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_cmd_aliases_import)


def _cache():
    from .config import get_settings
    from .geocache import GeoCache

    return GeoCache(get_settings().database_url)


def _out(obj: dict, as_json: bool, text: str) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str) if as_json else text)


def _context(geocoder, near: list[str], country: str):
    """Sort ``--near`` values into regions, border zones and other places named."""
    from .geocode import GeocodeContext

    regions, zones, places = [], [], []
    if near:
        from . import boundaries

        for item in near:   # "Kayes" is a region and a town: it counts as both
            if boundaries.admin1_lookup(item):
                regions.append(item)
            if geocoder.geocode_area(item, "border_zone").resolved:
                zones.append(item)
            elif geocoder.gazetteer.lookup(item) or not regions or regions[-1] != item:
                places.append(item)
    return GeocodeContext(regions=tuple(regions), places=tuple(places), country_code=country.upper(),
                          border_zones=tuple(zones))


def _cmd_geocode(args: argparse.Namespace) -> int:
    from .errors import InvalidInputError
    from .geocode import Geocoder

    if args.export_aliases:
        cache = _cache()
        n = cache.export_aliases(args.export_aliases)
        _out({"exported": n, "file": args.export_aliases}, args.json, f"exported {n} aliases to {args.export_aliases}")
        return 0
    if not args.name or not args.name.strip():
        raise InvalidInputError("give a place name (or --export-aliases FILE)")
    geocoder = Geocoder(online=True if args.online else None)
    if args.area:
        result = geocoder.geocode_area(args.name)
    else:
        result = geocoder.geocode(args.name, _context(geocoder, args.near, args.country), strict=args.strict)
    limit = max(0, args.limit)
    doc = result.to_dict(candidates=limit)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, default=str))
    else:
        print(_describe(result, limit))
    return 0 if result.resolved else 1


def _describe(result, limit: int) -> str:
    from .geocode import PRECISION_LABELS

    if not result.resolved:
        lines = [f"{result.query}: unresolved"]
        if result.error:
            lines.append(f"  {result.error} (will be retried on the next run)")
        return "\n".join(lines)
    where = ", ".join(x for x in (result.admin1, result.country_code) if x)
    lines = [
        f"{result.query} -> {result.matched_name} ({where}) {result.lat:.5f}, {result.lon:.5f}",
        f"  precision {result.geo_precision} ({PRECISION_LABELS.get(result.geo_precision)}), "
        f"provider {result.provider}, match {result.match}, score {result.score:g}"
        + (", fallback to the area named" if result.fallback else "")
        + (", from cache" if result.cached else "")
        + (", AMBIGUOUS" if result.ambiguous else ""),
    ]
    if limit and result.candidates:
        lines.append("  candidates:")
        for i, c in enumerate(result.candidates[:limit], 1):
            place = ", ".join(x for x in (c.admin1, c.country_code) if x)
            lines.append(f"   {i}. {c.name} ({place}) {c.lat:.5f}, {c.lon:.5f}  score {c.score:g}  {c.match}"
                         + (f" '{c.matched_name}'" if c.matched_name and c.matched_name != c.name else ""))
    return "\n".join(lines)


def _cmd_aliases_list(args: argparse.Namespace) -> int:
    rows = [a.to_dict() for a in _cache().aliases()]
    text = "\n".join(f"{r['alias']} -> {r['place_name']} {r['lat']:.5f}, {r['lon']:.5f}"
                     f" ({r['admin1'] or '-'}, {r['country'] or '-'})" for r in rows) or "no aliases"
    _out({"aliases": rows}, args.json, text)
    return 0


def _cmd_aliases_add(args: argparse.Namespace) -> int:
    from .geocode import Geocoder

    geocoder = Geocoder(online=False)
    alias = geocoder.add_alias(args.alias, args.place_name or args.alias, args.lat, args.lon,
                               geo_precision=args.precision, created_by=args.by, note=args.note)
    d = alias.to_dict()
    _out(d, args.json, f"{d['alias']} -> {d['place_name']} {d['lat']:.5f}, {d['lon']:.5f} "
                       f"({d['admin1'] or '-'}, {d['country'] or '-'})")
    return 0


def _cmd_aliases_remove(args: argparse.Namespace) -> int:
    removed = _cache().remove_alias(args.alias)
    _out({"removed": removed}, args.json, "removed" if removed else f"no alias {args.alias!r}")
    return 0 if removed else 1


def _cmd_aliases_export(args: argparse.Namespace) -> int:
    n = _cache().export_aliases(args.file)
    _out({"exported": n, "file": args.file}, args.json, f"exported {n} aliases to {args.file}")
    return 0


def _cmd_aliases_import(args: argparse.Namespace) -> int:
    n = _cache().import_aliases(args.file)
    _out({"imported": n, "file": args.file}, args.json, f"imported {n} aliases from {args.file}")
    return 0
