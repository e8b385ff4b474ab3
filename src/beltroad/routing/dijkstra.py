"""Compiled Dijkstra searches on a CSR graph (numba): one for point queries, one for all-pairs skims.

Why not scipy's `dijkstra`: a point query would build a `csr_matrix` and settle the whole graph for one
destination, and a skim would need a second pass over the shortest-path trees to sum the attributes that are
not the objective. Here a point query stops once its destination is settled, and a skim adds every attribute
(time, cost, km, CO2, km per mode, dwell parts, customs events) as each vertex is settled, and turns both
access kinds' trees into the finished pair rows in the same pass, sources spread over the threads. Both relax
edges exactly as scipy does (strictly shorter only), so they find the same paths; scipy stays the oracle in
the tests (tests/test_dijkstra.py).
"""
from __future__ import annotations

import warnings

import numpy as np
from numba import njit, prange
from numba.core.errors import NumbaIRAssumptionWarning
from numba.extending import register_jitable

from beltroad.routing.pointsearch import heap_pop, heap_push, point_search_core


# the heap and the point search are written once in routing.pointsearch (plain Python that a one-shot CLI runs on
# lists); here numba compiles them: the heap inline into both searches
_push4 = register_jitable(inline="always")(heap_push)
_pop4 = register_jitable(inline="always")(heap_pop)
register_jitable(point_search_core)
# inlining the heap at numba's IR level trips one of its internal pedantic checks (a variable-scope note, not an
# error: the tests compare the compiled search with its plain-Python run and scipy)
warnings.filterwarnings("ignore", message="variable .* is not in scope", category=NumbaIRAssumptionWarning)


@njit(cache=True, nogil=True)
def point_search(indptr, indices, data, n, origin_verts, origin_w, dest_verts, dest_w, limit=np.inf):  # pragma: no cover
    """Cheapest path from a virtual origin (edges `origin_verts`/`origin_w`) to the best of `dest_verts`
    (plus `dest_w`) on the CSR graph (`data` = weights, inf = masked); stops once no better end can appear,
    or beyond `limit` (see `routing.pointsearch.point_search_core`).

    Returns (dist, pred_pos): per vertex its distance (inf: not settled) and the CSR position of the edge
    that reached it (-1 - k: the origin's k-th edge; -(len+1): none)."""
    dist = np.full(n, np.inf)
    pred = np.full(n, -(len(origin_verts) + 1), dtype=np.int64)
    cap = len(indices) + len(origin_verts) + 1
    point_search_core(indptr, indices, data, origin_verts, origin_w, dest_verts, dest_w, limit, dist, pred,
                      np.zeros(n, dtype=np.bool_), np.full(n, np.inf), np.empty(cap), np.empty(cap, dtype=np.int64))
    return dist, pred


# attribute columns of a skim's edges (routing.skim builds them in this order)
A_HOURS, A_USD, A_CO2, A_KM, A_RAIL_KM, A_ROAD_KM, A_SEA_KM, A_FERRY_KM, A_INLAND_KM, A_EVENTS, A_PORT_H, \
    A_BORDER_H, A_BORDER_EXPORT_H, A_DRIVE_H = range(14)
N_ATTRS = 14
# columns of a skim's output (one float row per ordered pair), in routing.skim's frame order
(O_TRANSIT_DAYS, O_COST_USD, O_DISTANCE_KM, O_CO2_KG, O_PORT_DWELL_DAYS, O_BORDER_DWELL_DAYS, O_BORDER_EXPORT_DAYS,
 O_CUSTOMS_EXPORT_DAYS, O_CUSTOMS_IMPORT_DAYS) = range(9)
N_OUT = 9
OBJECTIVES = ("time", "cost", "co2", "generalized")


@njit(cache=True, inline="always")
def next_events(first: float, last: float, event: float) -> tuple[float, float]:  # pragma: no cover - compiled
    """(first, last) customs-event dwell of a path extended by an edge with customs-event dwell `event` (-1: the
    edge is no customs event): the skims' one rule, here and in routing.skim's scipy oracle."""
    if event >= 0:
        last = event
        if first < 0:
            first = event
    return first, last


