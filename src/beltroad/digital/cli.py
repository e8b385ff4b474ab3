"""`beltroad net ...`: latency, resilience and scenario comparison on the cable graph.

A thin face over `beltroad.digital`; imports stay inside the commands so that `beltroad --help` stays fast.
Bad input (unknown city, scenario, cable; malformed YAML) gets a one-line message and exit code 2.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from beltroad.io.console import fail, failing_on

net_app = typer.Typer(no_args_is_help=True,
                      help="Digital Silk Road: cable paths and latency between cities, resilience, cable cuts.")
console = Console()


def _guard(fn):
    """Run a command body; known user errors become a message, not a traceback."""
    from beltroad.places import PlaceError

    from .scenario import DigitalScenarioError
    from .tables import DigitalDataError

    with failing_on(PlaceError, DigitalScenarioError, DigitalDataError, ValueError, FileNotFoundError):
        return fn()


@net_app.command("latency")
def latency_cmd(origin: str = typer.Argument(..., help="City, hub or station (e.g. Frankfurt, 'Aden, YE')."),
                destination: str = typer.Argument(...),
                scenario: Optional[str] = typer.Option(None, "--scenario", "-s", help="Digital preset, transport preset or YAML file."),
                as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Round-trip time and the cable path between two places."""
    from . import latency

    res = _guard(lambda: latency(origin, destination, scenario))
    if as_json:
        out = res.summary()
        out["legs"] = json.loads(res.legs.to_json(orient="records")) if len(res.legs) else []
        console.print_json(json.dumps(out))
        return
    if not res.reachable:
        fail(f"{res.origin.label} and {res.destination.label} are not connected under '{res.scenario}'", code=1)
    s = res.summary()
    console.print(f"[bold]{s['origin']} -> {s['destination']}[/] ({s['scenario']}): RTT [bold]{s['rtt_ms']} ms[/] "
                  f"(one way {s['one_way_ms']} ms), {s['fibre_km']:,} km of fibre vs {s['great_circle_km']:,} km great circle")
    console.print(f"cables: {', '.join(s['cables']) or '(backhaul only)'}; passages: {', '.join(s['passages']) or 'none'}")
    t = Table(show_lines=False)
    for col in ("from", "to", "medium", "cable", "km", "ms", "passages"):
        t.add_column(col, justify="right" if col in ("km", "ms") else "left")
    for r in res.legs.itertuples():
        t.add_row(r._1, r.to, r.medium, r.cable, f"{r.km:,.0f}", f"{r.ms:.2f}", r.passages)
    console.print(t)


@net_app.command("resilience")
def resilience_cmd(a: str = typer.Argument(..., help="City/hub, or a region (europe, east-asia, south-asia, ...)."),
                   b: str = typer.Argument(...),
                   scenario: Optional[str] = typer.Option(None, "--scenario", "-s"),
                   as_json: bool = typer.Option(False, "--json")) -> None:
    """Cable-disjoint paths, the minimum cut (cables, passages) and design capacity between two places or regions."""
    from . import resilience

    r = _guard(lambda: resilience(a, b, scenario))
    if as_json:
        console.print_json(json.dumps(r, default=float))
        return
    paths = "unbounded (joined by land backhaul)" if r["disjoint_paths"] is None else r["disjoint_paths"]
    cap = "unbounded" if r["capacity_tbps"] is None else f"{r['capacity_tbps']:.1f} Tbps"
    console.print(f"[bold]{a} - {b}[/] ({r['scenario']}): {paths} cable-disjoint paths; design capacity {cap} "
                  f"({r['segments_without_capacity']} segments have no published capacity and count as 0)")
    console.print(f"minimum cut: {', '.join(r['min_cut_cables']) or '-'}; passages in the cut: {', '.join(r['min_cut_passages']) or 'none'}")


