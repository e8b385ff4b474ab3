"""Uncertainty sweeps: draw parameters within their sourced ranges and report bands, not points.

A sweep spec (YAML, pydantic-validated; errors name the field and the line) names a scenario pair (`base`,
`scenario`) or an appraisal (`appraisal: {projects, scenario}`), a city set, a number of draws, a sampling
method (Latin hypercube via scipy.stats.qmc, or Monte Carlo) and a seed. Parameters with a sourced range in
the data files (value of time, carbon price, market-access elasticity, transshipment and port dwell) take
that range unless the spec narrows it; override factors (speed, cost, border time by mode, corridor or
country) need `low`, `high` and `source` in the spec. Same spec and seed, same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

import numpy as np
import pandas as pd
import yaml

from beltroad.data.yaml_lines import field_errors
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .projects import appraisal_plan, fingerprint, label, parse_projects, places_signature
from .metrics import market_access_theta
from .runner import CmpTask, Plan, RefTask, execute
from .states import FILE_PARAMETERS, StateSpec, check_parameter_name, file_parameter

EXAMPLE_DIR = Path(__file__).resolve().parent / "specs"
QUANTILES = {"p5": 0.05, "p50": 0.50, "p95": 0.95}


class SpecError(ValueError):
    """A sweep spec cannot be read or is malformed; the message names the file, line and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Parameter(_Strict):
    name: str = Field(description="a data-file parameter (e.g. value_of_time.ad_valorem_pct_per_day) or a factor "
                                  "(speed_factor.rail, cost_factor.sea, border_time_factor.*)")
    low: float | None = None
    high: float | None = None
    source: str | None = Field(None, description="source ids for the range; required for factors")

    @field_validator("name")
    @classmethod
    def _known(cls, v: str) -> str:
        check_parameter_name(v)
        return v

    @model_validator(mode="after")
    def _range(self) -> "Parameter":
        if self.name not in FILE_PARAMETERS:
            if self.low is None or self.high is None or not self.source:
                raise ValueError(f"'{self.name}' has no range in the data files: give low, high and source")
            if self.low < 0:
                raise ValueError("a factor cannot be negative")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self


class AppraisalTarget(_Strict):
    projects: list[str] | None = Field(None, description="project ids or bundles (P05+P14); default: all")
    scenario: str = "bri-planned"


class SweepSpec(_Strict):
    name: str
    description: str = ""
    base: str | None = None
    scenario: str | None = None
    appraisal: AppraisalTarget | None = None
    cities: str = "world-200"
    objective: Literal["time", "cost", "generalized"] = "time"
    draws: int = Field(100, ge=1, le=100000)
    method: Literal["lhs", "montecarlo"] = "lhs"
    seed: int = 0
    parameters: list[Parameter] = Field(min_length=1)

    @model_validator(mode="after")
    def _target(self) -> "SweepSpec":
        pair = self.base is not None and self.scenario is not None
        if pair == (self.appraisal is not None):
            raise ValueError("give either a scenario pair (base and scenario) or an appraisal, not both or neither")
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError("a parameter is listed twice")
        return self


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec; a shipped example may be named without its path."""
    p = Path(path)
    if not p.exists() and (EXAMPLE_DIR / f"{path}.yaml").exists():
        p = EXAMPLE_DIR / f"{path}.yaml"
    try:
        text = p.read_text()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SpecError(f"{p}{':' + str(mark.line + 1) if mark else ''}: not valid YAML") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{p}:1: a sweep spec must be a mapping (name, base/scenario or appraisal, parameters)")
    data.setdefault("name", p.stem)
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError("; ".join(field_errors(exc, text, str(p)))) from None


def parameter_ranges(net, spec: SweepSpec) -> pd.DataFrame:
    """name, low, high, value (point), source of every varied parameter."""
    rows = []
    for prm in spec.parameters:
        if prm.name in FILE_PARAMETERS:
            entry = file_parameter(net, prm.name)
            if "low" not in entry and prm.low is None:
                raise SpecError(f"parameter '{prm.name}' has no sourced low/high in the data files: give low, high and source")
            low = float(entry.get("low")) if prm.low is None else prm.low
            high = float(entry.get("high")) if prm.high is None else prm.high
            value, source = float(entry["value"]), prm.source or str(entry.get("source", ""))
        else:
            low, high, value, source = float(prm.low), float(prm.high), 1.0, str(prm.source)
        rows.append({"parameter": prm.name, "low": low, "high": high, "value": value, "source": source})
    return pd.DataFrame(rows)


def draw_parameters(ranges: pd.DataFrame, n: int, method: str, seed: int) -> pd.DataFrame:
    """n draws (rows) of the parameters (columns), uniform within [low, high]; reproducible from the seed."""
    from scipy.stats import qmc

    d = len(ranges)
    u = qmc.LatinHypercube(d=d, seed=seed).random(n) if method == "lhs" else np.random.default_rng(seed).random((n, d))
    low, high = ranges["low"].to_numpy(float), ranges["high"].to_numpy(float)
    vals = low + u * (high - low)
    df = pd.DataFrame(vals, columns=ranges["parameter"].tolist())
    df.insert(0, "draw", np.arange(n))
    return df


@dataclass
class SweepResult:
    """Bands (p5/p50/p95 of every reported change), the sensitivity ranking, the draws and all rows."""

    bands: pd.DataFrame
    sensitivity: pd.DataFrame
    draws: pd.DataFrame
    ranges: pd.DataFrame
    rows: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def write(self, out_dir: str | Path) -> Path:
        """bands, sensitivity, draws and ranges (parquet and csv), metadata.json and the report in `out_dir`."""
        from .report import write_sweep_report, write_tables

        tables = {name: getattr(self, name) for name in ("bands", "sensitivity", "draws", "ranges")}
        out = write_tables(out_dir, tables, self.meta)
        write_sweep_report(self, out)
        return out


def summarise(rows: pd.DataFrame, draws: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quantile bands per (keys, level, key, metric) and Spearman rank correlations for group-level metrics."""
    from scipy.stats import spearmanr

    by = keys + ["level", "key", "metric"]
    g = rows.groupby(by, sort=True)["value"]
    bands = g.quantile(list(QUANTILES.values())).unstack()
    bands.columns = list(QUANTILES)
    bands["mean"] = g.mean()
    bands["draws"] = g.count()
    bands = bands.reset_index()
    params = [c for c in draws.columns if c != "draw"]
    grp = rows[(rows["level"] == "group") & (rows["metric"] != "city_pairs")].merge(draws, on="draw")
    sens = []
    for k, sub in grp.groupby(keys + ["key", "metric"], sort=True):
        for prm in params:
            x, y = sub[prm].to_numpy(float), sub["value"].to_numpy(float)
            ok = np.isfinite(x) & np.isfinite(y)
            if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
                rho = np.nan
            else:
                rho = float(spearmanr(x[ok], y[ok]).statistic)
            sens.append(dict(zip(keys + ["group", "metric"], k if isinstance(k, tuple) else (k,)), parameter=prm,
                             spearman_rho=rho))
    sens = pd.DataFrame(sens)
    if len(sens):
        sens["abs_rho"] = sens["spearman_rho"].abs()
        sens = sens.sort_values(keys + ["group", "metric", "abs_rho"], ascending=[True] * (len(keys) + 2) + [False],
                                na_position="last")
        sens["rank"] = sens.groupby(keys + ["group", "metric"]).cumcount() + 1
        sens = sens.drop(columns="abs_rho")
    return bands, sens


