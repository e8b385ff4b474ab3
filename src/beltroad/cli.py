"""Command-line face: a thin layer over `beltroad.service`. Bad input gets a message, never a traceback.

Each command translates its options into a service call and prints the result; errors are reported
through `service.outcome_of` (one table of exit codes shared with the HTTP API). Sub-commands live in
typer sub-apps (`data`, `scenarios`); a new group is one `typer.Typer()` plus `app.add_typer`, or, when its
module is costly to import (pandas, scipy), one line in `LAZY_COMMANDS`.

Start-up time matters (`beltroad route` is a one-shot command): this module imports only typer and rich;
each command imports what it needs when it runs.
"""
from __future__ import annotations

import importlib
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Optional

import typer
from rich.console import Console
from rich.table import Table
from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import TyperCommand, TyperGroup

from beltroad.io.console import fail

# command name -> (module, attribute: a typer.Typer sub-app or a command function, the command `--help` lists it
# after). These modules import their packages' cores (pandas, scipy) on import, so they load only when their
# command runs or `--help` lists them.
LAZY_COMMANDS = {
    "appraise": ("beltroad.appraisal.cli", "appraise_command", "serve"),
    "sweep": ("beltroad.appraisal.cli", "sweep_command", "appraise"),
    "net": ("beltroad.digital.cli", "net_app", "scenarios"),
    "energy": ("beltroad.energy.cli", "energy_app", "net"),
    "assign": ("beltroad.flows.cli", "assign_app", "energy"),
}


# ------------------------------------------------------------------------------------------ option values
# typer (0.29) converts every option value through a pydantic TypeAdapter built on first use; importing pydantic
# and building the adapters costs a one-shot `beltroad route` ~0.07 s of its ~0.45 s. The values of this
# module's commands are plain (str, int, float, bool, lists of str), so `PlainValue` converts a value here when
# its text is unambiguous ('3', '-1.5e3') and hands anything else (a malformed or out-of-range number, a path)
# to typer's own conversion, which then gives typer's usual message: the result and every message are typer's.
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class PlainValue(RuntimeParam):
    """typer's conversion of an option value, without pydantic for a str, an unambiguous int or float, a bool or a
    list of str (an option not given, None, never reaches it)."""

    def _coerce_value(self, value: Any, param, ctx) -> Any:
        kind, info = self.annotation, self.parameter_info
        if kind is bool and isinstance(value, bool):
            return value
        if kind is str and isinstance(value, str):
            return value
        if kind == List[str] and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return list(value)
        if kind in (int, float):
            number = None
            if isinstance(value, str) and (_INT if kind is int else _FLOAT).fullmatch(value):
                number = kind(value)  # the command line's text
            elif type(value) is int or (kind is float and type(value) is float):
                number = kind(value)  # a default
            if (number is not None and abs(number) < (2 ** 63 if kind is int else float("inf")) and not info.clamp
                    and (info.min is None or number >= info.min) and (info.max is None or number <= info.max)):
                return number
        return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)


def plain_values(params: list) -> list:
    """`params` with `PlainValue` conversion where their type allows it (others keep typer's)."""
    for p in params:
        desc = p.type_descriptor
        if p._runtime_param is None and desc.file_annotation is None and desc.parameter_info.parser is None:
            p._runtime_param = PlainValue(annotation=desc.annotation, parameter_info=desc.parameter_info)
    return params


class PlainCommand(TyperCommand):
    """A command of this module: plain option values are converted without pydantic (see `PlainValue`)."""

    def get_params(self, ctx) -> list:
        return plain_values(super().get_params(ctx))


