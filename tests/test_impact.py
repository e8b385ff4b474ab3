"""Impact analysis on the World Bank's footing: project inventory, upgrades, no-bri, papers' accounting, groups."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from beltroad.analysis import compare
from beltroad.analysis.pairs import relative_trade_cost_change_pct
from beltroad.analysis.worldbank import CORRIDORS, world_bank_groups
from beltroad.places.cities import city_set, economies
from beltroad.routing.planner import Constraints, constraint_mask
from beltroad.routing.skim import skim


def _edges_of(net, link_id: str) -> np.ndarray:
    ids = net.links["id"].to_numpy()
    idx = np.flatnonzero(ids == link_id)
    assert len(idx) == 1, link_id
    return np.flatnonzero(net.link == idx[0])


def test_inventory_has_at_least_70_sourced_projects_with_status(session):
    p = session.network.projects
    assert len(p) >= 70 and p["id"].is_unique
    assert p["source"].ne("").all() and p["status"].isin(["open", "under_construction", "planned", "cancelled"]).all()
    # the projects the issue found missing are in, with their links
    names = " | ".join(p["name"])
    for needle in ("Kashgar–Dushanbe", "Khunjerab", "Gwadar rail", "Besima–Jacobabad", "Dali–Ruili", "Padma Bridge",
                   "Anaklia", "Turkmenbashi international seaport", "Melaka Gateway"):
        assert needle in names, needle
    links = session.network.links
    assert {"P68", "P79", "P85", "P89"} <= set(links["project"])  # Khunjerab rail, Dhaka–Jessore, Kashgar–Dushanbe, ...


def test_an_upgrade_with_a_sourced_speed_makes_its_link_faster(network):
    """ML-1 upgrade rows carry the speed of speeds/projects.csv; the old rows keep the regional speed."""
    old, new = _edges_of(network, "multan__lahore"), _edges_of(network, "multan__lahore_ml1")
    assert network.km[new[0]] == pytest.approx(network.km[old[0]])
    assert network.move_hours[new[0]] < network.move_hours[old[0]]
    assert network.km[new[0]] / network.move_hours[new[0]] == pytest.approx(54.0)


def test_an_upgrade_project_reduces_the_time_of_a_pair_that_uses_it(session):
    """Rail-only Karachi -> Lahore: faster with the ML-1 upgrade (bri-planned) than on today's network."""
    net, gz = session.network, session.gazetteer
    places = [gz.resolve("Karachi"), gz.resolve("Lahore")]
    mask = constraint_mask(net, Constraints(mode="rail"))
    before = skim(net, session.state("baseline"), places, mask=mask).set_index(["origin", "destination"])
    after = skim(net, session.state("bri-planned"), places, mask=mask).set_index(["origin", "destination"])
    key = (places[0].name, places[1].name)
    assert after.loc[key, "transit_days"] < before.loc[key, "transit_days"] - 0.1


def test_a_road_upgrade_saves_time_and_no_bri_restores_the_old_road(session):
    """M-5 Multan–Sukkur (P61, 2019): the motorway row supersedes the old road; no-bri brings the old road back."""
    net, gz = session.network, session.gazetteer
    base, nobri = session.state("baseline"), session.state("no-bri")
    old, new = _edges_of(net, "multan__rohri"), _edges_of(net, "multan__rohri__p61")
    assert base.active[new].all() and not base.active[old].any()
    assert nobri.active[old].all() and not nobri.active[new].any()
    places = [gz.resolve("Multan"), gz.resolve("Sukkur")]
    mask = constraint_mask(net, Constraints(mode="road"))
    t = {name: skim(net, st, places, mask=mask).set_index(["origin", "destination"])
         .loc[(places[0].name, places[1].name), "transit_days"] for name, st in (("base", base), ("nobri", nobri))}
    assert t["base"] < t["nobri"]


def test_no_bri_keeps_the_karakoram_highway_and_other_pre_2013_assets(session):
    net = session.network
    nobri = session.state("no-bri")
    for link in ("kashgar__tashkurgan", "khunjerab__sost", "gilgit__havelian", "zhetygen__altynkol",
                 "altynkol__almaty_road", "havelian__hasan_abdal"):
        assert nobri.active[_edges_of(net, link)].all(), link
    # ... while a link BRI built after 2013 is gone
    assert not nobri.active[_edges_of(net, "mombasa__nairobi_icd")].any()


