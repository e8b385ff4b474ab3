"""The digital layer on the shipped data: cable tables, latency along cable paths, resilience (disjoint
paths and minimum cut against a networkx max-flow oracle), cut scenarios, and the `beltroad net` CLI."""
from __future__ import annotations

import re

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from beltroad.digital.model import FIBRE_US_PER_KM, HOP_MS, CableNet, one_way_ms, rtt_ms
from beltroad.digital.query import DigitalSession, UNBOUNDED
from beltroad.digital.scenario import DigitalScenarioError, load_digital_scenario, preset_names
from beltroad.digital.tables import check_tables, read_tables
from beltroad.data.geo import haversine_km
from helpers import run, run_json, squash

ASIA = {"east-asia", "south-east-asia", "south-asia", "west-asia", "central-asia"}


@pytest.fixture(scope="module")
def ds() -> DigitalSession:
    return DigitalSession()


# ------------------------------------------------------------------------------------------ data
def test_tables_are_sourced_and_consistent():
    t = read_tables()
    assert check_tables(t) == []
    known = set(t.sources["id"])
    for df in (t.stations, t.cables, t.segments, t.backhaul, t.regions):
        ids = {x for s in df["source"] for x in s.split(";") if x}
        assert ids and ids <= known
    assert len(t.cables) >= 30
    assert set(t.cables["id"]) == set(t.segments["cable"]), "every cable has segments and every segment a cable"
    for name in ("peace", "smw3", "smw4", "smw5", "smw6", "aae1", "imewe", "eig", "fea", "2africa", "tea", "pcfoc",
                 "c-lion1", "blue-raman", "kt-tsr"):
        assert name in set(t.cables["id"])
    assert {"terrestrial", "submarine"} <= set(t.cables["kind"])


def test_modelled_lengths_near_published_where_the_model_covers_the_whole_system(ds):
    """Sea paths drawn along marnet give cable lengths close to the published ones (systems modelled whole)."""
    e = ds.net.edges
    km = e[~e["medium"].eq("backhaul")].drop_duplicates(["cable", "from", "to"]).groupby("cable")["km"].sum()
    pub = ds.net.cables.set_index("id")["length_km"]
    for cable in ("aae1", "eig", "smw4", "smw5", "imewe", "mena", "bbg", "c-lion1", "hawk"):
        assert 0.85 <= km[cable] / pub[cable] <= 1.15, (cable, km[cable], pub[cable])
    # PEACE Karachi-Zafarana is published as 5,800 km
    peace = e[e["cable"].eq("peace")].drop_duplicates(["from", "to"]).set_index(["from", "to"])["km"]
    kz = peace[("karachi-pakistan", "gwadar-pakistan")] + peace[("gwadar-pakistan", "djibouti-city-djibouti")] \
        + peace[("djibouti-city-djibouti", "zafarana-egypt")]
    assert abs(kz - 5800) / 5800 < 0.1


def test_segments_know_the_passages_they_cross(ds):
    e = ds.net.edges.drop_duplicates(["cable", "from", "to"]).set_index(["cable", "from", "to"])
    assert "bab-el-mandeb" in e.loc[("aae1", "djibouti-city-djibouti", "jeddah-saudi-arabia"), "passages"]
    assert "hormuz" in e.loc[("aae1", "fujairah-united-arab-emirates", "doha-qatar"), "passages"]
    assert "malacca" in e.loc[("smw4", "melaka-malaysia", "satun-thailand"), "passages"]
    assert e.loc[("c-lion1", "hanko-finland", "rostock-germany"), "passages"] == ""
    assert "baltic-sea" in e.loc[("c-lion1", "hanko-finland", "rostock-germany"), "seas"]
    # Fujairah lies outside Hormuz: the Gulf of Oman stations avoid it
    assert "hormuz" not in e.loc[("smw4", "karachi-pakistan", "fujairah-united-arab-emirates"), "passages"]


# ------------------------------------------------------------------------------------------ latency
def test_cli_latency_frankfurt_shanghai_gives_rtt_with_cable_path(runner):
    out = run_json(runner, "net", "latency", "Frankfurt", "Shanghai", "--json")
    gc = haversine_km(50.11, 8.68, 31.22, 121.46)
    assert out["rtt_ms"] > float(rtt_ms(gc))                  # never faster than light in fibre on the great circle
    assert out["rtt_ms"] == pytest.approx(2 * sum(l["ms"] for l in out["legs"]), abs=0.2)
    assert out["cables"] and any(l["medium"] in ("submarine", "terrestrial") for l in out["legs"])
    assert out["legs"][0]["from"] == "frankfurt" and out["legs"][-1]["to"] == "shanghai"
    text = run(runner, "net", "latency", "Frankfurt", "Shanghai")
    assert "RTT" in text.output and "ms" in text.output