class LazyGroup(TyperGroup):
    """The root command group: commands of LAZY_COMMANDS are imported when first looked up."""

    def get_params(self, ctx) -> list:
        return plain_values(super().get_params(ctx))

    def list_commands(self, ctx) -> list[str]:
        names = list(super().list_commands(ctx))
        for name, (_, _, after) in LAZY_COMMANDS.items():
            if name not in names:
                names.insert(names.index(after) + 1 if after in names else len(names), name)
        return names

    def get_command(self, ctx, cmd_name: str):
        cmd = super().get_command(ctx, cmd_name)
        if cmd is None and cmd_name in LAZY_COMMANDS:
            module, attr, _ = LAZY_COMMANDS[cmd_name]
            obj = getattr(importlib.import_module(module), attr)
            holder = typer.Typer(add_completion=False)  # registered as `app.add_typer` / `app.command` would
            if isinstance(obj, typer.Typer):
                holder.add_typer(obj, name=cmd_name)
            else:
                holder.command(cmd_name)(obj)
            built = typer.main.get_command(holder)
            cmd = built.commands[cmd_name] if isinstance(built, TyperGroup) else built
            self.add_command(cmd, cmd_name)
        return cmd


app = typer.Typer(add_completion=False, no_args_is_help=True, cls=LazyGroup,
                  help="beltroad: routes, scenarios and impacts on the Belt and Road transport network.")
data_app = typer.Typer(no_args_is_help=True, help="Inspect, validate and export the embedded dataset.")
app.add_typer(data_app, name="data")
console = Console()
err = Console(stderr=True)


# commands whose arguments may be negative coordinates ('-33.92,18.42' is a place, not an option)
PLACE_ARGS = {"ignore_unknown_options": True}


@contextmanager
def user_errors(writing: Path | None = None) -> Iterator[None]:
    """Report user errors (and, when writing a file, OS errors) as a message and the table's exit code."""
    from beltroad.places import PlaceError
    from beltroad.service import USER_ERRORS, outcome_of

    try:
        yield
    except USER_ERRORS as exc:
        if isinstance(exc, PlaceError) and exc.candidates:
            _print_candidates(exc)
        fail(str(exc), outcome_of(exc).exit_code)
    except OSError as exc:
        if writing is None:
            raise
        fail(f"cannot write {writing}: {exc.strerror or exc}")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _print_candidates(exc) -> None:
    t = Table(title=f"'{exc.query}' is ambiguous")
    for col in ("name", "country", "lat", "lon", "population", "kind"):
        t.add_column(col)
    for c in exc.candidates:
        t.add_row(c.name, c.country, f"{c.lat:.3f}", f"{c.lon:.3f}", f"{c.population:,}", c.kind)
    console.print(t)


# ------------------------------------------------------------------------------------------ data
@data_app.command("check")
def data_check(path: Optional[Path] = typer.Option(None, help="Dataset folder (default: the embedded one).")) -> None:
    """Validate the dataset; exit non-zero with row-level messages on any problem."""
    from beltroad.data import check_dataset, load_dataset
    from beltroad.data.loader import DataError

    try:
        ds = load_dataset(path)
    except DataError as exc:
        fail(str(exc))
    found = check_dataset(ds, warnings=True)
    issues = [i for i in found if i.severity == "error"]
    for i in found:
        if i.severity != "error":
            err.print(str(i), markup=False, highlight=False)
    if issues:
        for i in issues:
            err.print(str(i), markup=False, highlight=False)
        fail(f"{len(issues)} problem(s) in {ds.root}", code=1)
    console.print(f"[green]ok[/]: {len(ds.nodes)} nodes, {len(ds.links)} links, {len(ds.crossings)} crossings, "
                  f"{len(ds.projects)} projects, {len(ds.sources)} sources — every rule passes"
                  + (f" ({len(found)} warning(s) above)." if found else "."))