def sweep(spec: SweepSpec | str | Path, *, cities: str | list | None = None, draws: int | None = None,
          out_dir: str | Path | None = None, scheduler: str | None = "inline", workers: int | None = None,
          session=None, progress: Callable[[int, int], None] | None = None, client=None) -> SweepResult:
    """Run a sweep: every draw skims its states; partitions land in `out_dir`/parts (a rerun resumes)."""
    from beltroad.places.cities import city_set
    from beltroad.scenario import load_scenario
    from beltroad.routing.session import default_session

    spec = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    s = session or default_session()
    net = s.network
    for name in ([spec.base, spec.scenario] if spec.appraisal is None else [spec.appraisal.scenario]):
        load_scenario(name)
    city_arg = cities if cities is not None else spec.cities
    places = city_set(city_arg, s.gazetteer) if isinstance(city_arg, str) else list(city_arg)
    n = draws or spec.draws
    ranges = parameter_ranges(net, spec)
    dr = draw_parameters(ranges, n, spec.method, spec.seed)
    pct0 = float(net.params["value_of_time"]["ad_valorem_pct_per_day"]["value"])
    cargo = float(net.params["value_of_time"]["cargo_value_usd_per_teu"]["value"])
    theta0 = market_access_theta(net)
    refs, cmps = [], []
    items = None
    if spec.appraisal is not None:
        inventory = sorted(net.projects["id"].astype(str).unique())
        items = parse_projects(spec.appraisal.projects, inventory)
    for rec in dr.to_dict("records"):
        d = int(rec.pop("draw"))
        params = {k: float(v) for k, v in rec.items()}
        if items is not None:
            p = appraisal_plan(net, places, items, scenario=spec.appraisal.scenario, objective=spec.objective,
                               params=params, draw=d, prefix=f"d{d:05d}-")
            refs += p.refs
            cmps += p.cmps
            continue
        pt = tuple(sorted(params.items()))
        ref = RefTask(f"d{d:05d}-base", StateSpec(spec.base, (), pt))
        refs.append(ref)
        cmps.append(CmpTask(f"d{d:05d}-scenario", StateSpec(spec.scenario, (), pt), ref.key, (("draw", d),),
                            pct_per_day=params.get("value_of_time.ad_valorem_pct_per_day", pct0), cargo_usd=cargo,
                            theta=params.get("market_access.theta", theta0)))
    meta = {"kind": "sweep", "spec": spec.model_dump(), "draws": n, "cities": city_arg if isinstance(city_arg, str)
            else "custom", "n_cities": len(places), "places": places_signature(places), "dataset_hash": net.content_hash,
            "ranges": ranges.to_dict("records")}
    plan = Plan(refs=refs, cmps=cmps, meta={**meta, "fingerprint": fingerprint(meta)})
    rows = execute(plan, net, places, out_dir, objective=spec.objective, scheduler=scheduler, workers=workers,
                   progress=progress, client=client, scratch_prefix="beltroad-sweep-")
    keys = ["project", "direction"] if items is not None else []
    bands, sens = summarise(rows, dr, keys)
    meta["target"] = (f"appraisal of {', '.join(label(i) for i in items)} in {spec.appraisal.scenario}"
                      if items is not None else f"{spec.base} -> {spec.scenario}")
    return SweepResult(bands=bands, sensitivity=sens, draws=dr, ranges=ranges, rows=rows, meta=meta)


__all__ = ["SpecError", "SweepResult", "SweepSpec", "draw_parameters", "load_spec", "parameter_ranges", "summarise",
           "sweep"]