@given(km=hst.floats(0, 40000), extra=hst.floats(0.001, 5000), hops=hst.integers(0, 40))
@settings(max_examples=200, deadline=None)
def test_latency_grows_monotonically_with_fibre_length(km, extra, hops):
    assert one_way_ms(km + extra, hops) > one_way_ms(km, hops)
    assert rtt_ms(km, hops) == pytest.approx(2 * (km * FIBRE_US_PER_KM / 1000 + hops * HOP_MS))


def test_hub_latencies_grow_with_distance_on_the_real_graph(ds):
    """Between hubs, modelled RTT rises with great-circle distance and never beats the fibre floor."""
    st = ds.net.stations
    hubs = st[st["kind"].eq("hub")]
    hubs = hubs[hubs["country"].isin({"DEU", "GBR", "FRA", "IND", "SGP", "HKG", "CHN", "JPN", "ARE", "EGY", "KEN",
                                      "ZAF", "PAK", "RUS", "TUR", "KAZ", "ITA", "SWE"})]
    from beltroad.places import Place

    places = [Place(name=r.name, country=r.country, lat=r.lat, lon=r.lon, kind="node", node_id=r.id) for r in hubs.itertuples()]
    d, *_ = ds.matrix(places)
    iu, ju = np.triu_indices(len(places), 1)
    gc = haversine_km(hubs["lat"].to_numpy()[iu], hubs["lon"].to_numpy()[iu], hubs["lat"].to_numpy()[ju],
                      hubs["lon"].to_numpy()[ju])
    rtt = 2 * d[iu, ju]
    assert np.isfinite(rtt).all()
    assert (rtt >= rtt_ms(gc) - 1e-6).all()
    assert pd.Series(gc).corr(pd.Series(rtt), method="spearman") > 0.85


# ------------------------------------------------------------------------------------------ scenarios
def test_presets_load_and_red_sea_cuts_the_three_cables_of_2024(ds):
    for name in preset_names():
        ds.state(name)
    sc = load_digital_scenario("red-sea-cables-cut")
    assert sorted(s.cable for s in sc.cuts.segments) == ["aae1", "eig", "seacom"]
    state = ds.state("red-sea-cables-cut")
    e = ds.net.edges
    cut = e[ds.state("baseline").active & ~state.active]
    assert set(cut["cable"]) == {"aae1", "eig", "seacom"}
    assert cut["passages"].str.contains("bab-el-mandeb").all()


def test_cutting_every_cable_across_a_passage_removes_all_paths_through_it(ds, tmp_path):
    e = ds.net.edges
    crossing = sorted(set(e.loc[e["passages"].str.contains("bab-el-mandeb") & e["status"].eq("operating"), "cable"]))
    assert len(crossing) >= 8
    path = tmp_path / "all-bab.yaml"
    path.write_text("name: all-bab\ncuts:\n  cables: [" + ", ".join(crossing) + "]\n")
    pairs = [("Marseille", "Mumbai"), ("London", "Singapore"), ("Frankfurt", "Djibouti"), ("Jeddah", "Mombasa"),
             ("Cairo", "Karachi")]
    for scen in (str(path), "bab-el-mandeb-closed"):
        for a, b in pairs:
            base = ds.latency(a, b)
            res = ds.latency(a, b, scen)
            if not res.reachable:        # e.g. every cable of Djibouti or Mombasa crosses the strait when cut whole
                assert scen == str(path)
                continue
            assert "bab-el-mandeb" not in res.passages
            assert res.rtt_ms >= base.rtt_ms - 1e-9
        st = ds.state(scen)
        assert not e.loc[st.active, "passages"].str.contains("bab-el-mandeb").any()
        assert sum(ds.latency(a, b, scen).reachable for a, b in pairs) >= 3
    # and the oracle agrees: with the passage closed, no flow can cross it
    g = nx.MultiGraph()
    st = ds.state("bab-el-mandeb-closed")
    for r in e[st.active].itertuples():
        g.add_edge(r.u, r.v, passages=r.passages)
    assert not any("bab-el-mandeb" in d["passages"] for _, _, d in g.edges(data=True))