@data_app.command("stats")
def data_stats() -> None:
    """Counts by mode, country and corridor."""
    from beltroad.analysis.stats import LENGTH_BASES, STATUSES, dataset_stats
    from beltroad.data import embedded_dataset

    st = dataset_stats(embedded_dataset())
    t = Table(title="Links by mode and status")
    for col in ("mode", *STATUSES, "km (open)", "length: " + "/".join(LENGTH_BASES)):
        t.add_column(col)
    for r in st.by_mode.to_dict("records"):
        t.add_row(r["mode"], *(str(r[s]) for s in STATUSES), f"{r['km_open']:,.0f}",
                  "/".join(str(r[f"length_{b}"]) for b in LENGTH_BASES))
    console.print(t)
    t = Table(title="Links by corridor")
    for col in ("corridor", "links", "rail", "road", "ferry", "km"):
        t.add_column(col)
    for r in st.by_corridor.to_dict("records"):
        t.add_row(r["corridor"], str(r["links"]), str(r["rail"]), str(r["road"]), str(r["ferry"]), f"{r['km']:,.0f}")
    console.print(t)
    t = Table(title="Nodes by country (top 25) and kind")
    for col in st.by_country.columns:
        t.add_column(str(col))
    for r in st.by_country.itertuples(index=False):
        t.add_row(*(str(v) for v in r))
    console.print(t)
    n = st.totals
    console.print(f"{n['nodes']} nodes in {n['countries']} countries, {n['links']} links, {n['crossings']} crossings "
                  f"({n['gauge_changes']} gauge changes), {n['projects']} BRI projects, {n['sources']} sources.")


@data_app.command("export")
def data_export(file: Path = typer.Argument(..., help="Output file"),
                format: str = typer.Option("geojson", "--format", "-f", help="geojson | gpkg | parquet")) -> None:
    """Write the network for QGIS and GeoPandas users."""
    from beltroad.io.export import export_network
    from beltroad.service import load_network

    with user_errors(writing=file):
        out = export_network(load_network(), format, file)
    console.print(f"wrote {out}")


# ------------------------------------------------------------------------------------------ places
@app.command("places", context_settings=PLACE_ARGS, cls=PlainCommand)
def places(query: str = typer.Argument(..., help="A name, 'Name, CC', a UN/LOCODE, a node id or 'lat,lon'"),
           limit: int = typer.Option(10, min=1, max=50)) -> None:
    """Look a place up: the resolved place, or candidates / suggestions."""
    from beltroad.service import default_session

    with user_errors():
        p = default_session().resolve(query)
    console.print(f"[bold]{_escape(p.name)}[/] ({p.country}) {p.lat:.4f},{p.lon:.4f} kind={p.kind}"
                  + (f" node={p.node_id}" if p.node_id else "") + (f" locode={p.locode}" if p.locode else ""))


