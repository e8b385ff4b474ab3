"""Congested assignment of a container OD matrix on the multimodal graph.

Demand between zones splits by a multinomial logit (S-FLOW-LOGIT) between two route classes -- `ocean`
(no border crossed on a rail, road or ferry link outside an open-border customs union) and `overland` (no sailing through an ocean passage other than the Turkish
straits) -- on each class's equilibrium generalized cost; within a class every box takes a cheapest path
(deterministic user equilibrium). Capacity elements (capacity.py) add a time-dependent queueing delay
(Akcelik 1991, S-FLOW-AKCELIK). The combined problem is solved by the method of successive averages
(S-FLOW-MSA): all-or-nothing loading on shortest-path trees from every origin zone (scipy Dijkstra, numba
tree sweep), averaged with step 1/k, until the relative gap falls below the tolerance.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from beltroad.flows.capacity import CapacityElements, FlowsError
from beltroad.network.build import FERRY, LINK, RAIL, ROAD, SEA, Network, customs_union_of
from beltroad.data.sea import PASSAGES
from beltroad.places import Place
from beltroad.routing.engine import EPS, Access, build_graph
from beltroad.scenario.state import EdgeState

# Modelling choices (docs/flows.md, "Assignment"), not measured figures
LOGIT_THETA = 8.0          # logit scale on cost relative to the cheaper class: 10 % dearer -> share x e^-0.8
QUEUE_PERIOD_H = 720.0     # Akcelik flow period T: one month, so a 30 % overload queues ~4.5 days (cf. A2.19, A3.24)
QUEUE_J = 1.0              # Akcelik delay parameter J_A
GAP_TOL = 1e-3             # relative gap at which the assignment stops
MAX_ITER = 200
CLASSES = ("ocean", "overland", "free")  # free: pairs that only one of the two reaches
CHOICE = ("ocean", "overland")
COMBOS = {"sea_not_russia": ("ocean_sailing", "rail_russia")}  # paths with the first group and not the second
STRAITS = ("bosporus", "dardanelles")
BLACK_SEA = {"GEO", "ROU", "BGR", "TUR", "UKR"}  # coasts whose sailings stay overland  # sailings through these stay in the overland class (Black Sea legs)


def queue_delay_hours(x: np.ndarray, service_per_h: np.ndarray, period_h: float = QUEUE_PERIOD_H,
                      j: float = QUEUE_J) -> np.ndarray:
    """Akcelik's time-dependent delay at degree of saturation x with capacity `service_per_h` (services/h)."""
    x = np.asarray(x, float)
    qt = np.maximum(service_per_h * period_h, 1e-9)
    return 0.25 * period_h * ((x - 1.0) + np.sqrt((x - 1.0) ** 2 + 8.0 * j * x / qt))


try:
    from numba import njit
except ImportError:  # pragma: no cover
    njit = None


def _aon_py(pred, order, dest_vertex, demand, edge_at_pos, indptr, indices, n_edges, groups_of_pos):
    """All-or-nothing loading along the trees (pure numpy fallback of the numba kernel)."""
    flows = np.zeros(n_edges)
    used = np.zeros(demand.shape, dtype=np.int64)
    for r in range(pred.shape[0]):
        node = np.zeros(pred.shape[1])
        node[dest_vertex] += demand[r]
        bits = np.zeros(pred.shape[1], dtype=np.int64)
        for v in order[r]:
            p = pred[r, v]
            if p >= 0:
                q = indptr[p] + np.searchsorted(indices[indptr[p]:indptr[p + 1]], v)
                bits[v] = bits[p] | groups_of_pos[q]
        for v in order[r][::-1]:
            p = pred[r, v]
            if p >= 0 and node[v] > 0:
                q = indptr[p] + np.searchsorted(indices[indptr[p]:indptr[p + 1]], v)
                flows[edge_at_pos[q]] += node[v]
                node[p] += node[v]
        used[r] = bits[dest_vertex]
    return flows, used


