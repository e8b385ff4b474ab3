"""Point queries: the search's one source run on lists (a one-shot process) gives the compiled search's paths (and
scipy's answers), with or without a limit; whole plans do not depend on which search ran; a best-route query's
bound, the planner's kept masks and per-place work change no answer; leg geometry drawn on demand is the
geometry; and `import beltroad.cli` leaves the heavy sub-commands, numba and scipy unloaded."""
from __future__ import annotations

import json
import pickle
import subprocess
import sys

import numpy as np
import pytest

from beltroad.routing import engine
from beltroad.routing.engine import BaseGraph
from helpers import assert_same_path_cost


def _random_queries(net, rng, n):
    for _ in range(n):
        allowed = rng.random(net.n_edges) < rng.choice([1.0, 0.97, 0.8])
        ov = rng.choice(net.n_vertices, size=rng.integers(1, 5), replace=False)
        dv = rng.choice(net.n_vertices, size=rng.integers(1, 5), replace=False)
        yield allowed, ov, rng.random(len(ov)) * 10, dv, rng.random(len(dv)) * 10


def test_python_search_equals_compiled_and_scipy(session):
    """Random ends, masks and penalties: the search's source run on lists returns exactly the compiled search's
    path, and the same cost and ends as scipy's Dijkstra."""
    from beltroad.routing.dijkstra import point_search  # noqa: F401 (loads the compiled search)

    net = session.network
    rng = np.random.default_rng(9)
    found = 0
    for objective in ("time", "cost"):
        base = BaseGraph(net, session.state("baseline"), objective)
        for allowed, ov, ow, dv, dw in _random_queries(net, rng, 40):
            data = base.masked_numpy(allowed)[0] * np.where(rng.random(len(base.data)) < 0.05, 1.6, 1.0)
            ours = base.path_python(data, ov, ow, dv, dw)
            engine.COMPILED_SEARCH = True
            try:
                compiled = base.path(data, ov, ow, dv, dw)
            finally:
                engine.COMPILED_SEARCH = None
            oracle = base.path_scipy(data, ov, ow, dv, dw)
            assert ours == compiled
            assert_same_path_cost(ours, oracle, data, ow, dw)
            found += ours is not None
    assert found > 40  # most random pairs are joined: the comparison is not between two Nones


@pytest.mark.parametrize("origin,destination,options", [
    ("Chongqing", "Duisburg", {"alternatives": 3}), ("Yiwu", "Madrid, ES", {"alternatives": 1}),
    ("Busan", "Los Angeles", {"mode": "sea"}), ("Hamburg", "Munich", {"mode": "road", "alternatives": 2})])
def test_plans_are_the_same_with_each_search(session, origin, destination, options):
    """The Python twin (a one-shot CLI), the compiled search (the API) and scipy (the previous search) plan
    the same routes, legs and geometry."""
    answers = []
    for search in (None, True, False):
        engine.COMPILED_SEARCH = search
        try:
            if search is None:  # the twin runs when numba is not loaded; force it here
                result = _plan_with_python_search(session, origin, destination, options)
            else:
                result = session.plan(origin, destination, **options)
        finally:
            engine.COMPILED_SEARCH = None
        answers.append(json.dumps(result.to_dict(geometry=True)))
    assert answers[0] == answers[1] == answers[2]
    assert json.loads(answers[0])["routes"]


def _plan_with_python_search(session, origin, destination, options):
    original = BaseGraph.path

    def python_path(self, data, ov, ow, dv, dw, limit=np.inf):
        return self.path_python(data, ov, ow, dv, dw, limit)

    BaseGraph.path = python_path
    try:
        return session.plan(origin, destination, **options)
    finally:
        BaseGraph.path = original


def test_geometry_is_drawn_on_demand_and_survives_pickling(session):
    result = session.plan("Chongqing", "Duisburg", alternatives=2)
    legs = [leg for r in result.routes for leg in r.legs if leg.mode != "handling"]
    assert all(leg.draw is not None for leg in legs)  # nothing drawn while planning
    copy = pickle.loads(pickle.dumps(result))  # a pickle carries the drawn coordinates
    assert all(leg.draw is None for leg in legs)
    for a, b in zip((leg for r in copy.routes for leg in r.legs if leg.mode != "handling"), legs):
        assert a.coordinates == b.coordinates and len(a.coordinates) >= 2
    # consecutive legs join where one ends and the next starts (a rail leg, its gauge change, the next rail leg)
    first = [leg for leg in result.routes[0].legs if leg.mode != "handling"]
    assert all(x.coordinates[-1] == y.coordinates[0] for x, y in zip(first, first[1:]) if x.to_place == y.from_place)


