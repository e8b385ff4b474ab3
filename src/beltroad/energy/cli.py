"""`beltroad energy ...`: flows and comparisons of crude, pipeline gas and LNG under energy scenarios.

Bad input (unknown scenario or commodity, malformed YAML) prints one clear line and exits 2; no traceback.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from beltroad.io.console import fail, failing_on

energy_app = typer.Typer(no_args_is_help=True, help="Energy corridors: pipelines, tankers and LNG under scenarios.")
console = Console()


def _run(fn):
    from beltroad.energy import EnergyDataError, EnergyModelError, ScenarioError

    with failing_on(ScenarioError, EnergyModelError, EnergyDataError, ValueError):
        return fn()


def _commodity(value: str) -> str:
    v = value.strip().lower()
    if v not in ("crude", "gas", "lng"):
        fail(f"unknown commodity '{value}' (choose crude, gas or lng)")
    return v


@energy_app.command("list")
def list_presets() -> None:
    """The shipped energy scenarios."""
    from beltroad.energy import load_scenario, preset_names

    t = Table(title="Energy scenarios")
    for col in ("name", "balances", "date", "description"):
        t.add_column(col)
    for n in preset_names():
        s = load_scenario(n)
        t.add_row(n, str(s.balance_year), s.date.isoformat(), " ".join(s.description.split())[:110])
    console.print(t)


def _commodity_and_scenarios(commodity: str, *scenarios: str) -> tuple[str, list]:
    """The checked commodity and the loaded scenarios (presets or YAML files) of `flows` and `compare`."""
    from beltroad.energy import load_scenario

    c = _commodity(commodity)
    return c, [_run(lambda name=name: load_scenario(name)) for name in scenarios]


# options shared by `flows` and `compare` (typer reads an option's declaration; one object serves both commands)
COMMODITY = typer.Option("crude", "--commodity", "-c", help="crude | gas | lng")
REPORT_OUT = typer.Option(None, "--out", help="Folder for report.md/html, map.svg and tables")


@energy_app.command("flows")
def flows_cmd(scenario: str = typer.Argument(..., help="Preset name (see `beltroad energy list`) or YAML file"),
              commodity: str = COMMODITY,
              out: Optional[Path] = REPORT_OUT) -> None:
    """Solve the flows of one commodity under a scenario; print the headline, optionally write a report."""
    from beltroad.energy import flows

    c, (scen,) = _commodity_and_scenarios(commodity, scenario)
    res = _run(lambda: flows(scen, c))
    t = Table(title=f"{res.scenario}: {c} ({res.unit}/yr)")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k, v in res.summary.items():
        t.add_row(k, f"{v:,.1f}" if isinstance(v, float) else str(v))
    console.print(t)
    od = res.od.sort_values("flow", ascending=False).head(15)
    t2 = Table(title="Largest origin -> destination flows")
    for col in ("origin", "pool", "destination", "flow", "by sea"):
        t2.add_column(col, justify="right" if col in ("flow", "by sea") else "left")
    for _, r in od.iterrows():
        t2.add_row(r["origin"], r["pool"], r["destination"], f"{r['flow']:.1f}", f"{r['by_sea']:.1f}")
    console.print(t2)
    if out is not None:
        from beltroad.energy.report import write_flows_report

        files = write_flows_report(res, out, scen.description)
        console.print(f"wrote {len(files)} files to {out}: {', '.join(files[:3])}, tables as CSV and Parquet")


@energy_app.command("compare")
def compare_cmd(base: str = typer.Argument(..., help="Base scenario (preset or YAML)"),
                scen: str = typer.Argument(..., help="Scenario to compare against the base"),
                commodity: str = COMMODITY,
                out: Optional[Path] = REPORT_OUT) -> None:
    """What a scenario changes: shifted flows, tanker tonne-miles and days, pipeline loss vs LNG capacity."""
    from beltroad.energy import compare
    from beltroad.energy.report import compare_headline

    c, (a, b) = _commodity_and_scenarios(commodity, base, scen)
    cmp = _run(lambda: compare(a, b, c))
    console.print(f"[bold]{a.name} -> {b.name}[/] ({c}, {cmp['base'].unit}/yr)")
    for line in compare_headline(cmp):
        console.print(f"  {line}", highlight=False)
    top = cmp["od"].head(10)
    t = Table(title="Largest origin-destination changes")
    for col in ("origin", "pool", "destination", "base", "scenario", "change"):
        t.add_column(col, justify="right" if col in ("base", "scenario", "change") else "left")
    for _, r in top.iterrows():
        t.add_row(r["origin"], r["pool"], r["destination"], f"{r['flow_base']:.1f}", f"{r['flow_scen']:.1f}",
                  f"{r['change']:+.1f}")
    console.print(t)
    if out is not None:
        from beltroad.energy.report import write_compare_report

        files = write_compare_report(cmp, out)
        console.print(f"wrote {len(files)} files to {out}: {', '.join(files[:3])}, tables as CSV and Parquet")


@energy_app.command("validate")
def validate_cmd(out: Optional[Path] = typer.Option(None, "--out", help="Write the table as CSV")) -> None:
    """Modelled vs observed flows (Russian gas to the EU, Russian crude to China/India, CPC, BTC...)."""
    from beltroad.energy import validate

    df = _run(validate)
    t = Table(title="Energy validation (modelled vs observed)")
    for col in ("id", "scenario", "flow", "observed", "modelled", "unit", "error %"):
        t.add_column(col)
    for _, r in df.iterrows():
        t.add_row(r["id"], r["scenario"], r["flow"], f"{r['observed']:.1f}", f"{r['modelled']:.1f}", r["unit"],
                  f"{r['error_pct']:+.0f}")
    console.print(t)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(out, index=False)
