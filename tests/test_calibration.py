"""Calibration against published transit times: the observation file, the comparison, the fit, and the
regression guard against the committed report (calibration/report.json).

All on the real shipped data. Regenerate the committed report after a model change with
`python tools/calibrate.py --out docs/validation.md` (rewrites docs/validation.md and calibration/report.json).
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

from beltroad.analysis import calibration as cal
from beltroad.data import DATA_DIR

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "calibration" / "report.json"
# the validation set's median absolute % error may not get worse than the committed report by more than this
REGRESSION_MARGIN_PP = 5.0


@pytest.fixture(scope="module")
def observed() -> pd.DataFrame:
    return cal.load_observed()


@pytest.fixture(scope="module")
def evaluated(observed, session) -> pd.DataFrame:
    return cal.evaluate(observed, session=session)


# --------------------------------------------------------------------------- the observation file

def test_observation_file_has_enough_sourced_rows(observed):
    assert len(observed) >= 70
    assert list(pd.read_csv(cal.default_observed_path(), nrows=0).columns) == cal.COLUMNS
    assert observed["source"].str.strip().ne("").all(), observed.loc[observed["source"].str.strip().eq(""), "id"]
    assert observed["url"].str.startswith("http").all(), observed.loc[~observed["url"].str.startswith("http"), "id"]
    assert (observed["transit_days"] > 0).all()
    lo, hi, mid = observed["transit_days_low"], observed["transit_days_high"], observed["transit_days"]
    assert not (lo.notna() & (lo > mid)).any() and not (hi.notna() & (hi < mid)).any()
    assert set(observed["mode"]) == set(cal.MODES)


def test_every_place_resolves(observed, session):
    names = sorted(set(observed["origin"]) | set(observed["destination"]))
    failures = {}
    for name in names:  # one call per distinct name
        try:
            session.resolve(name)
        except Exception as exc:
            failures[name] = str(exc)
    assert not failures, failures


def test_sets_follow_the_documented_rule(observed):
    assert (observed["set"] == cal.assign_sets(observed["id"]).values).all(), "a set was edited by hand"
    assert set(observed["set"]) == {"fit", "validation"}
    share = (observed["set"] == "validation").mean()
    assert 0.3 <= share <= 0.5
    for corridor, g in observed.groupby("corridor"):
        assert len(set(g["set"])) == (2 if len(g) >= 2 else 1), corridor
    for mode in cal.MODES:
        assert (observed[(observed["mode"] == mode)]["set"] == "fit").any(), mode


def test_malformed_observation_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "observed.csv"
    bad.write_text("id,origin,destination\nx-01,Chongqing,Duisburg\n")
    with pytest.raises(ValueError, match="columns must be exactly"):
        cal.load_observed(bad)
    good = pd.read_csv(cal.default_observed_path(), dtype=str, keep_default_na=False).head(2)
    good.loc[0, "transit_days"] = "about ten"
    good.to_csv(bad, index=False)
    with pytest.raises(ValueError, match="is not a number"):
        cal.load_observed(bad)


# --------------------------------------------------------------------------- the comparison

def _hand_value(route, measure: str) -> float:
    """The model's value on a measure, computed here from the route's own fields."""
    legs = [leg for leg in route.legs if not (leg.mode == "handling" and "customs" in leg.detail.lower())]
    if measure == "door_to_door":
        return getattr(route, "door_to_door_days", None) or route.transit_days
    if measure == "port_to_port":
        water = [i for i, leg in enumerate(legs) if leg.mode in ("sea", "ferry")]
        if getattr(route, "port_to_port_days", None) is not None:
            return route.port_to_port_days
        return sum(leg.transit_hours for leg in legs[water[0]: water[-1] + 1]) / 24
    if getattr(route, "terminal_to_terminal_days", None) is not None:
        return route.terminal_to_terminal_days
    while legs and legs[0].mode == "road":
        legs = legs[1:]
    while legs and legs[-1].mode == "road":
        legs = legs[:-1]
    return sum(leg.transit_hours for leg in legs) / 24


@pytest.mark.parametrize("obs_id", ["cre_north-04", "sea_asia_europe-05", "road_europe-02"])
def test_evaluate_matches_a_hand_computation(evaluated, observed, session, obs_id):
    row = evaluated.set_index("id").loc[obs_id]
    obs = observed.set_index("id").loc[obs_id]
    assert math.isfinite(row["model_days"]) and row["model_days"] > 0
    mode = obs["mode"] if obs["mode"] != "multimodal" else "multimodal"
    plan = session.plan(obs["origin"], obs["destination"], mode=mode, alternatives=3)
    route = next(r for r in plan.routes if r.rank == row["route_rank"])
    assert route.summary == row["route_summary"]
    if obs["mode"] != "multimodal":
        assert route.main_mode == obs["mode"]
    expected = _hand_value(route, obs["measure"])
    assert row["model_days"] == pytest.approx(expected, rel=1e-9)
    assert row["pct_error"] == pytest.approx(100 * (expected - obs["transit_days"]) / obs["transit_days"], rel=1e-9)
    if not math.isnan(obs["distance_km"]):
        assert math.isfinite(row["distance_pct_error"])


def test_route_via_picks_the_named_corridor(evaluated):
    ev = evaluated.set_index("id")
    # the Cape observation must be compared with a route that rounds the Cape, not the Suez one
    assert "cape" in ev.loc["sea_asia_europe-02", "route_summary"]
    assert "suez" in ev.loc["sea_asia_europe-05", "route_summary"]
    assert "MNG" in ev.loc["cre_mongolia-01", "route_countries"]


def test_summaries_by_set_corridor_and_mode(evaluated):
    s = cal.summarise(evaluated)
    for set_name in ("fit", "validation", "all"):
        overall = s[(s["set"] == set_name) & (s["by"] == "all")]
        assert len(overall) == 1
        assert 0 <= overall["share_within_20pct"].iloc[0] <= 1
    val = evaluated[evaluated["set"] == "validation"]
    v = s[(s["set"] == "validation") & (s["by"] == "all")].iloc[0]
    assert v["median_abs_pct_error"] == pytest.approx(val["abs_pct_error"].median())
    assert v["share_within_20pct"] == pytest.approx((val["abs_pct_error"] <= 20).mean())
    assert set(s[s["by"] == "corridor"]["group"]) == set(evaluated["corridor"])


# --------------------------------------------------------------------------- the fit

def _add_range(dataset: Path, low: float, high: float) -> None:
    """Give sea.service_speed_knots a range in the copy (A3.15: fleet 13.7 kn; A3.16: <= ~18 kn)."""
    p = dataset / "parameters.yaml"
    text = p.read_text()
    old = 'service_speed_knots: {value: 16, source:'
    assert old in text
    p.write_text(text.replace(old, f'service_speed_knots: {{value: 16, low: {low}, high: {high}, source:', 1))


def test_fit_stays_inside_the_sourced_range(dataset_copy, tmp_path, observed):
    shipped = hashlib.sha256((DATA_DIR / "parameters.yaml").read_bytes()).hexdigest()
    _add_range(dataset_copy, 13.7, 18.0)
    sea_fit = observed[(observed["mode"] == "sea") & (observed["set"] == "fit")].head(4)
    out = tmp_path / "fitted"
    res = cal.fit(["sea.service_speed_knots"], observed=sea_fit, dataset_dir=dataset_copy, out_dir=out,
                  grid_points=3)
    row = res.table.iloc[0]
    assert 13.7 <= row["after"] <= 18.0
    assert all(13.7 <= t["sea.service_speed_knots"] <= 18.0 for t in res.trials)
    assert len(res.trials) >= 3
    assert res.objective_after <= res.objective_before
    written = yaml.safe_load((out / "parameters.yaml").read_text())["sea"]["service_speed_knots"]
    assert 13.7 <= written["value"] <= 18.0 and written["value"] == pytest.approx(row["after"])
    assert written["calibrated"] == {"range": [13.7, 18], "report": "docs/validation.md"}
    assert written["source"] == "A3.15;A3.16;A3.17"
    # comments survive the rewrite, and the shipped file is untouched
    assert (out / "parameters.yaml").read_text().startswith("# Default model parameters.")
    assert hashlib.sha256((DATA_DIR / "parameters.yaml").read_bytes()).hexdigest() == shipped


def test_fit_refuses_a_parameter_without_a_sourced_range():
    with pytest.raises(ValueError, match="no sourced `low`/`high`"):
        cal.fit(["teu_payload_t"])
    with pytest.raises(ValueError, match="not in parameters.yaml"):
        cal.fit(["sea.no_such_parameter"])


def test_a_value_outside_the_range_is_never_written():
    text = (DATA_DIR / "parameters.yaml").read_text()
    with pytest.raises(ValueError, match="outside its range"):
        cal._set_value_only(text, "carbon_price_usd_per_t", 81, 40, 80)
    new = cal.set_parameter_text(text, "carbon_price_usd_per_t", 70, 40, 80)
    entry = yaml.safe_load(new)["carbon_price_usd_per_t"]
    assert entry["value"] == 70 and entry["low"] == 40 and entry["high"] == 80
    assert entry["calibrated"]["range"] == [40, 80]
    again = cal.set_parameter_text(new, "carbon_price_usd_per_t", 50, 40, 80)  # replaces, never duplicates
    assert again.count("calibrated:") == new.count("calibrated:") == text.count("calibrated:") + 1
    assert yaml.safe_load(again)["carbon_price_usd_per_t"]["value"] == 50


def test_runner_rejects_bad_input_without_a_traceback(capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("calibrate_tool", ROOT / "tools" / "calibrate.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(["--write"]) == 2
    assert tool.main(["--fit", "teu_payload_t"]) == 2
    err = capsys.readouterr().err
    assert "error: --write needs --fit" in err and "Traceback" not in err


# --------------------------------------------------------------------------- regression guard

def test_validation_fit_is_not_worse_than_the_committed_report(evaluated):
    committed = json.loads(REPORT.read_text())["sets"]["validation"]
    fresh = cal.summarise(evaluated)
    now = fresh[(fresh["set"] == "validation") & (fresh["by"] == "all")].iloc[0]
    assert now["n_evaluated"] == now["n"], "some validation rows could not be planned"
    assert now["median_abs_pct_error"] <= committed["median_abs_pct_error"] + REGRESSION_MARGIN_PP, (
        f"validation median |% error| {now['median_abs_pct_error']:.1f} vs committed "
        f"{committed['median_abs_pct_error']:.1f} (+{REGRESSION_MARGIN_PP} pp allowed); if the model changed on "
        "purpose, regenerate with `python tools/calibrate.py --out docs/validation.md`")
