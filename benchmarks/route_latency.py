"""Route latency of beltroad, in-process and from the command line (`make bench`).

1. Sea-only queries: beltroad `Session.plan(..., mode="sea", alternatives=1)` against the `searoute` package
   (igraph backend) on the same port coordinates; both warmed first, median of --repeat runs per pair. Unequal
   work, stated in the output: beltroad resolves and checks the request, finds each port's access links, masks
   the land legs, searches, measures and describes the route (legs, customs, passages); searoute finds one
   sea path and its length. Also with the planner's per-place work emptied before each query (a port never
   asked for before).
2. One point search: the compiled search against scipy's Dijkstra on a csr_matrix per call (the previous one).
3. Multimodal queries (3 ranked alternatives, and one best route) over ~20 city pairs: p50 / p95, with the
   compiled search and with the previous one (scipy's Dijkstra, numpy masks) in the same process and the same
   planner; again with the planner's per-place work (access links, radius masks) emptied before each query;
   and the legs' geometry drawn afterwards (`to_dict(geometry=True)`, as the API serves a route).
4. Cold `beltroad route` CLI wall time (a fresh process; the on-disk network/gazetteer cache is warm).

Prints tables, then one summary row per measure with its peer in the same run and the ratio; asserts
nothing about time.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

# major container ports by UN/LOCODE: pairs that only the sea can join
SEA_PAIRS = [
    ("CNSHA", "NLRTM"), ("SGSIN", "DEHAM"), ("CNNGB", "GRPIR"), ("CNYTN", "USLAX"), ("KRPUS", "BRSSZ"),
    ("CNTAO", "AEJEA"), ("CNTSN", "KEMBA"), ("LKCMB", "BEANR"), ("MYPKG", "ESVLC"), ("PKKHI", "GBFXT"),
]
CITY_PAIRS = [
    ("Chongqing", "Duisburg"), ("Xian", "Madrid"), ("Chengdu", "Lodz"), ("Yiwu", "Madrid, ES"), ("Wuhan", "Lyon"),
    ("Zhengzhou", "Hamburg"), ("Shanghai", "Rotterdam"), ("Kunming", "Bangkok"), ("Kashgar", "Karachi"),
    ("Urumqi", "Tashkent"), ("Almaty", "Istanbul"), ("Baku", "Constanta, RO"), ("Mombasa", "Nairobi"),
    ("Djibouti", "Addis Ababa"), ("Piraeus", "Budapest"), ("Lianyungang", "Almaty"), ("Harbin", "Moscow"),
    ("Tianjin", "Ulaanbaatar"), ("Guangzhou", "Vientiane"), ("Beijing", "Warsaw"),
]
CLI_ARGS = ["route", "Chongqing", "Duisburg"]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def _percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _median_time(fn, repeat: int) -> float:
    return _median_times(fn, repeat)[0]


def _median_times(fn, repeat: int) -> tuple[float, float]:
    """Median wall and CPU (process) seconds of `fn`. On a shared machine the CPU time is the steadier one:
    wall time also counts the waits for a core that other processes hold."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def bench_sea(session, repeat: int) -> None:
    import searoute

    places = [(session.resolve(a), session.resolve(b)) for a, b in SEA_PAIRS]

    def ours(o, d):
        return session.plan(o, d, mode="sea", alternatives=1)

    def theirs(o, d):
        return searoute.searoute([o.lon, o.lat], [d.lon, d.lat], backend="igraph")

    for o, d in places:  # warm both: graphs built, caches filled
        ours(o, d)
        theirs(o, d)
    print(f"\nSea-only queries: beltroad plan(mode='sea', alternatives=1) vs searoute {getattr(searoute, '__version__', '')}"
          f" (backend='igraph'), median of {repeat} warm runs")
    print(f"{'origin':>6} {'dest':>6} {'beltroad ms':>12} {'searoute ms':>12} {'ratio':>7} {'km beltroad':>12} "
          f"{'of it road':>10} {'km searoute':>12}")
    tot_ours = tot_theirs = cpu_ours = cpu_theirs = 0.0
    ratios = []
    for (a, b), (o, d) in zip(SEA_PAIRS, places):
        t_ours, c_ours = _median_times(lambda: ours(o, d), repeat)
        t_theirs, c_theirs = _median_times(lambda: theirs(o, d), repeat)
        cpu_ours += c_ours
        cpu_theirs += c_theirs
        best = ours(o, d).routes[0]
        km_ours = best.distance_km
        km_road = sum(leg.distance_km for leg in best.legs if leg.mode == "road")
        km_theirs = float(theirs(o, d).properties["length"])
        tot_ours += t_ours
        tot_theirs += t_theirs
        ratios.append(t_ours / t_theirs)
        print(f"{a:>6} {b:>6} {_ms(t_ours):>12} {_ms(t_theirs):>12} {t_ours / t_theirs:7.2f} {km_ours:12,.0f} "
              f"{km_road:10,.0f} {km_theirs:12,.0f}")
    print(f"{'total':>13} {_ms(tot_ours):>12} {_ms(tot_theirs):>12} {tot_ours / tot_theirs:7.2f}"
          f"   (median per-pair ratio {statistics.median(ratios):.2f}; ratio = beltroad / searoute)")
    print(f"{'CPU total':>13} {_ms(cpu_ours):>12} {_ms(cpu_theirs):>12} {cpu_ours / cpu_theirs:7.2f}   (process time)")
    print("beltroad's sea mode may truck to or from a nearer port (road km above); searoute sails port to port.")
    print("beltroad computes: request checks, access links of both ports, land-leg masks, the search, the route's "
          "legs, customs, passages and description; searoute: one sea path and its length.")
    def emptied_cpu() -> tuple[float, float]:
        """CPU seconds of both sides over the pairs, the planner's per-place work emptied before each query."""
        mine = peer = 0.0
        for o, d in places:
            c_ours = _median_times(lambda: (_forget_places(session), ours(o, d)), repeat)[1]
            mine += c_ours - _median_times(lambda: _forget_places(session), repeat)[1]
            peer += _median_times(lambda: theirs(o, d), repeat)[1]
        return mine, peer

    fresh_ours, fresh_theirs = emptied_cpu()
    print(f"{'CPU, per-place work emptied before each query':>13} {_ms(fresh_ours):>12} {_ms(fresh_theirs):>12} "
          f"{fresh_ours / fresh_theirs:7.2f}")
    # the same without the network places' tables (all places' access links, radius masks and rail-port parts,
    # computed once per network): every port's per-place work computed in the query, as for a point that is not
    # a network place
    planner_mod = _planner_module()
    noted = getattr(planner_mod, "PLACE_TABLES", None)
    try:
        planner_mod.PLACE_TABLES = False
        bare_ours, bare_theirs = emptied_cpu()
    finally:
        planner_mod.PLACE_TABLES = noted
    print(f"{'CPU, emptied, no network-place tables':>13} {_ms(bare_ours):>12} {_ms(bare_theirs):>12} "
          f"{bare_ours / bare_theirs:7.2f}")
    tables = _table_build_seconds(session)
    if tables is not None:
        print(f"the network places' tables, built once per network in a long-lived process: {tables * 1000:.0f} ms CPU")
    return [{"measure": "sea-only route, 10 port pairs (total of medians)", "ours": f"{tot_ours * 1000:.1f} ms",
             "peer": f"searoute (igraph) {tot_theirs * 1000:.1f} ms", "ratio": tot_ours / tot_theirs, "goal": "<= 0.2"},
            {"measure": "  the same, CPU time", "ours": f"{cpu_ours * 1000:.1f} ms",
             "peer": f"searoute (igraph) {cpu_theirs * 1000:.1f} ms", "ratio": cpu_ours / cpu_theirs, "goal": "<= 0.2"},
            {"measure": "  CPU, per-place work emptied each query", "ours": f"{fresh_ours * 1000:.1f} ms",
             "peer": f"searoute (igraph) {fresh_theirs * 1000:.1f} ms", "ratio": fresh_ours / fresh_theirs,
             "goal": "<= 0.2"},
            {"measure": "  CPU, emptied, no network-place tables", "ours": f"{bare_ours * 1000:.1f} ms",
             "peer": f"searoute (igraph) {bare_theirs * 1000:.1f} ms", "ratio": bare_ours / bare_theirs, "goal": "-"}]


