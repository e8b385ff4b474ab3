"""Real-world line geometry of the land links, measured on OpenStreetMap (tools/measure_links.py).

Route maps draw a rail or road link along these polylines instead of a straight line, and the network
builder can take a measured road length for a pair of places it joins by a "regional road". Map data ©
OpenStreetMap contributors (ODbL 1.0); graphs from the scgraph-data package. Reading needs no network.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

GEOMETRY_DIR = Path(__file__).resolve().parent / "network" / "geometry"
CREDIT = "© OpenStreetMap contributors (ODbL); graphs from scgraph-data"


@lru_cache(maxsize=1)
def _lines() -> dict[str, np.ndarray]:
    path = GEOMETRY_DIR / "links_osm.parquet"
    if not path.exists():
        return {}
    import pyarrow.parquet as pq  # only when a map is drawn

    t = pq.read_table(path, columns=["key", "lon", "lat"]).to_pydict()
    return {k: np.column_stack([lo, la]).astype(float) for k, lo, la in zip(t["key"], t["lon"], t["lat"])}


def link_geometry_array(link_id: str) -> np.ndarray | None:
    """(n, 2) array of lon, lat along the link from its `from` node to its `to` node, or None if unmeasured."""
    return _lines().get(link_id)


def link_geometry(link_id: str) -> list[tuple[float, float]]:
    """The link's OSM polyline as [(lon, lat), ...]; an empty list when the link has no OSM line (sea,
    ferry, a measurement rejected as a detour or too far from the graph): draw it straight then. Mountain
    roads have a line although their length is not taken from OSM."""
    a = link_geometry_array(link_id)
    return [] if a is None else [(float(x), float(y)) for x, y in a]


def pair_geometry(a: str, b: str) -> list[tuple[float, float]]:
    """Road polyline between two places joined by a regional road, oriented from `a` to `b` (or [])."""
    line = _lines().get("|".join(sorted((a, b))))
    if line is None:
        return []
    line = line if a <= b else line[::-1]
    return [(float(x), float(y)) for x, y in line]


@lru_cache(maxsize=1)
def measurements() -> pd.DataFrame:
    """The per-link measurement table (osm_km, snap distances, status), indexed by link id."""
    path = GEOMETRY_DIR / "links_osm.csv"
    if not path.exists():
        return pd.DataFrame(columns=["mode", "osm_km", "snap_from_km", "snap_to_km", "n_points", "status", "notes"])
    return pd.read_csv(path, keep_default_na=False, na_values=[""]).set_index("link")


@lru_cache(maxsize=1)
def _pairs() -> dict[tuple[str, str], tuple[float, str]]:
    path = GEOMETRY_DIR / "pairs_osm.csv"
    if not path.exists():
        return {}
    p = pd.read_csv(path, keep_default_na=False, na_values=[""])
    return {(a, b): (float(km), st) for a, b, km, st in zip(p["from"], p["to"], p["osm_km"], p["status"])}


def regional_road_km(a: str, b: str) -> float | None:
    """Road length on OSM between two places of one country (regional-road pairs), or None if the pair
    was not measured or its measurement was rejected."""
    hit = _pairs().get(tuple(sorted((a, b))))
    return hit[0] if hit and hit[1] == "ok" else None


def regional_road_status(a: str, b: str) -> str | None:
    """Why a regional-road pair has no OSM length: `no_path` (no road joins them on OSM, e.g. two
    islands), `snap_too_far`, `too_long` (the road detours > 2.5x the great circle); `ok`; None if the
    pair was not measured."""
    hit = _pairs().get(tuple(sorted((a, b))))
    return hit[1] if hit else None


__all__ = ["CREDIT", "GEOMETRY_DIR", "link_geometry", "link_geometry_array", "measurements", "pair_geometry",
           "regional_road_km", "regional_road_status"]