def test_cli_import_leaves_heavy_modules_unloaded():
    """`beltroad route` starts without the digital, energy, appraisal and flows faces, or scipy; `--help` still
    lists those commands."""
    code = ("import sys, beltroad.cli; "
            "print(sorted(m for m in ('beltroad.digital', 'beltroad.energy', 'beltroad.appraisal', 'beltroad.flows', "
            "'scipy', 'pandas', 'numba') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    helped = subprocess.run([sys.executable, "-c", "from beltroad.cli import main; main()", "--help"],
                            capture_output=True, text=True, env={"COLUMNS": "200", "PATH": "", **_env()})
    assert helped.returncode == 0
    for name in ("route", "net", "energy", "appraise", "sweep", "assign"):
        assert f" {name} " in helped.stdout


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "BELTROAD_CACHE", "HOME")}


@pytest.mark.parametrize("origin,destination", [("Chongqing", "Duisburg"), ("CNSHA", "NLRTM"), ("Almaty", "Istanbul")])
def test_query_masks_equal_the_full_computation(session, origin, destination):
    """The planner's shortcuts (distances only near the stops, masks kept per mode) give `near_ends` and
    `constraint_mask` exactly."""
    from beltroad.routing.evaluate import Stops
    from beltroad.routing.planner import PRECARRIAGE_RADIUS_KM, Constraints, constraint_mask, near_ends

    planner, net = session.planner(), session.network
    o, d = session.resolve(origin), session.resolve(destination)
    stops = Stops([o, d])
    for radius in (150.0, PRECARRIAGE_RADIUS_KM):
        near = stops.within(net, 0, radius, planner._vertex_xyz) | stops.within(net, 1, radius, planner._vertex_xyz)
        np.testing.assert_array_equal(near, near_ends(net, [(o.lat, o.lon), (d.lat, d.lon)], radius))
        assert near.any() and not near.all()
    near = near_ends(net, [(o.lat, o.lon), (d.lat, d.lon)], PRECARRIAGE_RADIUS_KM)
    for mode in ("multimodal", "rail", "sea", "road", "inland_water"):
        c = Constraints(mode=mode)
        for _ in range(2):  # computed, then kept
            np.testing.assert_array_equal(planner._constraint_mask(c, near if mode == "sea" else None),
                                          constraint_mask(net, c, near if mode == "sea" else None))


def _search_cost(found, data, ow, dw) -> float:
    """A found path's total as the searches add it (origin link, edges in path order, destination link)."""
    positions, a, b = found
    total = float(ow[a])
    for q in positions:
        total += float(data[q])
    return total + float(dw[b])


def test_a_limit_cuts_only_paths_beyond_it(session):
    """With a limit at the path's own cost every search (lists, compiled, scipy) returns the same path; a limit
    just below it returns none; random ends, masks and penalties."""
    from beltroad.routing.dijkstra import point_search  # noqa: F401 (loads the compiled search)

    net = session.network
    rng = np.random.default_rng(16)
    base = BaseGraph(net, session.state("baseline"), "time")
    cut = 0
    for allowed, ov, ow, dv, dw in _random_queries(net, rng, 30):
        data = base.masked_numpy(allowed)[0] * np.where(rng.random(len(base.data)) < 0.05, 1.6, 1.0)
        free = base.path_python(data, ov, ow, dv, dw)
        if free is None:
            continue
        total = _search_cost(free, data, ow, dw)
        below = np.nextafter(total, -np.inf)
        for search in (True, False):
            engine.COMPILED_SEARCH = search
            try:
                assert base.path(data, ov, ow, dv, dw, total) == (free if search else base.path_scipy(data, ov, ow, dv, dw))
                assert base.path(data, ov, ow, dv, dw, below) is None
            finally:
                engine.COMPILED_SEARCH = None
        assert base.path_python(data, ov, ow, dv, dw, total) == free
        assert base.path_python(data, ov, ow, dv, dw, below) is None
        cut += 1
    assert cut > 15


PAIRS = [("Chongqing", "Duisburg"), ("Kunming", "Bangkok"), ("Piraeus", "Budapest"), ("Baku", "Constanta, RO"),
         ("Mombasa", "Nairobi"), ("Shanghai", "Rotterdam"), ("Urumqi", "Tashkent"), ("Delhi", "Mumbai")]