def _planner_module():
    from beltroad.routing import planner

    return planner


def _table_build_seconds(session) -> float | None:
    """CPU seconds to build the network places' tables (access links, radius masks, rail-port parts) afresh in a
    new planner of the same network (None in trees without them)."""
    from beltroad.routing.engine import Access
    from beltroad.routing.planner import Planner

    planner = Planner(session.network, session.state(), Access(session.network))
    if not hasattr(planner, "_compute_rail_port_table"):
        return None
    c = time.process_time()
    planner.access.compute_place_links()
    planner._compute_within_table()
    planner._compute_rail_port_table()
    return time.process_time() - c


def _forget_places(session) -> None:
    """Empty the planner's per-place work (access links, rail-port parts, radius masks): the next query of a
    place computes them as for a place never asked for. (The tables of all network places, computed at once per
    network in a long-lived process, stay: a network place never asked for reads them; the sea benchmark also
    times the queries without them.)"""
    planner = session.planner()
    for kept in ("_stop_cache", "_within_cache"):  # (absent in older trees, which keep nothing per place)
        getattr(planner, kept, {}).clear()


def _plan_times(session, pairs, repeat: int, alternatives: int, fresh: bool = False) -> tuple[list[float], list[float]]:
    """Wall seconds of every query, and CPU (process) seconds of every query (`fresh`: the planner's per-place
    work emptied before each, untimed)."""
    samples, cpu = [], []
    for o, d in pairs:
        for _ in range(repeat):
            if fresh:
                _forget_places(session)
            t, c = time.perf_counter(), time.process_time()
            session.plan(o, d, alternatives=alternatives)
            samples.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    return samples, cpu


