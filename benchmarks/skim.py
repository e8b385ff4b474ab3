"""Skim benchmark: beltroad's world-1000 skim (four attributes + main mode) against peers in the same run.

Peers on the very same graph (network edges + access edges of the 1,000 cities):
- networkx `single_source_dijkstra_path_length` per city (the approach of the published BRI market-access
  code), timed on a sample of sources and scaled to all sources (stated in the output);
- bare `scipy.sparse.csgraph.dijkstra` from all city vertices, one attribute, no path attributes.
Also times a full `compare` of two scenarios. Prints ratios; asserts nothing.
"""
from __future__ import annotations

import sys
import time

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra


def main(n_networkx_sources: int = 10) -> None:
    import networkx as nx

    from beltroad.analysis import compare
    from beltroad.data.cities import city_set
    from beltroad.routing.engine import EPS, Access, build_graph, weights_of
    from beltroad.routing.skim import skim
    from beltroad.service import default_session

    s = default_session()
    net = s.network
    places = city_set("world-1000", s.gazetteer)
    state = s.state("baseline")
    access = Access(net)
    skim(net, state, places[:20], access=access)  # warm-up

    t = time.perf_counter()
    df = skim(net, state, places, access=access)
    t_beltroad = time.perf_counter() - t

    endpoints = [(p.lat, p.lon, p.node_id, p.country) for p in places]
    g, new = build_graph(net, state, np.ones(net.n_edges, dtype=bool), endpoints, access)
    w = np.maximum(weights_of(g, state, "time"), 0.0) + EPS
    key = g.src.astype(np.int64) * g.n + g.dst
    order = np.lexsort((w, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    best = order[first]
    mat = csr_matrix((w[best], (g.src[best], g.dst[best])), shape=(g.n, g.n))

    t = time.perf_counter()
    dist = dijkstra(mat, directed=True, indices=np.array(new))
    t_scipy = time.perf_counter() - t
    scipy_days = dist[:, new]

    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(g.src[best].tolist(), g.dst[best].tolist(), w[best].tolist()))
    sample = new[:n_networkx_sources]
    t = time.perf_counter()
    nx_rows = [nx.single_source_dijkstra_path_length(G, src) for src in sample]
    t_nx_sample = time.perf_counter() - t
    t_nx = t_nx_sample / len(sample) * len(new)
    # the three agree on the objective (hours, before end customs)
    for i, row in enumerate(nx_rows):
        for j in (1, 2, 3):
            if new[j] in row:
                assert abs(row[new[j]] - scipy_days[i, j]) < 1e-3

    t = time.perf_counter()
    c = compare("baseline", "no-russia-belarus-transit", cities="world-1000", session=s)
    t_compare = time.perf_counter() - t

    pairs = len(df)
    print(f"world-1000 skim: {len(places)} cities, {pairs:,} ordered pairs, {int((~df['reachable']).sum())} unreachable; "
          f"graph {g.n:,} vertices, {len(best):,} edges")
    print(f"{'method':58s} {'seconds':>9s} {'ratio vs beltroad':>18s}")
    print(f"{'beltroad skim (time, cost, km, CO2, main mode)':58s} {t_beltroad:9.2f} {1.0:18.2f}")
    print(f"{'bare scipy.sparse.csgraph.dijkstra (one attribute)':58s} {t_scipy:9.2f} {t_scipy / t_beltroad:18.2f}")
    print(f"{'networkx per-source dijkstra (%d sources timed, scaled)' % len(sample):58s} {t_nx:9.2f} "
          f"{t_nx / t_beltroad:18.2f}")
    print(f"{'compare baseline vs no-russia-belarus-transit (world-1000)':58s} {t_compare:9.2f}")
    print(f"targets: >= 100x faster than networkx (got {t_nx / t_beltroad:.0f}x); no slower than bare scipy "
          f"(got {t_beltroad / t_scipy:.2f}x its time); compare under 10 s (got {t_compare:.1f} s)")
    del c


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
