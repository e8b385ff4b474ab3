"""The point search's one source: a Dijkstra from a virtual origin to the best of several destination vertices.

The same functions run two ways. `routing.dijkstra` compiles them with numba (`register_jitable`) for a
long-lived process (the API, a skim, the benchmarks); a one-shot `beltroad route` runs them as plain Python on
lists (`point_search_lists`), since importing numba costs about a second and the CLI runs only a few
searches. This module therefore imports neither numba nor numpy, and the functions use only indexing, loops
and arithmetic that mean the same on lists and on numpy arrays. The queue is a 4-ary min-heap, also the
skim's (`routing.dijkstra._tree_search`).

Note: numba's on-disk cache of a function compiled in another module (the skim's search) is not invalidated
when only this file changes; clear `__pycache__/*.nbi` after editing the heap.
"""
from __future__ import annotations

INF = float("inf")


def heap_push(hk, hv, size, key, val):  # pragma: no cover - compiled (and run in plain Python)
    """Push onto a 4-ary min-heap held in `hk` (keys) and `hv` (values) of which `size` slots are used;
    returns the new size. Shallower than a binary heap, and a parent's four children share a cache line;
    elements move into a hole instead of being swapped."""
    i = size
    while i > 0:
        p = (i - 1) >> 2
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hv[i] = hv[p]
        i = p
    hk[i] = key
    hv[i] = val
    return size + 1


def heap_pop(hk, hv, size):  # pragma: no cover - compiled (and run in plain Python)
    """Remove the root of the 4-ary min-heap (the caller read it); returns the new size."""
    size -= 1
    key = hk[size]
    val = hv[size]
    i = 0
    while True:
        c = 4 * i + 1
        if c >= size:
            break
        best = c
        best_key = hk[c]
        for j in range(c + 1, min(c + 4, size)):
            if hk[j] < best_key:
                best = j
                best_key = hk[j]
        if key <= best_key:
            break
        hk[i], hv[i] = best_key, hv[best]  # the smallest child moves up into the hole
        i = best
    hk[i], hv[i] = key, val
    return size


def point_search_core(indptr, indices, data, origin_verts, origin_w, dest_verts, dest_w, limit, dist, pred, done,
                      dest_total, hk, hv):  # pragma: no cover - compiled (and run in plain Python)
    """Cheapest path from a virtual origin (edges to `origin_verts`, weights `origin_w`) to the best of
    `dest_verts` (plus `dest_w`) on the CSR graph `indptr`/`indices`/`data` (inf = masked edge).

    Stops once no better end can appear, or once every vertex left is farther than `limit` (a path that
    would cost more than `limit` is then not sought: the caller treats a best end beyond it as none). The
    work arrays come fresh from the caller: `dist` and `dest_total` inf, `done` False, `pred` -(len(origin)+1),
    `hk`/`hv` with room for every edge plus the origin's. On return `dist` holds the distance of every
    settled vertex (inf elsewhere) and `pred` the CSR position of the edge that reached it (-1 - k: the
    origin's k-th edge). Relaxations are strictly-shorter only, as scipy's, so equal paths resolve alike."""
    for k in range(len(dest_verts)):
        if dest_w[k] < dest_total[dest_verts[k]]:
            dest_total[dest_verts[k]] = dest_w[k]
    size = 0
    for k in range(len(origin_verts)):
        v = origin_verts[k]
        if origin_w[k] < dist[v]:
            dist[v] = origin_w[k]
            pred[v] = -1 - k
            size = heap_push(hk, hv, size, origin_w[k], v)
    best = INF
    while size > 0:
        d, u = hk[0], hv[0]
        size = heap_pop(hk, hv, size)
        if done[u] or d > dist[u]:  # settled already, or a stale entry
            continue
        if d > best or d > limit:
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
                size = heap_push(hk, hv, size, nd, v)
    for v in range(len(dist)):  # only settled vertices carry a final distance
        if not done[v]:
            dist[v] = INF


def point_search_lists(indptr: list[int], indices: list[int], data: list[float], n: int, origin_verts: list[int],
                       origin_w: list[float], dest_verts: list[int], dest_w: list[float], limit: float = INF
                       ) -> tuple[list[float], list[int]]:
    """`point_search_core` on Python lists (a one-shot process): (dist, pred) as lists."""
    dist = [INF] * n
    pred = [-(len(origin_verts) + 1)] * n
    cap = len(indices) + len(origin_verts) + 1
    point_search_core(indptr, indices, data, origin_verts, origin_w, dest_verts, dest_w, limit, dist, pred,
                      [False] * n, [INF] * n, [0.0] * cap, [0] * cap)
    return dist, pred
