"""The digital layer's tables: cables, their segments between stations, hubs and backhaul.

The CSVs in `beltroad/data/digital/` are the source of truth (one row per station, cable, segment,
backhaul link; every row cites source ids of `data/network/sources/*.csv`). Submarine segments have no
published per-segment length as a rule, so their path and length are drawn along the sea on searoute's
marnet graph (the same maritime layer the transport model uses), which also tells which passages each
segment crosses; terrestrial lengths not published are great-circle x a stated circuity.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from beltroad.data.sources import citation_problems
from beltroad.data.geo import haversine_km

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "digital"
SOURCES_DIR = Path(__file__).resolve().parent.parent / "data" / "network" / "sources"

STATUSES = ("operating", "under_construction", "planned", "legacy")
MEDIA = ("submarine", "terrestrial", "backhaul")
TERRESTRIAL_CIRCUITY = 1.35  # S-DIG-CIRCUITY: midpoint of the typical 1.2-1.5x fibre route / straight line ratio
METRO_MIN_KM = 5.0           # a hub and a landing station in the same city are still joined by some metro fibre

# Seas by bounding box (lon_min, lon_max, lat_min, lat_max), first match wins: a coarse reading of the IHO
# limits, enough to say which water body a segment runs through (COMPUTED, S-DIG-MARNET-PASSAGES).
SEAS = [
    ("baltic-sea", 9.5, 30.5, 53.5, 66.0), ("english-channel", -6.0, 2.0, 48.5, 51.2),
    ("north-sea", -4.0, 9.5, 51.0, 62.0), ("black-sea", 27.0, 42.0, 40.8, 47.0),
    ("caspian-sea", 46.0, 55.5, 36.5, 47.5), ("red-sea", 32.0, 43.6, 12.5, 30.0),
    ("mediterranean-sea", -5.6, 36.5, 30.0, 46.0), ("gulf-of-aden", 43.0, 51.5, 10.5, 15.5),
    ("gulf-of-oman", 56.0, 61.5, 22.0, 26.0), ("persian-gulf", 47.5, 57.0, 23.5, 30.5),
    ("gulf-of-thailand", 99.0, 105.0, 6.0, 14.0),
    ("arabian-sea", 51.0, 77.5, 0.0, 25.5), ("bay-of-bengal", 77.5, 94.5, 5.0, 23.0),
    ("andaman-sea", 92.0, 99.0, 5.0, 17.0), ("strait-of-malacca", 95.0, 104.2, 0.0, 6.5),
    ("south-china-sea", 104.2, 121.0, 0.0, 23.5), ("east-china-sea", 117.0, 131.0, 23.5, 33.5),
    ("yellow-sea", 117.0, 127.0, 33.5, 41.0), ("sea-of-japan", 127.0, 142.0, 33.5, 52.0),
    ("mozambique-channel", 34.0, 49.0, -27.0, -10.0), ("gulf-of-guinea", -5.0, 12.0, -10.0, 7.0),
    ("north-pacific", 121.0, 180.0, 0.0, 60.0), ("indian-ocean", 20.0, 105.0, -50.0, 5.0),
    ("atlantic-ocean", -70.0, 20.0, -50.0, 66.0),
]


class DigitalDataError(ValueError):
    """The shipped (or a user's) digital tables are inconsistent; the message names file, row and field."""


@dataclass
class DigitalTables:
    stations: pd.DataFrame
    cables: pd.DataFrame
    segments: pd.DataFrame
    backhaul: pd.DataFrame
    regions: pd.DataFrame
    sources: pd.DataFrame


def _read(name: str, root: Path) -> pd.DataFrame:
    path = root / name
    if not path.exists():
        raise DigitalDataError(f"{path}: missing table")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_sources() -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(SOURCES_DIR.glob("*.csv"))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["id", "citation", "url"])


