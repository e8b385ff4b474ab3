"""`jsonout.dumps_bytes` (orjson, the API's route answers) writes exactly the bytes of `jsonout.dumps(compact=True)`
(json): on real route answers and on the values where the two writers differ or one refuses."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from beltroad.io.jsonout import dumps, dumps_bytes


def same(obj) -> bytes:
    out = dumps_bytes(obj)
    assert out == dumps(obj, compact=True).encode()
    return out


@pytest.mark.parametrize("value", [
    1e-5, -9.99e-5, 2.5e-9, 1e-4, 0.1 + 0.2, 1e15, 1e16, 1.5e19, 123456789012345.6, -0.0, 5e-324,
    math.nan, -math.inf, 2 ** 70, np.float32(0.1), np.float64(1e-7), np.int64(-3), np.bool_(True),
    np.arange(3) * 1e-5, Path("/a/b"), (1, 2.5), "Xi’an \u2028 \x01 \"1e-05\" 0.00001 middle-corridor",
    {1: 2.0, 2.5: "x"}, {"nested": [{"a": [None, True, 1e-6]}]},
])
def test_same_bytes_as_json_on_awkward_values(value):
    same({"v": value, "list": [value, value]})


def test_tiny_floats_are_spelt_as_json_spells_them():
    assert same([1e-5, 0.00005]) == b"[1e-05,5e-05]"  # orjson alone would write 1e-5 / 0.00005


def test_refused_values_stay_refused():
    with pytest.raises(TypeError):
        dumps_bytes({"v": object()})


def test_same_bytes_on_route_answers(session):
    for o, d, opts in [("Chongqing", "Duisburg", {"alternatives": 3}),
                       ("Shanghai", "Rotterdam", {"mode": "sea", "alternatives": 2}),
                       ("Almaty", "Istanbul", {"objective": "generalized", "alternatives": 2})]:
        answer = session.plan(o, d, **opts).to_dict(geometry=True)
        assert len(same(answer)) > 1000
