"""`beltroad assign SCENARIO`: container flows with capacities and congestion (docs/flows.md).

A thin face over `beltroad.flows`; imports stay inside the command so `beltroad --help` stays fast.
Bad input (unknown scenario, demand file, capacity factor) gets a one-line message and exit code 2.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

assign_app = typer.Typer(help="Assign container demand to the network with capacities and congestion.",
                         context_settings={"allow_interspersed_args": True})
console = Console()
err = Console(stderr=True)


@assign_app.callback(invoke_without_command=True)
def assign_cmd(
    scenario: str = typer.Argument("baseline", help="scenario preset name or YAML file"),
    demand: Optional[Path] = typer.Option(None, "--demand", help="own OD matrix: CSV/Parquet with origin, destination, teu"),
    out: Path = typer.Option(Path("flows-out"), "--out", help="output folder (Parquet, GeoJSON, report.md/html, map)"),
    capacity_factor: Optional[List[str]] = typer.Option(None, "--capacity-factor", help="ID=FACTOR, repeatable (ids of flows/data/capacity.csv or '*')"),
    compare_to: Optional[str] = typer.Option(None, "--compare-to", help="also assign this scenario and report the diversion against it"),
    tol: float = typer.Option(1e-3, "--gap", help="relative gap to stop at"),
) -> None:
    """Assign the demand under SCENARIO; write link flows, bottlenecks and a flow map to --out."""
    from beltroad.flows import FlowsError, indicators, parse_factors, run
    from beltroad.flows.report import bottlenecks, write_outputs
    from beltroad.places import PlaceError

    try:
        if tol <= 0 or tol >= 1:
            raise FlowsError("--gap must be between 0 and 1")
        factors = parse_factors(capacity_factor)
        res, dem = run(scenario, demand=str(demand) if demand else None, capacity_factor=factors, tol=tol)
        base = None
        if compare_to:
            base, _ = run(compare_to, demand=dem, tol=tol)
        from beltroad.routing.session import default_session

        files = write_outputs(default_session().network, res, out, base)
    except (FlowsError, PlaceError, ValueError, FileNotFoundError) as exc:
        err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(2)
    console.print(f"{scenario}: {res.iterations} iterations, relative gap {res.gap:.2e}, {res.seconds:.1f} s")
    ind = indicators(res)
    for r in ind.itertuples(index=False):
        console.print(f"  {r.indicator:45s} {r.teu:>14,.0f} TEU/yr")
    b = bottlenecks(res, min_vc=0.9)
    if not b.empty:
        console.print("binding (v/c >= 0.9): " + ", ".join(f"{i} {v:.2f} (+{d:.0f} h)" for i, v, d in
                                                          zip(b["id"], b["v_c"], b["delay_h"])))
    console.print("wrote " + ", ".join(str(f) for f in files))
