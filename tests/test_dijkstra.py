"""The compiled searches (routing.dijkstra) give scipy's answers: skims on every attribute, point queries
under masks and penalties, and the masked CSR weights. Also: the compare writes pairs.csv only when asked."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from beltroad.places.cities import city_set
from beltroad.routing import engine
from beltroad.routing.engine import Access, BaseGraph
from beltroad.routing.planner import Constraints, constraint_mask
from beltroad.routing.skim import skim
from helpers import assert_same_path_cost


@pytest.fixture(scope="module")
def places(session):
    every = city_set("world-200", session.gazetteer)
    return every[:: max(1, len(every) // 45)]  # ~45 cities spread over the list


@pytest.mark.parametrize("scenario,objective", [("baseline", "time"), ("no-russia-belarus-transit", "cost"),
                                                ("baseline", "generalized")])
def test_compiled_skim_equals_scipy_on_every_column(session, places, scenario, objective):
    net, state = session.network, session.state(scenario)
    access = Access(net)
    ours = skim(net, state, places, objective=objective, access=access)
    oracle = skim(net, state, places, objective=objective, access=access, engine="scipy")
    assert len(ours) == len(places) * (len(places) - 1) and ours["reachable"].any()
    for col in ("transit_days", "cost_usd", "distance_km", "co2_kg", "port_dwell_days", "border_dwell_days",
                "customs_export_days", "customs_import_days"):
        np.testing.assert_allclose(ours[col].to_numpy(), oracle[col].to_numpy(), rtol=1e-12, atol=1e-9,
                                   equal_nan=True, err_msg=col)
    pd.testing.assert_series_equal(ours["main_mode"], oracle["main_mode"])
    pd.testing.assert_series_equal(ours["reachable"], oracle["reachable"])


def test_compiled_skim_under_a_mode_mask(session, places):
    net, state = session.network, session.state("baseline")
    mask = constraint_mask(net, Constraints(mode="rail"))
    ours = skim(net, state, places[:20], mask=mask)
    oracle = skim(net, state, places[:20], mask=mask, engine="scipy")
    pd.testing.assert_frame_equal(ours, oracle)


def test_point_search_equals_scipy_on_sampled_queries(session, monkeypatch):
    """Random ends, masks and penalties: same path, same access links as scipy's Dijkstra."""
    monkeypatch.setattr(engine, "COMPILED_SEARCH", True)
    net = session.network
    rng = np.random.default_rng(16)
    for objective in ("time", "cost"):
        base = BaseGraph(net, session.state("baseline"), objective)
        found = 0
        for _ in range(60):
            allowed = rng.random(net.n_edges) < rng.choice([1.0, 0.97, 0.8])
            data, _ = base.masked(allowed)
            data = data * np.where(rng.random(len(data)) < 0.05, 1.6, 1.0)
            ov = rng.choice(net.n_vertices, size=rng.integers(1, 5), replace=False)
            dv = rng.choice(net.n_vertices, size=rng.integers(1, 5), replace=False)
            ow, dw = rng.random(len(ov)) * 10, rng.random(len(dv)) * 10
            ours, oracle = base.path(data, ov, ow, dv, dw), base.path_scipy(data, ov, ow, dv, dw)
            # the same cost, ends and access links; between equally cheap paths either may be returned
            assert_same_path_cost(ours, oracle, data, ow, dw)
            if ours is not None:
                cost = float(data[ours[0]].sum() + ow[ours[1]] + dw[ours[2]])
                assert ours[1:] == oracle[1:] or cost == pytest.approx(
                    float(data[oracle[0]].sum() + ow[oracle[1]] + dw[oracle[2]]), rel=1e-9)
            found += ours is not None
        assert found > 20  # most random pairs are joined: the comparison is not between two Nones


def test_masked_equals_numpy(session, monkeypatch):
    monkeypatch.setattr(engine, "COMPILED_SEARCH", True)
    net = session.network
    base = session.planner()._base("time")
    rng = np.random.default_rng(3)
    for share in (1.0, 0.9, 0.3):
        allowed = rng.random(net.n_edges) < share
        for ours, oracle in zip(base.masked(allowed), base.masked_numpy(allowed)):
            np.testing.assert_array_equal(ours, oracle)


@pytest.mark.parametrize("origin,destination,options", [
    ("Chongqing", "Duisburg", {}), ("Shanghai", "Rotterdam", {"alternatives": 2}),
    ("Kunming", "Bangkok", {"mode": "rail"}), ("Harbin", "Moscow", {"avoid_countries": ["KAZ"], "objective": "cost"}),
    ("CNSHA", "NLRTM", {"mode": "sea", "alternatives": 1}), ("Piraeus", "Budapest", {"mode": "road"})])
def test_planner_answers_do_not_depend_on_the_search(session, monkeypatch, origin, destination, options):
    answers = []
    for compiled in (False, True):
        monkeypatch.setattr(engine, "COMPILED_SEARCH", compiled)
        answers.append(session.plan(origin, destination, **options).to_dict(geometry=True))
    assert answers[0] == answers[1] and answers[0]["routes"]


@pytest.fixture(scope="module")
def five_city_compare(session):
    """A small compare (five cities on the Eurasian land bridge, Russia and Belarus closed), written by the tests."""
    from beltroad.analysis import compare

    gz = session.gazetteer
    cities = [gz.resolve(n) for n in ("Chongqing", "Duisburg", "Almaty", "Moscow", "Warsaw")]
    return compare("baseline", "no-russia-belarus-transit", cities=cities, session=session)


