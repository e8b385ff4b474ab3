"""CPU time of one computed API route, in process, split into its steps (not a test; asserts nothing).

What `/api/route` does for a request not cached (`api/routers/route.py`), on the trips of `api_load.py`
with 3 alternatives and a quantity (`teu`) never asked before, so that nothing is served from a cache:
plan (`Session.run`), draw and copy (`PlanResult.to_dict(geometry=True)`), the markers (`route_markers`) and
the JSON bytes (`jsonout.dumps_bytes`). Prints the mean and median process CPU time per route request of
each step over --rounds passes of the trips (after one warm-up pass), and the sum: the server CPU a computed
route costs beside the HTTP stack. `--profile` prints a cProfile of the same loop instead.

    .venv/bin/python benchmarks/api_route_cpu.py [--rounds 10] [--profile]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_load import TRIPS  # noqa: E402  (the same trips as the load benchmark)

STEPS = ("plan", "to_dict(geometry=True)", "markers", "dumps_bytes")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10, help="passes over the trips (after one warm-up pass)")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the loop (cumulative time)")
    args = ap.parse_args(argv)

    from beltroad.api.layers import route_markers
    from beltroad.api.state import AppState
    from beltroad.io import jsonout
    from beltroad.request import PlanRequest

    st = AppState(time_limit_s=60.0, compare_in_process=True, compare_queue=1)
    session = st.get_session()  # warmed as the server warms it
    pos = st.place_pos()
    teu = iter(range(1, 10**9))

    def one(o: str, d: str, times: dict[str, list[float]] | None) -> None:
        req = PlanRequest.build(origin=o, destination=d, alternatives=3, teu=1 + next(teu) / 1_000_000)
        c0 = time.process_time()
        res = session.run(req)
        c1 = time.process_time()
        dd = res.to_dict(geometry=True)
        c2 = time.process_time()
        for r in dd["routes"]:
            r["markers"] = route_markers(r, pos)
        c3 = time.process_time()
        jsonout.dumps_bytes(dd)
        c4 = time.process_time()
        if times is not None:
            for k, a, b in zip(STEPS, (c0, c1, c2, c3), (c1, c2, c3, c4)):
                times[k].append(b - a)

    for o, d in TRIPS:  # warm-up: per-place work, numba, caches
        one(o, d, None)
    times: dict[str, list[float]] = {k: [] for k in STEPS}
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
    for _ in range(args.rounds):
        for o, d in TRIPS:
            one(o, d, times)
    if args.profile:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        return
    n = len(times["plan"])
    print(f"{n} computed routes (api_load.py trips, 3 alternatives, fresh teu); process CPU ms per route request; "
          f"load average {os.getloadavg()[0]:.1f}")
    total = [sum(x) for x in zip(*times.values())]
    for k, xs in [*times.items(), ("total", total)]:
        print(f"  {k:24s} mean {statistics.fmean(xs) * 1000:6.2f}  median {statistics.median(xs) * 1000:6.2f}")


if __name__ == "__main__":
    main()