@njit(cache=True, inline="always")
def _tree_search(indptr, indices, data, attrs, event, src, is_target, n_targets, dist, done, pred, parent, acc, fst,
                 lst, hk, hv):  # pragma: no cover - compiled
    """Dijkstra from `src`, adding the rows of `attrs` along the tree as each vertex settles (a vertex's row is
    written after its parent's), with the dwell of the first and last customs event on its path; stops once
    every target is settled. The arrays are the caller's, reset here."""
    dist[:] = np.inf
    done[:] = False
    pred[:] = -1
    acc[src, :] = 0.0
    fst[src] = -1.0
    lst[src] = -1.0
    dist[src] = 0.0
    size = _push4(hk, hv, 0, 0.0, src)
    left = n_targets
    while size > 0 and left > 0:
        d = hk[0]
        u = hv[0]
        size = _pop4(hk, hv, size)
        if done[u] or d > dist[u]:
            continue
        done[u] = True
        q = pred[u]
        if q >= 0:
            p = parent[u]
            for k in range(N_ATTRS):  # a constant: the compiler unrolls the row copy
                acc[u, k] = acc[p, k] + attrs[q, k]
            fst[u], lst[u] = next_events(fst[p], lst[p], event[q])
        if is_target[u]:
            left -= 1
        for q2 in range(indptr[u], indptr[u + 1]):
            v = indices[q2]
            nd = d + data[q2]
            if nd < dist[v] and not done[v]:
                dist[v] = nd
                pred[v] = q2
                parent[v] = u
                size = _push4(hk, hv, size, nd, v)


@njit(cache=True, inline="always")
def _trip(acc, fst, lst, v, export_h, customs_h, customs_usd, drive_day_h, objective, vot_usd_per_day,
          carbon_usd_per_t):  # pragma: no cover - compiled
    """(hours incl. drivers' rest, customs hours beyond dwell, USD incl. customs, objective value) of the trip
    to settled vertex `v`; the same arithmetic, in the same order, as the scipy engine's numpy code."""
    drive = acc[v, A_DRIVE_H]
    rest = (drive + np.floor(drive / drive_day_h) * (24.0 - drive_day_h)) - drive
    hours = acc[v, A_HOURS] + rest
    e = export_h
    i = customs_h - export_h
    n_ev = acc[v, A_EVENTS]
    if n_ev == 0:
        customs = e + i
    elif n_ev == 1:
        customs = max(e + i - fst[v], 0.0)
    else:
        customs = max(e - fst[v], 0.0) + max(i - lst[v], 0.0)
    total_h = hours + customs
    usd = acc[v, A_USD] + customs_usd
    if objective == 0:
        value = total_h
    elif objective == 1:
        value = usd
    elif objective == 2:
        value = acc[v, A_CO2]
    else:
        value = usd + total_h / 24.0 * vot_usd_per_day + acc[v, A_CO2] / 1000.0 * carbon_usd_per_t
    return hours, customs, usd, value


@njit(cache=True)
def _source_pairs(road_indptr, road_indices, road_data, road_attrs, road_event, gate_indptr, gate_indices, gate_data,
                  gate_attrs, gate_event, targets, s, is_target, road_left, gate_left, place_country, customs_h,
                  customs_usd, export_h, drive_day_h, objective, vot_usd_per_day, carbon_usd_per_t, out, main_code,
                  reachable, dist, pred, parent, hk, hv, done_r, acc_r, fst_r, lst_r, done_g, acc_g, fst_g,
                  lst_g):  # pragma: no cover - compiled
    """skim_pairs for one source place `s`, on the caller's work arrays."""
    m = len(targets)
    nan = np.nan
    src = targets[s]
    _tree_search(road_indptr, road_indices, road_data, road_attrs, road_event, src, is_target, road_left[s], dist,
                 done_r, pred, parent, acc_r, fst_r, lst_r, hk, hv)
    _tree_search(gate_indptr, gate_indices, gate_data, gate_attrs, gate_event, src, is_target, gate_left[s], dist,
                 done_g, pred, parent, acc_g, fst_g, lst_g, hk, hv)
    co = place_country[s]
    for c in range(m):
        if c == s:
            continue
        r = s * (m - 1) + (c if c < s else c - 1)
        v = targets[c]
        cd = place_country[c]
        e_h, c_h, c_usd = export_h[co, cd], customs_h[co, cd], customs_usd[co, cd]
        ok_r, ok_g = done_r[v], done_g[v]
        if not (ok_r or ok_g):
            reachable[r] = False
            main_code[r] = -1
            for k in range(out.shape[0]):
                out[k, r] = nan
            continue
        value_r = np.inf
        if ok_r:
            hours, customs, usd, value_r = _trip(acc_r, fst_r, lst_r, v, e_h, c_h, c_usd, drive_day_h, objective,
                                                 vot_usd_per_day, carbon_usd_per_t)
        acc = acc_r
        if ok_g:
            hours_g, customs_g, usd_g, value_g = _trip(acc_g, fst_g, lst_g, v, e_h, c_h, c_usd, drive_day_h,
                                                       objective, vot_usd_per_day, carbon_usd_per_t)
            if value_g < value_r:
                hours, customs, usd, acc = hours_g, customs_g, usd_g, acc_g
        reachable[r] = True
        out[O_TRANSIT_DAYS, r] = (hours + customs) / 24.0
        out[O_COST_USD, r] = usd
        out[O_DISTANCE_KM, r] = acc[v, A_KM]
        out[O_CO2_KG, r] = acc[v, A_CO2]
        out[O_PORT_DWELL_DAYS, r] = acc[v, A_PORT_H] / 24.0
        out[O_BORDER_DWELL_DAYS, r] = acc[v, A_BORDER_H] / 24.0
        out[O_BORDER_EXPORT_DAYS, r] = acc[v, A_BORDER_EXPORT_H] / 24.0
        exp = min(e_h, customs)
        out[O_CUSTOMS_EXPORT_DAYS, r] = exp / 24.0
        out[O_CUSTOMS_IMPORT_DAYS, r] = (customs - exp) / 24.0
        # main mode: the mode with the most km (first of equals), road when no km at all
        best, best_km, total = 0, acc[v, A_RAIL_KM], 0.0
        for k, a in enumerate((A_RAIL_KM, A_ROAD_KM, A_SEA_KM, A_FERRY_KM, A_INLAND_KM)):
            km = acc[v, a]
            total += km
            if km > best_km:
                best, best_km = k, km
        main_code[r] = best if total != 0 else 1