def bench_multimodal(session, repeat: int) -> list[dict]:
    """Multimodal plans with the compiled point search, and with the previous one (scipy: a csr_matrix and a
    whole-graph Dijkstra per search, numpy masks) in the same process: the same routes (tests/test_dijkstra.py)."""
    from beltroad.routing import engine

    pairs = [(session.resolve(a), session.resolve(b)) for a, b in CITY_PAIRS]
    print(f"\nMultimodal queries (objective time): {len(pairs)} city pairs x {repeat} warm runs; "
          "previous = the same planner with scipy's Dijkstra (a csr_matrix per search) and numpy masks")
    print(f"{'alternatives':>12} {'search':>9} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9} {'p50 / previous':>15} "
          f"{'CPU p50 ms':>11}")
    rows = []
    for alternatives in (3, 1):
        p50, p95, cpu50 = {}, {}, {}
        for compiled in (False, True):
            engine.COMPILED_SEARCH = compiled
            for o, d in pairs:  # warm
                session.plan(o, d, alternatives=alternatives)
            samples, cpu = _plan_times(session, pairs, repeat, alternatives)
            p50[compiled], p95[compiled] = _percentile(samples, 0.5), _percentile(samples, 0.95)
            cpu50[compiled] = _percentile(cpu, 0.5)
            print(f"{alternatives:>12} {'compiled' if compiled else 'previous':>9} {_ms(p50[compiled]):>9} "
                  f"{_ms(p95[compiled]):>9} {_ms(max(samples)):>9} {p50[compiled] / p50[False]:15.2f} "
                  f"{_ms(cpu50[compiled]):>11}")
        rows.append({"measure": f"multimodal route, {'3 alternatives' if alternatives == 3 else 'best only'}, warm "
                                f"({len(pairs)} pairs)",
                     "ours": f"p50 {p50[True] * 1000:.2f} ms, p95 {p95[True] * 1000:.2f} ms",
                     "peer": f"previous search (scipy) p50 {p50[False] * 1000:.2f} ms", "ratio": p50[True] / p50[False],
                     "goal": "p50 <= 5 ms" if alternatives == 3 else "about 1 ms"})
        rows.append({"measure": "  the same, CPU time", "ours": f"p50 {cpu50[True] * 1000:.2f} ms",
                     "peer": f"previous search (scipy) p50 {cpu50[False] * 1000:.2f} ms",
                     "ratio": cpu50[True] / cpu50[False], "goal": ""})
        # a place never asked for before: its access links and radius masks computed in the query
        engine.COMPILED_SEARCH = None
        wall_f, cpu_f = _plan_times(session, pairs, repeat, alternatives, fresh=True)
        print(f"{alternatives:>12} {'compiled':>9} {_ms(_percentile(wall_f, 0.5)):>9} {_ms(_percentile(wall_f, 0.95)):>9} "
              f"{_ms(max(wall_f)):>9} {_percentile(wall_f, 0.5) / p50[False]:15.2f} {_ms(_percentile(cpu_f, 0.5)):>11}"
              "   (per-place work emptied before each query)")
        rows.append({"measure": "  CPU, per-place work emptied each query", "ours": f"p50 {_percentile(cpu_f, 0.5) * 1000:.2f} ms",
                     "peer": f"previous search (scipy) p50 {cpu50[False] * 1000:.2f} ms",
                     "ratio": _percentile(cpu_f, 0.5) / cpu50[False], "goal": ""})
    engine.COMPILED_SEARCH = None
    # the legs' coordinates are drawn when a face asks (the API always does): time that part on its own
    results = [session.plan(o, d, alternatives=3) for o, d in pairs]
    draw = []
    for r in results:
        t = time.perf_counter()
        r.to_dict(geometry=True)
        draw.append(time.perf_counter() - t)
    print(f"geometry of the 3 routes drawn afterwards (to_dict(geometry=True), as the API): p50 "
          f"{_percentile(draw, 0.5) * 1000:.2f} ms, p95 {_percentile(draw, 0.95) * 1000:.2f} ms")
    rows.append({"measure": "+ drawing the 3 routes' geometry (API)", "ours": f"p50 {_percentile(draw, 0.5) * 1000:.2f} ms",
                 "peer": "-", "ratio": None, "goal": "-"})
    print("goal: 3 alternatives p50 <= 5 ms; one best route about 1 ms")
    return rows