def test_baltic_cuts_slow_helsinki_frankfurt_and_name_the_reroute(ds):
    base = ds.latency("Helsinki", "Frankfurt")
    cut = ds.latency("Helsinki", "Frankfurt", "baltic-cuts")
    assert "c-lion1" in base.cables and "c-lion1" not in cut.cables
    assert cut.rtt_ms > base.rtt_ms


def test_transport_presets_apply_their_passage_closures(ds):
    sc = load_digital_scenario("malacca-closed")     # the digital preset of the same name
    assert sc.cuts.passages == ["malacca"]
    sc = load_digital_scenario("red-sea-closed")     # a transport preset: its closures apply to cables
    assert set(sc.cuts.passages) == {"bab-el-mandeb", "suez"}
    res = ds.latency("Marseille", "Mumbai", "red-sea-closed")
    assert res.reachable and not {"bab-el-mandeb", "suez"} & set(res.passages)


# ------------------------------------------------------------------------------------------ resilience vs oracle
def _oracle(net: CableNet, active: np.ndarray, s: int, t: int) -> int:
    g = nx.DiGraph()
    for r in net.edges[active].itertuples():
        cap = 1 if r.medium != "backhaul" else UNBOUNDED
        for a, b in ((r.u, r.v), (r.v, r.u)):
            if g.has_edge(a, b):
                g[a][b]["capacity"] += cap
            else:
                g.add_edge(a, b, capacity=cap)
    return int(nx.maximum_flow_value(g, s, t)) if s in g and t in g else 0


@pytest.mark.parametrize("a,b,scenario", [("Marseille", "Mumbai", None), ("Helsinki", "Tallinn", None),
                                          ("Helsinki", "Tallinn", "baltic-cuts"), ("Singapore", "Hong Kong", None),
                                          ("Karachi", "Djibouti", "red-sea-cables-cut"), ("Mombasa", "Dar es Salaam", None)])
def test_disjoint_paths_match_networkx_max_flow(ds, a, b, scenario):
    r = ds.resilience(a, b, scenario)
    idx = ds.net.node_index
    pa, pb = ds.resolve(a), ds.resolve(b)
    flow = _oracle(ds.net, ds.state(scenario).active, idx[pa.node_id], idx[pb.node_id])
    assert r["disjoint_paths"] == (None if flow >= UNBOUNDED else flow)
    if r["disjoint_paths"] is not None:
        assert len(r["min_cut_segments"]) == r["disjoint_paths"]      # Menger: cut size = path count


@given(seed=hst.integers(0, 10_000))
@settings(max_examples=25, deadline=None)
def test_disjoint_paths_match_networkx_on_small_random_graphs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 9))
    m = int(rng.integers(n, 3 * n))
    u = rng.integers(0, n, m)
    v = (u + rng.integers(1, n, m)) % n
    medium = np.where(rng.random(m) < 0.2, "backhaul", "submarine")
    stations = pd.DataFrame({"id": [f"s{i}" for i in range(n)], "station": [f"s{i}" for i in range(n)], "cable": "",
                             "name": [f"S{i}" for i in range(n)], "country": "XXX", "lat": 0.0, "lon": np.arange(n, dtype=float),
                             "kind": "hub"})
    edges = pd.DataFrame({"edge": np.arange(m), "medium": medium, "cable": [f"c{i}" if md != "backhaul" else "" for i, md in enumerate(medium)],
                          "seq": 1, "u": u, "v": v, "from": [f"s{i}" for i in u], "to": [f"s{i}" for i in v],
                          "km": 100.0, "ms": 0.6, "capacity_tbps": 1.0, "passages": "", "seas": "", "countries": "XXX",
                          "status": "operating", "source": "S-DIG-TG", "length_basis": "estimated"})
    cables = pd.DataFrame({"id": sorted(set(edges["cable"]) - {""}), "status": "operating", "design_capacity_tbps": 1.0})
    net = CableNet(stations=stations, edges=edges, cables=cables, regions=pd.DataFrame({"region": pd.Series(dtype=str), "countries": pd.Series(dtype=str)}))
    ds = DigitalSession(net)
    r = ds.resilience("s0", f"s{n - 1}")
    flow = _oracle(net, np.ones(m, dtype=bool), 0, n - 1)
    assert r["disjoint_paths"] == (None if flow >= UNBOUNDED else flow)


