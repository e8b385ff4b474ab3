"""Liner shipping on the maritime layer: container services between register ports, hubs, feeders.

Containers do not sail from any port to any other. They ride liner services: a service is a loop of port
calls (`services.csv`), and a box loaded at one call stays on board to any later call of the same loop,
passing the intermediate calls (each costs the ship its time in port). A port that no service calls at
reaches the mainline by a feeder service to its nearest hubs. Changing ships at a port is transshipment
(dwell and a handling charge). Sailing distances, passages and drawn lines come from searoute's marnet.

Each hop of a service is computed twice where it matters: on the normal routing and, when that routing
uses the Red Sea (Suez, Bab-el-Mandeb), around the Cape of Good Hope, as carriers diverted in 2024. Both
are edges of the graph; the diversion is longer and dearer, so it is only chosen when the normal routing
is closed (a scenario) or avoided (a query). Ships above the Neopanamax size never route via Panama.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from beltroad.network.paths import tree_path
from beltroad.data.sea import PASSAGES, SeaLayer

RED_SEA = ("suez", "bab-el-mandeb")
ALWAYS_CLOSED = ("arctic",)


def passage_bits(names) -> int:
    out = 0
    for n in names:
        out |= 1 << PASSAGES.index(n)
    return out


def bits_names(bits: int) -> list[str]:
    return [p for i, p in enumerate(PASSAGES) if bits >> i & 1]


@dataclass
class Hop:
    """One sailing between two consecutive calls (or a feeder run), on one routing variant."""

    km: float
    passages: int               # bitmask over PASSAGES
    geometry: np.ndarray        # (k, 2) lon, lat along the marnet
    diversion: bool = False     # the Cape routing of a Red Sea hop


@dataclass
class SeaRouter:
    """Shortest marnet paths between port attachment vertices, per set of closed passages (cached)."""

    layer: SeaLayer
    _csr: dict = field(default_factory=dict)
    _trees: dict = field(default_factory=dict)
    _hops: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        lay = self.layer
        n = len(lay.lon)
        # undirected contracted edges; an inland waterway (Volga-Don, Rhine...) carries no ocean service
        ocean = np.array([not c for c in lay.country], dtype=bool)
        self.edge_u = np.concatenate([lay.u, lay.v])
        self.edge_v = np.concatenate([lay.v, lay.u])
        self.edge_id = np.concatenate([np.arange(len(lay.u))] * 2)
        self.ocean = np.concatenate([ocean, ocean])
        self.n = n

    def _graph(self, closed: tuple[str, ...]):
        if closed not in self._csr:
            bad = np.array([PASSAGES.index(p) for p in closed], dtype=np.int16)
            pas = self.layer.passage[self.edge_id]
            ok = self.ocean & ~np.isin(pas, bad)
            u, v, e = self.edge_u[ok], self.edge_v[ok], self.edge_id[ok]
            w = self.layer.km[e] + 1e-6
            # parallel edges: keep the shortest (its id is needed to rebuild the path)
            order = np.lexsort((w, v, u))
            u, v, e, w = u[order], v[order], e[order], w[order]
            first = np.ones(len(u), dtype=bool)
            first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
            u, v, e, w = u[first], v[first], e[first], w[first]
            mat = csr_matrix((w, (u, v)), shape=(self.n, self.n))
            self._csr[closed] = (mat, {(int(a), int(b)): int(x) for a, b, x in zip(u, v, e)})
        return self._csr[closed]

    def hop(self, a: int, b: int, closed: tuple[str, ...]) -> Hop | None:
        """The shortest sailing from marnet vertex a to b with the `closed` passages avoided."""
        key = (a, b, closed)
        if key in self._hops:
            return self._hops[key]
        mat, edge_of = self._graph(closed)
        tkey = (a, closed)
        if tkey not in self._trees:
            dist, pred = dijkstra(mat, directed=True, indices=a, return_predecessors=True)
            self._trees[tkey] = (dist, pred)
        dist, pred = self._trees[tkey]
        if a == b:
            hop = Hop(0.0, 0, np.array([[self.layer.lon[a], self.layer.lat[a]]]))
        elif not np.isfinite(dist[b]):
            hop = None
        else:
            verts = tree_path(pred, a, b)
            lay = self.layer
            km, bits, pts = 0.0, 0, []
            for x, y in zip(verts[:-1], verts[1:]):
                e = edge_of[(x, y)]
                km += float(lay.km[e])
                if lay.passage[e] >= 0:
                    bits |= 1 << int(lay.passage[e])
                s0, s1 = lay.geom_offsets[e], lay.geom_offsets[e + 1]
                seg = np.column_stack([lay.geom_lon[s0:s1], lay.geom_lat[s0:s1]])
                if len(seg) and (abs(seg[0, 0] - lay.lon[x]) > 1e-9 or abs(seg[0, 1] - lay.lat[x]) > 1e-9):
                    seg = seg[::-1]
                pts.append(seg if not pts else seg[1:])
            hop = Hop(km, bits, np.concatenate(pts) if pts else np.empty((0, 2)))
        self._hops[key] = hop
        return hop

    def variants(self, a: int, b: int, big_ship: bool) -> list[Hop]:
        """The normal sailing and, if it crosses the Red Sea, its Cape diversion."""
        closed = ALWAYS_CLOSED + (("panama",) if big_ship else ())
        normal = self.hop(a, b, closed)
        if normal is None:
            return []
        out = [normal]
        if normal.passages & passage_bits(RED_SEA):
            cape = self.hop(a, b, closed + RED_SEA)
            if cape is not None:
                out.append(Hop(cape.km, cape.passages, cape.geometry, diversion=True))
        return out


@dataclass
class Sailing:
    """A direct sailing edge of the liner graph: from one call of a service to a later one. It carries no
    departure wait: the box waits for its ship inside the export dwell at the port of loading, and inside the
    transshipment dwell (itself half a weekly headway) when it changes ships."""

    service: str
    from_port: int              # register row
    to_port: int
    km: float
    sail_hours: float           # at service speed, incl. canal transits and intermediate calls
    passages: int
    toll_usd: float
    geometry: np.ndarray
    diversion: bool
    feeder: bool


def _toll_and_transit(bits: int, passage_cfg: dict, speed_kmh: float, passage_km: dict[str, float]) -> tuple[float, float]:
    """Canal tolls (USD/TEU) and the extra hours of a canal transit over sailing its length at service speed."""
    toll = extra = 0.0
    for name in bits_names(bits):
        cfg = passage_cfg.get(name.replace("-", "_")) or passage_cfg.get(name) or {}
        toll += float(cfg.get("toll_usd_per_teu") or 0.0)
        if cfg.get("transit_hours"):
            extra += max(float(cfg["transit_hours"]) - passage_km.get(name, 0.0) / speed_kmh, 0.0)
    return toll, extra


def build_sailings(router: SeaRouter, ports: pd.DataFrame, attach: np.ndarray, services: pd.DataFrame,
                   params: dict, passage_cfg: dict) -> list[Sailing]:
    """Every direct sailing of every service (call i to any later call j of its loop) plus feeder links.

    `ports` is the container-port register (one row per port, `attach` its marnet vertex); `params` the
    liner parameters (speeds, port call time, Neopanamax limit, feeder frequency).
    """
    lay = router.layer
    passage_km = {p: float(lay.km[lay.passage == i].sum()) for i, p in enumerate(PASSAGES)}
    row_of = {code: i for i, code in enumerate(ports["locode"])}
    main_kmh = params["mainline_speed_knots"] * 1.852
    feeder_kmh = params["feeder_speed_knots"] * 1.852
    call_h_default = params["vessel_hours_per_call"]
    call_h = ports["vessel_hours_in_port"].fillna(call_h_default).to_numpy(float)
    neopanamax = params["neopanamax_max_teu"]
    out: list[Sailing] = []
    served: set[int] = set()
    for svc in services.itertuples(index=False):
        if svc.status == "suspended":  # a service no longer sailing carries nothing (rerouted ones still sail)
            continue
        calls = [row_of[c] for c in svc.port_calls if c in row_of]
        calls = [c for i, c in enumerate(calls) if i == 0 or c != calls[i - 1]]
        if len(calls) < 2:
            continue
        served.update(calls)
        big = bool(pd.notna(svc.vessel_teu) and float(svc.vessel_teu) > neopanamax)
        k = len(calls)
        hops = [router.variants(int(attach[calls[i]]), int(attach[calls[(i + 1) % k]]), big) for i in range(k)]
        for i in range(k):
            for variant in (False, True):
                km = hours = 0.0
                bits, pts, used_div = 0, [], False
                for step in range(1, k):
                    h_opts = hops[(i + step - 1) % k]
                    if not h_opts:
                        break
                    h = h_opts[1] if (variant and len(h_opts) > 1) else h_opts[0]
                    used_div |= h.diversion
                    if step > 1:  # the ship stops at the call it passes
                        hours += call_h[calls[(i + step - 1) % k]]
                    km += h.km
                    bits |= h.passages
                    pts.append(h.geometry if not pts else h.geometry[1:])
                    j = calls[(i + step) % k]
                    if j == calls[i] or (variant and not used_div):
                        continue
                    t, x = _toll_and_transit(bits, passage_cfg, main_kmh, passage_km)
                    out.append(Sailing(str(svc.id), calls[i], j, km, km / main_kmh + hours + x, bits, t,
                                       np.concatenate(pts), used_div, False))
    # feeders: a port no service calls at is linked to its nearest hubs, both ways
    hubs = np.flatnonzero(ports["role"].eq("hub").to_numpy() & np.isin(np.arange(len(ports)), list(served)))
    for p in range(len(ports)):
        if p in served or ports["role"].iat[p] == "river" or not len(hubs):
            continue
        cand = []
        for h in hubs:
            hop = router.hop(int(attach[p]), int(attach[h]), ALWAYS_CLOSED)
            if hop is not None:
                cand.append((hop.km, int(h)))
        for km, h in sorted(cand)[: params["feeder_hubs"]]:
            for a, b in ((p, h), (h, p)):
                for hop in router.variants(int(attach[a]), int(attach[b]), False):
                    t, x = _toll_and_transit(hop.passages, passage_cfg, feeder_kmh, passage_km)
                    out.append(Sailing(f"feeder:{ports['locode'].iat[p]}", a, b, hop.km, hop.km / feeder_kmh + x,
                                       hop.passages, t, hop.geometry, hop.diversion, True))
    return out
