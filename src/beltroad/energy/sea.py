"""Tanker and LNG-carrier legs on the maritime network (searoute's marnet, read via beltroad.data.sea).

Shortest sea distances between energy terminals are computed once per set of closed passages and cached
(a pickle under BELTROAD_CACHE). marnet tags Suez, Bab-el-Mandeb, Hormuz, Malacca, Bosporus, ... but not
the Danish straits; this module tags them itself: every marnet edge crossing 56.25N between 10.0E and
12.8E (the Kattegat's southern end, which all Baltic traffic must cross: there is no Kiel Canal in marnet).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from beltroad.data import sea as sealib

DANISH = "danish-straits"
ENERGY_PASSAGES = sorted(set(sealib.PASSAGES) | {DANISH})
DEFAULT_CLOSED = ("arctic",)  # searoute's own default restriction (the Northwest Passage)
_DANISH_LAT, _DANISH_LON = 56.25, (10.0, 12.8)
CACHE_VERSION = "energy-sea-2"


def canonical_energy_passages(names: list[str]) -> list[str]:
    """Canonical passage names incl. 'danish-straits'; ValueError naming the unknown one."""
    out = []
    for n in names:
        key = n.strip().lower().replace("_", "-").replace(" ", "-")
        if key in (DANISH, "danish-straits", "oresund", "great-belt", "kattegat", "danish"):
            out.append(DANISH)
            continue
        canon = sealib.canonical_passage(n)
        if not canon:
            raise ValueError(f"passage '{n}' is not a known passage ({', '.join(ENERGY_PASSAGES)})")
        out.append(canon)
    return sorted(set(out))


@dataclass
class Marnet:
    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray
    v: np.ndarray
    km: np.ndarray
    passage: np.ndarray   # index into ENERGY_PASSAGES or -1


def load_marnet() -> Marnet:
    lon, lat, u, v, km, pas = sealib.read_marnet()
    names = np.array(sealib.PASSAGES + ["?"], dtype=object)
    tag = np.where(pas >= 0, names[np.where(pas >= 0, pas, len(sealib.PASSAGES))], "")
    out = np.array([ENERGY_PASSAGES.index(t) if t else -1 for t in tag], dtype=np.int16)
    # Danish straits: edges crossing the 56.25N line inside the Kattegat
    a, b = lat[u] - _DANISH_LAT, lat[v] - _DANISH_LAT
    crosses = np.sign(a) != np.sign(b)
    t = np.where(crosses, a / np.where(a - b == 0, 1, a - b), 0.0)
    lon_at = lon[u] + t * (lon[v] - lon[u])
    danish = crosses & (lon_at > _DANISH_LON[0]) & (lon_at < _DANISH_LON[1]) & (out < 0)
    out[danish] = ENERGY_PASSAGES.index(DANISH)
    return Marnet(lon, lat, u, v, km, out)


@dataclass
class SeaLegs:
    """Distances (km) and passages on the shortest path from each origin to each destination point."""
    origins: list[str]
    destinations: list[str]
    km: np.ndarray                 # [n_orig, n_dest], inf when unreachable
    passages: list[list[str]]      # flattened [i * n_dest + j] -> passage names on the path
    paths: list[np.ndarray] | None = None   # flattened [i * n_dest + j] -> (k, 2) lon/lat polyline


def _compute(points: dict[str, tuple[float, float]], origins: list[str], destinations: list[str],
             closed: tuple[str, ...]) -> SeaLegs:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    from beltroad.data.geo import haversine_km

    net = load_marnet()
    n = len(net.lon)
    closed_idx = [ENERGY_PASSAGES.index(p) for p in closed]
    keep = ~np.isin(net.passage, closed_idx)
    u, v, w = net.u[keep], net.v[keep], np.maximum(net.km[keep], 1e-6)
    pas = net.passage[keep]
    g = coo_matrix((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(n, n)).tocsr()
    deg = np.bincount(np.r_[net.u, net.v], minlength=n)
    usable = np.flatnonzero(deg > 0)

    def attach(ids: list[str]) -> np.ndarray:
        lat = np.array([points[i][1] for i in ids])[:, None]
        lon = np.array([points[i][0] for i in ids])[:, None]
        d = haversine_km(lat, lon, net.lat[None, usable], net.lon[None, usable])
        return usable[np.argmin(d, axis=1)], d.min(axis=1)

    o_v, o_off = attach(origins)
    d_v, d_off = attach(destinations)
    dist, pred = dijkstra(g, indices=o_v, return_predecessors=True)
    edge_pas = {}
    for a, b, p in zip(u, v, pas):
        if p >= 0:
            edge_pas[(int(a), int(b))] = edge_pas[(int(b), int(a))] = ENERGY_PASSAGES[p]
    km = dist[:, d_v] + o_off[:, None] + d_off[None, :]
    passages: list[list[str]] = []
    paths: list[np.ndarray] = []
    for i in range(len(origins)):
        for j in range(len(destinations)):
            seq: list[str] = []
            verts = [int(d_v[j])]
            if np.isfinite(km[i, j]):
                node = int(d_v[j])
                while node != o_v[i] and node >= 0:
                    prev = int(pred[i, node])
                    if prev < 0:
                        break
                    p = edge_pas.get((prev, node))
                    if p and p not in seq:
                        seq.append(p)
                    verts.append(prev)
                    node = prev
            passages.append(seq[::-1])
            v_ = np.array(verts[::-1])
            paths.append(np.column_stack([net.lon[v_], net.lat[v_]]).astype(np.float32))
    return SeaLegs(origins, destinations, km, passages, paths)


def sea_legs(points: dict[str, tuple[float, float]], origins: list[str], destinations: list[str],
             closed: list[str] | tuple[str, ...] = (), use_cache: bool = True) -> SeaLegs:
    """Shortest sea legs origin x destination with `closed` passages (plus searoute's default) removed."""
    from beltroad.data.cache import cached_pickle, entry_path

    closed_all = tuple(sorted(set(canonical_energy_passages(list(closed))) | set(DEFAULT_CLOSED)))
    h = hashlib.sha256(CACHE_VERSION.encode())
    h.update(Path(__file__).read_bytes())
    h.update(repr((sorted(points.items()), origins, destinations, closed_all)).encode())
    return cached_pickle(entry_path("energy-sea", h.hexdigest()[:16]),
                         lambda: _compute(points, origins, destinations, closed_all), use_cache=use_cache)
