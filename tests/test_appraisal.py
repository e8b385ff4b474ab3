"""Project appraisal and sweeps on the shipped network, with small city sets to stay fast."""
from __future__ import annotations

import os
import signal

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from beltroad.appraisal import SpecError, appraise, load_spec, sweep
from beltroad.appraisal.states import StateSpec, superseded_by_project
from beltroad.places.cities import largest_cities

# largest city of each economy along the Central Asian, Caucasus, East African and Mekong corridors (+ ends)
COUNTRIES = ("CHN", "KAZ", "UZB", "AZE", "GEO", "TUR", "DEU", "POL", "ETH", "DJI", "KEN", "LAO", "THA")


@pytest.fixture(scope="module")
def places(session):
    pl = [p for p in largest_cities(1000, gazetteer=session.gazetteer) if p.country in COUNTRIES]
    firsts = {}
    for p in sorted(pl, key=lambda p: -p.population):
        firsts.setdefault(p.country, p)
    return list(firsts.values())


@pytest.fixture(scope="module")
def inventory(session):
    return sorted(session.network.projects["id"].astype(str).unique())


def _world(a, project, direction):
    g = a.groups
    return g[(g["project"] == project) & (g["direction"] == direction) & (g["key"] == "world")].iloc[0]


def test_isolation_of_an_unused_project_is_zero(session, places, tmp_path):
    # P28 (Phnom Penh-Sihanoukville expressway) lies in Cambodia, which no city of this set reaches through;
    # P01 (China-Laos railway) carries Vientiane's trade, so the same run must see it
    a = appraise("P28,P01", places, out_dir=tmp_path, session=session)
    rows = a.rows[(a.rows["project"] == "P28") & (a.rows["metric"] != "city_pairs")]
    assert len(rows) > 50
    assert np.nanmax(np.abs(rows["value"].to_numpy())) < 1e-9
    p01 = _world(a, "P01", "isolation")
    assert p01["transit_days_change"] < -0.01 and p01["market_access_change_pct"] > 0
    assert a.ranking.iloc[0]["project"] == "P01"


def test_complement_of_all_projects_equals_the_base(session, places, inventory, tmp_path):
    everything = "+".join(inventory)
    # in complement, the bundle of every project is measured from "all minus all" (the base) to all; in isolation
    # from the base to "base plus all": two different pairs of states that must give the same table
    a = appraise(everything, places, out_dir=tmp_path, session=session)
    iso = a.rows[a.rows["direction"] == "isolation"].set_index(["level", "key", "metric"])["value"]
    comp = a.rows[a.rows["direction"] == "complement"].set_index(["level", "key", "metric"])["value"]
    pd.testing.assert_series_equal(iso.sort_index(), comp.sort_index(), check_names=False)
    assert _world(a, everything, "complement")["transit_days_change"] < 0  # the projects do change something


def test_taking_a_project_out_restores_what_it_superseded(session, places):
    restore = superseded_by_project(session.network)
    assert "P14" in restore and len(restore["P14"]) == 2  # the single track beside the Dostyk-Moyinty double track
    from beltroad.appraisal.states import build_state

    net = session.network
    st = build_state(net, StateSpec("bri-planned", ("P14",)))
    old = np.isin(net.link, restore["P14"])
    assert st.active[old].all()
    assert not st.active[net.project == "P14"].any()


def test_sweep_with_zero_width_ranges_reproduces_the_point_result(session, places, tmp_path):
    from beltroad.analysis import compare

    spec = tmp_path / "zero.yaml"
    spec.write_text("""name: zero
base: pre-bri-2013
scenario: bri-planned
draws: 3
seed: 7
parameters:
  - {name: value_of_time.ad_valorem_pct_per_day, low: 1.35, high: 1.35}
  - {name: speed_factor.rail, low: 1.0, high: 1.0, source: A3.05}
  - {name: liner.transshipment_dwell_days, low: 3.5, high: 3.5}
""")
    r = sweep(spec, cities=places, out_dir=tmp_path / "out", session=session)
    point = compare("pre-bri-2013", "bri-planned", cities=places, session=session).groups.set_index("group")
    b = r.bands[r.bands["level"] == "group"].set_index(["key", "metric"])
    for grp in ("world", "bri_economies", "non_bri_economies"):
        for m in ("transit_days_change", "transit_days_change_pct", "trade_cost_change_pct"):
            row = b.loc[(grp, m)]
            assert row["p5"] == pytest.approx(row["p95"], abs=1e-12)
            assert row["p50"] == pytest.approx(point.at[grp, m], rel=1e-9, abs=1e-12)
    assert point.at["world", "transit_days_change"] < 0


def test_sweep_is_reproducible_and_ranks_parameters(session, places, tmp_path):
    spec = load_spec("bri-planned-200")
    a = sweep(spec, cities=places, draws=4, out_dir=tmp_path / "a", session=session)
    b = sweep(spec, cities=places, draws=4, out_dir=tmp_path / "b", session=session)
    pd.testing.assert_frame_equal(a.bands, b.bands)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    world_tc = a.bands[(a.bands["key"] == "world") & (a.bands["metric"] == "trade_cost_change_pct")].iloc[0]
    assert world_tc["p5"] < world_tc["p50"] < world_tc["p95"]  # the value of time spreads the trade-cost change
    s = a.sensitivity
    top = s[(s["group"] == "world") & (s["metric"] == "trade_cost_change_pct") & (s["rank"] == 1)].iloc[0]
    assert top["parameter"] == "value_of_time.ad_valorem_pct_per_day"
    # every draw stays within its sourced range
    for prm in a.ranges.itertuples():
        assert a.draws[prm.parameter].between(prm.low, prm.high).all()