if njit is not None:
    @njit(cache=True)
    def _aon_kernel(pred, order, dest_vertex, demand, edge_at_pos, indptr, indices, n_edges, groups_of_pos):  # pragma: no cover
        n_rows, n_v = pred.shape
        flows = np.zeros(n_edges)
        used = np.zeros(demand.shape, dtype=np.int64)
        node = np.zeros(n_v)
        bits = np.zeros(n_v, dtype=np.int64)
        posv = np.full(n_v, -1, dtype=np.int64)
        for r in range(n_rows):
            node[:] = 0.0
            bits[:] = 0
            posv[:] = -1
            for k in range(dest_vertex.shape[0]):
                node[dest_vertex[k]] += demand[r, k]
            for t in range(n_v):  # parents before children: tree-edge positions and group bits
                v = order[r, t]
                p = pred[r, v]
                if p < 0:
                    continue
                lo, hi = indptr[p], indptr[p + 1]
                while lo < hi:
                    mid = (lo + hi) // 2
                    if indices[mid] < v:
                        lo = mid + 1
                    else:
                        hi = mid
                posv[v] = lo
                bits[v] = bits[p] | groups_of_pos[lo]
            for t in range(n_v - 1, -1, -1):  # children before parents: push demand up the tree
                v = order[r, t]
                p = pred[r, v]
                if p < 0 or node[v] == 0.0:
                    continue
                flows[edge_at_pos[posv[v]]] += node[v]
                node[p] += node[v]
            for k in range(dest_vertex.shape[0]):
                used[r, k] = bits[dest_vertex[k]]
        return flows, used


@dataclass
class Assignment:
    """Result of one congested assignment (all flows in TEU a year)."""

    scenario: str
    zones: list[Place]
    demand: np.ndarray                     # zones x zones
    class_demand: dict[str, np.ndarray]    # per class, zones x zones (averaged split)
    class_cost_usd: dict[str, np.ndarray]  # equilibrium generalized cost per class
    edge_flow: np.ndarray                  # per network edge (access edges summed separately)
    edge_delay_h: np.ndarray               # congestion delay per network edge
    elements: pd.DataFrame                 # capacity elements with flow, v/c, delay
    groups: list[str]                      # path groups tracked (bit i)
    group_od: dict[str, np.ndarray]        # per group: zones x zones TEU whose path uses the group
    gap: float
    iterations: int
    seconds: float
    gap_history: list[float] = field(default_factory=list)
    access_teu: float = 0.0
    asc_overland: float = 0.0


def _path_groups(net: Network, elements: CapacityElements) -> tuple[list[str], list[np.ndarray]]:
    """Edge sets whose use is tracked per OD pair: capacity elements, passages, international rail links
    by corridor, and rail through Russia."""
    names, sets = [], []
    base_names = [str(n).split(":")[0] for n in elements.table["element"]]
    for el in sorted(set(base_names)):
        idx = np.concatenate([e for e, n in zip(elements.edges, base_names) if n == el])
        names.append(el)
        sets.append(idx)
    for p in ("suez", "cape", "panama", "malacca", "hormuz", "bab-el-mandeb"):
        if p not in names:
            names.append(p)
            sets.append(np.flatnonzero((net.passage_bits >> PASSAGES.index(p)) & 1 == 1))
    m = class_masks(net)
    names.append("ocean_sailing")   # a sailing through an ocean passage: the trip goes by sea
    sets.append(np.flatnonzero(~m["overland"]))
    rus = net.countries.index("RUS") if "RUS" in net.countries else -2
    names.append("rail_russia")
    sets.append(np.flatnonzero((net.mode == RAIL) & ((net.country_from == rus) | (net.country_to == rus))))
    return names[:62], sets[:62]


