"""Point queries of a one-shot process: the plain-Python twin of the compiled search gives the compiled search's
paths (and scipy's answers), whole plans do not depend on which search ran, leg geometry drawn on demand is the
geometry, and `import beltroad.cli` leaves the heavy sub-commands and scipy unloaded."""
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
    """Random ends, masks and penalties: the Python twin returns exactly the compiled search's path, and the
    same cost and ends as scipy's Dijkstra."""
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

    def python_path(self, data, ov, ow, dv, dw):
        return self.path_python(data, ov, ow, dv, dw)

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
            "'scipy', 'pandas') if m in sys.modules))")
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
