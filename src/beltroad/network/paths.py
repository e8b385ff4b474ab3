"""Paths out of shortest-path trees: the vertex list from scipy's predecessor array, and one shortest path.

Shared by the liner layer's sailings, the digital layer's cable paths and the tests, which all walk
`scipy.sparse.csgraph.dijkstra`'s `predecessors` back from the target.
"""
from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra


def tree_path(pred: np.ndarray, source: int, target: int) -> list[int]:
    """Vertices from `source` to `target` along a shortest-path tree (`pred[v]`: v's parent, from a search
    rooted at `source`). The caller checks first that `target` was reached."""
    verts = [int(target)]
    while verts[-1] != source:
        verts.append(int(pred[verts[-1]]))
    verts.reverse()
    return verts


def shortest_path(mat, source: int, target: int) -> tuple[float, list[int]] | None:
    """(distance, vertices) of the shortest path from `source` to `target` on the sparse graph `mat` (directed),
    or None when `target` cannot be reached."""
    dist, pred = dijkstra(mat, indices=source, return_predecessors=True)
    if not np.isfinite(dist[target]):
        return None
    return float(dist[target]), tree_path(pred, source, target)
