"""Assignment benchmark: the economy-level gravity matrix (~195 zones) assigned under baseline and two closures.

Prints wall time, iterations and the relative gap reached, and the ratio to a peer on the same zones: one
all-pairs `routing.skim.skim` (an uncongested all-or-nothing cost skim). Asserts nothing.
Run: PYTHONPATH=src python benchmarks/assign.py
"""
from __future__ import annotations

import time


def main() -> None:
    from beltroad import flows
    from beltroad.routing.skim import skim
    from beltroad.service import default_session

    s = default_session()
    t = time.perf_counter()
    dem = flows.baseline_demand(s)
    t_dem = time.perf_counter() - t
    print(f"demand: {len(dem.zones)} zones, {dem.matrix.sum():,.0f} TEU/yr, gravity + calibration {t_dem:.1f} s")
    t = time.perf_counter()
    skim(s.network, s.state("baseline"), dem.zones, objective="generalized")
    t_skim = time.perf_counter() - t
    print(f"peer: one all-pairs skim of the same zones {t_skim:.1f} s")
    for sc in ("baseline", "no-russia-belarus-transit", "red-sea-closed"):
        res, _ = flows.run(sc, session=s)
        print(f"{sc:28s} {res.seconds:6.1f} s  {res.iterations:3d} iterations  gap {res.gap:.1e}  "
              f"= {res.seconds / t_skim:.1f} x the skim, {res.seconds / res.iterations:.2f} s/iteration")


if __name__ == "__main__":
    main()
