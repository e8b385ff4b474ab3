"""Load benchmark (not a test): drive the API on a loopback server with concurrent clients.

Starts `beltroad serve`'s app in a subprocess on a free port, then runs two phases and prints
throughput, latency percentiles and error counts. Never asserts.

1. routes: CLIENTS clients cycle through a fixed list of trips for at most DURATION seconds.
   The API caches identical route requests (LRU). A request is labelled *warm* only when it was sent
   after the first answer to the same trip had arrived (so it could be served from the cache);
   every other one is *cold* (it computed the route or waited for the computation of the same trip).
2. mixed: place lookups, network layers and route plans at once, plus one client that loops over
   scenario comparisons (distinct pairs, so each is computed). Every route of this phase asks a
   different quantity (`teu`), so none is served from the cache: the p95 printed is that of routes
   *computed* while a compare runs.

    .venv/bin/python benchmarks/api_load.py [--clients 20] [--duration 15] [--mix-duration 20]
        [--mix route=4,places=2,network=1,compare=1]
    PYTHONPATH=/path/to/other/src .venv/bin/python benchmarks/api_load.py   # the same load on another tree
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

TRIPS = [("Chongqing", "Duisburg"), ("Shanghai", "Rotterdam"), ("Xi'an", "Madrid"), ("Lodz", "Chengdu"),
         ("Yiwu", "Madrid"), ("Kunming", "Vientiane"), ("Mombasa", "Nairobi"), ("Piraeus", "Budapest"),
         ("Almaty", "Istanbul"), ("Urumqi", "Tehran"), ("Kashgar", "Gwadar"), ("Djibouti", "Addis Ababa")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def get(conn: http.client.HTTPConnection, port: int, path: str) -> tuple[http.client.HTTPConnection, str | None]:
    """GET `path`; (the connection to reuse, None or what went wrong). A broken connection is replaced."""
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        return conn, None if r.status == 200 else f"HTTP {r.status}"
    except Exception as exc:  # noqa: BLE001 - counted, not raised
        return http.client.HTTPConnection("127.0.0.1", port, timeout=120), type(exc).__name__


def run_all(threads: list[threading.Thread]) -> float:
    """Start the client threads together and wait for all; the wall time in seconds."""
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.time() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=15.0)
    ap.add_argument("--max-requests", type=int, default=20000)
    ap.add_argument("--mix-duration", type=float, default=20.0)
    ap.add_argument("--mix", default="route=4,places=2,network=1,compare=1",
                    help="clients per kind in the mixed phase (route, places, network, compare)")
    args = ap.parse_args()

    port = free_port()
    code = ("import uvicorn; from beltroad.api import create_app; "
            f"uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_level='warning')")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1])
    try:
        t0 = time.time()
        while time.time() - t0 < 180:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/api/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            print("server did not start")
            return
        print(f"server up in {time.time() - t0:.1f} s on 127.0.0.1:{port}")
        paths = ["/api/route?" + urllib.parse.urlencode({"origin": o, "destination": d, "alternatives": 3})
                 for o, d in TRIPS]
        lock = threading.Lock()
        lat: list[tuple[float, bool]] = []   # (seconds, warm: sent after the trip's first answer arrived)
        errors: dict[str, int] = {}
        counter = {"n": 0}
        answered_at: dict[str, float] = {}   # when the first answer to each trip arrived
        stop_at = time.time() + args.duration

        def client(i: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            k = i
            while time.time() < stop_at:
                with lock:
                    if counter["n"] >= args.max_requests:
                        return
                    counter["n"] += 1
                path = paths[k % len(paths)]
                k += 1
                t = time.perf_counter()
                with lock:
                    warm = path in answered_at and answered_at[path] <= t
                conn, key = get(conn, port, path)
                dt = time.perf_counter() - t
                with lock:
                    if key is None:
                        lat.append((dt, warm))
                        answered_at.setdefault(path, time.perf_counter())
                    else:
                        errors[key] = errors.get(key, 0) + 1

        wall = run_all([threading.Thread(target=client, args=(i,)) for i in range(args.clients)])
        all_ms = [x * 1000 for x, _ in lat]
        warm_ms = [x * 1000 for x, w in lat if w]
        cold_ms = [x * 1000 for x, w in lat if not w]
        n_err = sum(errors.values())
        print(f"clients={args.clients} duration={wall:.1f}s requests={len(lat) + n_err} ok={len(lat)} errors={n_err} {errors or ''}")
        print(f"throughput: {len(lat) / wall:.1f} req/s")
        print(f"latency all  (ms): p50={pct(all_ms, 50):.1f} p95={pct(all_ms, 95):.1f} p99={pct(all_ms, 99):.1f} max={max(all_ms, default=float('nan')):.1f}")
        print(f"latency warm (ms): p50={pct(warm_ms, 50):.1f} p95={pct(warm_ms, 95):.1f} p99={pct(warm_ms, 99):.1f}  (n={len(warm_ms)})")
        print(f"latency cold (ms): p50={pct(cold_ms, 50):.1f} p95={pct(cold_ms, 95):.1f} max={max(cold_ms, default=float('nan')):.1f}  (n={len(cold_ms)}, sent before the trip's first answer)")
        mixed(port, args.mix_duration, [(k, int(n)) for k, n in (x.split("=") for x in args.mix.split(","))])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


SCENARIOS = ["baseline", "red-sea-closed", "hormuz-closed", "malacca-closed", "no-russia-belarus-transit",
             "bri-built", "pre-bri-2013", "no-bri", "middle-corridor-upgrade"]
PREFIXES = ["Ch", "Du", "Sha", "Rot", "Alm", "Ist", "Teh", "Kas", "Gwa", "Mom", "Nai", "Pir", "Bud", "Lod", "Yiw",
            "Mad", "Kun", "Vie", "Dji", "Add", "Ura", "Bak", "Tbi", "Mos", "Ham", "Ant", "Gen", "Kar", "Col", "Sin"]
LAYERS = ["rail", "road", "ferry", "sea", "ports", "crossings", "projects"]


def mixed(port: int, duration: float, plan: list[tuple[str, int]]) -> None:
    """Places, layers and computed routes at once, while one client loops over compares (`plan`: clients per kind)."""
    lock = threading.Lock()
    lat: dict[str, list[float]] = {"places": [], "network": [], "route (computed)": [], "compare": []}
    errors: dict[str, int] = {}
    stop_at = time.time() + duration
    teu = itertools.count(1)
    pairs = itertools.cycle([(b, s) for b in SCENARIOS[:3] for s in SCENARIOS if s != b])

    def next_path(kind: str, k: int) -> str:
        if kind == "places":
            return "/api/places?" + urllib.parse.urlencode({"q": PREFIXES[k % len(PREFIXES)] + "abcdefg"[k // 30 % 7],
                                                            "limit": 8})
        if kind == "network":
            return "/api/network?" + urllib.parse.urlencode({"layer": LAYERS[k % len(LAYERS)],
                                                             "year": 2000 + k % 30})
        if kind == "compare":
            b, s = next(pairs)
            return "/api/compare?" + urllib.parse.urlencode({"base": b, "scenario": s})
        o, d = TRIPS[k % len(TRIPS)]
        with lock:
            q = 1 + next(teu) / 1000  # a quantity never asked before: the route is computed, not cached
        return "/api/route?" + urllib.parse.urlencode({"origin": o, "destination": d, "alternatives": 3, "teu": q})

    def client(kind: str, i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for k in itertools.count(i * 7):
            if time.time() >= stop_at:
                return
            path = next_path(kind, k)
            t = time.perf_counter()
            conn, key = get(conn, port, path)
            dt = time.perf_counter() - t
            with lock:
                if key is None:
                    lat["route (computed)" if kind == "route" else kind].append(dt * 1000)
                else:
                    errors[f"{kind} {key}"] = errors.get(f"{kind} {key}", 0) + 1

    wall = run_all([threading.Thread(target=client, args=(kind, i)) for kind, n in plan for i in range(n)])
    print(f"\nmixed phase: {wall:.1f} s; clients: {', '.join(f'{n} {k}' for k, n in plan)} (each route asks a new "
          f"teu: computed; the compare client loops over distinct pairs); errors={sum(errors.values())} {errors or ''}")
    for kind, xs in lat.items():
        print(f"  {kind:17s} n={len(xs):5d}  p50={pct(xs, 50):8.1f} ms  p95={pct(xs, 95):8.1f} ms  "
              f"max={max(xs, default=float('nan')):8.1f} ms")


if __name__ == "__main__":
    main()