# ------------------------------------------------------------------------------------------ route
@app.command("route", context_settings=PLACE_ARGS, cls=PlainCommand)
def route(origin: str = typer.Argument(..., help="Origin place"),
          destination: str = typer.Argument(..., help="Destination place"),
          alternatives: int = typer.Option(3, "--alternatives", "-n", help="How many ranked alternatives (1-10)"),
          optimize: str = typer.Option("time", "--optimize", "-o", help="time | cost | co2 | generalized"),
          mode: str = typer.Option("multimodal", "--mode", help="Main haul: rail | sea | road | inland_water | multimodal"),
          avoid_country: List[str] = typer.Option([], "--avoid-country", help="ISO code; repeatable"),
          avoid_passage: List[str] = typer.Option([], "--avoid-passage", help="suez, bab-el-mandeb, hormuz, ...; repeatable"),
          via: List[str] = typer.Option([], "--via", help="A place the route must pass; repeatable"),
          max_transfers: Optional[int] = typer.Option(None, "--max-transfers"),
          max_drayage_km: Optional[float] = typer.Option(None, "--max-drayage-km", help="Radius (km, as the crow "
                                                         "flies) of first/last-mile trucking to a terminal; default "
                                                         "150 (Directive 92/106/EEC)"),
          teu: float = typer.Option(1.0, "--teu", help="Number of TEU (cost and CO2 scale with it)"),
          tonnes: Optional[float] = typer.Option(None, "--tonnes", help="Cargo tonnes (converted to TEU at the "
                                                 "payload in parameters.yaml, teu_payload_t)"),
          value_of_time: Optional[float] = typer.Option(None, "--value-of-time", help="USD per TEU per day"),
          carbon_price: Optional[float] = typer.Option(None, "--carbon-price", help="USD per tonne CO2e"),
          scenario: Optional[str] = typer.Option(None, "--scenario", help="Scenario name or YAML file"),
          month: Optional[int] = typer.Option(None, "--month", help="1-12: close seasonal links (mountain passes)"),
          format: str = typer.Option("table", "--format", "-f", help="table | json | geojson"),
          map_file: Optional[Path] = typer.Option(None, "--map", help="Write a self-contained HTML map")) -> None:
    """Ranked multimodal alternatives from ORIGIN to DESTINATION."""
    from beltroad.io import jsonout
    from beltroad.service import default_session

    if format not in ("table", "json", "geojson"):
        fail(f"--format '{format}' is not one of table, json, geojson")
    s = default_session()
    with user_errors():
        result = s.plan(origin, destination, objective=optimize, alternatives=alternatives, mode=mode,
                        avoid_countries=avoid_country, avoid_passages=avoid_passage, via=via,
                        max_transfers=max_transfers, max_drayage_km=max_drayage_km, teu=teu, tonnes=tonnes,
                        scenario=scenario, value_of_time_usd_per_teu_day=value_of_time,
                        carbon_price_usd_per_t=carbon_price, month=month)
    if map_file:
        from beltroad.io.atomic import atomic_file
        from beltroad.io.export import route_map_html

        with user_errors(writing=map_file), atomic_file(map_file) as tmp:
            tmp.write_text(route_map_html(result, s.network))
    if format == "json":
        sys.stdout.write(jsonout.dumps(result.to_dict(), indent=2) + "\n")
    elif format == "geojson":
        sys.stdout.write(jsonout.dumps(result.to_geojson()) + "\n")
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
          time_limit: float = typer.Option(30.0, "--time-limit", min=0.1, help="Seconds allowed per request"),
          allowed_host: List[str] = typer.Option([], "--allowed-host",
                                                 help="Host name the server answers besides the loopback names "
                                                      "(repeatable; also BELTROAD_ALLOWED_HOSTS)"),
          workers: Optional[int] = typer.Option(None, "--workers", min=1, max=64,
                                                help="Server processes, each with its own network, planners and "
                                                     "compare worker (default: one per CPU core available)"),
          access_log: bool = typer.Option(False, "--access-log",
                                          help="Log a line per request (off by default: ~0.1 ms of CPU each)")) -> None:
    """Run the web app (map planner) and the JSON API (docs at /docs)."""
    import os

    from beltroad.api.app import allowed_hosts_from_env, serve as serve_app

    hosts = [*allowed_hosts_from_env(), *allowed_host]
    if host not in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::"):
        hosts.append(host)  # a specific interface: its own address is a name clients use
    n = workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    # every worker process builds its app from the environment (`api.app.app_from_env`): planning holds the GIL
    # while it measures a path, so one process per core is what lets routes be computed side by side
    os.environ["BELTROAD_ALLOWED_HOSTS"] = ",".join(hosts)
    os.environ["BELTROAD_TIME_LIMIT_S"] = repr(time_limit)
    console.print(f"beltroad: {n} worker process{'es' * (n > 1)} loading the network, then serving on "
                  f"http://{host}:{port}/  (API docs: /docs)")
    serve_app(host, port, n, access_log=access_log)


# ------------------------------------------------------------------------------------------ scenarios
scen_app = typer.Typer(no_args_is_help=True, help="Shipped scenario presets and user scenario files.")
app.add_typer(scen_app, name="scenarios")
# net, energy, appraise, sweep, assign: LAZY_COMMANDS (above)


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

    from beltroad.scenario import load_scenario

    with user_errors():
        sc = load_scenario(name)
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
    from beltroad.io.atomic import atomic_file
    from beltroad.service import default_session

    with user_errors(), _progress_bar() as bar:
        task = bar.add_task(f"skim {scenario}", total=None)
        df = default_session().skim(scenario, cities, optimize,
                                    progress=lambda done, total: bar.update(task, completed=done, total=total))
    with user_errors(writing=out), atomic_file(out) as tmp:
        df.to_csv(tmp, index=False) if out.suffix == ".csv" else df.to_parquet(tmp, index=False)
    console.print(f"{len(df):,} pairs ({(~df['reachable']).sum():,} unreachable) written to {out}")


