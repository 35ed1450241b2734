#!/usr/bin/env python3
"""Vendor the browser assets Folium loads from CDNs into static/vendor/.

Folium 0.20.0 points Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers,
markercluster and leaflet.heat at CDNs, so a map draws nothing offline. This
script fetches the same versions from the npm registry (``npm pack``, checked
against the pinned sha512 integrity below), copies only the files a map loads
(plus each package's license) into ``static/vendor/<name>@<version>/`` keeping the
package's own layout (so relative ``url(../webfonts/...)`` references still
resolve), takes the two files Folium itself serves from its repository out of the
installed ``folium`` package, and writes ``static/README.md``.

Usage (from the repository root; needs ``npm`` and the npm registry)::

    .venv/bin/python tools/vendor_assets.py          # (re)write static/vendor + README
    .venv/bin/python tools/vendor_assets.py --check  # exit 1 if static/ differs

Re-running it gives byte-identical output. ``geo/assets.py`` maps Folium's
asset names to these files; the two tables must agree (tests/test_mapview.py
checks every referenced file exists).
"""

from __future__ import annotations

import argparse
import base64
import filecmp
import hashlib
import importlib.metadata
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
VENDOR = STATIC / "vendor"

FOLIUM_VERSION = "0.20.0"


@dataclass(frozen=True)
class Npm:
    """One npm package to vendor: what to fetch, what to keep, under which license."""

    name: str
    version: str
    integrity: str  # npm's dist.integrity (sha512), checked after download
    license: str  # SPDX expression, for the README
    files: tuple[str, ...]  # glob patterns relative to the package root
    license_files: tuple[str, ...]  # copied next to the files
    dest: str = ""  # directory under static/vendor (default: unscoped name@version)
    homepage: str = ""
    note: str = ""
    # (package, file) to take the license text from when this package ships none
    license_from: tuple[str, str] | None = None

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def dirname(self) -> str:
        return self.dest or f"{self.name.rsplit('/', 1)[-1]}@{self.version}"


# ---------------------------------------------------------------------------
# The pinned table. Versions are the ones folium 0.20.0's CDN URLs name (except
# leaflet.markercluster, see its note).
# ---------------------------------------------------------------------------
PACKAGES: tuple[Npm, ...] = (
    Npm(
        "leaflet", "1.9.3",
        "sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ==",
        "BSD-2-Clause",
        ("dist/leaflet.js", "dist/leaflet.css", "dist/images/*"),
        ("LICENSE",),
        homepage="https://leafletjs.com/",
    ),
    Npm(
        "jquery", "3.7.1",
        "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
        "MIT",
        ("dist/jquery.min.js",),
        ("LICENSE.txt",),
        homepage="https://jquery.com/",
    ),
    Npm(
        "bootstrap", "5.2.2",
        "sha512-dEtzMTV71n6Fhmbg4fYJzQsw1N29hJKO1js5ackCgIpDcGid2ETMGC6zwSYw09v05Y+oRdQ9loC54zB1La3hHQ==",
        "MIT",
        ("dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css"),
        ("LICENSE",),
        homepage="https://getbootstrap.com/",
    ),
    Npm(
        "@fortawesome/fontawesome-free", "6.2.0",
        "sha512-CNR7qRIfCwWHNN7FnKUniva94edPdyQzil/zCwk3v6k4R6rR2Fr8i4s3PM7n/lyfPA6Zfko9z5WDzFxG9SW1uQ==",
        "CC-BY-4.0 AND OFL-1.1 AND MIT",
        ("css/all.min.css", "webfonts/*"),
        ("LICENSE.txt",),
        homepage="https://fontawesome.com/",
        note="icons CC BY 4.0, fonts SIL OFL 1.1, code MIT (see LICENSE.txt)",
    ),
    Npm(
        # The lvoogdt/Leaflet.awesome-markers 2.0.2 release that folium's cdnjs URL
        # names; on npm that exact release is published as this mirror package.
        "drmonty-leaflet-awesome-markers", "2.0.2",
        "sha512-g508pdnnHQr9l4kU6McvJzcSd0w1FvHFlZZCYc4oT+zjwYJi1qtj0fFBFEWMKoNfHK4UcBya1eccyjKfu4chjQ==",
        "MIT",
        ("js/leaflet.awesome-markers.js", "css/leaflet.awesome-markers.css", "css/images/*"),
        (),
        dest="leaflet.awesome-markers@2.0.2",
        homepage="https://github.com/lvoogdt/Leaflet.awesome-markers",
        note=(
            "npm mirror of Leaflet.awesome-markers 2.0.2 (L. Voogdt); it ships no license "
            "file (package.json declares MIT), so LICENSE is the upstream author's MIT text "
            "as shipped in the npm package leaflet.awesome-markers@2.0.5"
        ),
        license_from=("leaflet.awesome-markers@2.0.5", "LICENSE"),
    ),
    Npm(
        # Newer than folium's 1.1.0 (same API): 1.1.0 throws when the map zooms while
        # markers load in chunks, and loads 100,000 markers several times slower.
        "leaflet.markercluster", "1.5.3",
        "sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
        "MIT",
        ("dist/leaflet.markercluster.js", "dist/MarkerCluster.css", "dist/MarkerCluster.Default.css"),
        ("MIT-LICENCE.txt",),
        homepage="https://github.com/Leaflet/Leaflet.markercluster",
        note="newer than the 1.1.0 folium names (same API): 1.1.0 fails when the map zooms during chunked loading",
    ),
    Npm(
        # folium names bootstrap 3.0.0's separate bootstrap-glyphicons.css (never on
        # npm); this package is Bootstrap 3.3.7's glyphicons rules and fonts alone.
        "@neos21/bootstrap3-glyphicons", "1.0.7",
        "sha512-JfvPdx8W2+kVhW+8fj2kIJNS0tesU21hrWF7TBHtYDHpVfcFGU/yn3Eh02sJiNfZABkutP3oU0Ftw8LGF43Jng==",
        "MIT",
        ("dist/css/bootstrap3-glyphicons.min.css", "dist/fonts/*"),
        ("LICENSE",),
        homepage="https://github.com/Neos21/bootstrap3-glyphicons",
        note="stands in for bootstrap 3.0.0's bootstrap-glyphicons.css (glyphicons of Bootstrap 3.3.7)",
    ),
)

