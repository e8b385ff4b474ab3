"""Vectorised spherical geometry shared by every layer."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km; accepts scalars or arrays (broadcast)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(a, dtype=float)) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def unit_vectors(lat, lon) -> np.ndarray:
    """3-D unit vectors, so that nearest-neighbour search on a KD-tree follows great-circle order."""
    lat, lon = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def chord_to_km(chord) -> np.ndarray:
    """Convert a chord length on the unit sphere to great-circle km."""
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2, 0.0, 1.0))


LAND_TOLERANCE_KM = 30.0  # a coordinate this close to a country shape counts as on land (coasts are generalised)


@lru_cache(maxsize=1)
def _land_tree():
    """An STRtree over the shipped Natural Earth country shapes (data/countries.geojson)."""
    import json

    import shapely
    from shapely.geometry import shape

    from beltroad.data import COUNTRIES_GEOJSON

    feats = json.loads(COUNTRIES_GEOJSON.read_text(encoding="utf-8"))["features"]
    return shapely.STRtree([shape(f["geometry"]) for f in feats])


def on_land(lat: float, lon: float, tolerance_km: float = LAND_TOLERANCE_KM) -> bool:
    """True if (lat, lon) lies in a country shape or within `tolerance_km` of one (about: the tolerance is
    turned into degrees of latitude). The shapes are Natural Earth's generalised coastlines, so a quay on the
    water's edge or a small island needs the tolerance; a point in mid-ocean is far outside it."""
    import shapely

    hits = _land_tree().query(shapely.Point(float(lon), float(lat)), predicate="dwithin",
                              distance=tolerance_km / 111.2)
    return len(hits) > 0
