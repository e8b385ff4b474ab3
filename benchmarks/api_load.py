"""Load benchmark (not a test): drive /api/route on a loopback server with concurrent clients.

Starts `beltroad serve`'s app in a subprocess on a free port, then runs CLIENTS concurrent clients for
at most DURATION seconds (and at most MAX_REQUESTS requests), cycling through a fixed list of trips,
and prints throughput, p50/p95/p99 latency and the error count. Never asserts.

    .venv/bin/python benchmarks/api_load.py [--clients 20] [--duration 15] [--max-requests 20000]

Note: the API caches identical route requests (LRU); the first pass over the trip list is cold,
later passes are warm. Both are reported.
"""
from __future__ import annotations

import argparse
import http.client
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=15.0)
    ap.add_argument("--max-requests", type=int, default=20000)
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
        lat: list[tuple[float, bool]] = []   # (seconds, first time this trip was asked)
        errors: dict[str, int] = {}
        counter = {"n": 0}
        seen: set[str] = set()
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
                try:
                    conn.request("GET", path)
                    r = conn.getresponse()
                    r.read()
                    ok = r.status == 200
                    key = None if ok else f"HTTP {r.status}"
                except Exception as exc:  # noqa: BLE001 - counted, not raised
                    ok, key = False, type(exc).__name__
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                dt = time.perf_counter() - t
                with lock:
                    if ok:
                        lat.append((dt, path not in seen))
                        seen.add(path)
                    else:
                        errors[key] = errors.get(key, 0) + 1

        start = time.time()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.time() - start
        all_ms = [x * 1000 for x, _ in lat]
        warm_ms = [x * 1000 for x, first in lat if not first]
        cold_ms = [x * 1000 for x, first in lat if first]
        n_err = sum(errors.values())
        print(f"clients={args.clients} duration={wall:.1f}s requests={len(lat) + n_err} ok={len(lat)} errors={n_err} {errors or ''}")
        print(f"throughput: {len(lat) / wall:.1f} req/s")
        print(f"latency all  (ms): p50={pct(all_ms, 50):.1f} p95={pct(all_ms, 95):.1f} p99={pct(all_ms, 99):.1f} max={max(all_ms, default=float('nan')):.1f}")
        print(f"latency warm (ms): p50={pct(warm_ms, 50):.1f} p95={pct(warm_ms, 95):.1f} p99={pct(warm_ms, 99):.1f}  (n={len(warm_ms)})")
        print(f"latency cold (ms): p50={pct(cold_ms, 50):.1f} p95={pct(cold_ms, 95):.1f} max={max(cold_ms, default=float('nan')):.1f}  (n={len(cold_ms)}, first request of each trip)")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