def read_tables(root: Path | None = None) -> DigitalTables:
    """Read and check the tables; numbers become floats, bad rows raise `DigitalDataError` with file:line."""
    root = root or DATA_DIR
    st, cb, sg, bh, rg = (_read(n, root) for n in ("stations.csv", "cables.csv", "segments.csv", "backhaul.csv", "regions.csv"))
    t = DigitalTables(st, cb, sg, bh, rg, read_sources())
    problems = check_tables(t, root)
    if problems:
        raise DigitalDataError("; ".join(problems[:10]) + (f" (+{len(problems) - 10} more)" if len(problems) > 10 else ""))
    for col in ("lat", "lon"):
        st[col] = st[col].astype(float)
    for col in ("length_km", "design_capacity_tbps", "rfs_year"):
        cb[col] = pd.to_numeric(cb[col], errors="coerce")
    sg["seq"] = sg["seq"].astype(int)
    sg["length_km"] = pd.to_numeric(sg["length_km"], errors="coerce")
    bh["length_km"] = pd.to_numeric(bh["length_km"], errors="coerce")
    return t



def _number_where(text, ok) -> bool:
    """`text` reads as a number for which `ok(number)` holds."""
    try:
        return bool(ok(float(text)))
    except ValueError:
        return False

def check_tables(t: DigitalTables, root: Path = DATA_DIR) -> list[str]:
    """Row-level problems: unknown references, bad numbers, missing or unresolvable sources."""
    out: list[str] = []
    known_sources = set(t.sources["id"])
    sid = set(t.stations["id"])
    cid = set(t.cables["id"])

    def where(name: str, i: int) -> str:
        return f"{root / name}:{i + 2}"

    for name, df in (("stations.csv", t.stations), ("cables.csv", t.cables), ("segments.csv", t.segments),
                     ("backhaul.csv", t.backhaul), ("regions.csv", t.regions)):
        for i, s in enumerate(df["source"]):
            out += [f"{where(name, i)}: field 'source': {p}" for p in citation_problems(s, known_sources)]
    for name, df, key in (("stations.csv", t.stations, "id"), ("cables.csv", t.cables, "id")):
        dup = df[key][df[key].duplicated()]
        for i in dup.index:
            out.append(f"{where(name, i)}: field '{key}': duplicate id '{df[key][i]}'")
    for i, r in t.stations.iterrows():
        lat_ok = _number_where(r["lat"], lambda v: -90 <= v <= 90)
        if not (lat_ok and _number_where(r["lon"], lambda v: -180 <= v <= 180)):
            out.append(f"{where('stations.csv', i)}: field 'lat'/'lon': not a position")
    for i, r in t.cables.iterrows():
        if r["status"] not in STATUSES:
            out.append(f"{where('cables.csv', i)}: field 'status': '{r['status']}' not one of {', '.join(STATUSES)}")
        for col in ("length_km", "design_capacity_tbps"):
            if r[col] != "" and not _number_where(r[col], lambda v: not v <= 0):
                out.append(f"{where('cables.csv', i)}: field '{col}': '{r[col]}' is not a positive number")
    for i, r in t.segments.iterrows():
        if r["cable"] not in cid:
            out.append(f"{where('segments.csv', i)}: field 'cable': unknown cable '{r['cable']}'")
        for col in ("from", "to"):
            if r[col] not in sid:
                out.append(f"{where('segments.csv', i)}: field '{col}': unknown station '{r[col]}'")
        if r["medium"] not in ("submarine", "terrestrial"):
            out.append(f"{where('segments.csv', i)}: field 'medium': '{r['medium']}' (submarine or terrestrial)")
        if r["length_km"] == "" and r["length_basis"] == "published":
            out.append(f"{where('segments.csv', i)}: field 'length_km': basis 'published' needs a length")
    for i, r in t.backhaul.iterrows():
        for col in ("from", "to"):
            if r[col] not in sid:
                out.append(f"{where('backhaul.csv', i)}: field '{col}': unknown station '{r[col]}'")
    return out


# ------------------------------------------------------------------------------------------ sea paths
@dataclass
class SeaGraph:
    lon: np.ndarray
    lat: np.ndarray
    csr: object          # scipy csr_matrix of km, both directions
    passage: dict        # (min(u,v), max(u,v)) -> passage name
    usable: np.ndarray   # vertex ids with at least one edge