def bench_point_search(session, repeat: int) -> dict:
    """One search of the planner (virtual origin -> best destination access vertex) on the base CSR:
    the compiled search with early exit against scipy's `dijkstra` on a csr_matrix built per call (the
    previous `BaseGraph.path`), same queries, same answers."""
    import numpy as np

    base = session.planner()._base("time")
    net = session.network
    rng = np.random.default_rng(16)
    queries = []
    for _ in range(100):
        ov = rng.choice(net.n_vertices, size=3, replace=False)
        dv = rng.choice(net.n_vertices, size=3, replace=False)
        queries.append((ov, rng.random(3), dv, rng.random(3)))
    data = base.data
    for q in queries:  # warm and check
        assert base.path(data, *q) == base.path_scipy(data, *q)
    t_ours = _median_time(lambda: [base.path(data, *q) for q in queries], repeat) / len(queries)
    t_scipy = _median_time(lambda: [base.path_scipy(data, *q) for q in queries], repeat) / len(queries)
    print(f"\nOne point search (100 random vertex pairs, 3 access links each end), median of {repeat}")
    print(f"{'compiled ms':>12} {'scipy ms':>10} {'ratio':>7}")
    print(f"{t_ours * 1000:12.3f} {t_scipy * 1000:10.3f} {t_ours / t_scipy:7.2f}")
    return {"measure": "one point search (3 access links each end)", "ours": f"{t_ours * 1000:.3f} ms",
            "peer": f"scipy dijkstra + csr_matrix {t_scipy * 1000:.3f} ms", "ratio": t_ours / t_scipy, "goal": "-"}


