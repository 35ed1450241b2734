"""Point Folium at the browser libraries vendored in static/vendor/ instead of CDNs.

Folium keeps each element's scripts and stylesheets in ``default_js`` /
``default_css`` lists of ``(name, url)``, all on CDNs. This module is the one place
that maps those names to our vendored copies (written by ``tools/vendor_assets.py``).

:func:`localize` rewrites every element of a map tree in place, on the instances
(no global state, so two maps may use two different base URLs), and refuses any
element whose assets are not vendored: a plugin that would need a CDN fails loudly
here instead of drawing nothing offline. :class:`geo.mapview.VendoredMap` calls it
on every render, so the dashboard (Streamlit serves ``static/`` at ``/app/static``)
and standalone HTML exports (``base_url`` a relative path or :func:`file_base_url`)
both load only local files.

Do not add ``branca`` colormaps to a map: streamlit-folium injects d3 from a CDN
for them (legends are plain HTML instead); :func:`localize` rejects them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import branca.colormap
import folium
import folium.plugins
from branca.element import Element
from folium.elements import JSCSSMixin

#: The repository's static/ folder (served by Streamlit at /app/static).
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
#: Where Streamlit's static file serving puts STATIC_DIR.
DEFAULT_BASE_URL = "/app/static"

_LEAFLET = "vendor/leaflet@1.9.3/dist"
_AWESOME = "vendor/leaflet.awesome-markers@2.0.2"
_CLUSTER = "vendor/leaflet.markercluster@1.5.3/dist"
_FOLIUM = "vendor/folium@0.20.0"

# Folium asset name -> path under static/. Names are folium 0.20.0's own keys.
_JS: dict[str, str] = {
    "leaflet": f"{_LEAFLET}/leaflet.js",
    "jquery": "vendor/jquery@3.7.1/dist/jquery.min.js",
    "bootstrap": "vendor/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",
    "awesome_markers": f"{_AWESOME}/js/leaflet.awesome-markers.js",
    "markerclusterjs": f"{_CLUSTER}/leaflet.markercluster.js",
    "leaflet-heat.js": f"{_FOLIUM}/leaflet_heat.min.js",
}
_CSS: dict[str, str] = {
    "leaflet_css": f"{_LEAFLET}/leaflet.css",
    "bootstrap_css": "vendor/bootstrap@5.2.2/dist/css/bootstrap.min.css",
    "glyphicons_css": "vendor/bootstrap3-glyphicons@1.0.7/dist/css/bootstrap3-glyphicons.min.css",
    "awesome_markers_font_css": "vendor/fontawesome-free@6.2.0/css/all.min.css",
    "awesome_markers_css": f"{_AWESOME}/css/leaflet.awesome-markers.css",
    "awesome_rotate_css": f"{_FOLIUM}/leaflet.awesome.rotate.min.css",
    "markerclustercss": f"{_CLUSTER}/MarkerCluster.css",
    "markerclusterdefaultcss": f"{_CLUSTER}/MarkerCluster.Default.css",
}

#: The Folium classes whose assets are vendored. Anything else carrying
#: default_js/default_css is rejected by :func:`localize`.
SUPPORTED: tuple[type, ...] = (
    folium.Map,
    folium.plugins.MarkerCluster,
    folium.plugins.FastMarkerCluster,
    folium.plugins.HeatMap,
)


def register(*classes: type) -> None:
    """Declare more element classes (ours, built on vendored plugins) as supported.

    Their ``default_js`` / ``default_css`` must use names from the tables above.
    """
    global SUPPORTED
    SUPPORTED = tuple(dict.fromkeys((*SUPPORTED, *classes)))


class UnvendoredAssetError(ValueError):
    """A map element needs a script or stylesheet that is not in static/vendor."""


def asset_paths() -> list[str]:
    """Every file under static/ that :func:`localize` may reference."""
    return sorted({*_JS.values(), *_CSS.values()})


def file_base_url() -> str:
    """``file://`` URL of static/, for an HTML export opened from this checkout."""
    return STATIC_DIR.as_uri()


def _url(base_url: str, rel: str) -> str:
    return f"{base_url.rstrip('/')}/{rel}" if base_url else rel


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(getattr(element, "_children", {}).values()):
        yield from _walk(child)


def _rewrite(element: Element, attr: str, table: dict[str, str], base_url: str) -> None:
    entries = getattr(element, attr, None) or []
    out = []
    for name, url in entries:
        if name not in table:
            raise UnvendoredAssetError(
                f"{type(element).__name__} needs {url} ({name!r}), which is not vendored; "
                "add it to tools/vendor_assets.py and geo/assets.py, or do not use this element"
            )
        out.append((name, _url(base_url, table[name])))
    # Instance attributes shadow folium's class-level CDN lists for this element only.
    setattr(element, attr, out)


def localize(element: Element, base_url: str = DEFAULT_BASE_URL) -> Element:
    """Point ``element`` and all its descendants at the vendored assets; return it.

    ``base_url`` is prefixed to paths under static/: ``"/app/static"`` under
    Streamlit, a path relative to an exported HTML file, or :func:`file_base_url`.
    Raises :class:`UnvendoredAssetError` for an element whose assets are not vendored.
    Idempotent; call it again with another base URL to re-point.
    """
    for el in _walk(element):
        if isinstance(el, branca.colormap.ColorMap):
            raise UnvendoredAssetError(
                "branca colormaps make streamlit-folium load d3 from a CDN; use an HTML legend"
            )
        if not isinstance(el, JSCSSMixin):
            continue
        if not isinstance(el, SUPPORTED):
            if getattr(el, "default_js", None) or getattr(el, "default_css", None):
                raise UnvendoredAssetError(
                    f"{type(el).__name__} loads assets from a CDN and is not vendored"
                )
            continue
        _rewrite(el, "default_js", _JS, base_url)
        _rewrite(el, "default_css", _CSS, base_url)
    return element