def sea_graph() -> SeaGraph:
    """marnet as a sparse graph without the Arctic and Bering edges (no cable is modelled there)."""
    from scipy.sparse import csr_matrix

    from beltroad.data.sea import PASSAGES, read_marnet

    lon, lat, u, v, km, pas = read_marnet()
    banned = {PASSAGES.index(p) for p in ("arctic", "bering") if p in PASSAGES}
    keep = ~np.isin(pas, list(banned))
    u, v, km, pas = u[keep], v[keep], km[keep], pas[keep]
    km = np.where(km > 0, km, haversine_km(lat[u], lon[u], lat[v], lon[v]))
    km = np.maximum(km, 1e-6)
    n = len(lon)
    csr = csr_matrix((np.concatenate([km, km]), (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n))
    passage = {(int(min(a, b)), int(max(a, b))): PASSAGES[p] for a, b, p in zip(u, v, pas) if p >= 0}
    usable = np.unique(np.concatenate([u, v]))
    return SeaGraph(lon=lon, lat=lat, csr=csr, passage=passage, usable=usable)


def seas_along(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    """Water bodies a polyline passes, in order (bounding boxes of SEAS, first match)."""
    out: list[str] = []
    for x, y in zip(lon, lat):
        for name, x0, x1, y0, y1 in SEAS:
            if x0 <= x <= x1 and y0 <= y <= y1:
                if not out or out[-1] != name:
                    if name not in out:
                        out.append(name)
                break
    return out


def route_submarine(sg: SeaGraph, pairs: list[tuple[float, float, float, float]],
                     anchors: list[tuple[tuple | None, tuple | None]] | None = None) -> list[dict]:
    """For each (lat1, lon1, lat2, lon2): km along marnet (plus the shore ends), passages, seas, polyline.

    An anchor (lat, lon) for an end makes it join the sea graph from that point (a landing station whose
    nearest marnet vertex lies on the wrong side of a peninsula or inside a canal).
    """
    from scipy.sparse.csgraph import dijkstra

    n = len(pairs)
    anchors = anchors or [(None, None)] * n
    ends = np.array([[a, b] for a, b, _, _ in pairs] + [[c, d] for _, _, c, d in pairs])
    snap = ends.copy()
    for k, (a1, a2) in enumerate(anchors):
        if a1:
            snap[k] = a1
        if a2:
            snap[n + k] = a2
    d = haversine_km(snap[:, 0, None], snap[:, 1, None], sg.lat[None, sg.usable], sg.lon[None, sg.usable])
    nearest = sg.usable[np.argmin(d, axis=1)]
    shore = d.min(axis=1) + haversine_km(ends[:, 0], ends[:, 1], snap[:, 0], snap[:, 1])
    src = np.unique(nearest[:n])
    dist, pred = dijkstra(sg.csr, indices=src, return_predecessors=True)
    row = {int(s): i for i, s in enumerate(src)}
    out = []
    for k, (la1, lo1, la2, lo2) in enumerate(pairs):
        a, b = int(nearest[k]), int(nearest[n + k])
        r = row[a]
        if not np.isfinite(dist[r, b]):
            raise DigitalDataError(f"no sea path between ({la1}, {lo1}) and ({la2}, {lo2})")
        path = [b]
        while path[-1] != a:
            path.append(int(pred[r, path[-1]]))
        path.reverse()
        passages = []
        for x, y in zip(path[:-1], path[1:]):
            p = sg.passage.get((min(x, y), max(x, y)))
            if p and p not in passages:
                passages.append(p)
        plon = np.concatenate([[lo1], sg.lon[path], [lo2]])
        plat = np.concatenate([[la1], sg.lat[path], [la2]])
        out.append({"km": float(dist[r, b] + shore[k] + shore[n + k]), "passages": passages,
                    "seas": seas_along(sg.lon[path], sg.lat[path]), "lon": plon, "lat": plat})
    return out
