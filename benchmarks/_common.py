"""What the benchmarks share: best-of timings (wall and CPU), the machine's load, and a whole `beltroad` command
run in a fresh process under /usr/bin/time (wall, CPU, peak RSS). Not a test; asserts nothing."""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from typing import Callable


def best(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds: process time, all threads) over `repeat` runs."""
    return interleaved({"fn": fn}, repeat)["fn"]


def interleaved(fns: dict, repeat: int = 5) -> dict[str, tuple[float, float]]:
    """(best wall seconds, best CPU seconds) of each function over `repeat` rounds that run every function once
    in turn: a burst of load on the shared machine then hits all sides, not the whole block of one side."""
    walls: dict[str, list[float]] = {k: [] for k in fns}
    cpus: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t, c = time.perf_counter(), time.process_time()
            fn()
            walls[name].append(time.perf_counter() - t)
            cpus[name].append(time.process_time() - c)
    return {k: (min(walls[k]), min(cpus[k])) for k in fns}


def load() -> str:
    """`uptime`: the load average, since the 2 cores are often shared."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def whole_command(args: list[str]) -> dict:
    """Run `beltroad ARGS` in a fresh process under /usr/bin/time -v: wall s, CPU s (user + sys), peak RSS MB."""
    code = "from beltroad.cli import main; main()"
    res = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", code, *args], capture_output=True, text=True)
    err = res.stderr

    def grab(pattern: str) -> str:
        m = re.search(pattern, err)
        return m.group(1) if m else "nan"

    wall = grab(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)")
    parts = [float(x) for x in wall.split(":")] if wall != "nan" else [float("nan")]
    secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    return {"exit": res.returncode, "wall_s": secs,
            "cpu_s": float(grab(r"User time \(seconds\): ([\d.]+)")) + float(grab(r"System time \(seconds\): ([\d.]+)")),
            "rss_mb": float(grab(r"Maximum resident set size \(kbytes\): (\d+)")) / 1024}


def whole_output_command(args: list[str]) -> tuple[str, dict]:
    """`whole_command(ARGS --out DIR)` into a temporary folder; (the command as printed, its figures)."""
    with tempfile.TemporaryDirectory() as tmp:
        r = whole_command([*args, "--out", f"{tmp}/out"])
    return f"`beltroad {' '.join(args)} --out DIR` (fresh process)", r


def describe(r: dict) -> str:
    """Wall, CPU and peak RSS of a `whole_command` result."""
    return f"wall {r['wall_s']:.1f} s, CPU {r['cpu_s']:.1f} s, peak RSS {r['rss_mb']:.0f} MB (exit {r['exit']})"