@njit(cache=True, inline="always")
def _tree_work(n, n_attr):  # pragma: no cover - compiled
    """Work arrays of one tree search: settled flags, attribute sums, first and last customs event."""
    return np.empty(n, dtype=np.bool_), np.empty((n, n_attr)), np.empty(n), np.empty(n)


@njit(cache=True, parallel=True)
def skim_pairs(road_indptr, road_indices, road_data, road_attrs, road_event, gate_indptr, gate_indices, gate_data,
               gate_attrs, gate_event, n, targets, rows, road_left, gate_left, place_country, customs_h, customs_usd,
               export_h, drive_day_h, objective, vot_usd_per_day, carbon_usd_per_t, out, main_code, reachable,
               n_blocks):  # pragma: no cover
    """A skim's answers for the source places `rows` (indices into `targets`), spread over `n_blocks` tasks: per
    source one search over all-road trips and one over gate-to-gate intermodal trips (same vertex numbering), then,
    per destination, each trip's customs beyond dwell and drivers' rest, the better trip by `objective`
    (0 time, 1 cost, 2 co2, 3 generalized) and its output columns, written straight into row
    s * (m - 1) + d' of `out` (N_OUT x pairs), `main_code` (index into the main modes rail, road, sea, ferry,
    inland water; -1 unreachable) and `reachable`. Per-country-pair tables: end customs hours and USD and the
    export share of the hours (`place_country` indexes them). `road_left`/`gate_left`: per source place, how
    many targets its search settles before it may stop (those reachable; more only delays the stop)."""
    m = len(targets)
    n_attr = road_attrs.shape[1]
    is_target = np.zeros(n, dtype=np.bool_)
    for c in range(m):
        is_target[targets[c]] = True
    cap = max(len(road_indices), len(gate_indices)) + 1
    n_blocks = min(n_blocks, len(rows))
    for b in prange(n_blocks):  # a block of sources per task: its work arrays are allocated (and paged in) once
        dist = np.empty(n)
        pred = np.empty(n, dtype=np.int64)
        parent = np.empty(n, dtype=np.int64)
        hk = np.empty(cap)
        hv = np.empty(cap, dtype=np.int64)
        done_r, acc_r, fst_r, lst_r = _tree_work(n, n_attr)  # the all-road search's
        done_g, acc_g, fst_g, lst_g = _tree_work(n, n_attr)  # the gate-to-gate search's
        for j in range(b, len(rows), n_blocks):
            _source_pairs(road_indptr, road_indices, road_data, road_attrs, road_event, gate_indptr, gate_indices,
                          gate_data, gate_attrs, gate_event, targets, rows[j], is_target, road_left, gate_left,
                          place_country, customs_h,
                          customs_usd, export_h, drive_day_h, objective, vot_usd_per_day, carbon_usd_per_t, out,
                          main_code, reachable, dist, pred, parent, hk, hv, done_r, acc_r, fst_r, lst_r, done_g,
                          acc_g, fst_g, lst_g)


@njit(cache=True, nogil=True)
def masked_groups(allowed, all_edge, all_data, group_start, edge):  # pragma: no cover - compiled
    """Per CSR position (a group of parallel edges, cheapest first): the weight and network edge of its first
    allowed edge (inf and the cheapest edge when none is allowed). `edge` is filled in place."""
    n_groups = len(group_start)
    data = np.full(n_groups, np.inf)
    for gi in range(n_groups):
        end = group_start[gi + 1] if gi + 1 < n_groups else len(all_edge)
        for j in range(group_start[gi], end):
            if allowed[all_edge[j]]:
                data[gi] = all_data[j]
                edge[gi] = all_edge[j]
                break
    return data
