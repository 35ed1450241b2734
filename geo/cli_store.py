"""``python -m geo ingest``, ``import-events`` and ``export``.

    python -m geo ingest PATH|URL|FEED ... [--published DATE] [--db URL] [--workers N | --scheduler ADDR]
    python -m geo import-events FILE --format acled|ucdp [--db URL]
    python -m geo export --format csv|geojson|gpkg [filters] -o FILE [--db URL]
    python -m geo regeocode [--limit N] [--db URL]

Every command takes ``--db URL`` and otherwise reads GEO_DATABASE_URL (default: an SQLite
file in the user's data folder). Each prints a one-line summary with counts (``--json``:
one JSON document) and exits 0 when it did its job; 1 when part of the work could not be
done (inputs that could not be read, a file with no usable row; the reasons go to
stderr); 2 with a clear message when it could not run at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", default=None,
                   help="database URL: sqlite:///PATH or postgresql://USER@HOST/DB (default: GEO_DATABASE_URL)")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of the summary line")


def add_subcommands(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "ingest", help="extract incidents from articles and store them (idempotent)",
        description="Load articles (files, folders, RSS/Atom feeds, JSON, HTML, URLs), extract and geocode their "
                    "incidents and store them. An article already stored is skipped; an incident other articles "
                    "already reported is merged with it.")
    p.add_argument("inputs", nargs="+", metavar="PATH|URL|FEED", help="files, folders, feed files or http(s) URLs")
    p.add_argument("--published", metavar="DATE", help="publication date of the articles (YYYY-MM-DD; overrides their metadata; "
                        "relative dates such as 'on Monday' resolve against it)")
    p.add_argument("--language", choices=("en", "fr"), help="language of the articles (default: detected)")
    p.add_argument("--input-format", dest="input_format", default="auto",
                   choices=("auto", "text", "html", "json", "feed"), help="input format (default: detected)")
    p.add_argument("--online", action="store_true", help="let the geocoder ask the online provider (GEO_GEOCODER)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int, metavar="N", help="extract on a local Dask cluster of N worker processes")
    g.add_argument("--scheduler", metavar="ADDRESS", help="extract on an existing Dask cluster (tcp://host:8786)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _db(p)
    p.set_defaults(func=_cmd_ingest)

    p = subparsers.add_parser(
        "import-events", help="import an ACLED or UCDP GED CSV file",
        description="Import ACLED CSV exports or UCDP GED CSV files. Our admin/border join is recomputed, the "
                    "source's values are kept beside ours. Malformed rows are reported (line, event id) and "
                    "skipped; importing the same file twice adds nothing.")
    p.add_argument("file", help="the CSV file")
    p.add_argument("--format", required=True, choices=("acled", "ucdp"), dest="fmt")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _db(p)
    p.set_defaults(func=_cmd_import)

    p = subparsers.add_parser(
        "regeocode", help="ask the online geocoder again for places it could not answer for",
        description="Places whose online lookup failed during an ingest (service down, too slow, rate limiting) "
                    "were stored without a point and marked to retry. This asks the online geocoder "
                    "(GEO_GEOCODER) again for them, using their articles' context; `ingest --online` does the "
                    "same for earlier runs' places.")
    p.add_argument("--limit", type=int, metavar="N", help="at most N places")
    _db(p)
    p.set_defaults(func=_cmd_regeocode)

    p = subparsers.add_parser(
        "export", help="write filtered incidents to CSV, GeoJSON or GeoPackage",
        description="Export the incidents a filter selects (the dashboard's filter: --filter takes its URL query "
                    "string; the options below add to it).")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument("--format", choices=("csv", "geojson", "gpkg"), dest="fmt",
                   help="file format (default: from the file suffix)")
    add_filter_arguments(p)
    _db(p)
    p.set_defaults(func=_cmd_export)


def add_filter_arguments(p: argparse.ArgumentParser) -> None:
    """The filter options (one per :class:`~geo.filters.IncidentFilter` field)."""
    f = p.add_argument_group("filters (repeat an option for several values: any of them matches)")
    f.add_argument("--filter", metavar="QUERY", help="a dashboard filter query string (admin1=Mopti&date_from=...)")
    f.add_argument("--from", dest="date_from", metavar="DATE", help="first date (YYYY-MM-DD)")
    f.add_argument("--to", dest="date_to", metavar="DATE", help="last date (YYYY-MM-DD)")
    f.add_argument("--admin1", action="append", default=[], metavar="NAME", help="region")
    f.add_argument("--admin2", action="append", default=[], metavar="NAME", help="cercle / admin-2 unit")
    f.add_argument("--border-zone", action="append", default=[], metavar="NAME", help='e.g. "Mali–Niger border"')
    f.add_argument("--actor", action="append", default=[], metavar="NAME", help="an actor involved")
    f.add_argument("--event-type", action="append", default=[], metavar="TYPE", help='e.g. "armed clash"')
    f.add_argument("--precision", action="append", default=[], type=int, choices=range(1, 6), metavar="N",
                   help="geo_precision value to keep (1 town ... 5 country)")
    f.add_argument("--max-precision", type=int, choices=range(1, 6), metavar="N", help="geo_precision at most N")
    f.add_argument("--min-fatalities", type=int, metavar="N", help="at least N fatalities")
    f.add_argument("--text", metavar="WORDS", help="words that must all occur (place, actors, evidence, notes)")
    f.add_argument("--bbox", metavar="W,S,E,N", help="bounding box in degrees")
    f.add_argument("--source", action="append", default=[], choices=("article", "acled", "ucdp"))
    f.add_argument("--review-status", action="append", default=[], metavar="STATUS")


def filter_from_args(args: argparse.Namespace):
    from .filters import IncidentFilter

    base = IncidentFilter.from_query_string(args.filter) if getattr(args, "filter", None) else IncidentFilter()
    changes: dict[str, Any] = {}
    for name, value in (("date_from", args.date_from), ("date_to", args.date_to),
                        ("max_precision", args.max_precision), ("min_fatalities", args.min_fatalities),
                        ("text", args.text), ("bbox", args.bbox)):
        if value not in (None, ""):
            changes[name] = value
    for name, values in (("admin1", args.admin1), ("admin2", args.admin2), ("border_zone", args.border_zone),
                         ("actors", args.actor), ("event_types", args.event_type), ("precision", args.precision),
                         ("sources", args.source), ("review_status", args.review_status)):
        if values:
            changes[name] = tuple(getattr(base, name)) + tuple(values)
    return base.replace(**changes) if changes else base


def _emit(args: argparse.Namespace, summary: str, doc: dict) -> None:
    print(json.dumps(doc, ensure_ascii=False, default=str) if args.json else summary)


def _cmd_ingest(args: argparse.Namespace) -> int:
    from .errors import InvalidInputError
    from .ingest import ingest

    if args.workers is not None and args.workers < 1:
        raise InvalidInputError("--workers must be at least 1")
    if args.published:
        from datetime import date

        try:
            date.fromisoformat(args.published.strip())
        except ValueError:
            raise InvalidInputError(f"--published {args.published!r} is not a date (use YYYY-MM-DD)") from None
    report = ingest(
        args.inputs, db=args.db, published=args.published, language=args.language, fmt=args.input_format,
        workers=args.workers, scheduler=args.scheduler, online=args.online,
        progress=False if args.no_progress or args.json else None,
    )
    for what, why in report.failed:
        print(f"ingest: {what}: {why}", file=sys.stderr)
    _emit(args, report.summary(), report.to_dict())
    if report.stopped:
        print(f"ingest: stopped, the database failed: {report.stopped}. {report.not_stored} article(s) were not "
              "stored (every stored article is whole); run the same command again to finish", file=sys.stderr)
        return 1
    if report.failed:
        print(f"ingest: {len(report.failed)} input(s) or article(s) could not be ingested (see above); "
              "the rest is stored", file=sys.stderr)
        return 1
    return 0


def _cmd_regeocode(args: argparse.Namespace) -> int:
    from .regeocode import retry_pending
    from .store import open_store

    with open_store(args.db) as st:
        report = retry_pending(st, limit=args.limit, force=True)
    for err in report.errors:
        print(f"regeocode: {err}", file=sys.stderr)
    _emit(args, report.summary(), report.to_dict())
    return 1 if report.errors else 0


def _cmd_import(args: argparse.Namespace) -> int:
    from .events_import import import_events

    report = import_events(args.file, args.fmt, db=args.db, progress=False if args.no_progress or args.json else None)
    for b in report.bad:
        print(f"{args.file}:{b.line}: event {b.event_id or '?'}: {b.reason} (skipped)", file=sys.stderr)
    _emit(args, report.summary(), report.to_dict())
    if report.rows and report.inserted + report.existing + report.duplicates == 0:
        print(f"import-events: no usable row in {args.file}", file=sys.stderr)
        return 1
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .export import export

    flt = filter_from_args(args)
    res = export(args.output, flt, fmt=args.fmt, db=args.db)
    doc = {"path": res.path, "format": res.fmt, "incidents": res.incidents, "filter": flt.to_query_params()}
    _emit(args, res.summary(), doc)
    return 0