# ------------------------------------------------------------------------------------------ compare
@pytest.fixture(scope="module")
def red_sea_compare(runner, tmp_path_factory):
    out = tmp_path_factory.mktemp("redsea")
    return run_json(runner, "net", "compare", "baseline", "red-sea-cables-cut", "--cities", "world-200", "--out", str(out),
                    "--json"), out


def test_compare_red_sea_reports_europe_asia_increase_and_rerouting_cables(red_sea_compare):
    summary, out = red_sea_compare
    assert summary["cables_cut"] == ["aae1", "eig", "seacom"]
    assert summary["design_capacity_of_cut_cables_tbps"] == pytest.approx(40 + 3.84 + 1.28)
    pairs = pd.read_parquet(out / "pairs.parquet")
    eu_asia = pairs[(pairs["origin_region"].eq("europe") & pairs["destination_region"].isin(ASIA))
                    | (pairs["destination_region"].eq("europe") & pairs["origin_region"].isin(ASIA))]
    assert np.isfinite(eu_asia["base_rtt_ms"]).all()
    slower = eu_asia[eu_asia["change_ms"] > 1e-6]
    assert len(slower) > 0
    assert (eu_asia["change_ms"] >= -1e-9).all()               # a cut never makes a path faster
    assert summary["cables_carrying_rerouted_paths"]
    rerouted = {c for cs in slower["scenario_cables"] for c in cs.split(";") if c}
    assert rerouted and rerouted <= set(summary["cables_carrying_rerouted_paths"])
    assert set(summary["cables_newly_used_by_rerouted_paths"]) <= set(summary["cables_carrying_rerouted_paths"])
    for bs, cs in zip(slower["base_cables"], slower["scenario_cables"]):
        assert set(bs.split(";")) & {"aae1", "eig", "seacom"}   # only a pair whose path rode a cut cable slows down
        assert bs != cs
    bab = pd.read_csv(out / "passages.csv").set_index("passage").loc["bab-el-mandeb"]
    assert bab["cables_lost"] == "aae1;eig;seacom" and bab["cables_scenario"] == bab["cables_base"] - 3
    assert 0 < bab["capacity_lost_pct"] < 100
    for name in ("report.md", "report.html", "pairs.csv", "regions.csv", "cut.csv", "map.png"):
        assert (out / name).exists()
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "aae1" in html


# ------------------------------------------------------------------------------------------ bad input
def test_unknown_city_gives_suggestions_without_traceback(runner):
    res = run(runner, "net", "latency", "Frankfrut", "Shanghai")
    assert res.exit_code == 2
    assert "Unknown place 'Frankfrut'" in squash(res.output) and "Frankfurt" in res.output


def test_unknown_scenario_is_a_clear_error(runner):
    res = run(runner, "net", "latency", "Frankfurt", "Shanghai", "--scenario", "no-such-scenario")
    assert res.exit_code == 2
    assert "unknown scenario 'no-such-scenario'" in squash(res.output) and "red-sea-cables-cut" in squash(res.output)


@pytest.mark.parametrize("name,text,patterns", [
    pytest.param("bad.yaml", "name: bad\ncuts:\n  cables: [aae1\n  passages: [malacca]\n",
                 [r"bad\.yaml:\d+: not valid YAML"], id="malformed yaml names the line"),
    pytest.param("field.yaml", "name: x\ncuts:\n  passages: [atlantis]\n  cable: [aae1]\n",
                 [r"field\.yaml:3: field 'cuts\.passages'", "atlantis", r"field\.yaml:4: field 'cuts\.cable'"],
                 id="invalid field names field and line"),
    pytest.param("cable.yaml", "name: x\ncuts:\n  cables: [aae-1]\n", ["unknown cable 'aae-1'", "aae1"],
                 id="unknown cable in scenario is reported with suggestion"),
])
def test_bad_scenario_file_is_a_clear_error(runner, tmp_path, name, text, patterns):
    bad = tmp_path / name
    bad.write_text(text)
    res = run(runner, "net", "latency", "Frankfurt", "Mumbai", "--scenario", str(bad))
    assert res.exit_code == 2
    out = squash(res.output)
    assert all(re.search(p, out) for p in patterns), (patterns, out)


def test_scenario_errors_raise_typed_exceptions():
    with pytest.raises(DigitalScenarioError):
        load_digital_scenario("definitely-not-a-scenario")