@app.command("compare")
def compare_cmd(base: str = typer.Argument(..., help="Base scenario"),
                scenario: str = typer.Argument(..., help="Scenario to compare"),
                cities: str = typer.Option("world-1000", "--cities"),
                optimize: str = typer.Option("time", "--optimize", "-o"),
                out: Path = typer.Option(Path("out/compare"), "--out", help="Output folder"),
                bounds: bool = typer.Option(False, "--bounds", help="Add the fixed-mode lower bound (3 skims more)"),
                accounting: str = typer.Option("beltroad", "--accounting",
                                               help="beltroad | papers | both (World Bank papers' time accounting)"),
                groups: str = typer.Option("default", "--groups", help="default | world-bank (71 BRI economies, corridors)"),
                pairs_csv: bool = typer.Option(False, "--pairs-csv",
                                               help="Also write pairs.csv (pairs.parquet is always written)"),
                flows: bool = typer.Option(False, "--flows", help="Also assign the container demand in both "
                                           "scenarios: diverted TEU, bottlenecks, congestion delay (flows_*.csv)"),
                ) -> None:
    """City-pair, economy, group and corridor changes plus a report (report.html, report.md)."""
    import pyarrow as pa

    from beltroad.analysis import compare
    from beltroad.analysis.memory import return_large_blocks_at_once
    from beltroad.service import default_session

    # Arrow's default pool (mimalloc) keeps freed pages: ~30-40 MB more peak RSS at 1M pairs, no faster here.
    # A process-wide choice, so the face makes it, not the library.
    pa.set_memory_pool(pa.system_memory_pool())
    # and blocks of 1 MB or more mapped on their own, returned when freed: ~5-10 MB less peak RSS at 1M pairs
    return_large_blocks_at_once()
    with user_errors(), _progress_bar() as bar:
        tasks: dict = {}

        def progress(name, done, total):
            if name not in tasks:
                tasks[name] = bar.add_task(f"skim {name}", total=total)
            bar.update(tasks[name], completed=done)

        c = compare(base, scenario, cities=cities, objective=optimize, session=default_session(), progress=progress,
                    bounds=bounds, accounting=accounting, groups=groups)
    with user_errors(writing=out):
        c.write(out, pairs_csv=pairs_csv)
    if flows:
        _compare_flows(base, scenario, out)
    if groups == "world-bank" or accounting != "beltroad":
        _print_accountings(c, accounting if groups != "world-bank" or accounting != "beltroad" else "both", bounds)
        console.print(f"report: {out / 'report.html'}")
        return
    t = Table(title=f"{scenario} vs {base} ({c.metadata['n_cities']} cities, {c.metadata['city_pairs']:,} pairs)")
    for col in ("group", "pairs", "days base", "days scenario", "change days", "change %", "trade cost pp of value"):
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


def _compare_flows(base: str, scenario: str, out: Path) -> None:
    """`compare --flows`: the same demand assigned in both scenarios (beltroad.flows), diversion and bottlenecks."""
    from beltroad import flows as fl
    from beltroad.io.atomic import atomic_file
    from beltroad.service import default_session

    s = default_session()
    with user_errors():
        a, demand = fl.run(base, session=s)
        b, _ = fl.run(scenario, demand=demand, session=s)
        tables = fl.compare_flows(a, b)
    with user_errors(writing=out):
        out.mkdir(parents=True, exist_ok=True)
        for name, df in tables.items():
            with atomic_file(out / f"flows_{name}.csv") as tmp:
                df.to_csv(tmp, index=False)
    t = Table(title=f"Container flows, {scenario} vs {base} (TEU a year; same demand)")
    for col in ("indicator", "base", "scenario", "change"):
        t.add_column(col, justify="right")
    for r in tables["indicators"].to_dict("records"):
        t.add_row(str(r["indicator"]), f"{r['teu_base']:,.0f}", f"{r['teu_scenario']:,.0f}", f"{r['change_teu']:+,.0f}")
    console.print(t)
    el = tables["elements"].sort_values("v_c_scenario", ascending=False).head(8)
    t = Table(title="Binding bottlenecks in the scenario (volume / capacity)")
    for col in ("element", "v/c base", "v/c scenario", "delay h scenario"):
        t.add_column(col, justify="right")
    for r in el.to_dict("records"):
        t.add_row(str(r["name"]), f"{r['v_c_base']:.2f}", f"{r['v_c_scenario']:.2f}", f"{r['delay_h_scenario']:.1f}")
    console.print(t)


