"""Energy corridors on the real shipped data: dataset integrity, flow physics, scenarios, CLI faces."""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import beltroad.energy as energy
from beltroad.cli import app
from beltroad.energy.data import EU27, load_energy_data
from helpers import squash

PRESETS = ["energy-2021", "eu-embargo", "energy-2023", "energy-2024", "ukraine-transit-ended",
           "power-of-siberia-2", "red-sea-closed", "hormuz-closed"]


@lru_cache(maxsize=None)
def run(scenario: str, commodity: str):
    return energy.flows(scenario, commodity)


@lru_cache(maxsize=None)
def cmp(base: str, scen: str, commodity: str):
    return energy.compare(base, scen, commodity)


# ------------------------------------------------------------------------------------------ data
def test_dataset_is_sourced_and_large_enough():
    d = load_energy_data()  # raises on any unresolved source id, unknown node or bad ISO code
    assert len(d.pipelines) >= 35
    assert set(d.pipelines["commodity"]) == {"crude", "gas"}
    assert {"operating", "halted", "destroyed", "planned"} <= set(d.pipelines["status"])
    for _, p in d.pipelines.iterrows():
        assert len(p["route"].split(">")) >= 2 and p["source"] and p["capacity"] > 0
    kinds = d.terminals.groupby(["commodity", "direction"]).size()
    assert kinds[("crude", "export")] >= 8 and kinds[("lng", "export")] >= 5 and kinds[("lng", "import")] >= 10
    assert (d.terminals["kind"] == "fsru").sum() >= 5
    assert {"speed_kn", "co2_kg_per_tkm"} <= set(d.vessels.columns)
    assert d.vessels["speed_kn"].notna().all() and d.vessels["co2_kg_per_tkm"].notna().all()


def test_balances_cover_the_economies_that_matter_in_both_years():
    b = load_energy_data().balances
    for year in (2021, 2023):
        have = set(b.loc[b["year"].eq(year), "economy"])
        assert {"RUS", "KAZ", "TKM", "AZE", "NOR", "QAT", "USA", "EU", "TUR", "CHN", "IND", "JPN", "KOR"} <= have, year
        for pool in ("crude", "gas_pipeline", "lng", "gas"):
            assert (b["year"].eq(year) & b["pool"].eq(pool)).any(), (year, pool)