@net_app.command("compare")
def compare_cmd(base: str = typer.Argument(..., help="Base scenario (usually baseline)."),
                scenario: str = typer.Argument(..., help="Scenario to compare (e.g. red-sea-cables-cut)."),
                cities: str = typer.Option("world-200", "--cities", help="world-200 | world-1000 | hubs"),
                out: Path = typer.Option(Path("digital-compare"), "--out", "-o", help="Folder for report.md/html, Parquet and CSV."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Latency change matrix between two scenarios, lost capacity, single-path pairs; report with a map."""
    from .report import compare_scenarios, write_report

    cmp = _guard(lambda: compare_scenarios(base, scenario, cities))
    files = write_report(cmp, out)
    s = cmp.summary()
    if as_json:
        s["files"] = [str(f) for f in files]
        console.print_json(json.dumps(s, default=float))
        return
    console.print(f"[bold]{s['scenario']} vs {s['base']}[/] over {s['pairs']:,} pairs of places ({cities}): "
                  f"{s['pairs_slower']:,} slower (mean +{s['mean_change_ms']} ms, max +{s['max_change_ms']} ms), "
                  f"{s['pairs_cut_off']} cut off")
    console.print(f"cables cut: {', '.join(s['cables_cut']) or '-'} (design capacity {s['design_capacity_of_cut_cables_tbps']} Tbps"
                  f"{', ' + str(s['cut_cables_without_published_capacity']) + ' without published capacity' if s['cut_cables_without_published_capacity'] else ''})")
    console.print(f"cables carrying rerouted paths: {', '.join(s['cables_carrying_rerouted_paths'][:12]) or '-'}; "
                  f"newly used by them: {', '.join(s['cables_newly_used_by_rerouted_paths'][:12]) or '-'}")
    t = Table(title="By region pair")
    for col in ("regions", "pairs", "base RTT ms", "mean +ms", "max +ms", "slower", "paths", "Tbps"):
        t.add_column(col)
    for r in cmp.regions.itertuples():
        paths = f"{_n(r.disjoint_paths_base)} -> {_n(r.disjoint_paths_scenario)}"
        cap = f"{_n(r.capacity_tbps_base)} -> {_n(r.capacity_tbps_scenario)}"
        t.add_row(r.regions, str(r.pairs), f"{r.mean_base_rtt_ms}", f"{r.mean_change_ms}", f"{r.max_change_ms}",
                  str(r.pairs_slower), paths, cap)
    console.print(t)
    for name, what in s["passages_losing_capacity"].items():
        console.print(f"design capacity across {name}: {what} (cables without a published capacity not counted)")
    console.print(f"hub pairs left with a single cable-disjoint path: {s['hub_pairs_single_path']}")
    console.print(f"report: {out / 'report.html'} (also report.md, pairs.parquet, pairs.csv, regions.csv, cut.csv)")


def _n(x) -> str:
    try:
        import math

        return "unbounded" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:g}"
    except TypeError:
        return str(x)


@net_app.command("scenarios")
def scenarios_cmd() -> None:
    """Digital scenario presets (transport presets with passage/country closures also apply)."""
    import yaml

    from .scenario import PRESET_DIR, preset_names

    t = Table(title="Digital scenarios")
    t.add_column("name")
    t.add_column("description")
    t.add_row("baseline", "cables operating today, nothing cut")
    for n in preset_names():
        d = yaml.safe_load((PRESET_DIR / f"{n}.yaml").read_text()) or {}
        t.add_row(n, " ".join(str(d.get("description", "")).split())[:150])
    console.print(t)


@net_app.command("cables")
def cables_cmd(status: Optional[str] = typer.Option(None, help="operating | under_construction | planned | legacy")) -> None:
    """The cable table: status, year, length, design capacity, owners."""
    from . import cables

    df = _guard(cables)
    if status:
        df = df[df["status"].eq(status)]
    t = Table(title=f"{len(df)} cables")
    for col in ("id", "name", "kind", "status", "rfs_year", "length_km", "design_capacity_tbps"):
        t.add_column(col)
    for r in df.itertuples():
        t.add_row(r.id, r.name[:48], r.kind, r.status, *("-" if x != x else f"{x:g}" for x in (r.rfs_year, r.length_km, r.design_capacity_tbps)))
    console.print(t)
