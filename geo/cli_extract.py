"""``python -m geo extract`` and ``python -m geo eval``.

    python -m geo extract FILE [--published YYYY-MM-DD] [--lang en|fr] [--format F] [--fetch] [--online] --json
    python -m geo eval GOLD.jsonl [--details] --json

FILE is a path, ``-`` for standard input, or (with ``--fetch``) an http(s) URL. Offline by
default: nothing is downloaded and the geocoder stays on the gazetteer unless asked.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .errors import InvalidInputError

_OTHER_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``extract`` and ``eval`` on the ``python -m geo`` parser."""
    p = subparsers.add_parser("extract", help="extract incidents from an article (text, HTML, JSON, RSS, URL)")
    p.add_argument("source", metavar="FILE", help="article file, '-' for stdin, or a URL with --fetch")
    p.add_argument("--published", help="published date YYYY-MM-DD (overrides the article's metadata)")
    p.add_argument("--lang", choices=("en", "fr"), help="article language (detected when omitted)")
    p.add_argument(
        "--format",
        default="auto",
        choices=("auto", "text", "html", "json", "feed"),
        help="input format (detected when omitted)",
    )
    p.add_argument("--fetch", action="store_true", help="allow downloading FILE when it is a URL")
    p.add_argument("--online", action="store_true", help="let the geocoder ask the configured online service")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=cmd_extract)

    p = subparsers.add_parser("eval", help="score extraction against a gold JSONL file")
    p.add_argument("gold", metavar="GOLD", help="gold file: one article a line")
    p.add_argument("--details", action="store_true", help="also list missed and spurious incidents per article")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=cmd_eval)


def _read_source(source: str, fetch: bool):
    if source == "-":  # read only up to the size limit: a 50 MB pipe is refused, not slurped
        from .text.loading import read_stream

        return read_stream(sys.stdin.buffer)
    if source.lower().startswith(("http://", "https://")):
        if not fetch:
            raise InvalidInputError(f"{source} is a URL: add --fetch to download it (offline by default)")
        return source
    if _OTHER_URL.match(source):  # file://, ftp://, gopher:// ...: say so, not "no such file"
        from ._http import check_url

        check_url(source)
    p = Path(source)
    if not p.exists():
        raise InvalidInputError(f"{source}: no such file")
    return p  # folders, devices and pipes are refused by geo.text.loading.read_file


def cmd_extract(args: argparse.Namespace) -> int:
    from .extract import Extractor

    src = _read_source(args.source, args.fetch)
    ex = Extractor(online=args.online)
    results = ex.extract(src, fmt=args.format, published=args.published, language=args.lang, fetch=args.fetch)
    docs = [r.to_dict() for r in results]
    doc = docs[0] if len(docs) == 1 else {"articles": docs}
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
        return 0
    for d in docs:
        a = d["article"]
        print(f"article {a['id'][:12]}  {a['published'] or '-'}  {a['language']}  {a['title']}")
        for i in d["incidents"]:
            where = f"{i['lat']:.4f},{i['lon']:.4f}" if i["lat"] is not None else "unresolved"
            print(
                f"  {i['date'] or '-':10}  {i['place']:<28} p{i['geo_precision']}  {where:<20} "
                f"{i['admin1'] or '-':<11} {i['event_type']}  {', '.join(i['actors'])}"
            )
        if not d["incidents"]:
            print("  (no incidents)")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate

    figures = evaluate(args.gold, details=args.details)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for k, v in figures.items():
            if k != "per_article":
                print(f"{k}: {v}")
        for a in figures.get("per_article", []):
            if a["missed"] or a["spurious"] or a["wrong_date"] or a["wrong_admin1"]:
                print(
                    f"  {a['id']}: missed={a['missed']} spurious={a['spurious']} "
                    f"wrong_date={a['wrong_date']} wrong_admin1={a['wrong_admin1']}"
                )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run these subcommands alone (``python -m geo.cli_extract extract FILE --json``)."""
    from .errors import GeoError

    parser = argparse.ArgumentParser(prog="python -m geo.cli_extract")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except GeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
