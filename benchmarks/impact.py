"""Run time of the World Bank-footing impact analysis (not a test; asserts nothing about time).

Times `compare pre-bri-2013 bri-planned` in-process on the world-bank-1000 city set with the World Bank
groups, and, as its peer, the two bare skims it is made of; prints both and their ratio (the overhead of
the accountings and aggregation). Also prints the machine's load, since 2 cores are often shared.

    .venv/bin/python benchmarks/impact.py [--cities world-bank-1000] [--repeat 2]
"""
from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cities", default="world-bank-1000")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    from beltroad.analysis import compare
    from beltroad.data.cities import city_set
    from beltroad.routing.engine import Access
    from beltroad.routing.skim import skim
    from beltroad.service import default_session

    s = default_session()
    net, places = s.network, city_set(args.cities, s.gazetteer)
    states = (s.state("pre-bri-2013"), s.state("bri-planned"))
    access = Access(net)
    for i in range(args.repeat):
        t0 = time.perf_counter()
        for st in states:
            skim(net, st, places, access=access)
        t1 = time.perf_counter()
        compare("pre-bri-2013", "bri-planned", cities=args.cities, groups="world-bank", session=s)
        t2 = time.perf_counter()
        print(f"run {i + 1}: two skims {t1 - t0:5.1f} s | compare (skims + accountings + groups) {t2 - t1:5.1f} s "
              f"| ratio {(t2 - t1) / (t1 - t0):.2f} | {len(places)} cities | load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
