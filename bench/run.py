"""Benchmarks that print JSON figures: ``python bench/run.py NAME [--json] [options]``.

Each benchmark is a module ``bench/NAME.py`` with ``run(**options) -> dict | list[dict]``.
Speed lives here, never in timed test assertions.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository, for `import geo`
sys.path.insert(0, str(HERE))

NAMES = ("join", "extract", "geocode", "store", "ingest", "map", "hostile", "load")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", choices=NAMES)
    parser.add_argument("--json", action="store_true", help="print one JSON document per result line")
    parser.add_argument("--size", type=int, default=None, help="override the benchmark's main size")
    args = parser.parse_args(argv)
    try:
        module = importlib.import_module(args.name)
    except ModuleNotFoundError as exc:
        if exc.name == args.name:
            print(f"error: benchmark {args.name!r} is not written yet (bench/{args.name}.py)", file=sys.stderr)
            return 2
        raise
    kwargs = {"size": args.size} if args.size else {}
    result = module.run(**kwargs)
    for item in result if isinstance(result, list) else [result]:
        print(json.dumps(item) if args.json else "  ".join(f"{k}={v}" for k, v in item.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
