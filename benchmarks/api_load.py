"""Load benchmark (not a test): drive `beltroad serve` on a loopback port with concurrent clients.

Starts `beltroad serve --workers N` (default: one worker process per core) in a subprocess on a free port,
then runs three phases and prints throughput, latency percentiles and error counts. Never asserts.

1. cached routes: CLIENTS clients cycle through a fixed list of 12 trips. The API caches identical route
   requests (an LRU per worker process). A request is labelled *warm* only when it was sent after the first
   answer to the same trip had arrived (so it could be served from a cache); every other one is *cold*.
2. computed routes, no compare: CLIENTS clients, every request asks a quantity (`teu`) never asked before,
   so every answer is computed (planned, drawn, serialised). **This is the row of issue 16's goal.**
3. computed routes beside a compare: the same, plus the clients of `--mix` (default one client looping over
   scenario comparisons of distinct pairs, each computed in the compare worker processes).

The clients are threads of this process, which runs on the same cores as the server: its own CPU time is
printed, so what the server got is visible. With closed-loop clients, latency ~ clients / throughput
(Little's law): p50 <= 20 ms with 20 clients needs ~1,000 answers a second.

    .venv/bin/python benchmarks/api_load.py [--clients 20] [--workers N] [--duration 10]
        [--mix route=20,compare=1]   # clients per kind in phase 3: route, places, network, compare
    PYTHONPATH=/path/to/other/src .venv/bin/python benchmarks/api_load.py   # the same load on another tree
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import psutil

TRIPS = [("Chongqing", "Duisburg"), ("Shanghai", "Rotterdam"), ("Xi'an", "Madrid"), ("Lodz", "Chengdu"),
         ("Yiwu", "Madrid"), ("Kunming", "Vientiane"), ("Mombasa", "Nairobi"), ("Piraeus", "Budapest"),
         ("Almaty", "Istanbul"), ("Urumqi", "Tehran"), ("Kashgar", "Gwadar"), ("Djibouti", "Addis Ababa")]
SCENARIOS = ["baseline", "red-sea-closed", "hormuz-closed", "malacca-closed", "no-russia-belarus-transit",
             "bri-built", "pre-bri-2013", "no-bri", "middle-corridor-upgrade"]
PREFIXES = ["Ch", "Du", "Sha", "Rot", "Alm", "Ist", "Teh", "Kas", "Gwa", "Mom", "Nai", "Pir", "Bud", "Lod", "Yiw",
            "Mad", "Kun", "Vie", "Dji", "Add", "Ura", "Bak", "Tbi", "Mos", "Ham", "Ant", "Gen", "Kar", "Col", "Sin"]
LAYERS = ["rail", "road", "ferry", "sea", "ports", "crossings", "projects"]


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process `pid` and its descendants alive now."""
    total = 0.0
    root = psutil.Process(pid)
    for p in [root, *root.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


@contextmanager
def serving(workers: int) -> Iterator[tuple[int, int]]:
    """`beltroad serve` on a free loopback port, stopped (workers and all) on exit; yields (port, server pid)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:  # a port free now
        port = probe.getsockname()[1]
    cmd = [sys.executable, "-c", "from beltroad.cli import main; main()", "serve", "--port", str(port),
           "--workers", str(workers)]
    with subprocess.Popen(cmd, cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True) as server:
        try:
            # ready when every worker has run its start-up (network loaded, compiled search warmed): uvicorn logs
            # a line per worker (an answer from /api/health would only say that the first one is up)
            t0, ready, log = time.time(), 0, []
            for line in server.stderr:
                log.append(line)
                ready += "Application startup complete" in line
                if ready == workers:
                    break
            else:
                raise SystemExit("server did not start:\n" + "".join(log[-30:]))
            threading.Thread(target=server.stderr.read, daemon=True).start()  # keep the pipe drained
            print(f"server up in {time.time() - t0:.1f} s on 127.0.0.1:{port} ({workers} worker process(es))")
            yield port, server.pid
        finally:
            server.terminate()  # uvicorn's supervisor stops its workers
            server.wait()  # then the drain thread meets the end of the pipe


class Load:
    """Closed-loop clients (threads, one keep-alive connection each) and what they measured, by kind."""

    def __init__(self, port: int, server_pid: int):
        self.port, self.server_pid = port, server_pid
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}

    def _get(self, conn: http.client.HTTPConnection, path: str) -> tuple[http.client.HTTPConnection, str | None]:
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            return conn, None if r.status == 200 else f"HTTP {r.status}"
        except Exception as exc:  # noqa: BLE001 - counted, not raised
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120), type(exc).__name__

    def client(self, kind: str, paths: Iterator[str], stop_at: float,
               label: Callable[[str, float], str] | None = None) -> threading.Thread:
        """A client sending `paths` until `stop_at`; each answer is filed under `label(path, sent)` or `kind`."""
        def loop() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            for path in paths:
                if time.time() >= stop_at:
                    return
                sent = time.perf_counter()
                conn, err = self._get(conn, path)
                with self.lock:
                    if err is None:
                        self.ms.setdefault(label(path, sent) if label else kind, []).append(
                            (time.perf_counter() - sent) * 1000)
                    else:
                        self.errors[f"{kind} {err}"] = self.errors.get(f"{kind} {err}", 0) + 1
        return threading.Thread(target=loop)

    def run(self, threads: list[threading.Thread]) -> tuple[float, float, float]:
        """Start the clients together and wait for all: (wall seconds, CPU seconds of this process, of the server)."""
        wall, cpu, server = time.time(), time.process_time(), cpu_seconds(self.server_pid)
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.time() - wall, time.process_time() - cpu, cpu_seconds(self.server_pid) - server

    def report(self, title: str, wall: float, cpu: float, server_cpu: float) -> None:
        n = sum(len(xs) for xs in self.ms.values())
        print(f"\n{title}: {wall:.1f} s; CPU: server {server_cpu:.1f} s ({server_cpu / max(n, 1) * 1000:.1f} ms per "
              f"answer), load generator {cpu:.1f} s, of {os.cpu_count()} cores x {wall:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f}; errors={sum(self.errors.values())} {self.errors or ''}")
        for kind, xs in self.ms.items():
            print(f"  {kind:34s} n={len(xs):5d} {len(xs) / wall:7.1f}/s  p50={pct(xs, 50):7.1f} ms  "
                  f"p95={pct(xs, 95):7.1f} ms  max={max(xs, default=float('nan')):7.1f} ms")


def route_path(o: str, d: str, **extra) -> str:
    return "/api/route?" + urllib.parse.urlencode({"origin": o, "destination": d, "alternatives": 3, **extra})


_NEW_TEU = itertools.count(1)  # shared by all clients (next() on it is atomic in CPython)


def computed_routes(first: int) -> Iterator[str]:
    """Route requests that are never cached: each asks a quantity (TEU) not asked before."""
    for k in itertools.count(first):
        o, d = TRIPS[k % len(TRIPS)]
        yield route_path(o, d, teu=1 + next(_NEW_TEU) / 1_000_000)


def other_paths(kind: str, first: int) -> Iterator[str]:
    pairs = [(b, s) for b in SCENARIOS[:3] for s in SCENARIOS if s != b]
    for k in itertools.count(first):
        if kind == "places":
            yield "/api/places?" + urllib.parse.urlencode({"q": PREFIXES[k % len(PREFIXES)] + "abcdefg"[k // 30 % 7],
                                                           "limit": 8})
        elif kind == "network":
            yield "/api/network?" + urllib.parse.urlencode({"layer": LAYERS[k % len(LAYERS)], "year": 2000 + k % 30})
        else:
            b, s = pairs[k % len(pairs)]
            yield "/api/compare?" + urllib.parse.urlencode({"base": b, "scenario": s})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    ap.add_argument("--mix", default="route=20,compare=1",
                    help="clients per kind in phase 3 (route, places, network, compare)")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (server and load generator share them)")

    with serving(args.workers) as (port, pid):
        # a few answers first, so that every worker process has planned once (numba, caches)
        warm = Load(port, pid)
        warm.run([warm.client("warm-up", computed_routes(i), time.time() + 3)
                  for i in range(args.workers * 2)])

        cached = Load(port, pid)
        answered: dict[str, float] = {}  # when the first answer to each trip arrived

        def warm_or_cold(path: str, sent: float) -> str:
            first = answered.setdefault(path, time.perf_counter())  # called under the Load's lock
            return "cached routes: warm" if first <= sent else "cached routes: cold (computed or waiting)"

        cycle = [route_path(o, d) for o, d in TRIPS]
        stop = time.time() + args.duration
        cached.report(f"1. cached routes, {args.clients} clients over {len(TRIPS)} trips", *cached.run(
            [cached.client("route", itertools.islice(itertools.cycle(cycle), i, None), stop, warm_or_cold)
             for i in range(args.clients)]))

        alone = Load(port, pid)
        stop = time.time() + args.duration
        alone.report(f"2. computed routes, {args.clients} clients, no compare", *alone.run(
            [alone.client("computed routes, no compare", computed_routes(i), stop)
             for i in range(args.clients)]))

        mixed = Load(port, pid)
        plan = [(k, int(n)) for k, n in (x.split("=") for x in args.mix.split(","))]
        stop = time.time() + args.duration
        threads = [mixed.client("computed routes beside a compare" if kind == "route" else kind,
                                computed_routes(i) if kind == "route" else other_paths(kind, 7 * i),
                                stop)
                   for kind, n in plan for i in range(n)]
        mixed.report(f"3. computed routes beside a compare ({', '.join(f'{n} {k}' for k, n in plan)} clients)",
                     *mixed.run(threads))

    goal = alone.ms.get("computed routes, no compare", [])
    print(f"\ngoal row (issue 16: computed route p50 <= 20 ms under {args.clients} clients) = phase 2: "
          f"p50 {pct(goal, 50):.1f} ms, p95 {pct(goal, 95):.1f} ms, {args.workers} worker process(es). "
          f"With closed-loop clients p50 ~ clients / throughput: {args.clients} clients at 20 ms need "
          f"{args.clients / 0.02:,.0f} computed routes/s, i.e. <= {os.cpu_count() / (args.clients / 0.02) * 1000:.1f} "
          f"ms of server CPU per route on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