def bench_cli(repeat: int) -> dict | None:
    exe = str(Path(sys.executable).with_name("beltroad"))
    warm = subprocess.run([exe, *CLI_ARGS], capture_output=True, text=True)  # fills the on-disk cache if needed
    if warm.returncode != 0:
        print(f"\nCLI: `beltroad {' '.join(CLI_ARGS)}` failed ({warm.returncode}): {warm.stderr.strip()[:300]}")
        return None
    times, cpu = [], []
    for _ in range(repeat):
        before = os.times()
        t = time.perf_counter()
        subprocess.run([exe, *CLI_ARGS], capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - t)
        after = os.times()
        cpu.append(after.children_user - before.children_user + after.children_system - before.children_system)
    print(f"\nCold CLI `beltroad {' '.join(CLI_ARGS)}` (new process, warm disk cache), {repeat} runs")
    print(f"{'median s':>10} {'min s':>10} {'max s':>10} {'CPU median s':>13}")
    print(f"{statistics.median(times):10.2f} {min(times):10.2f} {max(times):10.2f} {statistics.median(cpu):13.2f}")
    imp = subprocess.run([sys.executable, "-X", "importtime", "-c", "import beltroad.cli"], capture_output=True,
                         text=True).stderr.strip().splitlines()
    total_us = [int(line.split("|")[1]) for line in imp if line.rstrip().endswith("| beltroad.cli")]
    if total_us:
        print(f"import beltroad.cli (python -X importtime, cumulative): {total_us[0] / 1e6:.2f} s")
    # which heavy libraries the whole cold command imports (pandas should not be: the cached network is numpy)
    code = f"import sys; from beltroad.cli import main; sys.argv = {['beltroad', *CLI_ARGS]!r}; main()"
    imp = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True).stderr
    heavy = {}
    for line in imp.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() in ("pandas", "pyarrow", "scipy", "numba", "pydantic", "numpy",
                                                     "typer"):
            heavy[parts[2].strip()] = int(parts[1]) / 1e6
    print("libraries imported by the cold command (cumulative import s): "
          + (", ".join(f"{k} {v:.2f}" for k, v in sorted(heavy.items())) or "none")
          + ("" if "pandas" in heavy else "; pandas not imported"))
    return {"measure": f"cold `beltroad {' '.join(CLI_ARGS)}` ({repeat} runs)",
            "ours": f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, CPU {statistics.median(cpu):.2f} s",
            "peer": "-", "ratio": None,
            "goal": "<= 0.5 s"}


def print_summary(rows: list[dict]) -> None:
    """Every measure with its peer measured in the same run and the ratio (ours / peer)."""
    print("\nSummary (ratio = beltroad / peer, same run)")
    print(f"{'measure':<52} {'beltroad':<34} {'peer':<44} {'ratio':>6}  goal")
    for r in rows:
        ratio = f"{r['ratio']:6.2f}" if r["ratio"] is not None else f"{'-':>6}"
        print(f"{r['measure']:<52} {r['ours']:<34} {r['peer']:<44} {ratio}  {r['goal']}")
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per in-process query (default 5)")
    ap.add_argument("--cli-repeat", type=int, default=3, help="timed CLI runs (default 3)")
    args = ap.parse_args(argv)

    from beltroad.service import default_session

    t = time.perf_counter()
    session = default_session()
    session.gazetteer
    session.planner()
    from beltroad.routing.engine import warm_compiled_search

    warm_compiled_search()  # a long-lived process (as the API server does)
    load = time.perf_counter() - t
    print(f"beltroad route latency  ·  Python {platform.python_version()}  ·  {platform.machine()}  ·  "
          f"{len(session.network.places)} places, {session.network.n_vertices} vertices, {session.network.n_edges} edges"
          f"  ·  session load {load:.2f} s")
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    rows = [*bench_sea(session, args.repeat), bench_point_search(session, args.repeat),
            *bench_multimodal(session, args.repeat), bench_cli(args.cli_repeat)]
    print_summary([r for r in rows if r is not None])


if __name__ == "__main__":
    main()
