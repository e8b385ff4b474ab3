"""All-pairs skims between a set of places: best time, cost, distance, CO2 and main mode per ordered pair.

A skim first joins every place to the network at once (`Access.edges_many`, numpy over all places; the links
are remembered on the `Access` for the next skim of the same places), then builds two search graphs on the
cheapest of each set of parallel edges (best_edges, in _csr_and_attrs): one for all-road trips (places joined
to road vertices) and one for intermodal trips from gate to gate (places joined to terminal gates, long-haul
roads only as truck shuttles). The default engine makes one compiled pass per source
(routing.dijkstra.skim_pairs, sources spread over the free cores): a Dijkstra on each graph by the objective,
adding every other attribute as vertices settle and stopping once the places it can reach are settled
(_targets_to_settle); then, per destination, customs beyond dwell, drivers' rest and the better of the two
trips, written straight into the pair rows (_frame makes the table). `engine="scipy"` keeps the previous
method (scipy's Dijkstra per source chunk, sums along its shortest-path trees, numpy on per-attribute
matrices) as the tests' oracle.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from beltroad.network.build import ACCESS, INLAND, LINK, Network, RAIL, ROAD, SEA_MODE, FERRY
from beltroad.places import Place
from beltroad.routing.dijkstra import next_events
from beltroad.routing.engine import (EPS, Access, _customs_table, build_graph, customs_beyond_dwell,
                                     customs_event_dwell, end_customs, end_customs_parts, port_and_border_edges,
                                     weights_of, Graph, PointLinks)
from beltroad.scenario.state import EdgeState

MAIN_MODE_NAMES = np.array(["rail", "road", "sea", "ferry", "inland_water"])
CHUNK = 100  # sources per Dijkstra call: bounds memory at CHUNK x vertices


def best_edges(g: Graph, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest of each set of parallel edges (same ends) under weights `w` (the first of equals in edge
    order): (their edge indices, their keys src * n + dst, ascending). A search on them finds the same costs."""
    key = g.src.astype(np.int64) * g.n + g.dst
    order = np.lexsort((w, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    best = order[first]
    return best, key[best]


_best_edges = best_edges  # the name benchmarks/impact.py imports


def _path_sums(pred: np.ndarray, n: int, attrs: dict[str, np.ndarray], sorter: np.ndarray,
               sorted_keys: np.ndarray) -> dict[str, np.ndarray]:
    """Sum edge attributes along every shortest-path tree at once by pointer jumping (log depth steps)."""
    s_rows, n_cols = pred.shape
    valid = pred >= 0
    cols = np.broadcast_to(np.arange(n_cols), pred.shape)
    eidx = np.zeros(pred.shape, dtype=np.int64)
    eidx[valid] = sorter[np.searchsorted(sorted_keys, pred[valid].astype(np.int64) * n + cols[valid])]
    sentinel = n_cols
    anc = np.full((s_rows, n_cols + 1), sentinel, dtype=np.int64)
    anc[:, :n_cols][valid] = pred[valid]
    names = list(attrs)
    vals = np.zeros((len(names), s_rows, n_cols + 1), dtype=np.float32)  # float32 halves memory traffic
    for i, k in enumerate(names):
        vals[i, :, :n_cols][valid] = attrs[k][eidx[valid]]
    rows = np.arange(s_rows)[:, None]
    while (anc != sentinel).any():
        vals += vals[:, rows, anc]
        anc = anc[rows, anc]
    return {k: vals[i, :, :n_cols].astype(np.float64) for i, k in enumerate(names)}


try:  # numba compiles the tree sweep; without it the numpy pointer-jumping path gives the same numbers
    from numba import njit, prange
except ImportError:  # pragma: no cover
    njit = None

if njit is not None:
    @njit(cache=True, inline="always")
    def _edge_of(indptr, indices, edge_at, p, v):  # pragma: no cover - compiled
        """The attribute index of tree edge (p, v): its CSR position in row p, through `edge_at`."""
        for q in range(indptr[p], indptr[p + 1]):
            if indices[q] == v:
                return edge_at[q]
        return -1

    @njit(cache=True, parallel=True)
    def _tree_sums_kernel(pred, indptr, indices, edge_at, attrs, out):  # pragma: no cover - compiled
        """out[r, v, k] = sum of attrs[:, k] along the tree path source(r) -> v (memoised walk up the tree)."""
        n_rows, n_cols = pred.shape
        n_attr = attrs.shape[1]
        for r in prange(n_rows):  # rows (sources) are independent: one per thread
            stack = np.empty(n_cols, dtype=np.int64)
            done = np.zeros(n_cols, dtype=np.bool_)
            for v0 in range(n_cols):
                if done[v0]:
                    continue
                top = 0
                v = v0
                while v >= 0 and not done[v]:
                    stack[top] = v
                    top += 1
                    v = pred[r, v]
                while top > 0:
                    top -= 1
                    v = stack[top]
                    p = pred[r, v]
                    if p >= 0:
                        e = _edge_of(indptr, indices, edge_at, p, v)
                        for k in range(n_attr):
                            out[r, v, k] = out[r, p, k] + attrs[e, k]
                    done[v] = True


if njit is not None:
    @njit(cache=True, parallel=True)
    def _event_kernel(pred, order, indptr, indices, edge_at, ev, first, last):  # pragma: no cover - compiled
        """first/last[r, v]: dwell of the first and last customs event (ev >= 0) on the tree path source(r) -> v.

        `order[r]` lists vertices by distance from the source, so a parent is always done before its child."""
        n_rows, n_cols = pred.shape
        for r in prange(n_rows):
            for t in range(n_cols):
                v = order[r, t]
                p = pred[r, v]
                if p < 0:
                    continue
                e = _edge_of(indptr, indices, edge_at, p, v)
                first[r, v], last[r, v] = next_events(first[r, p], last[r, p], ev[e])


def _first_last_events(dist, pred, mat, edge_at, ev) -> tuple[np.ndarray, np.ndarray]:
    """Dwell of the first and the last customs event on every tree path (-1: none)."""
    order = np.argsort(dist, axis=1).astype(np.int64)
    first = np.full(pred.shape, -1.0)
    last = np.full(pred.shape, -1.0)
    if njit is not None:
        _event_kernel(pred.astype(np.int64), order, mat.indptr.astype(np.int64), mat.indices.astype(np.int64),
                      edge_at, ev, first, last)
        return first, last
    lookup = {}  # numpy fallback: a plain walk in distance order (slow, only without numba)
    for p in range(mat.shape[0]):
        for q in range(mat.indptr[p], mat.indptr[p + 1]):
            lookup[(p, int(mat.indices[q]))] = int(edge_at[q])
    for r in range(pred.shape[0]):
        for v in order[r]:
            p = pred[r, v]
            if p < 0:
                continue
            first[r, v], last[r, v] = next_events(first[r, p], last[r, p], ev[lookup[(int(p), int(v))]])
    return first, last


def _tree_sums(pred, mat, best_sorted_by_csr, attrs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    names = list(attrs)
    stacked = np.ascontiguousarray(np.stack([attrs[k] for k in names], axis=1))
    out = np.zeros(pred.shape + (len(names),))
    _tree_sums_kernel(pred.astype(np.int64), mat.indptr.astype(np.int64), mat.indices.astype(np.int64),
                      best_sorted_by_csr, stacked, out)
    return {k: out[:, :, i] for i, k in enumerate(names)}


def _pairwise_customs(net: Network, countries: np.ndarray, oi: np.ndarray, di: np.ndarray):
    """End customs of every (origin, destination) pair, computed once per country pair."""
    uniq, inv = np.unique(countries.astype(str), return_inverse=True)
    a, b = np.meshgrid(np.arange(len(uniq)), np.arange(len(uniq)), indexing="ij")
    h, u = end_customs(net, uniq[a.ravel()], uniq[b.ravel()])
    h, u = h.reshape(len(uniq), len(uniq)), u.reshape(len(uniq), len(uniq))
    return h[inv[oi], inv[di]], u[inv[oi], inv[di]]


def _dwell_components(net: Network, state: EdgeState, g, best: np.ndarray) -> dict[str, np.ndarray]:
    """Per chosen edge: port dwell hours and en-route border dwell hours (the scenario's values)."""
    dwell = getattr(state, "dwell_hours", None)
    dwell = net.dwell_hours if dwell is None else dwell
    net_e, port, border, _ = port_and_border_edges(net, g, best)
    land = border & np.isin(net.mode[net_e], (RAIL, ROAD))
    return {"port_h": np.where(port, dwell[net_e], 0.0), "border_h": np.where(border, dwell[net_e], 0.0),
            "border_export_h": np.where(land, _export_hours_by_edge(net)[net_e], 0.0)}


def _export_hours_by_edge(net: Network) -> np.ndarray:
    """Per network edge: the exporting side's Doing Business export time (hours) if the edge crosses a border
    between economies outside a common customs union, else 0 — Reed & Trubetskoy's (2019) border time."""
    return net.derived("export_hours_by_edge", _compute_export_hours_by_edge)


def _compute_export_hours_by_edge(net: Network) -> np.ndarray:
    table = _customs_table(net)
    rows, union = table["rows"], table["union"]
    by_country = np.array([rows.get(c, (0.0, 0.0, 0.0, 0.0))[0] for c in net.countries] + [0.0])
    group = np.array([union.get(c, c) for c in net.countries] + [""], dtype=object)
    cf = np.where(net.country_from >= 0, net.country_from, len(net.countries))
    ct = np.where(net.country_to >= 0, net.country_to, len(net.countries))
    return np.where(net.border & (group[cf] != group[ct]), by_country[cf], 0.0)


def _pairwise_export_hours(net: Network, countries: np.ndarray, oi: np.ndarray, di: np.ndarray) -> np.ndarray:
    """The export share of the end customs of every pair: origin export hours for international pairs."""
    h, _ = _pairwise_customs(net, countries, oi, di)
    exp_h = np.array([end_customs_parts(net, c, "")[0][0] if c else 0.0 for c in countries.astype(str)])
    return np.where(h > 0, exp_h[oi], 0.0)


def _csr_and_attrs(net: Network, state: EdgeState, places: Sequence[Place], objective: str, access: Access,
                   mask: np.ndarray | None, gates: bool, links: PointLinks | None):
    """The search graph of all-road trips (gates=False) or of intermodal trips that start and end at terminal
    gates (gates=True): (CSR of the cheapest parallel edges, CSR position -> index into its attribute
    arrays, the attribute arrays, customs-event dwell per edge, the places' vertices, vertex count)."""
    endpoints = [(p.lat, p.lon, p.node_id, p.country) for p in places]
    mask = np.ones(net.n_edges, dtype=bool) if mask is None else mask
    if gates:  # intermodal trips: long-haul trucks only on the truck shuttles between railheads (as the planner)
        mask = mask & ~((net.mode == ROAD) & (net.kind == LINK) & ~net.shuttle)
    g, new = build_graph(net, state, mask, endpoints, access, gates=gates, links=links)
    w = np.maximum(weights_of(g, state, objective), 0.0) + EPS
    best, keys = best_edges(g, w)
    mat = csr_matrix((w[best], (g.src[best], g.dst[best])), shape=(g.n, g.n))
    mat.sort_indices()
    # position q of the CSR structure -> index into `best` (so a tree edge (p, v) finds its attributes)
    csr_keys = np.repeat(np.arange(g.n, dtype=np.int64), np.diff(mat.indptr)) * g.n + mat.indices
    edge_at = np.argsort(keys)[np.searchsorted(np.sort(keys), csr_keys)].astype(np.int64)
    # per-edge attributes of the chosen parallel edge
    mode = g.mode[best]
    is_access = g.kind[best] == ACCESS
    attrs = {
        "hours": g.hours[best], "usd": g.usd[best], "co2": g.co2_kg[best], "km": g.km[best],
        "rail_km": np.where(mode == RAIL, g.km[best], 0.0),
        "sea_km": np.where(mode == SEA_MODE, g.km[best], 0.0),
        "road_km": np.where((mode == ROAD) & ~is_access, g.km[best], 0.0),
        "ferry_km": np.where(mode == FERRY, g.km[best], 0.0),
        "inland_km": np.where(mode == INLAND, g.km[best], 0.0),
    }
    ev = customs_event_dwell(net, g, best)  # where export/import clearance can overlap dwell
    attrs["n_events"] = (ev >= 0).astype(float)
    eid = np.maximum(g.edge_id[best], 0)  # long-haul driving hours (border dwell excluded): rest added after
    attrs.update(_dwell_components(net, state, g, best))
    attrs["drive_h"] = np.where((mode == ROAD) & ~is_access & (g.edge_id[best] >= 0), state.move_hours[eid], 0.0)
    return mat, edge_at, attrs, ev, np.array(new), g.n


def _skim_trees(net: Network, state: EdgeState, places: Sequence[Place], objective: str, access: Access,
                progress: Callable[[int, int], None] | None, mask: np.ndarray | None, gates: bool,
                links: PointLinks | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The scipy engine (the tests' oracle): attribute sums along scipy's shortest-path trees between all
    places, for all-road trips (gates=False) or gate-to-gate intermodal trips (gates=True)."""
    mat, edge_at, attrs, ev, targets, n = _csr_and_attrs(net, state, places, objective, access, mask, gates, links)
    n_src = len(targets)
    # the CSR's (row, column) keys are sorted already; a key's position maps to its attributes by edge_at
    sorted_keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(mat.indptr)) * n + mat.indices
    sorter = edge_at
    out = {k: np.full((n_src, n_src), np.nan) for k in list(attrs) + ["first_event", "last_event"]}
    reach = np.zeros((n_src, n_src), dtype=bool)
    for start in range(0, n_src, CHUNK):
        srcs = targets[start:start + CHUNK]
        dist, pred = dijkstra(mat, directed=True, indices=srcs, return_predecessors=True)
        if njit is not None:
            acc = _tree_sums(pred, mat, edge_at, attrs)
        else:
            acc = _path_sums(pred, n, attrs, sorter, sorted_keys)
        d_t = dist[:, targets]
        ok_t = np.isfinite(d_t)
        reach[start:start + len(srcs)] = ok_t
        acc["first_event"], acc["last_event"] = _first_last_events(dist, pred, mat, edge_at, ev)
        for k in out:
            block = acc[k][:, targets]
            block[~ok_t] = np.nan
            out[k][start:start + len(srcs)] = block
        if progress:
            progress(min(start + CHUNK, n_src), n_src)
    return out, reach


def _free_threads(most: int) -> int:
    """Threads for the skim's searches: one per core that other processes leave free (at least one). On a
    busy machine, threads that wait for each other's cores make the parallel search slower than one thread
    (measured: 0.40 s with 2 threads against 0.13 s with 1 at a load of 8.6 on 2 cores). The answers do not
    depend on it (each source is searched on its own)."""
    import os

    if os.environ.get("NUMBA_NUM_THREADS"):
        return most
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - platforms without a load average
        return most
    return max(1, min(most, int((os.cpu_count() or 1) - load + 1)))


def _off(m: np.ndarray) -> np.ndarray:
    """The off-diagonal entries of a square matrix, row by row (= m[oi, di] for the ordered pairs i != j),
    by a reshape instead of a gather."""
    n = m.shape[0]
    if n < 2:
        return m.reshape(-1)[:0].copy()
    return m.reshape(-1)[1:].reshape(n - 1, n + 1)[:, :-1].reshape(-1)


OUT_COLUMNS = ("transit_days", "cost_usd", "distance_km", "co2_kg", "port_dwell_days", "border_dwell_days",
               "border_export_days", "customs_export_days", "customs_import_days")  # = dijkstra.O_* order


def _country_tables(net: Network, countries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per place its country code, and per pair of codes: end customs hours, USD, and the export share of the
    hours (origin export hours for international pairs). The arithmetic of engine.end_customs (export at the
    origin + import at the destination, for international pairs outside a common customs union) on the few
    distinct countries instead of on every pair (the scipy engine calls end_customs itself: the tests compare)."""
    uniq, inv = np.unique(countries.astype(str), return_inverse=True)
    table = _customs_table(net)
    rows, union = table["rows"], table["union"]
    vals = np.array([rows.get(c, (0.0, 0.0, 0.0, 0.0)) for c in uniq], dtype=float).reshape(len(uniq), 4)
    group = np.array([union.get(c, c) for c in uniq], dtype=object)
    codes = np.arange(len(uniq))
    international = (codes[:, None] != codes[None, :]) & (group[:, None] != group[None, :])
    hours = np.where(international, vals[:, 0][:, None] + vals[:, 1][None, :], 0.0)
    usd = np.where(international, vals[:, 2][:, None] + vals[:, 3][None, :], 0.0)
    export = np.where(hours > 0, vals[:, 0][:, None], 0.0)
    return inv.astype(np.int64), hours, usd, export


def _skim_compiled(net: Network, state: EdgeState, places: Sequence[Place], objective: str, access: Access,
                   progress: Callable[[int, int], None] | None, mask: np.ndarray | None, links: PointLinks
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N_OUT x pairs floats, main-mode codes, reachable) by routing.dijkstra.skim_pairs: both searches of a
    source, the customs overlap, the better trip and its columns in one compiled pass per source, written
    straight into the pair rows (no per-attribute matrices)."""
    import numba

    from beltroad.routing import dijkstra as dj

    graphs, left = [], []
    for gates in (False, True):
        mat, edge_at, attrs, ev, targets, n = _csr_and_attrs(net, state, places, objective, access, mask, gates, links)
        left.append(_targets_to_settle(mat, targets))
        names = list(attrs)
        order = [names.index(k) for k in ATTR_ORDER]
        stacked = np.ascontiguousarray(np.stack([attrs[names[i]] for i in order], axis=1)[edge_at])
        assert stacked.shape[1] == dj.N_ATTRS  # the kernel's row copy is unrolled to this width
        graphs.append((mat.indptr.astype(np.int64), mat.indices.astype(np.int64), mat.data.astype(np.float64),
                       stacked, np.ascontiguousarray(ev[edge_at], dtype=np.float64)))
    m = len(places)
    n_pairs = m * (m - 1)
    codes, customs_h, customs_usd, export_h = _country_tables(net, np.array([p.country for p in places]))
    out = np.empty((dj.N_OUT, n_pairs))
    main = np.empty(n_pairs, dtype=np.int8)
    reach = np.empty(n_pairs, dtype=bool)
    step = max(CHUNK, -(-m // 4))  # a few chunks: progress without starving the threads
    before = numba.get_num_threads()
    numba.set_num_threads(_free_threads(before))
    try:
        for start in range(0, m, step):
            stop = min(start + step, m)
            dj.skim_pairs(*graphs[0], *graphs[1], n, targets.astype(np.int64), np.arange(start, stop, dtype=np.int64),
                          left[0], left[1], codes, customs_h, customs_usd, export_h, float(access.drive_h),
                          dj.OBJECTIVES.index(objective), float(state.value_of_time_usd_per_day),
                          float(state.carbon_price_usd_per_t), out, main, reach, 4 * numba.get_num_threads())
            if progress:
                progress(stop, m)
    finally:
        numba.set_num_threads(before)
    return out, main, reach


def _targets_to_settle(mat, targets: np.ndarray) -> np.ndarray:
    """Per target vertex: how many targets (itself included) its search must settle before it may stop: those
    reachable from it. Vertices of one strongly connected component reach the same vertices, so one
    breadth-first search per component that holds targets counts them (road trips: the search stops at the
    farthest city it can reach instead of settling every vertex it can reach). Edges that cannot be used
    (infinite weight) may make the count too high, which only delays the stop."""
    from scipy.sparse.csgraph import breadth_first_order, connected_components

    _, label = connected_components(mat, directed=True, connection="strong")
    is_target = np.zeros(mat.shape[0], dtype=bool)
    is_target[targets] = True
    lt = label[targets]
    out = np.empty(len(targets), dtype=np.int64)
    for comp in np.unique(lt):
        here = lt == comp
        seen = breadth_first_order(mat, int(targets[np.argmax(here)]), directed=True, return_predecessors=False)
        out[here] = int(is_target[seen].sum())
    return out


# the attribute columns in routing.dijkstra's A_* order
ATTR_ORDER = ("hours", "usd", "co2", "km", "rail_km", "road_km", "sea_km", "ferry_km", "inland_km", "n_events",
              "port_h", "border_h", "border_export_h", "drive_h")


def _skim_scipy(net: Network, state: EdgeState, places: Sequence[Place], objective: str, access: Access,
                progress: Callable[[int, int], None] | None, mask: np.ndarray | None, links: PointLinks
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The previous engine, kept as the tests' oracle: scipy's Dijkstra and sums along its trees per access
    kind, then the customs overlap and the better trip with numpy on per-attribute matrices."""
    n_src = len(places)
    o_country = np.array([p.country for p in places])
    oi, di = np.where(~np.eye(n_src, dtype=bool))
    flat = oi * n_src + di
    customs_all, customs_usd = _pairwise_customs(net, o_country, oi, di)
    export_all = _pairwise_export_hours(net, o_country, oi, di)
    best_out, best_reach, best_value = None, None, None
    for i, gates in enumerate((False, True)):
        cb = (lambda done, total, i=i: progress(i * total + done, 2 * total)) if progress else None
        out, reach = _skim_trees(net, state, places, objective, access, cb, mask, gates, links)
        customs = customs_beyond_dwell(export_all, customs_all - export_all, np.nan_to_num(_off(out["n_events"])),
                                       np.nan_to_num(_off(out["first_event"])),
                                       np.nan_to_num(_off(out["last_event"])))
        # a truck rests only after a full driving day: the rest of the trip's long-haul road leg, added here
        rest = access.drive_elapsed_hours(np.nan_to_num(out["drive_h"])) - np.nan_to_num(out["drive_h"])
        out["hours"] = out["hours"] + rest
        hours = _off(out["hours"]) + customs
        usd = _off(out["usd"]) + customs_usd
        co2 = _off(out["co2"])
        value = {"time": hours, "cost": usd, "co2": co2,
                 "generalized": usd + hours / 24.0 * state.value_of_time_usd_per_day
                 + co2 / 1000.0 * state.carbon_price_usd_per_t}[objective]
        value = np.where(_off(reach), value, np.inf)
        out["customs_h"] = np.full((n_src, n_src), np.nan)
        out["customs_h"].reshape(-1)[flat] = customs
        if best_out is None:
            best_out, best_reach, best_value = out, reach, value
            continue
        better = np.zeros(n_src * n_src, dtype=bool)
        better[flat] = value < best_value
        better = better.reshape(n_src, n_src)
        for k in best_out:
            np.copyto(best_out[k], out[k], where=better)
        best_reach = best_reach | reach
        best_value = np.minimum(best_value, value)
    out, reach = best_out, best_reach
    customs_h = _off(out["customs_h"])
    customs_export = np.minimum(export_all, customs_h)
    mode_km = np.stack([_off(out["rail_km"]), _off(out["road_km"]), _off(out["sea_km"]),
                        _off(out["ferry_km"]), _off(out["inland_km"])], axis=1)
    reachable = _off(reach)
    main = np.where(reachable, np.argmax(np.nan_to_num(mode_km, nan=-1), axis=1), -1).astype(np.int8)
    main = np.where(reachable & (np.nansum(mode_km, axis=1) == 0), 1, main).astype(np.int8)  # 1: road
    cols = {
        "transit_days": (_off(out["hours"]) + customs_h) / 24.0,
        "cost_usd": _off(out["usd"]) + customs_usd,
        "distance_km": _off(out["km"]),
        "co2_kg": _off(out["co2"]),
        # time components (days) for other accountings: port dwell, en-route border dwell, end customs
        "port_dwell_days": _off(out["port_h"]) / 24.0,
        "border_dwell_days": _off(out["border_h"]) / 24.0,
        "border_export_days": _off(out["border_export_h"]) / 24.0,  # land crossings at the exporter's DB time
        "customs_export_days": customs_export / 24.0,  # the clearance time that adds to the trip, split
        "customs_import_days": (customs_h - customs_export) / 24.0,
    }
    vals = np.stack([cols[k] for k in OUT_COLUMNS])
    vals[:, ~reachable] = np.nan  # unreachable pairs carry no number
    return vals, main, reachable


def skim(net: Network, state: EdgeState, places: Sequence[Place], objective: str = "time",
         access: Access | None = None, progress: Callable[[int, int], None] | None = None,
         mask: np.ndarray | None = None, engine: str = "numba") -> pd.DataFrame:
    """Ordered pairs of `places` (origin != destination) with the best route's totals under `objective`.

    As the planner does, all-road trips and intermodal trips (from gate to gate) are searched apart and the
    better one, customs included, is kept. `mask` restricts the network edges (e.g. one main-haul mode for the
    fixed-mode bound). `engine`: "numba" (both searches, customs and the better trip in one compiled pass per
    source) or "scipy" (the previous engine, the tests' oracle).
    """
    access = access or Access(net)
    links = _access_links(access, places)  # shared by both searches (and by later skims with this `access`)
    if engine == "numba":
        vals, main, reachable = _skim_compiled(net, state, places, objective, access, progress, mask, links)
    else:
        vals, main, reachable = _skim_scipy(net, state, places, objective, access, progress, mask, links)
    return _frame(places, vals, main, reachable)


def _access_links(access: Access, places: Sequence[Place]) -> PointLinks:
    """The access links of all places (`access.edges_many`), remembered on `access` for the same places (they
    depend only on the network and the points): a compare's two skims, and its fixed-mode skims, compute them
    once."""
    points = [(p.lat, p.lon, p.node_id, p.country) for p in places]
    memo = access.__dict__.setdefault("_skim_links", {})
    key = tuple(points)
    got = memo.get(key)
    if got is None:
        if len(memo) >= 4:  # a few city sets at most
            memo.pop(next(iter(memo)))
        got = memo[key] = access.edges_many(points)
    return got


def _mode_strings(codes: np.ndarray) -> pd.Series:
    """Main-mode names (missing where the code is -1) as pandas' string column, through an Arrow dictionary:
    a categorical's `astype(str)` takes ~0.4 s at 1M pairs, this a few ms."""
    import pyarrow as pa

    names = pa.array(MAIN_MODE_NAMES.tolist())
    arr = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), names).cast(pa.large_string())
    return pa.chunked_array([arr]).to_pandas()


def _frame(places: Sequence[Place], vals: np.ndarray, main: np.ndarray, reachable: np.ndarray) -> pd.DataFrame:
    """The pair table: categorical origin/destination (and countries), then the columns in OUT_COLUMNS."""
    n_src = len(places)
    oi = np.repeat(np.arange(n_src), max(n_src - 1, 0))  # the ordered pairs row by row (= np.where(~eye))
    after = np.arange(max(n_src - 1, 0))
    di = (after[None, :] + (after[None, :] >= np.arange(n_src)[:, None])).reshape(-1)
    o_country = np.array([p.country for p in places])
    countries = pd.Index(sorted(set(o_country)))
    c_codes = countries.get_indexer(o_country)
    labels = pd.Index([p.name for p in places])
    if labels.has_duplicates:  # categories must be unique: same-named cities get their country
        labels = pd.Index([f"{p.name} ({p.country})" if dup else p.name
                           for p, dup in zip(places, labels.duplicated(keep=False))])
        if labels.has_duplicates:
            labels = pd.Index([f"{lab} #{i}" for i, lab in enumerate(labels)])
    main_mode = _mode_strings(main)
    cols = {  # the codes index their categories by construction: no check of 1M codes each
        "origin": pd.Categorical.from_codes(oi, categories=labels, validate=False),
        "origin_country": pd.Categorical.from_codes(c_codes[oi], categories=countries, validate=False),
        "destination": pd.Categorical.from_codes(di, categories=labels, validate=False),
        "destination_country": pd.Categorical.from_codes(c_codes[di], categories=countries, validate=False),
        "reachable": reachable,
    }
    for i, k in enumerate(OUT_COLUMNS):
        cols[k] = vals[i]
        if k == "co2_kg":
            cols["main_mode"] = main_mode
    return pd.DataFrame(cols, copy=False)
