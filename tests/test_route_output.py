"""A route's output (legs' coordinates, `Route.to_dict`) from the kept per-edge lines and the plain copy is the
same as the per-edge numpy drawing and the deep copy they replaced (issue 16: the API's CPU per route)."""
from __future__ import annotations

import copy
import json
from dataclasses import fields

import numpy as np
import pytest


QUERIES = [("Chongqing", "Duisburg", {"alternatives": 3}),
           ("Shanghai", "Rotterdam", {"mode": "sea", "alternatives": 2}),
           ("31.0,121.2", "Duisburg", {"alternatives": 2}),  # a coordinate origin: access legs to a query stop
           ("Kunming", "Vientiane", {"mode": "rail"}),
           ("Hamburg", "Munich", {"mode": "road"})]


def _numpy_leg_coords(evaluator, g, stops, lo: int, hi: int) -> list[list[float]]:
    """The previous drawing: each path edge's (n, 2) array, joined where one ends at the next one's start."""
    parts, last = [], None
    for e in range(lo, hi):
        pts = evaluator._edge_coords(g, stops, e)
        if last is not None and len(pts) and last[0] == pts[0, 0] and last[1] == pts[0, 1]:
            pts = pts[1:]
        if len(pts):
            parts.append(pts)
            last = pts[-1]
    return np.concatenate(parts).tolist() if parts else []


@pytest.mark.parametrize("origin,destination,kw", QUERIES)
def test_leg_coordinates_match_the_numpy_drawing(session, origin, destination, kw):
    for _ in range(2):  # the second plan draws from the network's kept edge lines
        result = session.plan(origin, destination, **kw)
        movement = [leg for r in result.routes for leg in r.legs if leg.draw is not None]
        assert movement
        for leg in movement:
            evaluator = leg.draw.func.__self__
            expected = _numpy_leg_coords(evaluator, *leg.draw.args)
            assert leg.coordinates == expected and len(expected) >= 2
            assert all(type(x) is float for p in leg.coordinates for x in p)
    assert session.network.derived("routing.edge_lines", dict).points > 0  # the network's lines were kept


def test_route_dict_is_the_deep_copy_and_independent(session):
    """`Route.to_dict` copies each field with `_plain_copy`: equal to the deep copy it replaced, sharing no list
    or dict with the route, and keys in the dataclass's order."""
    from beltroad.routing.result import _plain_copy

    result = session.plan("Chongqing", "Duisburg", alternatives=3)
    crossed = [r for r in result.routes if r.border_crossings]
    assert crossed
    for r in result.routes:
        for f in fields(r):
            value = getattr(r, f.name)
            assert json.dumps(_plain_copy(value), default=str) == json.dumps(copy.deepcopy(value), default=str)
        d = r.to_dict()
        names = [f.name for f in fields(r) if f.name not in ("legs", "objective_value")]
        assert [k for k in d if k in names] == names
        assert d["transit_days"] == round(r.transit_days, 2) and d["distance_km"] == round(r.distance_km, 1)
    r = crossed[0]
    before = json.dumps(r.to_dict())
    d = r.to_dict()
    d["countries"].append("XXX")
    d["border_crossings"][0]["at"] = "changed"
    d["time_breakdown_hours"]["moving"] = -1.0
    assert json.dumps(r.to_dict()) == before  # the route itself is untouched


def test_kept_edge_lines_stay_under_their_cap(session, monkeypatch):
    from beltroad.routing import evaluate

    monkeypatch.setattr(evaluate, "EDGE_LINES_MAX_POINTS", 300)  # a few sea lanes: emptied several times
    lines = session.network.derived("routing.edge_lines", dict)
    lines.clear()
    lines.points = 0
    for _ in range(2):
        result = session.plan("Shanghai", "Rotterdam", mode="sea", alternatives=3)
        for leg in (leg for r in result.routes for leg in r.legs if leg.draw is not None):
            expected = _numpy_leg_coords(leg.draw.func.__self__, *leg.draw.args)
            assert leg.coordinates == expected
            assert lines.points == sum(map(len, lines.values())) <= 300 or len(lines) == 1
