"""Compiled Dijkstra searches on a CSR graph (numba): one for point queries, one for all-pairs skims.

Why not scipy's `dijkstra`: a point query would build a `csr_matrix` and settle the whole graph for one
destination, and a skim would need a second pass over the shortest-path trees to sum the attributes that are
not the objective. Here a point query stops once its destination is settled, and a skim adds every attribute
(time, cost, km, CO2, km per mode, dwell parts, customs events) as each vertex is settled, one source per
thread. Both relax edges exactly as scipy does (strictly shorter only), so they find the same paths; scipy
stays the oracle in the tests (tests/test_dijkstra.py).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _push(hk, hv, size, key, val):  # pragma: no cover - compiled
    i = size
    hk[i] = key
    hv[i] = val
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= hk[i]:
            break
        hk[p], hk[i] = hk[i], hk[p]
        hv[p], hv[i] = hv[i], hv[p]
        i = p
    return size + 1


@njit(cache=True, inline="always")
def _pop(hk, hv, size):  # pragma: no cover - compiled
    """Remove the root (caller read it); returns the new size."""
    size -= 1
    hk[0] = hk[size]
    hv[0] = hv[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        c = left
        if left + 1 < size and hk[left + 1] < hk[left]:
            c = left + 1
        if hk[i] <= hk[c]:
            break
        hk[c], hk[i] = hk[i], hk[c]
        hv[c], hv[i] = hv[i], hv[c]
        i = c
    return size


@njit(cache=True, nogil=True)
def point_search(indptr, indices, data, n, origin_verts, origin_w, dest_verts, dest_w):  # pragma: no cover
    """Cheapest path from a virtual origin (edges `origin_verts`/`origin_w`) to the best of `dest_verts`
    (plus `dest_w`) on the CSR graph (`data` = weights, inf = masked); stops once no better end can appear.

    Returns (dist, pred_pos): per vertex its distance (inf: not settled) and the CSR position of the edge
    that reached it (-1 - k: the origin's k-th edge; -(len+1): none)."""
    dist = np.full(n, np.inf)
    pred = np.full(n, -(len(origin_verts) + 1), dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    dest_total = np.full(n, np.inf)  # best dest_w per destination vertex
    for k in range(len(dest_verts)):
        if dest_w[k] < dest_total[dest_verts[k]]:
            dest_total[dest_verts[k]] = dest_w[k]
    cap = len(indices) + len(origin_verts) + 1
    hk = np.empty(cap)
    hv = np.empty(cap, dtype=np.int64)
    size = 0
    for k in range(len(origin_verts)):
        v = origin_verts[k]
        if origin_w[k] < dist[v]:
            dist[v] = origin_w[k]
            pred[v] = -1 - k
            size = _push(hk, hv, size, origin_w[k], v)
    best = np.inf
    while size > 0:
        d = hk[0]
        u = hv[0]
        size = _pop(hk, hv, size)
        if done[u] or d > dist[u]:
            continue
        if d > best:
            break
        done[u] = True
        t = d + dest_total[u]
        if t < best:
            best = t
        for q in range(indptr[u], indptr[u + 1]):
            nd = d + data[q]
            v = indices[q]
            if nd < dist[v] and not done[v]:
                dist[v] = nd
                pred[v] = q
                size = _push(hk, hv, size, nd, v)
    for v in range(n):  # only settled vertices carry a final distance
        if not done[v]:
            dist[v] = np.inf
    return dist, pred


@njit(cache=True, parallel=True)
def skim_search(indptr, indices, data, attrs, event, sources, target_col, target_vertex, out, first, last, reach
                ):  # pragma: no cover - compiled
    """From each source (one per thread): Dijkstra on `data`, adding the rows of `attrs` (edges x attributes)
    along the tree as each vertex is settled, with the dwell of the first and last customs event (`event` >= 0)
    on its path. Writes out[:, s, col], first/last[s, col] and reach[s, col] for every vertex with a target
    column (`target_col` >= 0; `target_vertex` is its inverse); stops once all targets are settled."""
    n = len(indptr) - 1
    n_attr = attrs.shape[1]
    n_targets = len(target_vertex)
    cap = len(indices) + 1
    for s in prange(len(sources)):
        dist = np.full(n, np.inf)
        done = np.zeros(n, dtype=np.bool_)
        pred = np.full(n, -1, dtype=np.int64)     # CSR position of the tree edge into each vertex
        parent = np.full(n, -1, dtype=np.int64)
        acc = np.empty((n, n_attr))  # a row is written when its vertex settles, after its parent's
        acc[sources[s], :] = 0.0
        fst = np.full(n, -1.0)
        lst = np.full(n, -1.0)
        hk = np.empty(cap)
        hv = np.empty(cap, dtype=np.int64)
        src = sources[s]
        dist[src] = 0.0
        size = _push(hk, hv, 0, 0.0, src)
        left = n_targets
        while size > 0 and left > 0:
            d = hk[0]
            u = hv[0]
            size = _pop(hk, hv, size)
            if done[u] or d > dist[u]:
                continue
            done[u] = True
            q = pred[u]
            if q >= 0:
                p = parent[u]
                for k in range(n_attr):
                    acc[u, k] = acc[p, k] + attrs[q, k]
                f, la = fst[p], lst[p]
                if event[q] >= 0:
                    la = event[q]
                    if f < 0:
                        f = event[q]
                fst[u], lst[u] = f, la
            if target_col[u] >= 0:
                left -= 1
            for q2 in range(indptr[u], indptr[u + 1]):
                v = indices[q2]
                nd = d + data[q2]
                if nd < dist[v] and not done[v]:
                    dist[v] = nd
                    pred[v] = q2
                    parent[v] = u
                    size = _push(hk, hv, size, nd, v)
        # results row by row (contiguous writes; the sums of this source are small enough to stay in cache)
        for col in range(n_targets):
            v = target_vertex[col]
            if done[v]:
                reach[s, col] = True
                first[s, col] = fst[v]
                last[s, col] = lst[v]
        for k in range(n_attr):
            for col in range(n_targets):
                v = target_vertex[col]
                if done[v]:
                    out[k, s, col] = acc[v, k]


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
