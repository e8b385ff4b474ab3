"""What keeps a one-shot `beltroad route` quick gives the same answers as the slower paths it avoids.

The packed gazetteer index (no dict built on start), the CLI's own conversion of plain option values (no
pydantic adapters) and the dataclass `PlanRequest` (no pydantic) are each checked against the path they
replace, and a cold route is checked to import none of the costly modules.
"""
from __future__ import annotations

import pickle
import random
import subprocess
import sys

import pytest
import typer.main
from typer._coercion import build_runtime_param
from typer._click.exceptions import BadParameter

from beltroad.cli import PlainValue, app
from beltroad.request import PlanRequest, RequestError


def test_cold_route_imports_no_pydantic_and_no_fuzzy_matcher(session):
    session.network, session.gazetteer  # both cache entries written (the default cache, as the CLI uses)
    args = ["route", "Chongqing", "Duisburg", "-n", "2", "--teu", "2.5", "--avoid-country", "KAZ"]
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "from beltroad.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Duisburg" in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "beltroad.routing.planner" in imported  # the log covers the run, not only the CLI's import
    assert not imported & {"pydantic", "typer._adapters", "rapidfuzz", "pandas"}


def test_packed_name_index_finds_what_the_dict_finds(gazetteer):
    packed = pickle.loads(pickle.dumps(gazetteer))  # as the CLI loads it from the cache
    assert packed._index is None
    keys = packed.keys
    rng = random.Random(7)
    sample = rng.sample(keys, 2000) + [keys[0], keys[-1], "", "no such place at all", keys[5][:-1], keys[5] + " x"]
    found = [packed._positions(k) for k in sample]
    assert packed._index is None  # looked up without building the dict
    assert found == [gazetteer.index.get(k) for k in sample]
    assert packed.index == gazetteer.index and packed.keys == gazetteer.keys
    assert any(isinstance(v, tuple) for v in found)  # names shared by several places are covered
    for q in ("Duisburg", "Alma-Ata", "Xi'an", "St. Petersburg", "NLRTM", "duisburg"):
        assert pickle.loads(pickle.dumps(gazetteer)).resolve(q) == gazetteer.resolve(q)


def _route_params():
    cmd = typer.main.get_command(app)
    ctx = cmd.make_context("beltroad", ["route", "a", "b"])
    route = cmd.get_command(ctx, "route")
    return route.make_context("route", ["a", "b"], parent=ctx), {p.name: p for p in route.params}


@pytest.mark.parametrize("name,value", [
    ("alternatives", "3"), ("alternatives", "-2"), ("alternatives", "+4"), ("alternatives", 3), ("alternatives", "x"),
    ("alternatives", "2.5"), ("alternatives", " 3"), ("alternatives", "1_0"), ("alternatives", "3.0"),
    ("alternatives", "007"), ("alternatives", "99999999999999999999"), ("month", "-0"), ("teu", "1E5"), ("teu", "-0"),
    ("teu", "2.5"), ("teu", ".5"), ("teu", "2."), ("teu", "1e3"), ("teu", "-1E-2"), ("teu", 1.0), ("teu", 2),
    ("teu", "nan"), ("teu", "inf"), ("teu", "1e400"), ("teu", "abc"), ("teu", ""), ("teu", "0x10"),
    ("optimize", "cost"), ("optimize", ""), ("avoid_country", ("KAZ", "RUS")), ("avoid_country", []),
    ("month", "13"), ("max_drayage_km", "150"),
])
def test_plain_option_values_convert_as_typer_does(name, value):
    ctx, params = _route_params()
    p = params[name]

    def convert(runtime):
        try:
            out = runtime._coerce_value(value, param=p, ctx=ctx)
            return "ok", repr(out), type(out)  # repr: nan equals nan
        except BadParameter as exc:
            return "error", exc.format_message()

    typer_own = convert(build_runtime_param(p.type_descriptor))
    ours = convert(PlainValue(annotation=p.type_descriptor.annotation, parameter_info=p.type_descriptor.parameter_info))
    assert ours == typer_own


def test_places_limit_keeps_typer_range_messages(runner):
    res = runner.invoke(app, ["places", "Duisburg", "--limit", "0"])
    assert res.exit_code == 2 and "greater than or equal to 1" in res.output


def test_plan_request_coerces_and_is_a_cache_key():
    a = PlanRequest.build(origin="Chongqing", destination="Duisburg", teu=2, alternatives="3",
                          avoid_countries=["KAZ"], via=None)
    b = PlanRequest.build(origin=" Chongqing", destination="Duisburg", teu=2.0, alternatives=3, avoid_countries=("KAZ",))
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    assert (a.teu, type(a.teu), a.alternatives, a.avoid_countries, a.via) == (2.0, float, 3, ("KAZ",), ())
    with pytest.raises(RequestError) as e:
        PlanRequest(origin="a", destination="b", teu=-1)  # the constructor checks too
    assert str(e.value) == "teu: must be greater than 0 (got -1)"


def test_plan_request_reports_every_problem_in_field_order():
    with pytest.raises(RequestError) as e:
        PlanRequest.build(origin="a", destination="b", month=13, avoid_countries=["", 5], bogus=1, teu="x")
    assert str(e.value) == ("avoid_countries.0: String should have at least 1 character (got ''); "
                            "avoid_countries.1: must be a valid string (got 5); "
                            "teu: must be a valid number, unable to parse string as a number (got 'x'); "
                            "month: must be less than or equal to 12 (got 13); "
                            "bogus: Extra inputs are not permitted (got 1)")
    assert [err["type"] for err in e.value.errors] == ["string_too_short", "string_type", "float_parsing",
                                                       "less_than_equal", "extra_forbidden"]
    with pytest.raises(RequestError, match="via: Tuple should have at most 5 items after validation, not 6"):
        PlanRequest.build(origin="a", destination="b", via=["x"] * 6)
    with pytest.raises(RequestError, match=r"^destination: is empty"):
        PlanRequest.build(origin="a", destination="  ")
    with pytest.raises(RequestError, match="objective: must be 'time', 'cost', 'co2' or 'generalized'"):
        PlanRequest.build(origin="a", destination="b", objective="TIME")
