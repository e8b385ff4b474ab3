"""Skim benchmark (`make bench`): beltroad's world-1000 skim against one-attribute peers in the same run.

What each side computes:
- beltroad skim: 1,000 cities, 999,000 ordered pairs; two searches per source (all-road trips, gate-to-gate
  intermodal trips), each summing time, cost, km, CO2, km per mode, dwell parts and customs events as it
  settles vertices (routing.dijkstra.skim_search, numba, sources on all cores); then customs overlap, the
  better trip per pair and the main mode, into a DataFrame.
- the previous engine (`engine="scipy"`): scipy's Dijkstra + numba sums along its trees; the same answers.
- peers, one attribute only, on one graph with all access links of the 1,000 cities: scipy
  `csgraph.dijkstra` from the 1,000 city vertices, and igraph `Graph.distances` 1,000 x 1,000.
- the whole `compare` of two scenarios (two skims, aggregation) and writing its tables (Parquet; CSV for the
  aggregates), in process.
Prints ratios (beltroad / peer: below 1 means beltroad is faster); asserts nothing.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import time

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    import igraph

    from beltroad.analysis import compare
    from beltroad.data.cities import city_set
    from beltroad.routing.engine import EPS, Access, build_graph, weights_of
    from beltroad.routing.skim import skim
    from beltroad.service import default_session

    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
          f"· {os.cpu_count()} cores")
    s = default_session()
    net = s.network
    places = city_set("world-1000", s.gazetteer)
    state = s.state("baseline")
    access = Access(net)
    skim(net, state, places[:20], access=access)  # warm-up (numba's cache)

    df = skim(net, state, places, access=access)
    t_ours = _best(lambda: skim(net, state, places, access=access))
    t_old = _best(lambda: skim(net, state, places, access=access, engine="scipy"), repeat=1)

    endpoints = [(p.lat, p.lon, p.node_id, p.country) for p in places]
    g, new = build_graph(net, state, np.ones(net.n_edges, dtype=bool), endpoints, access)
    w = np.maximum(weights_of(g, state, "time"), 0.0) + EPS
    key = g.src.astype(np.int64) * g.n + g.dst
    order = np.lexsort((w, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    best = order[first]
    mat = csr_matrix((w[best], (g.src[best], g.dst[best])), shape=(g.n, g.n))
    t_scipy = _best(lambda: dijkstra(mat, directed=True, indices=np.array(new)))
    ig = igraph.Graph(n=g.n, edges=np.column_stack([g.src[best], g.dst[best]]).tolist(), directed=True)
    ig.es["w"] = w[best].tolist()
    t_igraph = _best(lambda: ig.distances(source=new, target=new, weights="w", mode="out"))
    d_scipy = dijkstra(mat, directed=True, indices=np.array(new[:5]))[:, new]
    d_ig = np.array(ig.distances(source=new[:5], target=new, weights="w", mode="out"))
    assert np.allclose(d_scipy, d_ig)  # the two peers answer the same question

    t = time.perf_counter()
    c = compare("baseline", "no-russia-belarus-transit", cities="world-1000", session=s)
    t_compare = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        c.write(os.path.join(tmp, "out"))
        t_write = time.perf_counter() - t

    print(f"world-1000 skim: {len(places)} cities, {len(df):,} ordered pairs, {int((~df['reachable']).sum())} "
          f"unreachable; peers' graph {g.n:,} vertices, {len(best):,} edges")
    print(f"{'method':66s} {'seconds':>8s} {'beltroad / it':>14s}")
    rows = [("beltroad skim, compiled (time, cost, km, CO2, main mode; 2 searches/source)", t_ours),
            ("beltroad skim, previous engine (scipy trees + tree sums), same answers", t_old),
            ("scipy.sparse.csgraph.dijkstra, 1,000 sources, one attribute", t_scipy),
            ("igraph Graph.distances 1,000 x 1,000, one attribute", t_igraph)]
    for name, sec in rows:
        print(f"{name:66s} {sec:8.2f} {t_ours / sec:14.2f}")
    print(f"{'compare baseline vs no-russia-belarus-transit (2 skims + aggregation)':66s} {t_compare:8.2f}")
    print(f"{'  writing its tables (Parquet; aggregates also CSV) and report':66s} {t_write:8.2f}")
    print(f"goal: beltroad / scipy <= 1 (got {t_ours / t_scipy:.2f}); beltroad / igraph <= 1 "
          f"(got {t_ours / t_igraph:.2f})")


if __name__ == "__main__":
    main()
