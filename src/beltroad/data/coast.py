"""How far a point lies from the sea: distance to searoute's shipping lanes (marnet) and to the coastline.

`data check` uses these to tell a container seaport from an inland city that searoute's port list calls a port
(Bratislava, Riyadh, Harare, Warsaw): a seaport lies on the coast and near a shipping lane. Both distances are
to the nearest point of a segment, not of a vertex: marnet's offshore lanes are long straight edges (hundreds
of km), so the nearest vertex can be far even where the lane passes close by.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from beltroad.data.geo import haversine_km

EARTH_KM_PER_DEG = 111.32
COAST_BUFFER_DEG = 0.02  # closes slivers between neighbouring country shapes, so land borders are not "coast"


PIECE_KM = 20.0  # segments are cut into pieces no longer than this before indexing
REACH_KM = 300.0  # exact distances within this reach; beyond it, the distance to the nearest piece midpoint


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


class _SegmentIndex:
    """Line segments (lat/lon end points) cut into short pieces, with a KD-tree over the piece midpoints."""

    def __init__(self, alat: np.ndarray, alon: np.ndarray, blat: np.ndarray, blon: np.ndarray):
        from scipy.spatial import cKDTree

        dlon = ((blon - alon + 180.0) % 360.0) - 180.0  # the short way round, also across the antimeridian
        n = np.maximum(1, np.ceil(haversine_km(alat, alon, blat, blon) / PIECE_KM)).astype(int)
        seg = np.repeat(np.arange(len(n)), n)
        k = np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)
        t0, t1 = k / n[seg], (k + 1) / n[seg]
        self.alat, self.blat = alat[seg] + t0 * (blat - alat)[seg], alat[seg] + t1 * (blat - alat)[seg]
        self.alon, self.blon = alon[seg] + t0 * dlon[seg], alon[seg] + t1 * dlon[seg]
        self.tree = cKDTree(_unit((self.alat + self.blat) / 2, (self.alon + self.blon) / 2))

    def distance_km(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        pts = _unit(lat, lon)
        chord = 2 * np.sin((REACH_KM + PIECE_KM) / 6371.0 / 2)
        out = np.empty(len(lat))
        for i, cand in enumerate(self.tree.query_ball_point(pts, chord)):
            if not cand:  # far from everything: the nearest midpoint is a good enough answer
                d, j = self.tree.query(pts[i])
                out[i] = float(haversine_km(lat[i], lon[i], (self.alat[j] + self.blat[j]) / 2,
                                            (self.alon[j] + self.blon[j]) / 2))
                continue
            c = np.asarray(cand)
            scale = max(np.cos(np.radians(lat[i])), 0.05) * EARTH_KM_PER_DEG
            ax = (((self.alon[c] - lon[i] + 180.0) % 360.0) - 180.0) * scale
            bx = (((self.blon[c] - lon[i] + 180.0) % 360.0) - 180.0) * scale
            ay, by = (self.alat[c] - lat[i]) * EARTH_KM_PER_DEG, (self.blat[c] - lat[i]) * EARTH_KM_PER_DEG
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            t = np.clip(-(ax * dx + ay * dy) / np.where(length2 == 0, 1.0, length2), 0.0, 1.0)
            out[i] = float(np.min(np.hypot(ax + t * dx, ay + t * dy)))
        return out


@lru_cache(maxsize=1)
def _marnet_index() -> _SegmentIndex:
    from beltroad.data.sea import read_marnet

    lon, lat, u, v, _, _ = read_marnet()
    return _SegmentIndex(lat[u], lon[u], lat[v], lon[v])


@lru_cache(maxsize=1)
def _coast_index() -> _SegmentIndex:
    import json

    import shapely
    from shapely.geometry import shape

    from beltroad.data import COUNTRIES_GEOJSON

    feats = json.loads(COUNTRIES_GEOJSON.read_text(encoding="utf-8"))["features"]
    shapes = [shape(f["geometry"]) for f in feats]
    land = shapely.union_all(shapely.buffer(shapes, COAST_BUFFER_DEG, quad_segs=1, join_style="mitre"))
    alat, alon, blat, blon = [], [], [], []
    for ring in shapely.get_parts(land.boundary):
        xy = shapely.get_coordinates(ring)
        alon.append(xy[:-1, 0])
        alat.append(xy[:-1, 1])
        blon.append(xy[1:, 0])
        blat.append(xy[1:, 1])
    return _SegmentIndex(np.concatenate(alat), np.concatenate(alon), np.concatenate(blat), np.concatenate(blon))


def marnet_distance_km(lat, lon) -> np.ndarray:
    """Distance (km) from each point to the nearest searoute shipping lane (marnet edge, incl. inland waterways)."""
    return _marnet_index().distance_km(np.atleast_1d(np.asarray(lat, float)), np.atleast_1d(np.asarray(lon, float)))


def coast_distance_km(lat, lon) -> np.ndarray:
    """Distance (km) from each point to the coastline of the shipped country shapes (either side of it)."""
    return _coast_index().distance_km(np.atleast_1d(np.asarray(lat, float)), np.atleast_1d(np.asarray(lon, float)))


__all__ = ["coast_distance_km", "marnet_distance_km"]
