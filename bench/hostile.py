"""Hostile input shapes through loading and extraction: seconds at n and 2n characters.

    python bench/hostile.py [--size N] [--json]      (or bench/run.py hostile, once listed)

One line per shape: ``seconds`` at ``size`` characters, ``seconds_2x`` at twice that,
and ``ratio`` (about 2 when the work is linear, 4 when quadratic). tests/hardening/
checks the same shapes for linear work without timing anything; the speed is here.
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PUB = date(2024, 7, 1)


def _names(n: int) -> list[str]:
    return [f"Xab{chr(97 + i % 26)}{chr(97 + (i // 26) % 26)}{chr(97 + (i // 676) % 26)}" for i in range(n)]


def _repeat(unit: str, n: int) -> str:
    return unit * max(1, n // len(unit))


SHAPES = {
    "punctuation run": lambda n: "x" + " !" * (n // 2),
    "dots after a long word": lambda n: "a" * (n // 2) + " ." * (n // 4),
    "thousands of dates": lambda n: _repeat("attack on Monday ", n),
    "thousands of anaphora": lambda n: "JNIM attacked. " + _repeat("the group attacked ", n),
    "one place, thousands of sentences": lambda n: _repeat("JNIM attacked Kayes on Monday. ", n),
    "a date per sentence": lambda n: "".join(
        f"Gunmen attacked Kayes on {(date(1900, 1, 1) + timedelta(days=i)).isoformat()}. " for i in range(n // 40)
    ),
    "thousands of figures": lambda n: "Gunmen attacked Kayes, " + _repeat("5 soldiers killed, ", n) + "officials said.",
    "thousands of places": lambda n: "".join(f"Gunmen attacked the village of {x}. " for x in _names(n // 40)),
    "a list that never ends": lambda n: "Gunmen attacked " + _repeat("Kayes, ", n) + "Gao.",
    "hard-wrapped lines": lambda n: "x\n" + _repeat("word\n", n),
    "repeated paragraph": lambda n: _repeat("Gunmen attacked the post in Diéma on Sunday.\n\n", n),
    "unclosed titles (HTML)": lambda n: "<html><head>" + _repeat("<title>", n) + "</head><body></body></html>",
    "unclosed scripts (HTML)": lambda n: "<html><body>" + _repeat("<script>", n) + "</body></html>",
}


def _time(extractor, text: str) -> float:
    from geo.errors import InvalidInputError

    t = time.perf_counter()
    try:
        extractor.extract(text, published=PUB, language="en")
    except InvalidInputError:
        pass  # markup only: a clear "empty" error is the expected answer
    return time.perf_counter() - t


def run(size: int = 200_000) -> list[dict]:
    from geo.extract import Extractor
    from geo.geocode import Geocoder

    ex = Extractor(geocoder=Geocoder(online=False, cache=False))
    ex.extract("Gunmen attacked Kayes on Monday.", published=PUB, language="en")  # data loaded
    out = []
    for name, make in SHAPES.items():
        a = _time(ex, make(size))
        b = _time(ex, make(2 * size))
        out.append({"shape": name, "size": size, "seconds": round(a, 3), "seconds_2x": round(b, 3),
                    "ratio": round(b / a, 2) if a > 0 else None})
    return out


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for item in run(args.size):
        print(json.dumps(item) if args.json else "  ".join(f"{k}={v}" for k, v in item.items()))
