"""Measuring a found path (`routing.evaluate.path_core`): the compiled core and its plain-Python run give the same
routes, and the per-leg sums are the zero-padded running sums the planner has always given (issue 16: the API's
CPU per route)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from beltroad.network.build import ACCESS, MODES
from beltroad.routing import evaluate

QUERIES = [("Chongqing", "Duisburg", {"alternatives": 3}),
           ("Shanghai", "Rotterdam", {"mode": "sea", "alternatives": 3}),
           ("Xi'an", "Madrid", {"objective": "cost", "alternatives": 3}),
           ("Kashgar", "Karachi", {"alternatives": 3}),
           ("Almaty", "Istanbul", {"objective": "generalized", "alternatives": 2}),
           ("Yiwu", "Madrid", {"avoid_countries": ["KAZ"], "alternatives": 2}),
           ("Lodz", "Chengdu", {"via": ["Almaty"]}),
           ("31.0,121.2", "Duisburg", {"alternatives": 2}),  # a coordinate origin: access legs to a query stop
           ("Hamburg", "Munich", {"mode": "road"}),
           ("Kunming", "Vientiane", {"mode": "rail"}),
           ("Mombasa", "Nairobi", {"alternatives": 2})]


def _answers(session) -> list[str]:
    return [json.dumps(session.plan(o, d, **kw).to_dict(geometry=True)) for o, d, kw in QUERIES]


def test_compiled_core_gives_the_plain_python_answers(session, monkeypatch):
    evaluator = session.planner().evaluator
    monkeypatch.setattr(evaluate, "COMPILED_CORE", False)
    evaluator.__dict__.pop("_lists", None)  # the plain run gathers each path's rows (as a one-shot CLI query does)
    plain = _answers(session)
    assert "_lists" not in evaluator.__dict__
    monkeypatch.setattr(evaluate, "COMPILED_CORE", True)
    compiled = _answers(session)
    assert evaluate._COMPILED_CORE is not None and "_lists" in evaluator.__dict__
    assert compiled == plain


def _grid_sums(values: list[list[float]], starts: list[int], ends: list[int]) -> np.ndarray:
    """The previous per-leg sums: np.add.accumulate down a (longest leg x legs x columns) grid padded with zeros."""
    leg = np.repeat(np.arange(len(starts)), np.subtract(ends, starts))
    offset = np.arange(len(leg)) - np.asarray(starts)[leg]
    grid = np.zeros((int(offset.max()) + 1, len(starts), len(values[0])))
    grid[offset, leg] = np.asarray(values)
    return np.add.accumulate(grid, axis=0)[-1]


def _bits(x) -> bytes:
    return np.asarray(x, dtype=np.float64).tobytes()  # (tells -0.0 from 0.0)


@pytest.mark.parametrize("compiled", [False, True])
def test_leg_sums_mode_km_and_countries_are_the_previous_ones(session, monkeypatch, compiled):
    monkeypatch.setattr(evaluate, "COMPILED_CORE", compiled)
    seen = []
    measure = evaluate.PathEvaluator.measure

    def keep(self, pe, origin, destination, objective, stops):
        m = measure(self, pe, origin, destination, objective, stops)
        seen.append(m)
        return m

    monkeypatch.setattr(evaluate.PathEvaluator, "measure", keep)
    for o, d, kw in QUERIES[:6]:
        session.plan(o, d, **kw)
    assert len(seen) > 20
    cols = {name: i for i, name in enumerate(evaluate._SUMS)}
    for m in seen:
        pe = m.pe
        rows, values, n_legs = pe.rows, pe.values, len(pe.starts)
        ref = _grid_sums(values, pe.starts, pe.ends)
        handling = [rows[s][evaluate._HAND] for s in pe.starts]
        assert _bits(m.usd[:n_legs]) == _bits(ref[:, cols["usd"]])
        assert _bits(m.co2[:n_legs]) == _bits(ref[:, cols["co2"]])
        assert _bits(m.km[:n_legs]) == _bits(np.where(handling, 0.0, ref[:, cols["km"]]))
        not_road = [j for j in range(n_legs) if m.modes[j] != "road"]  # (road legs: drivers' rest added)
        assert _bits([m.hours[j] for j in not_road]) == _bits(ref[not_road, cols["hours"]])
        for part, name in ((1, "handling"), (2, "border"), (4, "waiting")):
            assert _bits(m.parts[part][:n_legs]) == _bits(ref[:, cols[name]])
        # km per leg mode: each mode's km down the path, 0 for other edges (and access trucks), added in order
        moving = [not r[evaluate._HAND] for r in rows]
        codes = [r[evaluate._LEG] for r in rows]
        km = [0.0 if r[evaluate._KIND] == ACCESS else v[0] for r, v in zip(rows, values)]
        expected = {}
        for c in dict.fromkeys(c for c, mv in zip(codes, moving) if mv):
            sums = np.add.accumulate(np.array([x if mv and code == c else 0.0
                                               for x, mv, code in zip(km, moving, codes)]))
            expected[MODES[c]] = float(sums[-1])
        assert list(m.moving_km) == [k for k in expected if k != "handling"]
        assert _bits(list(m.moving_km.values())) == _bits([v for k, v in expected.items() if k != "handling"])
        # countries in the order the movement edges pass them, from the origin's to the destination's
        seq = [m.origin.country]
        for r in rows:
            if not r[evaluate._HAND]:
                for ci in (r[evaluate._VC_SRC], r[evaluate._VC_DST]):
                    if ci >= 0 and session.network.countries[ci] != seq[-1]:
                        seq.append(session.network.countries[ci])
        if seq[-1] != m.destination.country and m.destination.country:
            seq.append(m.destination.country)
        assert m.countries == seq
        assert m.edges == [e for e in pe.edge_id if e >= 0]


@pytest.mark.parametrize("origin,destination", [("Chongqing", "Duisburg"), ("Shanghai", "Rotterdam"),
                                                ("Los Angeles", "Chicago"), ("Kampala", "Mombasa")])
def test_sea_mask_kept_and_regrouped_is_the_full_masking(session, monkeypatch, origin, destination):
    """With the compiled search loaded, the sea search's CSR is the kept one with only the positions that hold a
    land or rail-port edge recomputed (`Planner._masked_sea`): the same weights and edges as masking it all."""
    from beltroad.routing import engine
    from beltroad.routing.planner import Constraints

    monkeypatch.setattr(engine, "COMPILED_SEARCH", True)
    planner = session.planner()
    o, d = session.resolve(origin), session.resolve(destination)
    query = planner._stops([o, d])
    for objective in ("time", "cost"):
        base = planner._base(objective)
        access = planner._access([o, d], Constraints(), base)
        rail_port = planner._rail_port_mask([o, d], access, query)
        near = planner._sea_ends_reach(query)
        sea = Constraints(mode="sea")
        data, edge = planner._masked(base, sea, near, rail_port)
        full_data, full_edge = base.masked_numpy(planner._constraint_mask(sea, near) & rail_port)
        assert np.array_equal(data, full_data) and np.array_equal(edge, full_edge)
        assert (objective, "sea") in planner._masked_cache