# Packages fetched only for a license text (see license_from above / folium below).
LICENSE_ONLY: dict[str, str] = {
    "leaflet.awesome-markers@2.0.5":
        "sha512-Ne/xDjkGyaujwNVVkv2tyXQUV0ZW7gZ0Mo0FuQY4jp2qWrvXi0hwDBvmZyF/8YOvybyMabTMM/mFWCTd1jZIQA==",
    "leaflet.heat@0.2.0":
        "sha512-Cd5PbAA/rX3X3XKxfDoUGi9qp78FyhWYurFg3nsfhntcM/MCNK08pRkf4iEenO1KNqwVPKCmkyktjW3UD+h9bQ==",
}

FOLIUM_DIR = f"folium@{FOLIUM_VERSION}"


def _rotate_css() -> str:
    """folium's leaflet.awesome.rotate css: one ``.fa-rotate-N`` class per degree.

    folium's wheel does not ship this file (its Map links it from the folium
    repository on a CDN); it is a mechanical list, so we generate it.
    """
    rules = (
        f".fa-rotate-{n}{{-ms-transform:rotate({n}deg);-webkit-transform:rotate({n}deg);"
        f"transform:rotate({n}deg)}}"
        for n in range(0, 361)
    )
    return "/* generated by tools/vendor_assets.py: folium's leaflet.awesome.rotate.css */\n" + "\n".join(rules) + "\n"


# ---------------------------------------------------------------------------


def _npm_pack(spec: str, integrity: str, workdir: Path) -> Path:
    """Download ``spec`` with npm, check its integrity, unpack it; return package root."""
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
        cwd=workdir, check=True, capture_output=True, text=True,
    )
    info = json.loads(out.stdout)[0]
    tgz = workdir / info["filename"]
    algo, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algo, tgz.read_bytes()).digest()).decode()
    if digest != expected:
        raise SystemExit(f"{spec}: integrity mismatch (got {algo}-{digest}, pinned {integrity})")
    dest = workdir / ("unpacked-" + info["filename"])
    with tarfile.open(tgz) as tf:
        tf.extractall(dest, filter="data")
    roots = [p for p in dest.iterdir() if p.is_dir()]
    if len(roots) != 1:
        raise SystemExit(f"{spec}: unexpected tarball layout {roots}")
    return roots[0]


def _copy(src_root: Path, pattern: str, dst_root: Path) -> list[str]:
    matches = sorted(p for p in src_root.glob(pattern) if p.is_file())
    if not matches:
        raise SystemExit(f"{src_root}: nothing matches {pattern!r}")
    out = []
    for p in matches:
        rel = p.relative_to(src_root)
        target = dst_root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, target)
        out.append(rel.as_posix())
    return out


def _folium_files(vendor: Path, license_roots: dict[str, Path]) -> list[str]:
    try:
        version = importlib.metadata.version("folium")
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit("folium is not installed in this interpreter") from None
    if version != FOLIUM_VERSION:
        raise SystemExit(f"installed folium is {version}; this table is pinned to {FOLIUM_VERSION}")
    dist = importlib.metadata.distribution("folium")
    pkg_dir = Path(str(dist.locate_file("folium")))
    dst = vendor / FOLIUM_DIR
    dst.mkdir(parents=True)
    shutil.copyfile(pkg_dir / "templates" / "leaflet_heat.min.js", dst / "leaflet_heat.min.js")
    (dst / "leaflet.awesome.rotate.min.css").write_text(_rotate_css(), encoding="utf-8")
    lic = [f for f in (dist.files or []) if f.name.startswith("LICENSE")]
    if not lic:
        raise SystemExit("folium's dist-info carries no LICENSE file")
    shutil.copyfile(Path(str(dist.locate_file(lic[0]))), dst / "LICENSE.txt")
    shutil.copyfile(license_roots["leaflet.heat@0.2.0"] / "LICENSE", dst / "LICENSE.leaflet.heat")
    return ["leaflet_heat.min.js", "leaflet.awesome.rotate.min.css", "LICENSE.txt", "LICENSE.leaflet.heat"]