def test_killed_run_resumes_to_the_same_tables(session, places, tmp_path):
    full = appraise("P01,P17,P04", places, out_dir=tmp_path / "full", session=session)

    class Killed(RuntimeError):
        pass

    def die_halfway(done, total):
        if done >= total // 2 and done > 0:
            raise Killed

    out = tmp_path / "killed"
    with pytest.raises(Killed):
        appraise("P01,P17,P04", places, out_dir=out, session=session, progress=die_halfway)
    written = sorted((out / "parts").glob("*.parquet"))
    assert 0 < len(written) < 6
    stamps = {p: p.stat().st_mtime_ns for p in written}
    seen = []
    resumed = appraise("P01,P17,P04", places, out_dir=out, session=session, progress=lambda d, t: seen.append(d))
    assert seen[0] == 2 + len(written)  # the references and the written partitions count as done
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())  # and are not recomputed
    pd.testing.assert_frame_equal(full.ranking, resumed.ranking)
    pd.testing.assert_frame_equal(full.economies, resumed.economies)


def test_other_run_in_the_same_folder_is_refused(session, places, tmp_path):
    appraise("P28", places, out_dir=tmp_path, session=session)
    with pytest.raises(ValueError, match="different run"):
        appraise("P01", places, out_dir=tmp_path, session=session)


def test_local_cluster_survives_a_killed_worker(session, places, tmp_path):
    from distributed import Client, LocalCluster

    spec = load_spec("bri-planned-200")
    reference = sweep(spec, cities=places, draws=6, out_dir=tmp_path / "inline", session=session)
    killed = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        def kill_one(done, total):
            if done >= 1 and not killed:
                pids = client.run(os.getpid)
                addr, pid = sorted(pids.items())[0]
                os.kill(pid, signal.SIGKILL)
                killed.append(addr)

        r = sweep(spec, cities=places, draws=6, out_dir=tmp_path / "dask", session=session, client=client,
                  progress=kill_one)
    assert killed
    assert len(list((tmp_path / "dask" / "parts").glob("*.parquet"))) == 6
    pd.testing.assert_frame_equal(reference.bands, r.bands, check_exact=False, rtol=1e-9)


def test_cli_appraise_writes_the_report_and_rejects_bad_input(tmp_path, places):
    from beltroad.cli import app

    csv = tmp_path / "cities.csv"
    pd.DataFrame({"place": [f"{p.name}, {p.country}" for p in places[:6]]}).to_csv(csv, index=False)
    runner = CliRunner()
    res = runner.invoke(app, ["appraise", "--projects", "P17,P28", "--cities", str(csv), "--inline",
                              "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    for f in ("ranking.parquet", "ranking.csv", "report.md", "report.html", "economies.parquet"):
        assert (tmp_path / "out" / f).exists()
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.count("data:image/png;base64") == 2  # bar chart and map
    bad = runner.invoke(app, ["appraise", "--projects", "P999", "--cities", str(csv), "--inline",
                              "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "P999" in bad.output and "Traceback" not in bad.output


def test_sweep_spec_errors_name_field_and_line(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: bad\nbase: pre-bri-2013\nscenario: bri-planned\ndraws: 5\nparameters:\n"
                    "  - name: speed_factor.rail\n    low: 0.9\n    high: 1.1\n"
                    "  - name: value_of_time.ad_valorem_pct_per_day\n    hgih: 2\n")
    with pytest.raises(SpecError) as e:
        load_spec(spec)
    msg = str(e.value)
    assert "bad.yaml:6" in msg and "source" in msg  # a factor needs its source
    assert "bad.yaml:10" in msg and "hgih" in msg and "unknown field" in msg
    from beltroad.cli import app

    res = CliRunner().invoke(app, ["sweep", str(spec), "--inline"])
    assert res.exit_code == 2 and "bad.yaml:6" in res.output


def test_a_state_equal_to_its_reference_reuses_its_skim(session, places, inventory, tmp_path):
    # a project tagged on no link or place changes no edge when taken out: its task reuses the reference's skim,
    # which must be what a skim of its own state gives; a project with links (P01) must not be taken for one
    from beltroad.appraisal.metrics import Context, same_state
    from beltroad.appraisal.states import build_state

    net = session.network
    tagged = set(net.links["project"].dropna().astype(str).str.split(";").explode())
    tagged |= set(net.places["project"].dropna().astype(str).str.split(";").explode())
    untagged = [p for p in inventory if p not in tagged]
    assert untagged, "every project is tagged: nothing to reuse"
    p = untagged[0]
    full = StateSpec("bri-planned")
    assert same_state(build_state(net, StateSpec("bri-planned", (p,))), build_state(net, full))
    assert not same_state(build_state(net, StateSpec("bri-planned", ("P01",))), build_state(net, full))
    ctx = Context(net, places)
    own, ref = ctx.skim(StateSpec("bri-planned", (p,))), ctx.skim(full)
    for k in own:
        np.testing.assert_array_equal(own[k], ref[k])
    a = appraise(p, places, out_dir=tmp_path, session=session)
    moved = a.rows[a.rows["metric"] != "city_pairs"]["value"].to_numpy()
    assert len(moved) > 50 and np.nanmax(np.abs(moved)) == 0.0
