"""CLI crash fixes: compare on small city sets, bad --cities, data check on a non-dataset, timeline errors."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from helpers import run as cli_run, squash


def run(*args: str):
    return cli_run(CliRunner(), *args)


@pytest.mark.parametrize("places,n_regions", [
    (["Chongqing", "Shanghai"], 1),   # one region
    (["Chongqing", "Duisburg"], 2),   # two distinct regions
])
def test_compare_on_one_or_two_regions(session, tmp_path, places, n_regions):
    from beltroad.places.cities import economies

    eco = economies().set_index("iso3")["region"]
    a, b = (eco[session.resolve(p).country] for p in places)
    assert len({a, b}) == n_regions
    regions = {f"{a} -> {b}", f"{b} -> {a}"}
    cities = tmp_path / "cities.csv"
    cities.write_text("place\n" + "\n".join(places) + "\n")
    out = tmp_path / "cmp"
    res = run("compare", "baseline", "red-sea-closed", "--cities", str(cities), "--out", str(out))
    assert res.exit_code == 0, res.output
    rp = pd.read_csv(out / "region_pairs.csv")
    assert set(rp["region_pair"]) == regions
    assert json.loads((out / "metadata.json").read_text())["city_pairs"] == 2


def test_compare_cities_directory_is_a_clear_error(tmp_path):
    res = run("compare", "baseline", "red-sea-closed", "--cities", str(tmp_path), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "is not a file" in squash(res.output)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("row", ["95,10", "10,200", "nan,10", "10,inf"])
def test_compare_csv_coordinates_are_range_checked(tmp_path, row):
    cities = tmp_path / "c.csv"
    cities.write_text(f"lat,lon\n{row}\n1,2\n")
    res = run("compare", "baseline", "red-sea-closed", "--cities", str(cities), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2
    assert f"c.csv:2: coordinates {row} are out of range" in squash(res.output)


def test_data_check_on_a_folder_without_a_dataset_fails(tmp_path):
    res = run("data", "check", "--path", "/etc")
    assert res.exit_code != 0
    assert "no dataset found in /etc" in squash(res.output)
    res = run("data", "check", "--path", str(tmp_path))
    assert res.exit_code != 0 and "no dataset found" in squash(res.output)


def test_timeline_unknown_objective_is_a_clear_error():
    res = run("timeline", "Chongqing", "Duisburg", "-o", "speed")
    assert res.exit_code == 2
    assert "objective 'speed' is not one of time, cost, co2, generalized" in squash(res.output)


def test_timeline_unwritable_chart_is_a_clear_error(tmp_path):
    res = run("timeline", "Chongqing", "Duisburg", "--from", "2020", "--to", "2021", "--chart", "/proc/x.png")
    assert res.exit_code == 2 and "cannot write /proc/x.png" in squash(res.output)
    chart = tmp_path / "t.png"
    res = run("timeline", "Chongqing", "Duisburg", "--from", "2020", "--to", "2021", "--chart", str(chart))
    assert res.exit_code == 0 and chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_timeline_years_are_checked():
    res = run("timeline", "Chongqing", "Duisburg", "--from", "2030", "--to", "2020")
    assert res.exit_code == 2 and "1990 <= from <= to <= 2060" in squash(res.output)


def test_timeline_table_comes_from_the_analysis_layer(session):
    from beltroad.analysis.timeline import best_route_by_year

    o, d = session.resolve("Chongqing"), session.resolve("Duisburg")
    df = best_route_by_year(session.network, o, d, range(2012, 2014))
    assert list(df.columns) == ["year", "transit_days", "cost_usd", "summary"]
    assert df["year"].tolist() == [2012, 2013] and (df["transit_days"] > 0).all()
    res = run("timeline", "Chongqing", "Duisburg", "--from", "2012", "--to", "2013")
    for r in df.itertuples():
        assert f"{r.transit_days:.1f}" in res.output


def test_data_stats_come_from_the_analysis_layer():
    from beltroad.analysis.stats import dataset_stats
    from beltroad.data import embedded_dataset

    ds = embedded_dataset()
    st = dataset_stats(ds)
    assert st.by_mode[["open", "under_construction", "planned"]].to_numpy().sum() == len(ds.links)
    assert st.totals["links"] == len(ds.links) and st.totals["nodes"] == len(ds.nodes)
    assert st.by_country["nodes"].is_monotonic_decreasing
    res = run("data", "stats")
    assert res.exit_code == 0
    assert f"{st.totals['nodes']} nodes in {st.totals['countries']} countries" in squash(res.output)
