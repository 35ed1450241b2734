"""Spatial join over random points in Mali's bounding box, against a bare sjoin.

Target (foundation issue): the full join (countries, admin-1, border zones, geodesic
distance to the border) under 3x a bare ``geopandas.sjoin`` against admin-1 alone.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np

from geo import boundaries, spatial


def run(size: int = 1_000_000, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = boundaries.mali().bounds
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(rng.uniform(minx, maxx, size), rng.uniform(miny, maxy, size)), crs=4326
    )
    admin1 = boundaries.admin1()[["name", "geometry"]]
    spatial.join(pts.iloc[:100])  # load layers and build indexes outside the timing
    gpd.sjoin(pts.iloc[:100], admin1, how="left", predicate="within")

    t = time.perf_counter()
    gpd.sjoin(pts, admin1, how="left", predicate="within")
    bare = time.perf_counter() - t

    t = time.perf_counter()
    spatial.join(pts)
    full = time.perf_counter() - t
    return {
        "name": "join", "points": size, "seconds": round(full, 3), "points_per_s": round(size / full),
        "sjoin_only_seconds": round(bare, 3), "ratio_to_sjoin": round(full / bare, 2),
    }
