"""The API's route answer written fast and still byte for byte json's (issue 16): orjson's text checked only where
it may differ (`_written_as_json_would`), legs' coordinates copied as text made once (`PrewrittenList`, `EdgeLine`),
`to_dict` rounding only what is not zero."""
from __future__ import annotations

import copy
import json
import math
import pickle
import random
import struct

import orjson
import pytest

from beltroad.io.jsonout import PrewrittenList, _written_as_json_would, dumps, dumps_bytes
from beltroad.routing.result import EdgeLine, Leg, Route


def _floats(n: int, seed: int) -> list[float]:
    """Random finite doubles: any bit pattern, tiny ones (log-uniform 1e-330..1e-3), coordinates of a few decimals."""
    rnd = random.Random(seed)
    out = []
    while len(out) < n:
        x = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
        if math.isfinite(x):
            out.append(x)
        out.append(rnd.choice((-1, 1)) * 10 ** rnd.uniform(-330, -3))
        out.append(round(rnd.uniform(-180, 180), rnd.randint(0, 6)))
    return out


def test_check_flags_every_float_orjson_spells_differently():
    """Where orjson's text of a float is not json's, the check says so; json's own text always passes it (so text
    made by json, such as a prewritten line with 1e-05 in it, is taken as it is)."""
    differ = 0
    for x in _floats(60_000, seed=16):
        mine, theirs = orjson.dumps([x, "e-5"]), json.dumps([x, "e-5"], separators=(",", ":")).encode()
        if mine != theirs:
            differ += 1
            assert not _written_as_json_would(mine), (x, mine, theirs)
        assert _written_as_json_would(theirs), (x, theirs)
    assert differ > 100  # the tiny floats: the check was put to the test


def test_prewritten_list_is_written_from_its_text_until_changed():
    pts = [[100.00001, -2e-05], [1.5, 2.5]]
    text = dumps(pts, compact=True).encode()
    x = PrewrittenList(pts, lambda: text)
    assert dumps_bytes({"c": x}) == b'{"c":' + text + b"}" == dumps({"c": x}, compact=True).encode()
    x.append([3.0, 4.0])  # any change forgets the text
    assert x.json_text() is None
    assert dumps_bytes({"c": x}) == dumps({"c": list(x)}, compact=True).encode()
    for other in (copy.copy(x), copy.deepcopy(x), pickle.loads(pickle.dumps(x))):
        assert type(other) is list and other == x


def test_edge_line_is_read_only_and_its_text_is_json():
    line = EdgeLine([[10.0, -2e-05], [10.5, 0.00001], [11.0, 1.0]])
    assert line.text() == json.dumps(list(line), separators=(",", ":")).encode()
    head, tail = line.pieces()
    assert b"[" + head + b"," + tail + b"]" == line.text()
    for change in (lambda: line.append([1.0, 2.0]), lambda: line.__setitem__(0, [0.0, 0.0]), line.reverse,
                   lambda: line.extend([]), line.clear):
        with pytest.raises(TypeError):
            change()
    assert len(line) == 3
    mutable = copy.deepcopy(line)
    mutable.append([0.0, 0.0])
    assert type(mutable) is list and len(line) == 3


@pytest.mark.parametrize("value", [0.0, -0.0, 0, 3, -1.005, 2.675, 1e-9, 12345.6789])
def test_to_dict_rounds_as_round_does(value):
    """Zeros are not passed to round() again: the value (its sign, its type) is still round's."""
    leg = Leg("rail", "A", "B", value, value, value, value, hours_by_part={"moving": value, "border": value})
    d = leg.to_dict()
    expect = {"distance_km": round(value, 1), "transit_hours": round(value, 2), "cost_usd": round(value, 2),
              "co2_kg": round(value, 2)}
    for k, v in expect.items():
        assert repr(d[k]) == repr(v) and type(d[k]) is type(v)
    assert [repr(v) for v in d["hours_by_part"].values()] == [repr(round(value, 2)), "0.0", repr(round(value, 2)),
                                                              "0.0", "0.0"]
    route = Route(1, "s", ["rail"], "rail", value, value, value, value, [], [], [], [], 0, [], [leg],
                  time_breakdown_hours={"waiting": value}, terminal_to_terminal_days=value)
    r = route.to_dict()
    for k, n in (("distance_km", 1), ("cost_usd", 1), ("co2_kg", 1), ("transit_days", 2), ("door_to_door_days", 2),
                 ("terminal_to_terminal_days", 2)):
        assert repr(r[k]) == repr(round(value, n))
    assert repr(r["time_breakdown_hours"]["waiting"]) == repr(round(value, 2))


@pytest.mark.parametrize("origin,destination,kw", [
    ("Manila", "Dar es Salaam", {"mode": "sea", "alternatives": 2}),  # sea lanes across the equator: -2e-05
    ("31.0,121.2", "Duisburg", {"alternatives": 3}),  # access legs: runs of network edges and query edges
    ("Kunming", "Vientiane", {"mode": "rail"}),
])
def test_route_answer_bytes_are_json_s_when_drawn_again(session, origin, destination, kw):
    """The answer written from the legs' texts equals json's text of the same answer, on a first draw and on a
    second one (the kept runs), with the legs' coordinates the plain lists json sees."""
    answers = []
    for _ in range(2):
        d = session.plan(origin, destination, **kw).to_dict(geometry=True)
        text = dumps_bytes(d)
        assert text == dumps(d, compact=True).encode()
        assert json.loads(text)["routes"][0]["legs"] == json.loads(json.dumps(d["routes"][0]["legs"]))
        answers.append(text)
    assert answers[0] == answers[1]
    kinds = {type(leg["coordinates"]) for r in d["routes"] for leg in r["legs"]}
    assert EdgeLine in kinds or PrewrittenList in kinds
    if origin == "Manila":
        assert b"e-05" in answers[0]  # json's spelling, which orjson alone would not give


def test_plan_dict_places_and_pickles(session):
    """A place's dict is dataclasses.asdict's, keys in order (and asdict's own when the place has more than its
    fields); a leg drawn from a kept, read-only line pickles as a plain list."""
    from dataclasses import asdict

    from beltroad.routing.result import _place_dict

    result = session.plan("Chongqing", "Duisburg", alternatives=2)
    for p in (result.origin, result.destination):
        assert list(_place_dict(p).items()) == list(asdict(p).items())
    odd = copy.copy(result.origin)
    odd.note = "not a field"
    assert _place_dict(odd) == asdict(odd) and "note" not in _place_dict(odd)
    legs = [leg for r in result.routes for leg in r.legs if leg.draw is not None]
    assert any(isinstance(leg.coordinates, EdgeLine) for leg in legs)
    for leg in legs:
        again = pickle.loads(pickle.dumps(leg))
        assert type(again.coordinates) is list and again.coordinates == leg.coordinates
