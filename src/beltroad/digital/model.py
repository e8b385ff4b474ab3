"""The cable graph: stations joined by cable segments and backhaul, with a latency on every edge.

Latency is physics plus a small equipment allowance, nothing fitted: one way, light in standard
single-mode fibre needs ~4.9 us per km (group index ~1.468, S-DIG-FIBRE-INDEX), and every edge
traversed adds the latency of one electrical terminal/regeneration site, ~0.1 ms (S-DIG-HUAWEI-OTN).
Paths are chosen by latency (Dijkstra on the active edges). What the model leaves out (BGP detours,
queuing, peering policy) is measured against published round-trip times in docs/digital.md.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from beltroad.data.geo import haversine_km

from .tables import (DATA_DIR, METRO_MIN_KM, TERRESTRIAL_CIRCUITY, DigitalTables, read_tables, route_submarine,
                     sea_graph)

FIBRE_US_PER_KM = 4.9        # one way; S-DIG-FIBRE-INDEX (n ~ 1.468 -> 299,792.458 / 1.468 = 204,218 km/s)
HOP_MS = 0.1                 # one way, per edge traversed (terminal/regeneration site); S-DIG-HUAWEI-OTN
ACCESS_NODES = 3             # a city not itself a hub joins this many nearest hubs/stations
ACCESS_MAX_KM = 2500.0       # ... within this great-circle distance (same country preferred)
CACHE_VERSION = "1"


def one_way_ms(length_km, hops=0):
    """One-way latency (ms) of `length_km` of fibre crossing `hops` terminal sites; numpy-friendly."""
    return np.asarray(length_km, dtype=float) * FIBRE_US_PER_KM / 1000.0 + np.asarray(hops, dtype=float) * HOP_MS


def rtt_ms(length_km, hops=0):
    """Round-trip time (ms): twice the one-way latency."""
    return 2.0 * one_way_ms(length_km, hops)


@dataclass
class CableNet:
    """Stations (nodes) and edges (cable segments, backhaul) with per-edge km, latency and capacity."""

    stations: pd.DataFrame          # id, name, country, lat, lon, kind (index = node number)
    edges: pd.DataFrame             # edge, medium, cable, seq, u, v, km, ms, capacity_tbps, passages, seas, countries, status
    cables: pd.DataFrame
    regions: pd.DataFrame
    geom: list = field(default_factory=list)   # per edge: (lon array, lat array)

    @property
    def node_index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.stations["id"])}


def _cache_path() -> Path:
    from importlib.metadata import PackageNotFoundError, version

    try:
        marnet = version("searoute")
    except PackageNotFoundError:
        marnet = "?"
    h = hashlib.sha256((CACHE_VERSION + marnet).encode())
    here = Path(__file__).resolve().parent
    for f in sorted(DATA_DIR.glob("*.csv")) + [here / "tables.py", here / "model.py"]:
        h.update(f.read_bytes())
    from beltroad.data.cache import entry_path

    return entry_path("digital", h.hexdigest()[:12])


def build_cablenet(tables: DigitalTables | None = None) -> CableNet:
    """Assemble the graph; submarine segments are drawn along marnet (km, passages, seas, polyline)."""
    t = tables or read_tables()
    st = t.stations.reset_index(drop=True)
    idx = {s: i for i, s in enumerate(st["id"])}
    lat, lon = st["lat"].to_numpy(), st["lon"].to_numpy()
    anchor = {r.id: tuple(float(x) for x in r.sea_anchor.split(",")) for r in st.itertuples() if getattr(r, "sea_anchor", "")}
    cab = t.cables.set_index("id")
    seg = t.segments.copy()
    sub = seg["medium"].eq("submarine").to_numpy()
    u = seg["from"].map(idx).to_numpy()
    v = seg["to"].map(idx).to_numpy()
    gc = haversine_km(lat[u], lon[u], lat[v], lon[v])
    km = np.where(seg["medium"].eq("terrestrial"), gc * TERRESTRIAL_CIRCUITY, np.nan)
    passages = [""] * len(seg)
    seas = [""] * len(seg)
    geom = [(np.array([lon[a], lon[b]]), np.array([lat[a], lat[b]])) for a, b in zip(u, v)]
    sub_rows = np.flatnonzero(sub)
    if len(sub_rows):
        routes = route_submarine(sea_graph(), [(lat[u[i]], lon[u[i]], lat[v[i]], lon[v[i]]) for i in sub_rows],
                                 [(anchor.get(seg["from"].iat[i]), anchor.get(seg["to"].iat[i])) for i in sub_rows])
        for i, r in zip(sub_rows, routes):
            km[i] = r["km"]
            passages[i] = ";".join(r["passages"])
            seas[i] = ";".join(r["seas"])
            geom[i] = (r["lon"], r["lat"])
    published = seg["length_km"].to_numpy(dtype=float)
    km = np.where(np.isfinite(published), published, km)
    basis = np.where(np.isfinite(published), "published", np.where(sub, "sea-route", "great-circle x circuity"))
    edges = pd.DataFrame({
        "medium": seg["medium"], "cable": seg["cable"], "seq": seg["seq"], "u": u, "v": v,
        "from": seg["from"], "to": seg["to"], "km": np.maximum(km, METRO_MIN_KM), "length_basis": basis,
        "capacity_tbps": seg["cable"].map(cab["design_capacity_tbps"]).to_numpy(dtype=float),
        "passages": passages, "seas": seas, "countries": seg["countries"],
        "status": seg["cable"].map(cab["status"]), "source": seg["source"]})
    bh = t.backhaul
    bu, bv = bh["from"].map(idx).to_numpy(), bh["to"].map(idx).to_numpy()
    bgc = haversine_km(lat[bu], lon[bu], lat[bv], lon[bv])
    bpub = bh["length_km"].to_numpy(dtype=float)
    bkm = np.where(np.isfinite(bpub), bpub, np.maximum(bgc * TERRESTRIAL_CIRCUITY, METRO_MIN_KM))
    bcountries = [";".join(dict.fromkeys([st["country"].iat[a], st["country"].iat[b]])) for a, b in zip(bu, bv)]
    back = pd.DataFrame({"medium": "backhaul", "cable": "", "seq": 0, "u": bu, "v": bv, "from": bh["from"], "to": bh["to"],
                         "km": bkm, "length_basis": np.where(np.isfinite(bpub), "published", "great-circle x circuity"),
                         "capacity_tbps": np.nan, "passages": "", "seas": "", "countries": bcountries,
                         "status": "operating", "source": bh["source"]})
    geom += [(np.array([lon[a], lon[b]]), np.array([lat[a], lat[b]])) for a, b in zip(bu, bv)]
    edges = pd.concat([edges, back], ignore_index=True)
    stations, edges, geom = _split_landings(st, edges, geom)
    edges["ms"] = one_way_ms(edges["km"].to_numpy(), 1)
    edges.insert(0, "edge", np.arange(len(edges)))
    return CableNet(stations=stations, edges=edges, cables=t.cables.copy(), regions=t.regions.copy(), geom=geom)


@lru_cache(maxsize=1)
def load_cablenet() -> CableNet:
    """The shipped cable graph, cached on disk (rebuilt whenever the tables or this code change); read only
    from a private cache folder (beltroad.data.cache)."""
    from beltroad.data.cache import cached_pickle

    return cached_pickle(_cache_path(), build_cablenet, expected=CableNet)


def _split_landings(st: pd.DataFrame, edges: pd.DataFrame, geom: list) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """One graph node per (landing station, cable): traffic changes cable only at a hub (IXP/data-centre city)
    reached by backhaul, not inside a landing station, as a circuit rides one system between its ends."""
    landing = set(st.loc[st["kind"].eq("landing"), "id"])
    cab_edges = edges[~edges["medium"].eq("backhaul")]
    pairs = sorted({(s, c) for s, c in zip(cab_edges["from"], cab_edges["cable"]) if s in landing}
                   | {(s, c) for s, c in zip(cab_edges["to"], cab_edges["cable"]) if s in landing})
    base = st.set_index("id")
    rows = [{"id": sid, "station": sid, "cable": "", "name": r["name"], "country": r["country"], "lat": r["lat"],
             "lon": r["lon"], "kind": r["kind"]} for sid, r in base.iterrows() if sid not in landing]
    rows += [{"id": f"{sid}#{c}", "station": sid, "cable": c, "name": base.at[sid, "name"], "country": base.at[sid, "country"],
              "lat": base.at[sid, "lat"], "lon": base.at[sid, "lon"], "kind": "landing"} for sid, c in pairs]
    nodes = pd.DataFrame(rows)
    nid = {r: i for i, r in enumerate(nodes["id"])}
    by_station: dict[str, list[int]] = {}
    for i, s in enumerate(nodes["station"]):
        by_station.setdefault(s, []).append(i)
    out_rows, out_geom = [], []
    for k, d in enumerate(edges.to_dict("records")):
        a, b, c = d["from"], d["to"], d["cable"]
        if d["medium"] != "backhaul":
            d["u"] = nid[f"{a}#{c}"] if a in landing else nid[a]
            d["v"] = nid[f"{b}#{c}"] if b in landing else nid[b]
            out_rows.append(d)
            out_geom.append(geom[k])
            continue
        for x in by_station.get(a, []):       # a backhaul link to a landing station reaches each of its cables
            for y in by_station.get(b, []):
                out_rows.append(dict(d, u=x, v=y))
                out_geom.append(geom[k])
    out = pd.DataFrame(out_rows)
    return nodes, out, out_geom