def _readme(listing: dict[str, list[str]]) -> str:
    lines = [
        "# static/",
        "",
        "Served by Streamlit at `/app/static/...` (`server.enableStaticServing = true` in",
        "`.streamlit/config.toml`). `vendor/` holds the browser libraries Folium would",
        "otherwise load from CDNs, so the map draws with no internet. `geo/assets.py` points",
        "Folium at them.",
        "",
        "Generated by `tools/vendor_assets.py` (pinned versions and sha512 integrities in one",
        "table there): do not edit `vendor/` by hand; change the table and re-run it.",
        "All packages come from the npm registry, except the `folium@" + FOLIUM_VERSION + "` folder,",
        "which comes from the folium package on PyPI.",
        "",
        "| package | version | license | folder | notes |",
        "| --- | --- | --- | --- | --- |",
    ]
    for p in PACKAGES:
        lines.append(
            f"| [{p.name}]({p.homepage}) | {p.version} | {p.license} | `vendor/{p.dirname}/` | {p.note} |"
        )
    lines.append(
        f"| [folium](https://github.com/python-visualization/folium) (PyPI) | {FOLIUM_VERSION} | "
        f"MIT; leaflet_heat.min.js: BSD-2-Clause | `vendor/{FOLIUM_DIR}/` | "
        "`leaflet_heat.min.js` copied from folium's wheel (Leaflet.heat 0.2.0 by Vladimir "
        "Agafonkin with folium's weights patch; its license in `LICENSE.leaflet.heat`, from "
        "npm leaflet.heat@0.2.0); `leaflet.awesome.rotate.min.css` generated (one `.fa-rotate-N` "
        "rule per degree, as folium's) |"
    )
    lines += ["", "## Files", ""]
    for d, files in listing.items():
        lines.append(f"- `vendor/{d}/`: " + ", ".join(f"`{f}`" for f in files))
    lines.append("")
    return "\n".join(lines)


def build(static: Path) -> None:
    """Write vendor/ and README.md under ``static`` (which must exist)."""
    vendor = static / "vendor"
    if vendor.exists():
        shutil.rmtree(vendor)
    vendor.mkdir(parents=True)
    listing: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="vendor-assets-") as tmp:
        work = Path(tmp)
        license_roots = {spec: _npm_pack(spec, integ, work) for spec, integ in LICENSE_ONLY.items()}
        for p in PACKAGES:
            root = _npm_pack(p.spec, p.integrity, work)
            dst = vendor / p.dirname
            files: list[str] = []
            for pat in p.files:
                files += _copy(root, pat, dst)
            for lic in p.license_files:
                files += _copy(root, lic, dst)
            if p.license_from:
                spec, fname = p.license_from
                shutil.copyfile(license_roots[spec] / fname, dst / "LICENSE")
                files.append("LICENSE")
            listing[p.dirname] = files
        listing[FOLIUM_DIR] = _folium_files(vendor, license_roots)
    (static / "README.md").write_text(_readme(listing), encoding="utf-8")


def _same_tree(a: Path, b: Path) -> list[str]:
    diffs = []
    cmp = filecmp.dircmp(a, b)
    diffs += [f"only in generated: {a / n}" for n in cmp.left_only]
    diffs += [f"only in repo: {b / n}" for n in cmp.right_only]
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    diffs += [f"differs: {b / n}" for n in mismatch + errors]
    for sub in cmp.common_dirs:
        diffs += _same_tree(a / sub, b / sub)
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with static/ instead of writing")
    args = ap.parse_args(argv)
    if shutil.which("npm") is None:
        print("npm is required (apt-get install npm)", file=sys.stderr)
        return 2
    if not args.check:
        STATIC.mkdir(exist_ok=True)
        build(STATIC)
        print(f"wrote {VENDOR.relative_to(ROOT)} and static/README.md")
        return 0
    with tempfile.TemporaryDirectory(prefix="vendor-check-") as tmp:
        gen = Path(tmp) / "static"
        gen.mkdir()
        build(gen)
        diffs = _same_tree(gen / "vendor", VENDOR) if VENDOR.exists() else ["static/vendor missing"]
        if (gen / "README.md").read_bytes() != (STATIC / "README.md").read_bytes():
            diffs.append("differs: static/README.md")
    for d in diffs:
        print(d)
    print("static/ is up to date" if not diffs else f"{len(diffs)} difference(s)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
