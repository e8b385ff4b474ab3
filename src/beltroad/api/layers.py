"""GeoJSON layers of the network for the map, and the markers of a planned route."""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from beltroad.data import COUNTRIES_GEOJSON

LAYERS = ("rail", "road", "ferry", "sea", "ports", "crossings", "projects", "countries")
STATIC_LAYERS = ("sea", "ports", "countries")  # the same in every year

# approximate positions of the named passages (for map markers only)
PASSAGE_POS = {
    "suez": (32.35, 30.45), "bab-el-mandeb": (43.35, 12.6), "hormuz": (56.45, 26.55), "malacca": (100.4, 3.2),
    "sunda": (105.8, -5.9), "panama": (-79.7, 9.1), "gibraltar": (-5.6, 35.95), "bosporus": (29.05, 41.1),
    "dardanelles": (26.4, 40.2), "cape": (18.5, -34.6), "magellan": (-70.9, -53.5), "bering": (-169.0, 65.8),
    "arctic": (100.0, 77.5),
}


def _clean(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else (int(f) if f.is_integer() else f)
    return v


def countries_geojson() -> dict:
    """Country shapes for the basemap (Natural Earth, shipped as data/countries.geojson)."""
    g = json.loads(COUNTRIES_GEOJSON.read_text(encoding="utf-8"))
    for f in g.get("features", []):
        p = f.setdefault("properties", {})
        p.setdefault("iso_a3", p.get("iso3") or p.get("ISO_A3"))
    return g


def _in_year(opened: Any, superseded: Any, status: str, year: int | None) -> bool:
    if year is None:
        return True
    o, s = _clean(opened), _clean(superseded)
    if o is None:
        return status == "open"
    if o > year:
        return False
    return s is None or s > year


def _link_frame(net):
    """Links with endpoint coordinates (the exporter's table, rows without positions dropped)."""
    from beltroad.io.export import network_frames

    return network_frames(net)[0].dropna(subset=["from_lon", "from_lat", "to_lon", "to_lat"])


def build_layer(net, layer: str, year: int | None) -> dict:
    """One layer as a GeoJSON FeatureCollection, as it stood in `year` (None: today)."""
    feats: list[dict] = []
    if layer == "countries":
        return countries_geojson()
    if layer in ("rail", "road", "ferry", "projects"):
        links = _link_frame(net)
        keep = ("id", "from", "to", "mode", "length_km", "class", "gauge_mm", "corridor", "status", "opened",
                "superseded", "project", "seasonal_closure")
        if layer == "projects":
            projects = {r.id: r for r in net.projects.itertuples(index=False)}
            by_proj: dict[str, list] = {}
            for r in links.itertuples(index=False):
                pid = _clean(r.project)
                if pid and pid in projects:
                    by_proj.setdefault(pid, []).append([[round(r.from_lon, 4), round(r.from_lat, 4)],
                                                        [round(r.to_lon, 4), round(r.to_lat, 4)]])
            for pid, lines in by_proj.items():
                p = projects[pid]
                if not _in_year(p.opened, None, p.status, year):
                    continue
                feats.append({"type": "Feature",
                              "properties": {"id": pid, "name": p.name, "countries": p.countries, "mode": p.mode,
                                             "status": p.status, "opened": _clean(p.opened),
                                             "cost_usd_bn": _clean(p.cost_usd_bn), "capacity": _clean(p.capacity)},
                              "geometry": {"type": "MultiLineString", "coordinates": lines}})
        else:
            for r in links[links["mode"] == layer].itertuples(index=False):
                if not _in_year(r.opened, r.superseded, r.status, year):
                    continue
                d = r._asdict()
                props = {k: _clean(d[k]) for k in keep if k in d}
                feats.append({"type": "Feature", "properties": props,
                              "geometry": {"type": "LineString", "coordinates": [[round(r.from_lon, 4), round(r.from_lat, 4)],
                                                                                 [round(r.to_lon, 4), round(r.to_lat, 4)]]}})
    elif layer == "sea":
        import shapely

        from beltroad.network.sea import PASSAGES

        sea_edges = np.flatnonzero((net.edge_geom >= 0) & (net.src < net.dst))
        groups: dict[Any, list] = {}
        for e in sea_edges:
            gi = int(net.edge_geom[e])
            a, b = net.geom_offsets[gi], net.geom_offsets[gi + 1]
            coords = np.column_stack([net.geom_lon[a:b], net.geom_lat[a:b]])
            if len(coords) > 2:
                coords = np.asarray(shapely.simplify(shapely.LineString(coords), 0.1).coords)
            passage = PASSAGES[net.passage[e]] if net.passage[e] >= 0 else None
            groups.setdefault(passage, []).append(coords.round(2).tolist())
        for passage, lines in groups.items():  # one MultiLineString per passage keeps the layer small
            feats.append({"type": "Feature", "properties": {"mode": "sea", "passage": passage, "edges": len(lines)},
                          "geometry": {"type": "MultiLineString", "coordinates": lines}})
    elif layer == "ports":
        pl = net.places
        ports = pl[pl["kind"].isin(["seaport", "ferry_port", "dry_port"])]
        for r in ports.itertuples(index=False):
            feats.append({"type": "Feature",
                          "properties": {"id": r.id, "name": r.name, "kind": r.kind, "country": r.country,
                                         "locode": _clean(r.locode) or "", "dataset": r.origin != "searoute"},
                          "geometry": {"type": "Point", "coordinates": [round(float(r.lon), 4), round(float(r.lat), 4)]}})
    elif layer == "crossings":
        pos = net.places.drop_duplicates("id").set_index("id")[["lon", "lat"]]
        lk = _link_frame(net).drop_duplicates("id").set_index("id")
        for r in net.crossings.itertuples(index=False):
            if not _in_year(r.opened, None, r.status, year):
                continue
            node, link = _clean(r.node), _clean(r.link)
            if node and node in pos.index:
                xy = [float(pos.at[node, "lon"]), float(pos.at[node, "lat"])]
            elif link and link in lk.index:
                row = lk.loc[link]
                xy = [(float(row.from_lon) + float(row.to_lon)) / 2, (float(row.from_lat) + float(row.to_lat)) / 2]
            else:
                continue
            props = {k: _clean(getattr(r, k)) for k in ("id", "kind", "mode", "from_country", "to_country", "dwell_hours",
                                                      "fee_usd", "gauge_from_mm", "gauge_to_mm", "gauge_change_hours",
                                                      "status", "opened")}
            feats.append({"type": "Feature", "properties": props,
                          "geometry": {"type": "Point", "coordinates": [round(xy[0], 4), round(xy[1], 4)]}})
    return {"type": "FeatureCollection", "features": feats, "properties": {"layer": layer, "year": year}}


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