def _line_search(v: np.ndarray, y: np.ndarray, base_w: np.ndarray, delays, usd_per_h: float, floor: float) -> float:
    """Frank-Wolfe step: the lambda in [0, 1] where the cost-weighted change sum((y - v) * w(v + lambda (y - v)))
    changes sign (Sheffi 1985, S-FLOW-MSA), by bisection; never below `floor` (the MSA step 1/k), so the
    logit split, which the line search does not see, still converges."""
    dv = y - v

    def slope(lam: float) -> float:
        _, d_edge = delays(v + lam * dv)
        return float(dv @ (base_w + d_edge * usd_per_h))

    if slope(1.0) <= 0:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(25):
        mid = 0.5 * (lo + hi)
        if slope(mid) > 0:
            hi = mid
        else:
            lo = mid
    return max(0.5 * (lo + hi), floor)


def _solve_asc(u: np.ndarray, demand: np.ndarray, mask: np.ndarray, target: float, start: float) -> float:
    """The overland constant that gives the masked pairs an overland share of `target` (bisection)."""
    io, iv = CHOICE.index("ocean"), CHOICE.index("overland")
    d = demand[mask]
    if d.sum() <= 0:
        return start
    diff = (u[iv] - u[io])[mask]

    def share(a: float) -> float:
        z = np.clip(diff + a, -50, 50)
        return float((d / (1.0 + np.exp(-z))).sum() / d.sum())

    lo, hi = -60.0, 60.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if share(mid) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def class_masks(net: Network) -> dict[str, np.ndarray]:
    """Network-edge masks of the two route classes."""
    # an ocean trip crosses no border on a network link (rail, road or ferry) except inside an open-border
    # customs union (the EU's internal borders): it reaches the sea at a port of its own economy. The only
    # cross-border ferry links are the trans-Caspian ones, and the Caspian is a closed sea: a box ferried
    # from Baku to Aktau has entered Kazakhstan's land network, not reached the ocean (docs/flows.md)
    union = customs_union_of(net.params, open_borders_only=True)
    group = np.array([union.get(c, c) for c in net.countries] + ["@sea"], dtype=object)
    same_union = group[net.country_from] == group[net.country_to]
    intl_rail = (net.kind == LINK) & np.isin(net.mode, (RAIL, ROAD, FERRY)) & net.border & ~same_union
    ocean_bits = 0
    for i, p in enumerate(PASSAGES):
        if p not in STRAITS:
            ocean_bits |= 1 << i
    ocean_sailing = (net.passage_bits & ocean_bits) != 0
    # overland trips may cross the Black Sea (Middle Corridor ferries and feeders) but take no other sailing,
    # so a sea leg along the Pacific coast to a Russian port does not count as overland
    black = np.array([c in BLACK_SEA for c in net.countries] + [False])
    sea_leg = net.kind == SEA
    ocean_sailing |= sea_leg & ~(black[net.country_from] & black[net.country_to])
    return {"ocean": ~intl_rail, "overland": ~ocean_sailing, "free": np.ones(net.n_edges, dtype=bool)}