def test_an_unresolved_source_id_is_rejected(tmp_path, monkeypatch):
    import beltroad.energy.data as ed

    for f in ed.DATA_DIR.glob("*.csv"):
        (tmp_path / f.name).write_text(f.read_text())
    rows = list(csv.reader((tmp_path / "pipelines.csv").open()))
    rows[1][rows[0].index("source")] = "NO-SUCH-SOURCE"
    with (tmp_path / "pipelines.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    monkeypatch.setattr(ed, "DATA_DIR", tmp_path)
    ed.load_energy_data.cache_clear()
    try:
        with pytest.raises(ed.EnergyDataError, match=r"pipelines.csv row 2, column 'source'.*NO-SUCH-SOURCE"):
            ed.load_energy_data()
    finally:
        ed.load_energy_data.cache_clear()


def test_package_data_ships_the_energy_tables():
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert "energy/data/*.csv" in text and "energy/presets/*.yaml" in text


def test_tanker_distance_matches_the_published_primorsk_sikka_figure():
    from beltroad.energy.sea import sea_legs

    pts = {"PRI": (28.62, 60.35), "SIK": (69.83, 22.43)}
    open_ = sea_legs(pts, ["PRI"], ["SIK"])
    shut = sea_legs(pts, ["PRI"], ["SIK"], closed=["bab-el-mandeb"])
    assert open_.km[0, 0] == pytest.approx(14020, rel=0.05)          # fact B3.7, via Suez
    assert shut.km[0, 0] == pytest.approx(22685, rel=0.05)           # fact B3.7, around the Cape
    assert "suez" in open_.passages[0] and "cape" in shut.passages[0]


# ------------------------------------------------------------------------------------------ flow physics
def _demand_supply(res) -> tuple[pd.Series, pd.Series]:
    delivered = res.od.groupby("destination")["flow"].sum()
    shipped = res.od.groupby("origin")["flow"].sum()
    return delivered, shipped


@pytest.mark.parametrize("scenario", ["energy-2021", "eu-embargo", "hormuz-closed"])
@pytest.mark.parametrize("commodity", ["crude", "gas"])
def test_flows_conserve_supply_and_demand(scenario, commodity):
    res = run(scenario, commodity)
    d = load_energy_data().balances
    scen = energy.load_scenario(scenario)
    b = d[d["year"].eq(scen.balance_year)]
    pool = "crude" if commodity == "crude" else "gas"
    demand = b[b["role"].eq("demand") & b["pool"].eq(pool)].set_index("economy")["value"]
    delivered, _ = _demand_supply(res)
    unmet = res.shortfalls[res.shortfalls["kind"].eq("unmet demand")].set_index("economy")["amount"]
    for econ, want in demand.items():
        got = float(delivered.get(econ, 0.0)) + float(unmet.get(econ, 0.0))
        assert got == pytest.approx(want, abs=1e-4), econ
    # every fixed supply is shipped or reported stranded
    sup = b[b["role"].eq("supply") & b["bound"].eq("fixed")]
    if commodity == "gas":
        sup = sup[sup["pool"].isin(["gas_pipeline", "lng"])]
    else:
        sup = sup[sup["pool"].eq("crude")]
    by_pool = res.od.groupby(["origin", "pool"])["flow"].sum()
    stranded = res.shortfalls.set_index("economy")["amount"]
    for _, r in sup.iterrows():
        shipped = float(by_pool.get((r["economy"], r["pool"]), 0.0))
        lost = float(stranded.get(f"{r['economy']}:{r['pool']}", 0.0))
        assert shipped + lost == pytest.approx(r["value"], abs=1e-4), (r["economy"], r["pool"])
    assert res.summary["delivered"] + res.summary["unmet_demand"] == pytest.approx(res.summary["total_demand"])


@pytest.mark.parametrize("scenario", PRESETS)
def test_no_pipeline_or_terminal_exceeds_its_capacity(scenario):
    for commodity in ("crude", "gas"):
        res = run(scenario, commodity)
        c = res.corridors
        assert (c["flow"] <= c["capacity"] + 1e-6).all(), c[c["flow"] > c["capacity"] + 1e-6]
        t = res.terminals.dropna(subset=["capacity"])
        assert (t["flow"] <= t["capacity"] + 1e-6).all()
    gas = run(scenario, "gas")
    assert gas.summary["eu_lng_imports"] <= gas.summary["eu_regas_capacity"] + 1e-6


def test_halted_and_destroyed_pipelines_carry_nothing():
    base = run("energy-2021", "gas").corridors.set_index("corridor")
    emb = run("eu-embargo", "gas").corridors.set_index("corridor")
    ended = run("ukraine-transit-ended", "gas").corridors.set_index("corridor")
    assert base.loc["P15", "flow"] > 0 and base.loc["P17", "flow"] > 0       # Nord Stream 1, Yamal-Europe in 2021
    assert emb.loc["P15", "flow"] == 0 and emb.loc["P17", "flow"] == 0 and emb.loc["P16", "flow"] == 0
    assert emb.loc[["P18", "P19"], "flow"].sum() > 0                          # Ukrainian transit still open
    assert ended.loc[["P18", "P19"], "flow"].sum() == 0                       # ... and closed from 1 Jan 2025
    crude = run("eu-embargo", "crude").corridors.set_index("corridor")
    assert crude.loc["P13", "flow"] == 0 and crude.loc["P38", "flow"] == 0   # Druzhba north, Kirkuk-Ceyhan


def test_a_user_halt_stops_btc_and_strands_azeri_crude(tmp_path):
    f = tmp_path / "no-btc.yaml"
    f.write_text("name: no-btc\nextends: energy-2021\nhalt: [P24]\n")
    res = energy.flows(f, "crude")
    assert res.corridors.set_index("corridor").loc["P24", "flow"] == 0
    sf = res.shortfalls.set_index("economy")
    assert sf.loc["AZE:crude", "amount"] == pytest.approx(27.3, abs=1e-6)   # no other outlet in the data


def test_power_of_siberia_2_carries_gas_only_when_built():
    before = run("ukraine-transit-ended", "gas").corridors.set_index("corridor")
    after = run("power-of-siberia-2", "gas").corridors.set_index("corridor")
    assert before.loc["P03", "flow"] == 0
    assert 0 < after.loc["P03", "flow"] <= 50 + 1e-9
    r0 = run("ukraine-transit-ended", "gas").od
    r1 = run("power-of-siberia-2", "gas").od
    to_chn = lambda od: od[od["origin"].eq("RUS") & od["destination"].eq("CHN")]["flow"].sum()  # noqa: E731
    assert to_chn(r1) > to_chn(r0)


# ------------------------------------------------------------------------------------------ straits
def test_closing_the_red_sea_moves_tankers_to_the_next_route():
    base, shut = run("energy-2023", "crude"), run("red-sea-closed", "crude")
    ch0 = base.chokepoints.set_index("passage")["flow"]
    ch1 = shut.chokepoints.set_index("passage")["flow"]
    assert ch0.get("bab-el-mandeb", 0) > 0 and ch1.get("bab-el-mandeb", 0) == 0
    assert not shut.sea_legs["passages"].str.contains("bab-el-mandeb").any()
    # every exporter that used the Red Sea still ships the same tonnage, over longer legs
    used = base.sea_legs[base.sea_legs["passages"].str.contains("bab-el-mandeb")]
    for econ, g in used.groupby("economy"):
        b0 = base.sea_legs[base.sea_legs["economy"].eq(econ)]
        b1 = shut.sea_legs[shut.sea_legs["economy"].eq(econ)]
        assert b1["flow"].sum() == pytest.approx(b0["flow"].sum(), rel=1e-9)
        assert (b1["flow"] * b1["km"]).sum() > (b0["flow"] * b0["km"]).sum(), econ
        for _, leg in g.iterrows():   # the same buyer is now reached around Africa or via Panama
            known = set(zip(b0["tail"], b0["head"]))
            alt = b1[b1["destination"].eq(leg["destination"]) &
                     np.array([(t, h) not in known for t, h in zip(b1["tail"], b1["head"])], dtype=bool)]
            if len(alt):
                assert alt["km"].min() > leg["km"]
                assert alt["passages"].str.contains("cape|panama").any()
    assert shut.summary["tonne_miles_bn"] > base.summary["tonne_miles_bn"]
    assert shut.summary["unmet_demand"] == pytest.approx(0, abs=1e-6)


def test_closing_hormuz_strands_gulf_exports_or_leaves_demand_unmet():
    base, shut = run("energy-2023", "crude"), run("hormuz-closed", "crude")
    assert base.chokepoints.set_index("passage")["flow"].get("hormuz", 0) > 0
    assert "hormuz" not in set(shut.chokepoints["passage"])
    sf = shut.shortfalls.set_index("economy")
    assert sf.loc["IRQ:crude", "amount"] == pytest.approx(170.4, abs=1e-6)   # Basra has no other way out
    assert shut.summary["unmet_demand"] > 0
    # the bypass pipelines run full
    cor = shut.corridors.set_index("corridor")
    assert cor.loc["P40", "utilisation"] == pytest.approx(1.0) and cor.loc["P41", "utilisation"] == pytest.approx(1.0)
    lng = run("hormuz-closed", "gas").shortfalls.set_index("economy")
    assert lng.loc["QAT:lng", "amount"] == pytest.approx(run("energy-2023", "gas").od.query("origin == 'QAT'")["flow"].sum()
                                                         + run("energy-2023", "gas").shortfalls.set_index("economy")
                                                         ["amount"].get("QAT:lng", 0.0), rel=1e-6)


# ------------------------------------------------------------------------------------------ compare
def test_eu_embargo_shifts_russian_crude_from_europe_to_asia():
    c = cmp("energy-2021", "eu-embargo", "crude")
    od = c["od"]
    rus = od[od["origin"].eq("RUS")].set_index("destination")
    assert rus.loc["EU", "change"] < -50
    asia = [d for d in ("CHN", "IND", "TUR", "KOR", "JPN") if d in rus.index]
    assert rus.loc[asia, "flow_scen"].sum() > rus.loc[asia, "flow_base"].sum() + 50
    # what is left for the EU arrives by pipeline (Druzhba south), none by sea
    assert rus.loc["EU", "by_sea_scen"] == pytest.approx(0, abs=1e-6)
    s = c["summary"].set_index("metric")
    assert s.loc["tonne_miles_bn", "change"] > 0 and s.loc["laden_ship_days", "change"] > 0
    assert s.loc["mean_voyage_days", "change"] > 0


def test_eu_embargo_gas_loses_pipeline_supply_against_lng_capacity():
    c = cmp("energy-2021", "eu-embargo", "gas")
    a, b = c["base"].summary, c["scenario"].summary
    assert b["eu_russian_pipeline"] < a["eu_russian_pipeline"] - 50
    assert b["eu_pipeline_imports"] < a["eu_pipeline_imports"]
    assert b["eu_lng_imports"] > a["eu_lng_imports"]
    assert b["eu_regas_capacity"] > a["eu_regas_capacity"]       # FSRUs added after 2022


# ------------------------------------------------------------------------------------------ CLI
def test_cli_compare_crude(runner, tmp_path):
    out = tmp_path / "crude"
    res = runner.invoke(app, ["energy", "compare", "energy-2021", "eu-embargo", "--commodity", "crude", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Russian crude to EU" in res.output and "Russian crude to CHN" in res.output
    assert "tanker tonne-miles" in res.output and "laden tanker-days" in res.output
    assert {"report.md", "report.html", "map.svg", "od.parquet", "od.csv"} <= {p.name for p in out.iterdir()}
    assert "<svg" in (out / "report.html").read_text()
    od = pd.read_parquet(out / "od.parquet")
    assert od.loc[od["origin"].eq("RUS") & od["destination"].eq("EU"), "change"].sum() < 0


def test_cli_compare_gas_and_flows_lng(runner, tmp_path):
    res = runner.invoke(app, ["energy", "compare", "energy-2021", "eu-embargo", "--commodity", "gas"])
    assert res.exit_code == 0, res.output
    assert "EU imports of pipeline gas" in res.output and "EU regas capacity" in res.output
    res = runner.invoke(app, ["energy", "flows", "energy-2023", "--commodity", "lng", "--out", str(tmp_path / "lng")])
    assert res.exit_code == 0, res.output
    md = (tmp_path / "lng" / "report.md").read_text()
    assert md.index("Terminals") < md.index("Pipelines")


@pytest.mark.parametrize("args, message", [
    (["energy", "flows", "no-such-scenario"], "unknown energy scenario 'no-such-scenario'"),
    (["energy", "flows", "energy-2021", "--commodity", "coal"], "unknown commodity 'coal'"),
    (["energy", "compare", "energy-2021", "nope", "--commodity", "gas"], "unknown energy scenario 'nope'"),
])
def test_cli_bad_input_is_a_clear_error(runner, args, message):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert message in res.output and "Traceback" not in res.output
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit)


def test_cli_malformed_and_invalid_yaml_name_the_line(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nextends: energy-2021\nhalt: [P24\n")
    res = runner.invoke(app, ["energy", "flows", str(bad)])
    assert res.exit_code == 2 and re.search(r"bad\.yaml:\d+: not valid YAML", squash(res.output))
    assert "Traceback" not in res.output
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("name: x\nbalance_year: 2019\nclosed_passages: [hormuz]\n")
    res = runner.invoke(app, ["energy", "flows", str(wrong)])
    assert res.exit_code == 2 and "wrong.yaml:2: field 'balance_year'" in squash(res.output)
    strait = tmp_path / "strait.yaml"
    strait.write_text("name: x\nclosed_passages: [atlantis]\n")
    res = runner.invoke(app, ["energy", "flows", str(strait)])
    assert res.exit_code == 2 and "atlantis" in res.output and "strait.yaml:2: field 'closed_passages" in squash(res.output)
    ghost = tmp_path / "ghost.yaml"
    ghost.write_text("name: x\nhalt: [P999]\n")
    res = runner.invoke(app, ["energy", "flows", str(ghost)])
    assert res.exit_code == 2 and "P999" in res.output


def test_validation_table_reports_every_observed_flow():
    v = energy.validate()
    assert len(v) == len(load_energy_data().observed)
    assert v["modelled"].notna().all() and v["error"].notna().all()
    # Russian pipeline gas to the EU: the 2021 level and the collapse by 2023 are both reproduced within 50%
    g = v.set_index("id")
    assert abs(g.loc["O03", "error_pct"]) < 50 and abs(g.loc["O05", "error_pct"]) < 50
    assert g.loc["O05", "modelled"] < 0.5 * g.loc["O03", "modelled"]


def test_eu_bloc_membership_is_iso3():
    from beltroad.data.countries import ISO3TO2

    assert len(EU27) == 27 and EU27 <= set(ISO3TO2)


def test_danish_straits_tag_cuts_the_baltic_off_from_the_north_sea():
    from beltroad.energy.sea import sea_legs

    pts = {"PRI": (28.62, 60.35), "GDA": (18.66, 54.40), "ROT": (4.05, 51.95)}
    open_ = sea_legs(pts, ["PRI"], ["GDA", "ROT"])
    shut = sea_legs(pts, ["PRI"], ["GDA", "ROT"], closed=["danish-straits"])
    assert "danish-straits" in open_.passages[1] and "danish-straits" not in open_.passages[0]
    assert np.isfinite(shut.km[0, 0]) and shut.km[0, 0] == pytest.approx(open_.km[0, 0])
    assert not np.isfinite(shut.km[0, 1])


def test_closing_the_danish_straits_strands_baltic_crude_when_no_route_is_left(tmp_path):
    (tmp_path / "no-novo.yaml").write_text("name: no-novo\nextends: eu-embargo\nhalt: [T-NOVO]\n")
    (tmp_path / "danish.yaml").write_text(f"name: danish\nextends: {tmp_path / 'no-novo.yaml'}\n"
                                          "closed_passages: [Danish straits]\n")
    base, res = energy.flows(tmp_path / "no-novo.yaml", "crude"), energy.flows(tmp_path / "danish.yaml", "crude")
    baltic_ports = {"RU-PRIMORSK", "RU-USTLUGA"}
    b_legs = base.sea_legs[base.sea_legs["tail"].isin(baltic_ports)]
    assert b_legs["passages"].str.contains("danish-straits").all() and b_legs["flow"].sum() > 50
    assert res.sea_legs[res.sea_legs["tail"].isin(baltic_ports)].empty   # EU Baltic buyers are embargoed
    stranded = res.shortfalls.set_index("economy")["amount"].get("RUS:crude", 0.0)
    assert stranded == pytest.approx(b_legs["flow"].sum(), rel=1e-6)   # no other outlet: stranded, not hidden


def test_cli_validate_and_list(runner, tmp_path):
    res = runner.invoke(app, ["energy", "list"])
    assert res.exit_code == 0 and "hormuz-closed" in res.output and "power-of-siberia-2" in res.output
    res = runner.invoke(app, ["energy", "validate", "--out", str(tmp_path / "v.csv")])
    assert res.exit_code == 0, res.output
    v = pd.read_csv(tmp_path / "v.csv")
    assert set(v["id"]) == set(load_energy_data().observed["id"])
