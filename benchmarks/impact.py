"""Run time of the impact analysis (not a test; asserts nothing about time).

In one run, with ratios:
- in process: `compare pre-bri-2013 bri-planned --groups world-bank` on the world-bank-1000 city set against
  its peer, the two bare skims it is made of (the ratio is the overhead of the accountings and aggregation),
  and against scipy's `dijkstra` from the 1,000 cities on one attribute (what a one-number skim costs);
- whole commands in a fresh process under /usr/bin/time (wall, CPU, peak RSS), each against its two skims run
  in this process (best of `--repeat`, a fresh `Access` each time as a command has): `beltroad compare
  pre-bri-2013 bri-planned --cities world-bank-1000 --groups world-bank --accounting both --out DIR` (issue 12:
  under 10 s) and `beltroad compare baseline no-russia-belarus-transit --cities world-1000 --out DIR` (issue 16:
  <= 5 s, <= 500 MB). The whole command also imports the CLI, loads the network and the gazetteer, picks the
  cities, aggregates and writes every table and the report: the ratio says what all that adds to the skims.
Also prints the machine's load, since 2 cores are often shared; CPU time (all threads) is the steadier figure.

    .venv/bin/python benchmarks/impact.py [--cities world-bank-1000] [--repeat 2]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import best, describe, load, whole_output_command  # noqa: E402  (shared by the benchmarks)

WHOLE = [  # (base, scenario, city set, further options, goal)
    ("pre-bri-2013", "bri-planned", "world-bank-1000", ["--groups", "world-bank", "--accounting", "both"],
     "issue 12: under 10 s"),
    ("baseline", "no-russia-belarus-transit", "world-1000", [], "issue 16: <= 5 s wall, <= 500 MB"),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cities", default="world-bank-1000")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from beltroad.analysis import compare
    from beltroad.places.cities import city_set
    from beltroad.routing.engine import EPS, Access, build_graph, weights_of
    from beltroad.routing.skim import _best_edges, skim
    from beltroad.service import default_session

    print("load before:", load())
    s = default_session()
    net, places = s.network, city_set(args.cities, s.gazetteer)
    states = (s.state("pre-bri-2013"), s.state("bri-planned"))
    skim(net, states[0], places[:20])  # warm-up (numba's cache)
    g, new = build_graph(net, states[0], np.ones(net.n_edges, dtype=bool),
                         [(p.lat, p.lon, p.node_id, p.country) for p in places], Access(net))
    w = np.maximum(weights_of(g, states[0], "time"), 0.0) + EPS
    best_edges, _ = _best_edges(g, w)  # the cheapest of parallel edges, as the skims search
    mat = csr_matrix((w[best_edges], (g.src[best_edges], g.dst[best_edges])), shape=(g.n, g.n))
    for i in range(args.repeat):
        t0 = time.perf_counter()
        access = Access(net)
        for st in states:
            skim(net, st, places, access=access)
        t1 = time.perf_counter()
        compare("pre-bri-2013", "bri-planned", cities=args.cities, groups="world-bank", accounting="both", session=s)
        t2 = time.perf_counter()
        dijkstra(mat, directed=True, indices=np.array(new))
        t3 = time.perf_counter()
        print(f"run {i + 1}: two skims {t1 - t0:5.2f} s | compare (skims + accountings + groups) {t2 - t1:5.2f} s "
              f"| compare / two skims {(t2 - t1) / (t1 - t0):.2f} | compare / scipy one-attribute skim "
              f"{(t2 - t1) / (t3 - t2):.2f} (scipy {t3 - t2:.2f} s) | {len(places)} cities | "
              f"load {os.getloadavg()[0]:.1f}")

    for base, scenario, cities, options, goal in WHOLE:
        pl = city_set(cities, s.gazetteer)
        st = (s.state(base), s.state(scenario))

        def two_skims() -> None:
            access = Access(net)
            for x in st:
                skim(net, x, pl, access=access)

        wall, cpu = best(two_skims, args.repeat)
        label, r = whole_output_command(["compare", base, scenario, "--cities", cities, *options])
        print(f"whole {label}: {describe(r)} | in process, its two skims: wall {wall:.2f} s, CPU {cpu:.2f} s | "
              f"whole / two skims: wall {r['wall_s'] / wall:.1f}x, CPU {r['cpu_s'] / cpu:.1f}x | goal ({goal}) | "
              f"load {os.getloadavg()[0]:.1f}")
    print("load after:", load())


if __name__ == "__main__":
    main()
