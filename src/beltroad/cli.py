"""Command-line face: a thin layer over `beltroad.service`. Bad input gets a message, never a traceback."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="beltroad: routes, scenarios and impacts on the Belt and Road transport network.")
data_app = typer.Typer(no_args_is_help=True, help="Inspect, validate and export the embedded dataset.")
app.add_typer(data_app, name="data")
console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


# ------------------------------------------------------------------------------------------ data
@data_app.command("check")
def data_check(path: Optional[Path] = typer.Option(None, help="Dataset folder (default: the embedded one).")) -> None:
    """Validate the dataset; exit non-zero with row-level messages on any problem."""
    from beltroad.data import check_dataset, load_dataset
    from beltroad.data.loader import DataError

    try:
        ds = load_dataset(path)
    except DataError as exc:
        _fail(str(exc))
    found = check_dataset(ds, warnings=True)
    issues = [i for i in found if i.severity == "error"]
    for i in found:
        if i.severity != "error":
            err.print(str(i), markup=False, highlight=False)
    if issues:
        for i in issues:
            err.print(str(i), markup=False, highlight=False)
        _fail(f"{len(issues)} problem(s) in {ds.root}", code=1)
    console.print(f"[green]ok[/]: {len(ds.nodes)} nodes, {len(ds.links)} links, {len(ds.crossings)} crossings, "
                  f"{len(ds.projects)} projects, {len(ds.sources)} sources — every rule passes"
                  + (f" ({len(found)} warning(s) above)." if found else "."))


@data_app.command("stats")
def data_stats() -> None:
    """Counts by mode, country and corridor."""
    from beltroad.data import embedded_dataset

    ds = embedded_dataset()
    links = ds.links
    t = Table(title="Links by mode and status")
    for col in ("mode", "open", "under_construction", "planned", "km (open)", "length: published/derived/measured/estimated"):
        t.add_column(col)
    for mode, g in links.groupby("mode"):
        counts = g["status"].value_counts()
        basis = g["length_basis"].value_counts()
        t.add_row(mode, *(str(counts.get(s, 0)) for s in ("open", "under_construction", "planned")),
                  f"{g.loc[g['status'].eq('open'), 'length_km'].sum():,.0f}",
                  f"{basis.get('published', 0)}/{basis.get('derived', 0)}/{basis.get('measured', 0)}/{basis.get('estimated', 0)}")
    console.print(t)
    corr = links.assign(corridor=links["corridor"].str.split(";")).explode("corridor")
    corr = corr[corr["corridor"].ne("")]
    t = Table(title="Links by corridor")
    for col in ("corridor", "links", "rail", "road", "ferry", "km"):
        t.add_column(col)
    for name, g in corr.groupby("corridor"):
        m = g["mode"].value_counts()
        t.add_row(name, str(len(g)), str(m.get("rail", 0)), str(m.get("road", 0)), str(m.get("ferry", 0)),
                  f"{g['length_km'].sum():,.0f}")
    console.print(t)
    nodes = ds.nodes
    t = Table(title="Nodes by country (top 25) and kind")
    kinds = sorted(nodes["kind"].unique())
    for col in ["country", "nodes", *kinds]:
        t.add_column(col)
    for country, g in sorted(nodes.groupby("country"), key=lambda kv: -len(kv[1]))[:25]:
        k = g["kind"].value_counts()
        t.add_row(country, str(len(g)), *(str(k.get(x, 0)) for x in kinds))
    console.print(t)
    console.print(f"{len(nodes)} nodes in {nodes['country'].nunique()} countries, {len(links)} links, "
                  f"{len(ds.crossings)} crossings ({(ds.crossings['kind'] == 'gauge_change').sum()} gauge changes), "
                  f"{len(ds.projects)} BRI projects, {len(ds.sources)} sources.")


@data_app.command("export")
def data_export(file: Path = typer.Argument(..., help="Output file"),
                format: str = typer.Option("geojson", "--format", "-f", help="geojson | gpkg | parquet")) -> None:
    """Write the network for QGIS and GeoPandas users."""
    from beltroad.io.export import export_network
    from beltroad.service import load_network

    try:
        out = export_network(load_network(), format, file)
    except ValueError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write {file}: {exc.strerror}")
    console.print(f"wrote {out}")


# ------------------------------------------------------------------------------------------ places
@app.command("places")
def places(query: str = typer.Argument(..., help="A name, 'Name, CC', a UN/LOCODE, a node id or 'lat,lon'"),
           limit: int = typer.Option(10, min=1, max=50)) -> None:
    """Look a place up: the resolved place, or candidates / suggestions."""
    from beltroad.places import PlaceError
    from beltroad.service import default_session

    s = default_session()
    try:
        p = s.resolve(query)
        console.print(f"[bold]{p.name}[/] ({p.country}) {p.lat:.4f},{p.lon:.4f} kind={p.kind}"
                      + (f" node={p.node_id}" if p.node_id else "") + (f" locode={p.locode}" if p.locode else ""))
    except PlaceError as exc:
        if exc.candidates:
            t = Table(title=f"'{query}' is ambiguous")
            for col in ("name", "country", "lat", "lon", "population", "kind"):
                t.add_column(col)
            for c in exc.candidates:
                t.add_row(c.name, c.country, f"{c.lat:.3f}", f"{c.lon:.3f}", f"{c.population:,}", c.kind)
            console.print(t)
            _fail(exc.message)
        _fail(str(exc))


# ------------------------------------------------------------------------------------------ route
@app.command("route")
def route(origin: str = typer.Argument(..., help="Origin place"),
          destination: str = typer.Argument(..., help="Destination place"),
          alternatives: int = typer.Option(3, "--alternatives", "-n", help="How many ranked alternatives (1-10)"),
          optimize: str = typer.Option("time", "--optimize", "-o", help="time | cost | co2 | generalized"),
          mode: str = typer.Option("multimodal", "--mode", help="Main haul: rail | sea | road | multimodal"),
          avoid_country: List[str] = typer.Option([], "--avoid-country", help="ISO code; repeatable"),
          avoid_passage: List[str] = typer.Option([], "--avoid-passage", help="suez, bab-el-mandeb, hormuz, ...; repeatable"),
          via: List[str] = typer.Option([], "--via", help="A place the route must pass; repeatable"),
          max_transfers: Optional[int] = typer.Option(None, "--max-transfers"),
          teu: float = typer.Option(1.0, "--teu", help="Number of TEU (cost and CO2 scale with it)"),
          tonnes: Optional[float] = typer.Option(None, "--tonnes", help="Cargo tonnes (converted at 10 t per TEU)"),
          value_of_time: Optional[float] = typer.Option(None, "--value-of-time", help="USD per TEU per day"),
          carbon_price: Optional[float] = typer.Option(None, "--carbon-price", help="USD per tonne CO2e"),
          scenario: Optional[str] = typer.Option(None, "--scenario", help="Scenario name or YAML file"),
          month: Optional[int] = typer.Option(None, "--month", help="1-12: close seasonal links (mountain passes)"),
          format: str = typer.Option("table", "--format", "-f", help="table | json | geojson"),
          map_file: Optional[Path] = typer.Option(None, "--map", help="Write a self-contained HTML map")) -> None:
    """Ranked multimodal alternatives from ORIGIN to DESTINATION."""
    from beltroad.places import PlaceError
    from beltroad.routing.planner import RouteError
    from beltroad.service import default_session

    if format not in ("table", "json", "geojson"):
        _fail(f"--format '{format}' is not one of table, json, geojson")
    s = default_session()
    try:
        result = s.plan(origin, destination, objective=optimize, alternatives=alternatives, mode=mode,
                        avoid_countries=avoid_country, avoid_passages=avoid_passage, via=via,
                        max_transfers=max_transfers, teu=teu, tonnes=tonnes, scenario=scenario,
                        value_of_time_usd_per_day=value_of_time, carbon_price_usd_per_t=carbon_price, month=month)
    except PlaceError as exc:
        _fail(str(exc))
    except RouteError as exc:
        _fail(str(exc), code=3)
    except (ValueError, FileNotFoundError) as exc:  # ScenarioError is a ValueError
        _fail(str(exc))
    if map_file:
        from beltroad.io.export import route_map_html

        try:
            map_file.write_text(route_map_html(result, s.network))
        except OSError as exc:
            _fail(f"cannot write {map_file}: {exc.strerror}")
    if format == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    elif format == "geojson":
        sys.stdout.write(json.dumps(result.to_geojson(), ensure_ascii=False) + "\n")
    else:
        _print_plan(result)
        if map_file:
            console.print(f"map written to {map_file}")


def _print_plan(result) -> None:
    t = Table(title=f"{result.origin.label} → {result.destination.label}  ·  scenario {result.scenario}  ·  "
                    f"optimise {result.objective}  ·  {result.quantity}")
    for col, justify in (("#", "right"), ("route", "left"), ("km", "right"), ("days", "right"), ("USD", "right"),
                         ("kg CO2e", "right"), ("borders", "right"), ("gauge chg", "right"), ("countries", "left")):
        t.add_column(col, justify=justify)
    for r in result.routes:
        t.add_row(str(r.rank), r.summary, f"{r.distance_km:,.0f}", f"{r.transit_days:.1f}", f"{r.cost_usd:,.0f}",
                  f"{r.co2_kg:,.0f}", str(len(r.border_crossings)), str(len(r.gauge_changes)), "-".join(r.countries))
    console.print(t)
    best = result.routes[0]
    t = Table(title=f"Legs of route 1: {best.summary}")
    for col in ("mode", "from", "to", "km", "hours", "USD", "kg CO2e", "detail"):
        t.add_column(col)
    for leg in best.legs:
        t.add_row(leg.mode, leg.from_place, leg.to_place, f"{leg.distance_km:,.0f}", f"{leg.transit_hours:,.1f}",
                  f"{leg.cost_usd:,.0f}", f"{leg.co2_kg:,.0f}", leg.detail)
    console.print(t)
    for note in result.notes:
        console.print(f"note: {note}")


# ------------------------------------------------------------------------------------------ serve
@app.command("serve")
def serve(host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (loopback by default)"),
          port: int = typer.Option(8000, "--port", min=1, max=65535),
          time_limit: float = typer.Option(30.0, "--time-limit", help="Seconds allowed per request")) -> None:
    """Run the web app (map planner) and the JSON API (docs at /docs)."""
    try:
        import uvicorn

        from beltroad.api import create_app
    except ImportError as exc:
        _fail(f"the web app needs fastapi and uvicorn ({exc})")
    console.print(f"beltroad: loading the network, then serving on http://{host}:{port}/  (API docs: /docs)")
    uvicorn.run(create_app(time_limit_s=time_limit), host=host, port=port, log_level="info")


# ------------------------------------------------------------------------------------------ scenarios
scen_app = typer.Typer(no_args_is_help=True, help="Shipped scenario presets and user scenario files.")
app.add_typer(scen_app, name="scenarios")
from beltroad.digital.cli import net_app  # noqa: E402  (cheap: the digital face imports its core lazily)
app.add_typer(net_app, name="net")
from beltroad.flows.cli import assign_app  # noqa: E402  (cheap: imports its core lazily)
app.add_typer(assign_app, name="assign")


@scen_app.command("list")
def scenarios_list() -> None:
    """The shipped presets with what they represent."""
    from beltroad.scenario import list_scenarios

    t = Table(title="Scenario presets")
    t.add_column("name")
    t.add_column("description")
    for s in list_scenarios():
        t.add_row(s.name, s.description)
    console.print(t)


@scen_app.command("show")
def scenarios_show(name: str = typer.Argument(..., help="Preset name or YAML file")) -> None:
    """The fully resolved scenario (its base chain merged) as YAML."""
    import yaml

    from beltroad.scenario import ScenarioError, load_scenario

    try:
        sc = load_scenario(name)
    except ScenarioError as exc:
        _fail(str(exc))
    sys.stdout.write(yaml.safe_dump(sc.model_dump(), sort_keys=False, allow_unicode=True))


def _progress_bar():
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=err, transient=True)


@app.command("skim")
def skim_cmd(scenario: str = typer.Option("baseline", "--scenario"),
             cities: str = typer.Option("world-1000", "--cities", help="world-1000 | world-200 | bri | FILE.csv"),
             optimize: str = typer.Option("time", "--optimize", "-o"),
             out: Path = typer.Option(..., "--out", help="Output .parquet (or .csv)")) -> None:
    """Best time, cost, distance, CO2 and main mode for every ordered city pair."""
    from beltroad.data.cities import city_set
    from beltroad.routing.skim import skim
    from beltroad.scenario import ScenarioError
    from beltroad.service import default_session

    s = default_session()
    try:
        places = city_set(cities, s.gazetteer)
        state = s.state(scenario)
        with _progress_bar() as bar:
            task = bar.add_task(f"skim {scenario}", total=len(places))
            df = skim(s.network, state, places, objective=optimize,
                      progress=lambda done, total: bar.update(task, completed=done))
    except (ScenarioError, ValueError) as exc:
        _fail(str(exc))
    try:
        df.to_csv(out, index=False) if out.suffix == ".csv" else df.to_parquet(out, index=False)
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}")
    console.print(f"{len(df):,} pairs ({(~df['reachable']).sum():,} unreachable) written to {out}")


@app.command("compare")
def compare_cmd(base: str = typer.Argument(..., help="Base scenario"),
                scenario: str = typer.Argument(..., help="Scenario to compare"),
                cities: str = typer.Option("world-1000", "--cities"),
                optimize: str = typer.Option("time", "--optimize", "-o"),
                out: Path = typer.Option(Path("out/compare"), "--out", help="Output folder"),
                bounds: bool = typer.Option(False, "--bounds", help="Add the fixed-mode lower bound (3 skims more)")
                ) -> None:
    """City-pair, economy, group and corridor changes plus a report (report.html, report.md)."""
    from beltroad.analysis import compare
    from beltroad.scenario import ScenarioError

    try:
        with _progress_bar() as bar:
            tasks: dict = {}

            def progress(name, done, total):
                if name not in tasks:
                    tasks[name] = bar.add_task(f"skim {name}", total=total)
                bar.update(tasks[name], completed=done)

            c = compare(base, scenario, cities=cities, objective=optimize, progress=progress, bounds=bounds)
    except (ScenarioError, ValueError) as exc:
        _fail(str(exc))
    try:
        c.write(out)
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}")
    t = Table(title=f"{scenario} vs {base} ({c.metadata['n_cities']} cities, {c.metadata['city_pairs']:,} pairs)")
    for col in ("group", "pairs", "days base", "days scenario", "change days", "change %", "trade cost %"):
        t.add_column(col, justify="right")
    if bounds:
        t.add_column("Δ days fixed mode", justify="right")
    for r in c.groups.itertuples(index=False):
        row = [r.group, f"{r.city_pairs:,}", f"{r.transit_days_base:.2f}", f"{r.transit_days_scenario:.2f}",
               f"{r.transit_days_change:+.3f}", f"{r.transit_days_change_pct:+.2f}", f"{r.trade_cost_change_pct:+.3f}"]
        if bounds:
            row.append(f"{r.transit_days_change_fixed_mode:+.3f}")
        t.add_row(*row)
    console.print(t)
    console.print(f"report: {out / 'report.html'}")


@app.command("timeline")
def timeline_cmd(origin: str = typer.Argument(...), destination: str = typer.Argument(...),
                 from_year: int = typer.Option(2013, "--from"), to_year: int = typer.Option(2030, "--to"),
                 optimize: str = typer.Option("time", "--optimize", "-o"),
                 chart: Optional[Path] = typer.Option(None, "--chart", help="Write a PNG chart")) -> None:
    """Best time, cost and route for each year as projects open (planned projects at their planned year)."""
    from beltroad.places import PlaceError
    from beltroad.routing.planner import Planner, RouteError
    from beltroad.scenario import Projects, Scenario, apply_scenario
    from beltroad.service import default_session

    if not 1990 <= from_year <= to_year <= 2060:
        _fail("--from and --to must satisfy 1990 <= from <= to <= 2060")
    s = default_session()
    try:
        o, d = s.resolve(origin), s.resolve(destination)
    except PlaceError as exc:
        _fail(str(exc))
    rows = []
    for year in range(from_year, to_year + 1):
        sc = Scenario(name=f"year-{year}", year=year, projects=Projects())
        state = apply_scenario(s.network, sc)
        try:
            r = Planner(s.network, state).plan(o, d, objective=optimize, alternatives=1).routes[0]
            rows.append((year, r.transit_days, r.cost_usd, r.summary))
        except RouteError:
            rows.append((year, float("nan"), float("nan"), "no route"))
    t = Table(title=f"{o.label} → {d.label}: best route by year (optimise {optimize})")
    for col in ("year", "days", "USD/TEU", "route"):
        t.add_column(col)
    for y, days, usd, summ in rows:
        t.add_row(str(y), f"{days:.1f}", f"{usd:,.0f}", summ)
    console.print(t)
    if chart:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 4))
        ax.step([r[0] for r in rows], [r[1] for r in rows], where="post")
        ax.set_xlabel("year")
        ax.set_ylabel("transit days")
        ax.set_title(f"{o.name} → {d.name}")
        fig.tight_layout()
        fig.savefig(chart)
        console.print(f"chart written to {chart}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