def assign(net: Network, state: EdgeState, zones: list[Place], demand: np.ndarray, elements: CapacityElements,
           *, tol: float = GAP_TOL, max_iter: int = MAX_ITER, theta: float = LOGIT_THETA,
           access: Access | None = None, scenario: str = "", asc_overland: float = 0.0,
           calibrate: tuple[np.ndarray, float] | None = None) -> Assignment:
    """Assign `demand` (TEU/yr, zones x zones) under `state` with capacity `elements` (see module doc).

    `asc_overland` is the logit's alternative-specific constant of the overland class. With `calibrate` =
    (pair mask, share), it is solved at every iteration so that the overland share of the masked pairs'
    demand equals `share` (the base-year calibration of a mode-choice constant to a sourced total)."""
    t0 = time.perf_counter()
    demand = np.asarray(demand, float)
    nz = len(zones)
    if demand.shape != (nz, nz) or (demand < 0).any() or not np.isfinite(demand).all():
        raise FlowsError("demand must be a square, finite, non-negative zones x zones matrix")
    access = access or Access(net)
    endpoints = [(p.lat, p.lon, p.node_id, p.country) for p in zones]
    g, zone_v = build_graph(net, state, np.ones(net.n_edges, bool), endpoints, access, gates=None)
    zone_v = np.asarray(zone_v, dtype=np.int64)
    # a zone is a centroid, not a shortcut: boxes leave from zone_v and arrive at a separate zone_in vertex,
    # so no path can run in through one city's access links and out through another's
    n_v = g.n + nz
    zone_in = np.arange(g.n, n_v, dtype=np.int64)
    g_src = g.src
    g_dst = g.dst.copy()
    arrive = np.isin(g_dst, zone_v)
    g_dst[arrive] = zone_in[np.searchsorted(zone_v, g_dst[arrive])]
    on_net = g.edge_id >= 0
    eid = np.where(on_net, g.edge_id, 0)
    # base generalized cost per graph edge (USD/TEU) and the USD value of one hour
    usd_per_h = state.value_of_time_usd_per_day / 24.0
    base_w = g.usd + g.hours * usd_per_h + g.co2_kg / 1000.0 * state.carbon_price_usd_per_t
    masks = {k: np.where(on_net, m[eid], True) for k, m in class_masks(net).items()}
    # capacity elements on graph edges: sparse incidence (element x graph edge)
    net_to_g = np.full(net.n_edges, -1, dtype=np.int64)
    net_to_g[g.edge_id[on_net]] = np.flatnonzero(on_net)
    rows, cols = [], []
    for i, e in enumerate(elements.edges):
        ge = net_to_g[e]
        ge = ge[ge >= 0]
        rows.append(np.full(len(ge), i))
        cols.append(ge)
    n_el = len(elements)
    inc = csr_matrix((np.ones(sum(len(c) for c in cols)), (np.concatenate(rows) if rows else [],
                                                            np.concatenate(cols) if cols else [])),
                     shape=(n_el, len(g.src)))
    cap = elements.table["capacity_teu_yr"].to_numpy(float) if n_el else np.zeros(0)
    service_per_h = cap / elements.table["service_teu"].to_numpy(float) / 8760.0 if n_el else np.zeros(0)
    group_names, group_sets = _path_groups(net, elements)
    gbits = np.zeros(len(g.src), dtype=np.int64)
    for b, s in enumerate(group_sets):
        ge = net_to_g[s]
        gbits[ge[ge >= 0]] |= np.int64(1) << b

    def delays(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not n_el:
            return np.zeros(0), np.zeros(len(g.src))
        x = (inc @ v) / np.maximum(cap, 1e-9)
        d_el = np.where(cap > 0, queue_delay_hours(x, service_per_h), 1e6)
        return d_el, inc.T @ d_el

    def shortest(w_edge: np.ndarray, mask: np.ndarray):
        idx = np.flatnonzero(mask)
        w = np.maximum(w_edge[idx], 0.0) + EPS
        key = g_src[idx].astype(np.int64) * n_v + g_dst[idx]
        order = np.lexsort((w, key))
        first = np.ones(len(order), bool)
        first[1:] = key[order][1:] != key[order][:-1]
        keep = idx[order[first]]
        mat = csr_matrix((w[order[first]], (g_src[keep], g_dst[keep])), shape=(n_v, n_v))
        mat.sort_indices()
        # CSR position -> graph edge (keys are unique and sorted like the CSR)
        pos_edge = keep[np.argsort(key[order[first]])]
        dist, pred = dijkstra(mat, directed=True, indices=zone_v, return_predecessors=True)
        return mat, pos_edge, dist, pred

    def load(mat, pos_edge, dist, pred, dem):
        order = np.argsort(dist, axis=1, kind="stable").astype(np.int64)
        order_ok = order  # unreachable vertices (inf) come last and have pred < 0
        fn = _aon_kernel if njit is not None else _aon_py
        f, used = fn(pred.astype(np.int64), order_ok, zone_in, dem, pos_edge.astype(np.int64),
                     mat.indptr.astype(np.int64), mat.indices.astype(np.int64), len(g.src),
                     gbits[pos_edge].astype(np.int64))
        return f, used

    v = np.zeros(len(g.src))
    cls_dem = {k: np.zeros((nz, nz)) for k in CLASSES}
    grp = {k: np.zeros((nz, nz)) for k in list(group_names) + list(COMBOS)}
    history: list[float] = []
    gap, it = np.inf, 0
    cost = {}
    for it in range(1, max_iter + 1):
        _, d_edge = delays(v)
        w = base_w + d_edge * usd_per_h
        trees = {k: shortest(w, masks[k]) for k in CLASSES}
        cost = {k: trees[k][2][:, zone_in] for k in CLASSES}
        c = np.stack([cost[k] for k in CHOICE])
        choice = np.isfinite(c).all(axis=0) & (demand > 0)     # a real choice between ocean and overland
        free = ~choice & np.isfinite(cost["free"]) & (demand > 0)  # one class only: no choice to model
        ok = choice | free
        cmin = np.where(choice, np.min(c, axis=0), 1.0)
        rel = np.where(choice[None], (c - cmin[None]) / np.where(cmin > 0, cmin, 1.0)[None], 0.0)
        u = -theta * rel
        if calibrate is not None:
            asc_overland = _solve_asc(u, demand, choice & calibrate[0], calibrate[1], asc_overland)
        u[CHOICE.index("overland")] += asc_overland
        u -= np.max(u, axis=0, keepdims=True)
        expo = np.exp(u)
        share = np.zeros((len(CLASSES),) + demand.shape)
        share[:len(CHOICE)] = np.where(choice[None], expo / expo.sum(axis=0)[None], 0.0)
        share[CLASSES.index("free")] = free
        if it > 1:  # relative gap of the current flows against all-or-nothing at current costs and split
            total = float(v @ w)
            sp = sum(float(np.nansum(np.where(ok, cls_dem[k] * np.where(np.isfinite(cost[k]), cost[k], 0.0), 0.0)))
                     for k in CLASSES)
            gap = (total - sp) / total if total > 0 else 0.0
            history.append(gap)
            if gap < tol:
                break
        y = np.zeros(len(g.src))
        aux_dem, aux_grp = {}, {name: np.zeros((nz, nz)) for name in list(group_names) + list(COMBOS)}
        for i, k in enumerate(CLASSES):
            dem_k = np.where(ok, demand * share[i], 0.0)
            f, used = load(*trees[k], dem_k)
            y += f
            aux_dem[k] = dem_k
            for b, name in enumerate(group_names):
                aux_grp[name] += np.where(((used >> b) & 1).astype(bool), dem_k, 0.0)
            for name, (has, lacks) in COMBOS.items():
                bh, bl = group_names.index(has), group_names.index(lacks)
                hit = (((used >> bh) & 1) == 1) & (((used >> bl) & 1) == 0)
                aux_grp[name] += np.where(hit, dem_k, 0.0)
        step = 1.0 if it == 1 else _line_search(v, y, base_w, delays, usd_per_h, 1.0 / it)
        v += step * (y - v)
        for k in CLASSES:
            cls_dem[k] += step * (aux_dem[k] - cls_dem[k])
        for name in aux_grp:
            grp[name] += step * (aux_grp[name] - grp[name])
    d_el, d_edge = delays(v)
    edge_flow = np.bincount(g.edge_id[on_net], weights=v[on_net], minlength=net.n_edges)
    edge_delay = np.zeros(net.n_edges)
    edge_delay[g.edge_id[on_net]] = d_edge[on_net]
    el = elements.table.copy()
    if n_el:
        el["flow_teu_yr"] = inc @ v
        el["v_c"] = el["flow_teu_yr"] / el["capacity_teu_yr"].replace(0, np.nan)
        el["delay_h"] = d_el
    return Assignment(scenario=scenario or state.label, zones=list(zones), demand=demand, class_demand=cls_dem,
                      class_cost_usd=cost, edge_flow=edge_flow, edge_delay_h=edge_delay, elements=el,
                      groups=group_names, group_od=grp, gap=float(gap), iterations=it,
                      seconds=time.perf_counter() - t0, gap_history=history,
                      access_teu=float(v[~on_net].sum()), asc_overland=float(asc_overland))