def _print_accountings(c, accounting: str, bounds: bool) -> None:
    """Headline table with beltroad's and/or the World Bank papers' accounting (analysis.worldbank)."""
    g = c.accounting_groups()
    t = Table(title=f"{c.scenario} vs {c.base} ({c.metadata['n_cities']} cities, {c.metadata['city_pairs']:,} pairs)")
    cols = [("group", "group", None), ("pairs", "city_pairs", "{:,}")]
    if accounting in ("beltroad", "both"):
        cols += [("days (beltroad)", "transit_days_base", "{:.2f}"), ("Δ time % beltroad", "transit_days_change_pct", "{:+.2f}"),
                 ("Δ trade cost pp of value", "trade_cost_change_pp", "{:+.3f}")]
    if accounting in ("papers", "both"):
        cols += [("days (papers)", "papers_days_base", "{:.2f}"), ("Δ time % papers", "papers_days_change_pct", "{:+.2f}"),
                 ("Δ time % no fixed", "nofixed_days_change_pct", "{:+.2f}"),
                 ("Δ trade cost % rel. (low…high)", "trade_cost_rel_change_pct", None)]
    if bounds and "transit_days_change_fixed_mode_pct" in g.columns:
        cols.append(("Δ time % fixed mode (beltroad's bound)", "transit_days_change_fixed_mode_pct", "{:+.2f}"))
    for label, _, _ in cols:
        t.add_column(label, justify="right")
    for r in g.to_dict("records"):
        row = []
        for _, key, fmt in cols:
            v = r.get(key)
            if key == "trade_cost_rel_change_pct":
                row.append(f"{v:+.3f} ({r['trade_cost_rel_change_pct_low']:+.3f}…{r['trade_cost_rel_change_pct_high']:+.3f})")
            else:
                row.append(str(v) if fmt is None else fmt.format(v))
        t.add_row(*row)
    console.print(t)
    v = c.metadata["value_of_time"]
    console.print("papers: each land border crossing costs the exporting side's Doing Business export time, no "
                  "port waiting, no end customs (Reed & Trubetskoy 2019); no fixed: beltroad without end customs and "
                  "port dwell; trade cost rel. = relative change of 1 + a·days, "
                  f"a = {v['ad_valorem_pct_per_day']} %/day ({v['low']}–{v['high']}, Hummels & Schaur 2013); "
                  "pp = Δdays × %/day, points of cargo value.")


@app.command("timeline", context_settings=PLACE_ARGS)
def timeline_cmd(origin: str = typer.Argument(...), destination: str = typer.Argument(...),
                 from_year: int = typer.Option(2013, "--from"), to_year: int = typer.Option(2030, "--to"),
                 optimize: str = typer.Option("time", "--optimize", "-o", help="time | cost | co2 | generalized"),
                 chart: Optional[Path] = typer.Option(None, "--chart", help="Write a PNG chart")) -> None:
    """Best time, cost and route for each year as projects open (planned projects at their planned year)."""
    from beltroad.io.charts import timeline_chart
    from beltroad.service import timeline

    with user_errors():
        o, d, df = timeline(origin, destination, from_year, to_year, optimize)
    t = Table(title=f"{o.label} → {d.label}: best route by year (optimise {optimize})")
    for col in ("year", "days", "USD/TEU", "route"):
        t.add_column(col)
    for r in df.itertuples(index=False):
        t.add_row(str(r.year), f"{r.transit_days:.1f}", f"{r.cost_usd:,.0f}", r.summary)
    console.print(t)
    if chart:
        with user_errors(writing=chart):
            timeline_chart(df, f"{o.name} → {d.name}", chart)
        console.print(f"chart written to {chart}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