def test_compare_writes_pairs_csv_only_when_asked(five_city_compare, tmp_path):
    c = five_city_compare
    c.write(tmp_path / "a")
    assert (tmp_path / "a" / "pairs.parquet").exists() and not (tmp_path / "a" / "pairs.csv").exists()
    assert (tmp_path / "a" / "groups.csv").exists()
    c.write(tmp_path / "b", pairs_csv=True)
    back = pd.read_csv(tmp_path / "b" / "pairs.csv")
    assert list(back.columns) == list(c.pairs.columns) and len(back) == len(c.pairs) == 20
    np.testing.assert_allclose(back["transit_days_change"], c.pairs["transit_days_change"], rtol=1e-12)
    assert back["origin"].tolist() == c.pairs["origin"].astype(str).tolist()


def test_pairs_join_equals_the_merge(session, places):
    from beltroad.analysis.changes import KEYS, _join_pairs

    net = session.network
    a = skim(net, session.state("baseline"), places[:12])
    b = skim(net, session.state("no-russia-belarus-transit"), places[:12])
    merged = a.merge(b, on=KEYS, suffixes=("_base", "_scenario"))
    pd.testing.assert_frame_equal(_join_pairs(a, b), merged)              # same order: side by side
    shuffled = b.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(_join_pairs(a, shuffled), a.merge(shuffled, on=KEYS, suffixes=("_base", "_scenario")))


def test_targets_to_settle_counts_the_reachable_cities():
    """A search may stop once the cities it can reach are settled: per city, the cities reachable from it."""
    from scipy.sparse import csr_matrix

    from beltroad.routing.skim import _targets_to_settle

    # 0 <-> 1 (cities 0, 1) form a closed component; 2 <-> 3 (cities 2, 3) too, but 3 -> 4 leaves it for
    # 4 <-> 5 (city 5), which is closed; 6 (city 6) only leads into 0
    edges = [(0, 1), (1, 0), (2, 3), (3, 2), (3, 4), (4, 5), (5, 4), (6, 0)]
    src, dst = zip(*edges)
    mat = csr_matrix((np.ones(len(edges)), (src, dst)), shape=(7, 7))
    mat.sort_indices()
    targets = np.array([0, 1, 2, 3, 5, 6])
    assert _targets_to_settle(mat, targets).tolist() == [2, 2, 3, 3, 1, 3]


def test_compare_report_draws_the_map_and_charts_as_inline_svg(five_city_compare, tmp_path):
    c = five_city_compare
    c.write(tmp_path / "r")
    page = (tmp_path / "r" / "report.html").read_text()
    assert page.count("<svg") == 3 and "unavailable" not in page  # map, economies' bars, pair histogram
    econ = c.economies.dropna(subset=["change_pct"])
    row = econ.iloc[0]
    assert f"<title>{row['iso3']}: {row['change_pct']:+.2f} %</title>" in page  # each economy's shape is labelled
    assert page.count("<path d=") > 150  # the world's countries


def test_access_links_of_many_points_equal_those_point_by_point(session):
    """`Access.edges_many` (the skims' vectorised access links) gives `Access.edges`' vertices, in the same order,
    and bit-identical km, hours, USD, CO2 and border dwell: on every world-1000 city, on every network place
    (their own road and gate vertices) and on random points anywhere (sea, poles; any country or none)."""
    net = session.network
    access = Access(net)
    rng = np.random.default_rng(9)
    countries = list(net.countries) + ["", "XXX"]
    places = net.column("places", "id")
    groups = {
        "world-1000": [(p.lat, p.lon, p.node_id, p.country) for p in city_set("world-1000", session.gazetteer)],
        "network places": [(float(la), float(lo), pid, c) for pid, la, lo, c in zip(
            places, net.column("places", "lat"), net.column("places", "lon"), net.column("places", "country"))],
        "random": [(float(la), float(lo), None, countries[int(i)]) for la, lo, i in zip(
            rng.uniform(-89, 89, 1000), rng.uniform(-180, 180, 1000), rng.integers(0, len(countries), 1000))],
    }
    for name, points in groups.items():
        many = access.edges_many(points)
        assert len(many.count) == len(points) and many.count.sum() == len(many.verts) > len(points)
        start = 0
        for i, (lat, lon, node_id, country) in enumerate(points):
            one = access.edges(lat, lon, node_id, country)
            stop = start + len(one[0])
            assert many.count[i] == len(one[0]), (name, i)
            for got, want in zip(many.edges(i), one):
                assert got.dtype == want.dtype and np.array_equal(got, want), (name, i)
            np.testing.assert_array_equal(many.border_hours[start:stop], access.border_hours(one[0], country))
            start = stop
    assert access.edges_many([]).verts.size == 0


def test_access_links_of_many_points_check_the_tree_candidates(session, monkeypatch):
    """Where the KD-tree's candidates are not the nearest terminals (here: a tree that proposes the farthest
    ones), `edges_many` finds that out and still gives `edges`' links."""
    import scipy.spatial

    class FarthestFirst:
        def __init__(self, xyz):
            self.xyz = xyz

        def query(self, pts, k):
            order = np.argsort(pts @ self.xyz.T, axis=1)[:, :k]  # the least similar first
            return None, order

    monkeypatch.setattr(scipy.spatial, "cKDTree", FarthestFirst)
    net = session.network
    access = Access(net)
    points = [(p.lat, p.lon, p.node_id, p.country) for p in city_set("world-200", session.gazetteer)[:60]]
    many = access.edges_many(points)
    for i, point in enumerate(points):
        for got, want in zip(many.edges(i), access.edges(*point)):
            assert np.array_equal(got, want), i
