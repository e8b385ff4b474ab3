"""GeoJSON layers of the network for the map, and the markers of a planned route."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from beltroad.data import COUNTRIES_GEOJSON
from beltroad.io import geojson
from beltroad.io.export import network_frames, node_sources

LAYERS = ("rail", "road", "ferry", "sea", "ports", "crossings", "projects", "countries")
STATIC_LAYERS = ("sea", "ports", "countries")  # the same in every year

# approximate positions of the named passages (for map markers only)
PASSAGE_POS = {
    "suez": (32.35, 30.45), "bab-el-mandeb": (43.35, 12.6), "hormuz": (56.45, 26.55), "malacca": (100.4, 3.2),
    "sunda": (105.8, -5.9), "panama": (-79.7, 9.1), "gibraltar": (-5.6, 35.95), "bosporus": (29.05, 41.1),
    "dardanelles": (26.4, 40.2), "cape": (18.5, -34.6), "magellan": (-70.9, -53.5), "bering": (-169.0, 65.8),
    "arctic": (100.0, 77.5),
}


def countries_geojson() -> dict:
    """Country shapes for the basemap (Natural Earth, shipped as data/countries.geojson)."""
    g = json.loads(COUNTRIES_GEOJSON.read_text(encoding="utf-8"))
    for f in g.get("features", []):
        p = f.setdefault("properties", {})
        p.setdefault("iso_a3", p.get("iso3") or p.get("ISO_A3"))
    return g


def _open_in(df: pd.DataFrame, year: int | None, superseded: bool = True) -> np.ndarray:
    """Rows that existed in `year`: opened by then (or open, when the year is unknown) and not superseded."""
    if year is None:
        return np.ones(len(df), dtype=bool)
    opened = pd.to_numeric(df["opened"], errors="coerce")
    ok = np.where(opened.isna(), df["status"].eq("open"), opened <= year)
    if superseded:
        sup = pd.to_numeric(df["superseded"], errors="coerce")
        ok &= sup.isna().to_numpy() | (sup > year).to_numpy()
    return ok


def _whole_numbers(df: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    """Years and gauges as integers (1435, not 1435.0), missing as null."""
    df = df.copy()
    for c in cols:
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").round().astype("Int64")
    return df


def _link_frame(net) -> pd.DataFrame:
    """Links with endpoint coordinates (the exporter's table, rows without positions dropped)."""
    links = network_frames(net)[0].dropna(subset=["from_lon", "from_lat", "to_lon", "to_lat"])
    return _whole_numbers(links, ("opened", "superseded", "gauge_mm"))


LINK_PROPERTIES = ("id", "from", "to", "mode", "length_km", "class", "gauge_mm", "corridor", "status", "opened",
                   "superseded", "project", "seasonal_closure", "source")
PORT_KINDS = ("seaport", "ferry_port", "dry_port")
CROSSING_PROPERTIES = ("id", "kind", "mode", "from_country", "to_country", "dwell_hours", "fee_usd", "gauge_from_mm",
                       "gauge_to_mm", "gauge_change_hours", "status", "opened", "source")


def build_layer(net, layer: str, year: int | None) -> dict:
    """One layer as a GeoJSON FeatureCollection, as it stood in `year` (None: today)."""
    if layer == "countries":
        return countries_geojson()
    if layer in ("rail", "road", "ferry"):
        links = _link_frame(net)
        links = links[links["mode"].eq(layer).to_numpy() & _open_in(links, year)]
        feats = geojson.link_features(links, LINK_PROPERTIES, ndigits=4)
    elif layer == "projects":
        feats = _project_features(net, year)
    elif layer == "sea":  # one simplified MultiLineString per passage keeps the layer small
        feats = geojson.sea_lane_features(net, simplify_deg=0.1, by_passage=True, ndigits=2)
    elif layer == "ports":
        pl = net.places[net.places["kind"].isin(PORT_KINDS)].assign(dataset=lambda d: d["origin"].ne("searoute"))
        feats = geojson.place_features(pl, ("id", "name", "kind", "country", "locode", "dataset"),
                                       node_sources(net), ndigits=4)
    else:
        feats = _crossing_features(net, year)
    return geojson.collection(feats, {"layer": layer, "year": year})


def _project_features(net, year: int | None) -> list[dict]:
    links = _link_frame(net)
    projects = _whole_numbers(net.projects.drop_duplicates("id"), ("opened",))
    projects = projects[_open_in(projects, year, superseded=False)]
    cols = [c for c in ("id", "name", "countries", "mode", "status", "opened", "cost_usd_bn", "capacity", "source")
            if c in projects.columns]
    by_proj = links[links["project"].isin(projects["id"])].groupby("project")
    lines = {pid: g[["from_lon", "from_lat", "to_lon", "to_lat"]].to_numpy(float).reshape(-1, 2, 2)
             for pid, g in by_proj}
    projects = projects[projects["id"].isin(lines)]
    return geojson.frame_features(projects, (geojson.multiline(lines[pid], 4) for pid in projects["id"]), cols)


def _crossing_features(net, year: int | None) -> list[dict]:
    cr = _whole_numbers(net.crossings, ("opened", "gauge_from_mm", "gauge_to_mm"))
    cr = cr[_open_in(cr, year, superseded=False)]
    pos = net.places.drop_duplicates("id").set_index("id")[["lon", "lat"]]
    lk = _link_frame(net).drop_duplicates("id").set_index("id")
    mid = pd.DataFrame({"lon": (lk["from_lon"] + lk["to_lon"]) / 2, "lat": (lk["from_lat"] + lk["to_lat"]) / 2})
    at_node = pos.reindex(cr["node"].where(cr["node"].ne(""))).to_numpy(float)
    at_link = mid.reindex(cr["link"].where(cr["link"].ne(""))).to_numpy(float)
    xy = np.where(np.isnan(at_node), at_link, at_node)  # a crossing at a node, else mid-link
    has = ~np.isnan(xy).any(axis=1)
    return geojson.frame_features(cr[has], (geojson.point(x, y, 4) for x, y in xy[has]), CROSSING_PROPERTIES)


# ------------------------------------------------------------------------------------ route markers
def route_markers(route: dict, place_pos: dict[str, tuple[float, float]]) -> list[dict]:
    """Border crossings, gauge changes and passages of one route, with positions for the map."""
    out: list[dict] = []
    legs = route.get("legs", [])
    for i, leg in enumerate(legs):
        if leg["mode"] == "handling" and str(leg.get("detail", "")).startswith("gauge change"):
            xy = None
            for j in range(i - 1, -1, -1):
                if legs[j].get("coordinates"):
                    xy = legs[j]["coordinates"][-1]
                    break
            if xy is None:
                xy = place_pos.get(leg["from"])
            if xy:
                out.append({"kind": "gauge_change", "name": leg["from"], "detail": leg["detail"],
                            "hours": leg["transit_hours"], "cost_usd": leg["cost_usd"], "lon": xy[0], "lat": xy[1]})
    for bc in route.get("border_crossings", []):
        at = str(bc.get("at", ""))
        xy = place_pos.get(at)
        if xy is None:
            for part in at.split(" - "):
                xy = place_pos.get(part.strip())
                if xy:
                    break
        if xy:
            out.append({"kind": "border", "name": at, "detail": f"{bc.get('from_country')} → {bc.get('to_country')} "
                                                                f"({bc.get('mode')})",
                        "hours": bc.get("dwell_hours"), "cost_usd": bc.get("fee_usd"), "lon": xy[0], "lat": xy[1]})
    for p in route.get("passages", []):
        if p in PASSAGE_POS:
            lon, lat = PASSAGE_POS[p]
            out.append({"kind": "passage", "name": p, "detail": "chokepoint", "hours": None, "cost_usd": None,
                        "lon": lon, "lat": lat})
    return out


