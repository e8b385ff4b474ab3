"""Scenarios, skims and comparisons on the real embedded network."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from beltroad.analysis import aggregate, compare, compare_skims
from beltroad.routing.skim import skim
from beltroad.scenario import ScenarioError, list_scenarios, load_scenario
from beltroad.service import default_session

PRESETS = {"baseline", "pre-bri-2013", "bri-built", "bri-planned", "no-russia-belarus-transit", "red-sea-closed",
           "hormuz-closed", "malacca-closed", "middle-corridor-upgrade", "bri-border-reform"}


@pytest.fixture(scope="module")
def session():
    return default_session()


def test_presets_are_listed_with_descriptions_and_load():
    names = {s.name for s in list_scenarios()}
    assert PRESETS <= names
    for s in list_scenarios():
        assert s.description, s.name
        sc = load_scenario(s.name)
        assert sc.name == s.name
        assert sc.sources, f"{s.name} cites no source"


def test_base_chain_merges_closures_and_overrides():
    sc = load_scenario("bri-border-reform")
    assert sc.overrides.border_time_factor == {"*": 0.5}
    assert set(sc.projects.include_status) == {"under_construction", "planned"}


def test_malformed_scenario_names_field_and_line(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("name: bad\nyear: 2020\nclosures:\n  passages: [suez, atlantis]\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(str(f))
    msg = str(e.value)
    assert "closures.passages" in msg and ":4:" in msg and "atlantis" in msg
    f.write_text("name: bad\nyear: 2020\noverrides:\n  speed_factr: {rail: 2}\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(str(f))
    assert "overrides.speed_factr" in str(e.value) and ":4:" in str(e.value)
    f.write_text("name: bad\nyear: [1\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(str(f))
    with pytest.raises(ScenarioError, match="unknown scenario"):
        load_scenario("no-such-scenario")


def test_sanctions_raise_china_eu_rail_times_and_move_to_middle_corridor_or_sea(session):
    base = session.plan("Chongqing", "Duisburg", alternatives=1, scenario="baseline").routes[0]
    sanc = session.plan("Chongqing", "Duisburg", alternatives=3, scenario="no-russia-belarus-transit")
    assert "RUS" in base.countries and base.main_mode == "rail"
    assert sanc.routes[0].transit_days > base.transit_days
    for r in sanc.routes:
        assert not {"RUS", "BLR"} & set(r.countries)
    best = sanc.routes[0]
    assert best.main_mode == "sea" or "middle_corridor" in best.corridors or {"AZE", "GEO"} & set(best.countries)


def test_red_sea_closure_adds_the_cape_detour(session):
    base = session.plan("Singapore", "Rotterdam", mode="sea", alternatives=1).routes[0]
    closed = session.plan("Singapore", "Rotterdam", mode="sea", alternatives=1, scenario="red-sea-closed").routes[0]
    assert "suez" in base.passages
    assert "suez" not in closed.passages and "bab-el-mandeb" not in closed.passages
    assert "cape" in closed.passages
    # the detour is thousands of km (A6.14 quotes > 6,000 km) and adds days
    assert closed.distance_km - base.distance_km > 3000
    assert closed.transit_days - base.transit_days > 5


def test_bri_projects_shorten_corridor_economies_and_leave_far_pairs(session):
    gz = session.gazetteer
    names = ["Vientiane", "Kunming", "Mombasa", "Nairobi", "Djibouti", "Addis Ababa", "Almaty", "Aktau",
             "Lima", "Buenos Aires", "Bangkok", "Chongqing"]
    places = [gz.resolve(n) for n in names]
    c = compare("pre-bri-2013", "bri-built", cities=places, session=session)
    pairs = c.pairs.set_index(["origin", "destination"])

    def change(a, b):
        return pairs.loc[(gz.resolve(a).name, gz.resolve(b).name), "transit_days_change"]

    assert change("Bangkok", "Chongqing") < -1          # China-Laos railway (2021) ...
    bc = pairs.loc[(gz.resolve("Bangkok").name, gz.resolve("Chongqing").name)]
    assert bc["main_mode_base"] == "road" and bc["main_mode_scenario"] == "rail"  # ... takes the trip off the road
    # short hauls: the terminal handling and the wait for a departure eat the railways' speed gain, so the
    # new lines do not make these trips slower, and the trips keep the road (docs/validation.md)
    assert change("Vientiane", "Kunming") <= 0
    assert change("Mombasa", "Nairobi") <= 0             # Kenya SGR (2017)
    assert change("Djibouti", "Addis Ababa") <= 0        # Addis-Djibouti railway (2018)
    assert change("Almaty", "Aktau") <= 0               # Kazakh lines (Zhezkazgan-Beyneu 2014, ...)
    assert abs(change("Lima", "Buenos Aires")) < 1e-6   # nothing built there
    econ = c.economies.set_index("iso3")
    for iso in ("LAO", "KEN", "ETH"):
        assert econ.loc[iso, "change_days"] < 0, iso


def test_skim_marks_unreachable_pairs_without_numbers(session):
    gz = session.gazetteer
    places = [gz.resolve("Vientiane"), gz.resolve("Kunming")]
    state = session.state("baseline")
    state_closed = type(state)(**{**state.__dict__, "active": np.zeros_like(state.active)})
    df = skim(session.network, state_closed, places)
    # with no network edges, only each city's own (domestic) access links remain: Laos and China are cut apart
    assert set(df.columns) >= {"reachable", "transit_days", "cost_usd", "distance_km", "co2_kg", "main_mode"}
    assert (~df["reachable"]).all()
    assert df[["transit_days", "cost_usd", "distance_km", "co2_kg"]].isna().all().all()
    assert df["main_mode"].isna().all()


def test_skim_agrees_with_the_planner(session):
    gz = session.gazetteer
    places = [gz.resolve(n) for n in ("Chongqing", "Duisburg", "Almaty")]
    df = skim(session.network, session.state("baseline"), places).set_index(["origin", "destination"])
    r = session.plan("Chongqing", "Duisburg", alternatives=1).routes[0]
    got = df.loc[(places[0].name, places[1].name)]
    assert got["transit_days"] == pytest.approx(r.transit_days, rel=1e-4)
    assert got["cost_usd"] == pytest.approx(r.cost_usd, rel=1e-4)
    assert got["main_mode"] == r.main_mode


def test_aggregation_math_on_a_hand_built_frame():
    base = pd.DataFrame({
        "origin": ["a", "a", "b", "b"], "origin_country": ["AAA", "AAA", "BBB", "BBB"],
        "destination": ["b", "c", "a", "c"], "destination_country": ["BBB", "CCC", "AAA", "CCC"],
        "reachable": [True, True, True, False], "transit_days": [10.0, 20.0, 10.0, np.nan],
        "cost_usd": [1.0, 2.0, 1.0, np.nan], "distance_km": [5.0, 5.0, 5.0, np.nan],
        "co2_kg": [1.0, 1.0, 1.0, np.nan], "main_mode": ["rail", "sea", "rail", None]})
    scen = base.copy()
    scen["transit_days"] = [5.0, 20.0, 8.0, 12.0]
    scen["reachable"] = [True, True, True, True]
    pairs = compare_skims(base, scen, pct_per_day=1.0)
    assert list(pairs["transit_days_change"].round(6)[:3]) == [-5.0, 0.0, -2.0]
    assert list(pairs["transit_days_change_pct"].round(6)[:3]) == [-50.0, 0.0, -20.0]
    assert pairs["newly_reachable"].tolist() == [False, False, False, True]
    eco = pd.DataFrame({"iso3": ["AAA", "BBB", "CCC"], "name": ["A", "B", "C"], "region": ["R1", "R1", "R2"],
                        "bri_member": [True, False, False]})
    cp, econ, groups, corr, regions = aggregate(pairs, eco, {"ab": {"AAA", "BBB"}, "ac": {"AAA", "CCC"}})
    e = econ.set_index("iso3")
    assert e.loc["AAA", "transit_days_change_as_exporter"] == pytest.approx(-2.5)   # mean of -5 and 0
    assert e.loc["AAA", "transit_days_change_as_importer"] == pytest.approx(-2.0)
    assert e.loc["BBB", "transit_days_change_as_exporter"] == pytest.approx(-2.0)   # b->c unreachable in base: excluded
    g = groups.set_index("group")
    assert g.loc["world", "city_pairs"] == 3
    assert g.loc["world", "transit_days_change"] == pytest.approx(-7.0 / 3)
    assert g.loc["bri_economies", "transit_days_change"] == pytest.approx(-2.5)
    assert g.loc["world", "trade_cost_change_pct"] == pytest.approx(-7.0 / 3)
    r = regions.set_index("region_pair")
    assert r.loc["R1 -> R1", "city_pairs"] == 2
    c = corr.set_index("corridor")
    assert c.loc["ab", "city_pairs"] == 2 and c.loc["ab", "transit_days_change"] == pytest.approx(-3.5)
    assert c.loc["ac", "city_pairs"] == 1 and c.loc["ac", "transit_days_change"] == pytest.approx(0.0)


def test_compare_writes_tables_and_reports(session, tmp_path):
    gz = session.gazetteer
    places = [gz.resolve(n) for n in ("Chongqing", "Duisburg", "Warsaw", "Almaty")]
    c = compare("baseline", "no-russia-belarus-transit", cities=places, session=session)
    out = c.write(tmp_path / "cmp")
    for name in ("pairs.parquet", "economies.csv", "groups.csv", "corridors.csv", "region_pairs.csv", "report.html", "report.md",
                 "metadata.json"):
        assert (out / name).exists(), name
    assert "ad_valorem_pct_per_day" in (out / "metadata.json").read_text()
    assert (c.pairs["transit_days_change"].dropna() >= -1e-9).all()  # a closure never makes a trip faster


def test_fixed_mode_lower_bound_keeps_the_base_mode(session):
    """Without mode switching (the World Bank lower bound), Bangkok-Chongqing keeps its pre-railway road route."""
    gz = session.gazetteer
    places = [gz.resolve(n) for n in ("Bangkok", "Chongqing", "Mombasa", "Nairobi")]
    c = compare("pre-bri-2013", "bri-built", cities=places, session=session, bounds=True)
    pairs = c.pairs.set_index(["origin", "destination"])
    vk = pairs.loc[(places[0].name, places[1].name)]
    assert vk["main_mode_base"] == "road" and vk["transit_days_change"] < 0
    assert vk["transit_days_change_fixed_mode"] > vk["transit_days_change"]  # the railway is not available to it
    both = c.pairs.dropna(subset=["transit_days_change", "transit_days_change_fixed_mode"])
    assert (both["transit_days_change_fixed_mode"] >= both["transit_days_change"] - 1e-6).all()
    assert "transit_days_change_fixed_mode" in c.groups.columns


def test_economies_without_doing_business_data_never_give_negative_times(session):
    """Eritrea and Yemen carry -9999 ('no data') in the Doing Business table: never a negative duration or cost."""
    gz = session.gazetteer
    places = [gz.resolve(n) for n in ("Asmara", "Sanaa", "Cairo", "Mumbai")]
    df = skim(session.network, session.state("baseline"), places)
    assert (df["transit_days"] > 0).all() and (df["cost_usd"] > 0).all()
    route = session.plan("Asmara", "Cairo", alternatives=1).routes[0]
    assert route.transit_days > 0 and route.cost_usd > 0
    assert all(leg.transit_hours >= 0 and leg.cost_usd >= 0 for leg in route.legs)


def test_skim_numpy_fallback_matches_the_compiled_tree_sums(session, monkeypatch):
    """Without numba the pointer-jumping path gives the same sums (float32 precision)."""
    import beltroad.routing.skim as skim_mod

    gz = session.gazetteer
    places = [gz.resolve(n) for n in ("Chongqing", "Duisburg", "Almaty", "Mombasa")]
    state = session.state("baseline")
    compiled = skim_mod.skim(session.network, state, places)
    monkeypatch.setattr(skim_mod, "njit", None)
    fallback = skim_mod.skim(session.network, state, places)
    for col in ("transit_days", "cost_usd", "distance_km", "co2_kg"):
        assert np.allclose(compiled[col], fallback[col], rtol=1e-4), col
    assert (compiled["main_mode"] == fallback["main_mode"]).all()