def test_best_route_bound_changes_no_answer(session, monkeypatch):
    """A best-route query stops each mode's first search beyond the best route found so far, and does not
    measure an all-road trip that drivers' rest makes slower than it: the same route as without either, for
    every objective, with vias, avoided countries, and under another scenario; and both do cut (the feature
    is there)."""
    from beltroad.routing.planner import Planner

    cuts, rested = [], []
    beyond = Planner._beyond_with_rest

    def counted_rest(self, *args):
        out = beyond(self, *args)
        rested.append(out)
        return out

    monkeypatch.setattr(Planner, "_beyond_with_rest", counted_rest)
    path = BaseGraph.path

    def counted(self, data, ov, ow, dv, dw, limit=np.inf):
        found = path(self, data, ov, ow, dv, dw, limit)
        if found is None and limit < np.inf and path(self, data, ov, ow, dv, dw) is not None:
            cuts.append(1)
        return found

    queries = [(o, d, {"objective": obj}) for (o, d), obj in zip(PAIRS, ["time", "cost", "co2", "generalized"] * 2)]
    queries += [("Chongqing", "Duisburg", {"via": ["Almaty"]}), ("Yiwu", "Madrid, ES", {"avoid_countries": ["KAZ"]}),
                ("Xian", "Hamburg", {"scenario": "no-russia-belarus-transit"}), ("Chengdu", "Lodz", {"mode": "rail"})]
    monkeypatch.setattr(BaseGraph, "path", counted)
    bounded = [json.dumps(session.plan(o, d, alternatives=1, **kw).to_dict(geometry=True)) for o, d, kw in queries]
    monkeypatch.setattr(Planner, "_bound", lambda self, found, base, origin, destination: np.inf)
    monkeypatch.setattr(Planner, "_beyond_with_rest", lambda self, *args: False)
    free = [json.dumps(session.plan(o, d, alternatives=1, **kw).to_dict(geometry=True)) for o, d, kw in queries]
    assert bounded == free
    assert len(cuts) >= len(PAIRS)  # most multimodal queries skip at least one mode's search
    assert any(rested) and not all(rested)  # long all-road trips are not measured, short ones are


@pytest.mark.parametrize("objective", ["time", "generalized"])
def test_kept_masks_equal_the_full_mask(session, objective):
    """The planner's masked CSR per mode with only the rail-port positions recomputed per query is
    `BaseGraph.masked` of the whole mask (weights and chosen parallel edges)."""
    from beltroad.routing.evaluate import Stops
    from beltroad.routing.planner import Constraints

    planner = session.planner()
    base = planner._base(objective)
    for origin, destination in PAIRS:
        o, d = session.resolve(origin), session.resolve(destination)
        query = Stops([o, d])
        acc = planner._access([o, d], Constraints(), base)
        rail_port = planner._rail_port_mask([o, d], acc, query)
        assert not rail_port.all()  # the query masks some rail-port edges: the patch has work to do
        for mode in ("multimodal", "rail", "road", "inland_water", "sea"):
            near = planner._sea_ends_reach(query) if mode == "sea" else None
            c = Constraints(mode=mode)
            for _ in range(2):  # computed, then kept
                data, edge = planner._masked(base, c, near, rail_port)
                want_data, want_edge = base.masked_numpy(planner._constraint_mask(c, near) & rail_port)
                np.testing.assert_array_equal(data, want_data)
                np.testing.assert_array_equal(edge, want_edge)


def test_per_place_work_kept_is_the_computation(session):
    """Access links, rail-port masks and radius masks kept per place give what a fresh planner computes."""
    from beltroad.routing.evaluate import Stops
    from beltroad.routing.planner import Constraints, Planner

    planner = session.planner()
    fresh = Planner(session.network, planner.state, planner.access)
    for origin, destination in PAIRS[:4]:
        session.plan(origin, destination, alternatives=1)  # fills the kept work
        o, d = session.resolve(origin), session.resolve(destination)
        base, fbase = planner._base("time"), fresh._base("time")
        kept, new = planner._access([o, d], Constraints(), base), fresh._access([o, d], Constraints(), fbase)
        for a, b in zip(kept, new):
            for f in ("verts", "km", "hours", "usd", "co2", "border", "weight", "gate"):
                np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
        q_kept, q_new = Stops([o, d], planner._within_cache), Stops([o, d])
        np.testing.assert_array_equal(planner._rail_port_mask([o, d], kept, q_kept),
                                      fresh._rail_port_mask([o, d], new, q_new))
        np.testing.assert_array_equal(planner._sea_ends_reach(q_kept), fresh._sea_ends_reach(q_new))
        fresh._stop_cache.clear()
        fresh._within_cache.clear()


def test_within_equals_the_haversine_everywhere(session):
    """`Stops.within` (dot products, haversine only in a 2 km band at the radius) is the haversine test on every
    vertex, for random points and radii, and for points on vertices at the radius of another vertex."""
    from beltroad.data.geo import haversine_km
    from beltroad.places import Place
    from beltroad.routing.evaluate import Stops

    net, planner = session.network, session.planner()
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(40):
        v = int(rng.integers(net.n_vertices))
        lat, lon = float(net.vertex_lat[v]), float(net.vertex_lon[v])
        if rng.random() < 0.5:
            lat, lon = float(np.clip(lat + rng.normal(0, 2), -89, 89)), float(lon + rng.normal(0, 2))
        dist = haversine_km(lat, lon, net.vertex_lat, net.vertex_lon)
        w = int(rng.integers(net.n_vertices))
        for radius in (0.5, 150.0, 1000.0, float(rng.uniform(10, 3000)), float(dist[w])):  # the last: exactly on a vertex
            got = Stops([Place(name="p", country="", lat=lat, lon=lon, kind="coordinates")]).within(net, 0, radius,
                                                                                             planner._vertex_xyz)
            np.testing.assert_array_equal(got, dist <= radius)
            checked += int(got.sum())
    assert checked > 1000
