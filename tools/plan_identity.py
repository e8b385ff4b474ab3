"""Dump many planned routes as JSON lines, to compare two source trees byte for byte (not a test).

Plans ~300 random pairs of the network's places (some moved off the place as 'lat,lon'; some with --mode,
--objective, --avoid-country, --via, --avoid-passage, --max-transfers, --teu) plus the trips of
benchmarks/api_load.py, and writes one line per request: the request and `PlanResult.to_dict(geometry=True)`,
or the error. `warm` plans as a server does (compiled search and path core, place tables), `cold` as a one-shot
CLI query does (plain Python). Run it on two trees and `cmp` the files:

    PYTHONPATH=A/src python tools/plan_identity.py /tmp/a.jsonl warm
    PYTHONPATH=B/src python tools/plan_identity.py /tmp/b.jsonl warm && cmp /tmp/a.jsonl /tmp/b.jsonl
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from api_load import TRIPS  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("how", choices=("warm", "cold"))
    ap.add_argument("n", type=int, nargs="?", default=300, help="random requests (default 300)")
    args = ap.parse_args(argv)

    from beltroad.request import PlanRequest
    from beltroad.service import default_session

    s = default_session()
    if args.how == "warm":
        from beltroad.routing.engine import warm_compiled_search

        warm_compiled_search()
        s.planner().warm_place_tables()
    places = s.network.places
    ids, pos = [], {}
    for r in places.itertuples(index=False):
        pos[r.id] = (r.lat, r.lon)
        if r.origin == "searoute":
            continue
        try:
            s.resolve(r.id)
        except Exception:  # noqa: BLE001 (ids the gazetteer does not take)
            continue
        ids.append(r.id)
    ids.sort()
    countries = sorted(set(places["country"].dropna()))
    rng = random.Random(12345)
    reqs = []
    for _ in range(args.n):
        o, d = rng.sample(ids, 2)
        if rng.random() < 0.08:
            la, lo = pos[o]
            o = f"{la + rng.uniform(-0.3, 0.3):.4f},{lo + rng.uniform(-0.3, 0.3):.4f}"
        kw = dict(origin=o, destination=d, alternatives=3)
        r = rng.random()
        if r < 0.10:
            kw["mode"] = rng.choice(["sea", "rail", "road", "inland_water"])
        elif r < 0.20:
            kw["objective"] = rng.choice(["cost", "co2", "generalized"])
        elif r < 0.25:
            kw["avoid_countries"] = (rng.choice(countries),)
        elif r < 0.30:
            kw["via"] = (rng.choice(ids),)
        elif r < 0.35:
            kw["alternatives"] = 1
        elif r < 0.38:
            kw["avoid_passages"] = (rng.choice(["suez", "hormuz", "malacca", "bab_el_mandeb", "panama"]),)
        elif r < 0.40:
            kw["max_transfers"] = rng.choice([0, 1, 2])
        elif r < 0.42:
            kw["teu"] = 2.5
        reqs.append(kw)
    for o, d in TRIPS:
        reqs.append(dict(origin=o, destination=d, alternatives=3))
        reqs.append(dict(origin=o, destination=d, alternatives=1, objective="cost"))
    t0 = time.process_time()
    with open(args.out, "w") as out:
        for kw in reqs:
            try:
                line = json.dumps({"req": kw, "res": s.run(PlanRequest.build(**kw)).to_dict(geometry=True)})
            except Exception as exc:  # noqa: BLE001 (the error is part of the answer)
                line = json.dumps({"req": kw, "err": f"{type(exc).__name__}: {exc}"})
            out.write(line + "\n")
    print(f"{len(reqs)} requests, {time.process_time() - t0:.2f} s CPU", file=sys.stderr)


if __name__ == "__main__":
    main()
