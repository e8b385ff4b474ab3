"""`beltroad appraise` and `beltroad sweep`: thin faces over `beltroad.appraisal`.

Imports stay inside the commands so that `beltroad --help` stays fast. Bad input (unknown project, city set,
scenario; malformed spec) gets a one-line message and exit code 2.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from beltroad.io.console import err, failing_on

console = Console()


# dask options shared by `appraise` and `sweep` (typer reads an option's declaration; one object serves both)
SCHEDULER = typer.Option(None, "--scheduler", envvar="DASK_SCHEDULER_ADDRESS",
                         help="dask scheduler tcp://HOST:8786 (default: a LocalCluster)")
WORKERS = typer.Option(None, "--workers", min=1, help="LocalCluster workers (default: one per core)")
INLINE = typer.Option(False, "--inline", help="run in this process, without dask")


def _scheduler(scheduler: Optional[str], inline: bool) -> Optional[str]:
    return "inline" if inline else scheduler


class _Bar:
    """A rich progress bar fed by the runner's (done, total) callback."""

    def __init__(self, label: str):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.p = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                          transient=False)
        self.task = None

    def __enter__(self):
        self.p.__enter__()
        return self

    def __exit__(self, *exc):
        self.p.__exit__(*exc)

    def __call__(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.p.add_task("tasks", total=total)
        self.p.update(self.task, completed=done, total=total)


def appraise_command(
    out: Path = typer.Option(..., "--out", help="output folder: partitions (parts/, skims/) and the report"),
    projects: Optional[str] = typer.Option(None, "--projects", help="P01,P07,... ('+' bundles: P05+P14); default all"),
    cities: str = typer.Option("world-1000", "--cities", help="world-1000, world-200, bri or a CSV file"),
    scenario: str = typer.Option("bri-planned", "--scenario", help="the network with all projects"),
    objective: str = typer.Option("time", "--objective", help="time, cost or generalized"),
    scheduler: Optional[str] = SCHEDULER,
    workers: Optional[int] = WORKERS,
    inline: bool = INLINE,
) -> None:
    """Appraise BRI projects in isolation and in complement; rank them (tables + report.md/html)."""
    from beltroad.appraisal import appraise
    from beltroad.places import PlaceError

    with failing_on(ValueError, PlaceError, OSError), _Bar("appraise") as bar:
        a = appraise(projects, cities, scenario=scenario, objective=objective, out_dir=out,
                     scheduler=_scheduler(scheduler, inline), workers=workers, progress=bar)
    a.write(out)
    top = a.ranking.head(10)
    typer.echo(top[["rank", "project", "name", "isolation_world_market_access_change_pct",
                    "isolation_world_transit_days_change_pct", "complement_world_market_access_change_pct"]]
               .to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    console.print(f"wrote {out}/ranking.parquet|csv, report.md, report.html (+ groups, economies, corridors, cities)")


def sweep_command(
    spec: str = typer.Argument(..., help="sweep spec YAML (or the name of a shipped example)"),
    out: Optional[Path] = typer.Option(None, "--out", help="output folder (default: sweep-<name>)"),
    cities: Optional[str] = typer.Option(None, "--cities", help="override the spec's city set"),
    draws: Optional[int] = typer.Option(None, "--draws", min=1, help="override the spec's number of draws"),
    scheduler: Optional[str] = SCHEDULER,
    workers: Optional[int] = WORKERS,
    inline: bool = INLINE,
) -> None:
    """Vary parameters within their sourced ranges; report p5/p50/p95 bands and a sensitivity ranking."""
    from beltroad.appraisal import load_spec, sweep
    from beltroad.places import PlaceError

    with failing_on(ValueError, PlaceError, OSError):
        sp = load_spec(spec)
        out = out or Path(f"sweep-{sp.name}")
        with _Bar("sweep") as bar:
            r = sweep(sp, cities=cities, draws=draws, out_dir=out, scheduler=_scheduler(scheduler, inline),
                      workers=workers, progress=bar)
    r.write(out)
    g = r.bands[(r.bands["level"] == "group") & (r.bands["key"] == "world")]
    cols = [c for c in ("project", "direction", "metric", "p5", "p50", "p95") if c in g.columns]
    typer.echo(g[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    console.print(f"wrote {out}/bands.parquet|csv, sensitivity, draws, report.md, report.html")


__all__ = ["appraise_command", "sweep_command"]
