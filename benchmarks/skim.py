"""Skim benchmark (`make bench`): beltroad's world-1000 skim against one-attribute peers in the same run, and
the whole `beltroad compare` command.

What each side computes:
- beltroad skim: 1,000 cities, 999,000 ordered pairs, with a fresh `Access` each time (the cities' access links
  are part of the work). Per source one compiled pass (routing.dijkstra.skim_pairs, numba): a search over
  all-road trips and one over gate-to-gate intermodal trips, each summing time, cost, km, CO2, km per mode,
  dwell parts and customs events as it settles vertices; then per destination the customs overlap, drivers'
  rest, the better trip and its columns, written straight into the pair rows; then the DataFrame.
- the previous engine (`engine="scipy"`): scipy's Dijkstra + numba sums along its trees + numpy; same answers.
- peers, one attribute only, on one graph with all access links of the 1,000 cities: scipy
  `csgraph.dijkstra` from the 1,000 city vertices, and igraph `Graph.distances` 1,000 x 1,000.
- the whole command `beltroad compare baseline no-russia-belarus-transit --cities world-1000 --out DIR` in a
  fresh process (two skims, accountings, aggregation, Parquet/CSV tables, report), under /usr/bin/time.
Times are wall and CPU (process time: all threads), each the best of 5 rounds that run beltroad and the peers
in turn (the previous engine: once); on a shared machine the CPU ratio is the steadier one. Prints ratios (beltroad / peer: below 1 means beltroad is faster); asserts nothing.
"""
from __future__ import annotations

import os
import sys

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import best as best_of, describe, interleaved, load, whole_output_command  # noqa: E402  (shared by the benchmarks)


def main() -> None:
    import igraph

    from beltroad.places.cities import city_set
    from beltroad.routing.engine import EPS, Access, build_graph, weights_of
    from beltroad.routing.skim import best_edges, skim
    from beltroad.service import default_session

    print("load before:", load(), f"· {os.cpu_count()} cores")
    s = default_session()
    net = s.network
    places = city_set("world-1000", s.gazetteer)
    state = s.state("baseline")
    skim(net, state, places[:20])  # warm-up (numba's cache)

    df = skim(net, state, places, access=Access(net))
    warm = Access(net)
    skim(net, state, places, access=warm)  # remembers the cities' access links, as a compare's first skim does
    t_old = best_of(lambda: skim(net, state, places, access=Access(net), engine="scipy"), repeat=1)

    access = Access(net)
    endpoints = [(p.lat, p.lon, p.node_id, p.country) for p in places]
    g, new = build_graph(net, state, np.ones(net.n_edges, dtype=bool), endpoints, access)
    w = np.maximum(weights_of(g, state, "time"), 0.0) + EPS
    kept, _ = best_edges(g, w)  # the cheapest of parallel edges, as the skims search
    mat = csr_matrix((w[kept], (g.src[kept], g.dst[kept])), shape=(g.n, g.n))
    ig = igraph.Graph(n=g.n, edges=np.column_stack([g.src[kept], g.dst[kept]]).tolist(), directed=True)
    ig.es["w"] = w[kept].tolist()
    times = interleaved({
        "ours": lambda: skim(net, state, places, access=Access(net)),
        "warm": lambda: skim(net, state, places, access=warm),
        "scipy": lambda: dijkstra(mat, directed=True, indices=np.array(new)),
        "igraph": lambda: ig.distances(source=new, target=new, weights="w", mode="out")})
    t_ours, t_warm, t_scipy, t_igraph = times["ours"], times["warm"], times["scipy"], times["igraph"]
    d_scipy = dijkstra(mat, directed=True, indices=np.array(new[:5]))[:, new]
    d_ig = np.array(ig.distances(source=new[:5], target=new, weights="w", mode="out"))
    assert np.allclose(d_scipy, d_ig)  # the two peers answer the same question

    print(f"world-1000 skim: {len(places)} cities, {len(df):,} ordered pairs, {int((~df['reachable']).sum())} "
          f"unreachable; peers' graph {g.n:,} vertices, {len(kept):,} edges")
    print(f"{'method':72s} {'wall s':>7s} {'cpu s':>7s} {'ours/it wall':>12s} {'ours/it cpu':>11s}")
    rows = [("beltroad skim, compiled (time, cost, km, CO2, main mode; 2 searches/source)", t_ours),
            ("  the same with the cities' access links known (a compare's 2nd skim)", t_warm),
            ("beltroad skim, previous engine (scipy trees + tree sums), same answers", t_old),
            ("scipy.sparse.csgraph.dijkstra, 1,000 sources, one attribute", t_scipy),
            ("igraph Graph.distances 1,000 x 1,000, one attribute", t_igraph)]
    for name, (wall, cpu) in rows:
        print(f"{name:72s} {wall:7.2f} {cpu:7.2f} {t_ours[0] / wall:12.2f} {t_ours[1] / cpu:11.2f}")
    print(f"goal: beltroad / scipy <= 1: wall {t_ours[0] / t_scipy[0]:.2f}, cpu {t_ours[1] / t_scipy[1]:.2f} "
          f"(links known: wall {t_warm[0] / t_scipy[0]:.2f}, cpu {t_warm[1] / t_scipy[1]:.2f}); "
          f"beltroad / igraph <= 1: wall {t_ours[0] / t_igraph[0]:.2f}, cpu {t_ours[1] / t_igraph[1]:.2f}")

    label, r = whole_output_command(["compare", "baseline", "no-russia-belarus-transit", "--cities", "world-1000"])
    print(f"whole {label}: {describe(r)}; goal <= 5 s, <= 500 MB; "
          f"wall / scipy's one-attribute skim {r['wall_s'] / t_scipy[0]:.1f}")
    print("load after:", load())


if __name__ == "__main__":
    main()