def test_trade_cost_change_is_relative_and_matches_a_hand_computation(session):
    gz = session.gazetteer
    places = [gz.resolve(n) for n in ("Karachi", "Almaty", "Kashgar", "Dhaka")]
    c = compare("pre-bri-2013", "bri-planned", cities=places, session=session)
    r = c.pairs.set_index(["origin", "destination"]).loc[(places[0].name, places[1].name)]
    bc = session.network.border_compliance.set_index("iso3")
    # export clearance adds only what exceeds the dwell at the first border or port it overlaps (docs/model.md)
    assert 0 < r["customs_export_days_base"] * 24 <= bc.loc["PAK", "border_time_export"] + 1e-9
    # papers' days by hand: beltroad's total without end customs, port dwell and its own border dwell, plus the
    # exporters' Doing Business export time at each land crossing (Reed & Trubetskoy 2019)
    def papers(side):
        return (r[f"transit_days_{side}"] - r[f"customs_import_days_{side}"] - r[f"customs_export_days_{side}"]
                - r[f"port_dwell_days_{side}"] - r[f"border_dwell_days_{side}"] + r[f"border_export_days_{side}"])
    d0, d1 = papers("base"), papers("scenario")
    assert r["papers_days_base"] == pytest.approx(d0) and d1 < d0
    a = session.network.params["value_of_time"]["ad_valorem_pct_per_day"]["value"] / 100.0
    hand = 100.0 * ((1 + a * d1) / (1 + a * d0) - 1)
    assert r["trade_cost_rel_change_pct"] == pytest.approx(hand)
    assert r["trade_cost_change_pp"] == pytest.approx(r["transit_days_change"] * a * 100)  # the old measure, in points
    assert r["trade_cost_rel_change_pct"] != pytest.approx(r["trade_cost_change_pp"])
    assert relative_trade_cost_change_pct(np.array([10.0]), np.array([10.0]), 1.35)[0] == 0.0


def test_papers_border_time_is_the_exporters_export_time_once_per_land_crossing(session):
    """By road Dhaka -> Kolkata crosses one land border: Bangladesh's export time; the reverse trip India's."""
    net, gz = session.network, session.gazetteer
    places = [gz.resolve("Dhaka"), gz.resolve("Kolkata")]
    df = skim(net, session.state("baseline"), places, mask=constraint_mask(net, Constraints(mode="road")))
    df = df.set_index(["origin", "destination"])
    bc = net.border_compliance.set_index("iso3")
    assert df.loc[(places[0].name, places[1].name), "border_export_days"] * 24 == pytest.approx(bc.loc["BGD", "border_time_export"])
    assert df.loc[(places[1].name, places[0].name), "border_export_days"] * 24 == pytest.approx(bc.loc["IND", "border_time_export"])


def test_world_bank_city_set_has_1000_cities_in_191_economies(gazetteer):
    places = city_set("world-bank-1000", gazetteer)
    assert len(places) == 1000
    assert len({p.country for p in places}) == 191


def test_world_bank_groups_cover_world_bri_non_bri_and_corridors():
    eco = economies()
    assert 65 <= int(eco["wb_bri_2019"].sum()) <= 71  # 69 reconstructed of the 71 (economies.csv, S-ECO-WB71)
    pairs = pd.DataFrame({
        "origin_country": ["CHN", "PAK", "USA", "CHN"], "destination_country": ["PAK", "CHN", "DEU", "CHN"],
        "reachable_base": True, "reachable_scenario": True,
        "transit_days_base": [10.0, 10.0, 20.0, 2.0], "transit_days_scenario": [8.0, 9.0, 20.0, 2.0],
        "transit_days_change_pct": [-20.0, -10.0, 0.0, 0.0]})
    g = world_bank_groups(pairs, eco).set_index("group")
    assert set(CORRIDORS) <= set(g.index)
    assert g.loc["world", "city_pairs"] == 4
    assert g.loc["China–Pakistan", "city_pairs"] == 2  # the domestic CHN pair is not a corridor pair
    assert g.loc["China–Pakistan", "transit_days_change_pct"] == pytest.approx(-15.0)
    assert g.loc["non-BRI economies", "transit_days_change_pct"] == pytest.approx(0.0)


def test_cli_compare_prints_world_bank_groups_in_both_accountings(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from beltroad.cli import app

    cities = tmp_path / "cities.csv"
    cities.write_text("place\nKarachi\nKashgar\nAlmaty\nVientiane\nDhaka\nKunming\nMoscow\nWarsaw\n")
    monkeypatch.setenv("COLUMNS", "250")
    res = CliRunner().invoke(app, ["compare", "pre-bri-2013", "bri-planned", "--cities", str(cities),
                                   "--groups", "world-bank", "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    for needle in ("world", "BRI economies", "non-BRI", "China–Pakistan", "New Eurasian Land Bridge",
                   "Maritime Silk Road", "Δ time % beltroad", "Δ time % papers", "Δ trade cost % rel."):
        assert needle in res.output, needle
    bad = CliRunner().invoke(app, ["compare", "pre-bri-2013", "bri-planned", "--cities", str(cities),
                                   "--accounting", "nonsense", "--out", str(tmp_path / "o2")])
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_no_bri_restores_the_single_track_that_a_double_track_project_superseded(session):
    net = session.network
    nobri, base = session.state("no-bri"), session.state("baseline")
    for old, new in (("dostyk__aktogay", "dostyk__aktogay_2t"), ("aktogay__moyinty", "aktogay__moyinty_2t")):
        assert base.active[_edges_of(net, new)].all() and not base.active[_edges_of(net, old)].any()
        assert nobri.active[_edges_of(net, old)].all() and not nobri.active[_edges_of(net, new)].any()


def test_per_link_speeds_are_sourced_and_name_existing_rail_links(session):
    from beltroad.data.loader import embedded_dataset

    ds = embedded_dataset()
    assert len(ds.speeds) and not ds.load_errors
    known = set(ds.sources["id"])
    assert all(set(v.split(";")) <= known for v in ds.speeds["source"])
    rail = set(ds.links.loc[ds.links["mode"].eq("rail"), "id"])
    assert set(ds.speeds["link"]) <= rail
    assert (ds.speeds["speed_kmh"] > 0).all()
