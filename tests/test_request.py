"""One validation of every number (`PlanRequest`), one error table, the same answer from every face."""
from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from beltroad.cli import app
from beltroad.places import PlaceError
from beltroad.request import PlanRequest, RequestError
from beltroad.routing.planner import RouteError
from beltroad.scenario import ScenarioError
from beltroad.service import REACH_LIMIT_KM, outcome_of
from helpers import squash


def strict_json(text: str):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


BAD_NUMBERS = [
    ({"teu": float("nan")}, "teu: must be a finite number"),
    ({"teu": float("inf")}, "teu: must be a finite number"),
    ({"teu": 1e308}, "teu: must be less than or equal to 100000"),
    ({"teu": 0}, "teu: must be greater than 0"),
    ({"tonnes": float("nan")}, "tonnes: must be a finite number"),
    ({"tonnes": -5}, "tonnes: must be greater than 0"),
    ({"value_of_time_usd_per_teu_day": -1}, "value_of_time_usd_per_teu_day: must be greater than or equal to 0"),
    ({"carbon_price_usd_per_t": float("inf")}, "carbon_price_usd_per_t: must be a finite number"),
    ({"alternatives": 11}, "alternatives: must be less than or equal to 10"),
    ({"month": 13}, "month: must be less than or equal to 12"),
    ({"max_transfers": -1}, "max_transfers: must be greater than or equal to 0"),
    ({"objective": "speed"}, "objective: must be 'time', 'cost', 'co2' or 'generalized'"),
]


@pytest.mark.parametrize("fields,message", BAD_NUMBERS)
def test_plan_request_refuses_bad_numbers(fields, message):
    with pytest.raises(RequestError) as e:
        PlanRequest.build(origin="Chongqing", destination="Duisburg", **fields)
    assert message in str(e.value)


def test_plan_request_keeps_good_values_with_units():
    r = PlanRequest.build(origin=" Chongqing ", destination="Duisburg", teu=2, value_of_time_usd_per_teu_day=50,
                          carbon_price_usd_per_t=80, avoid_countries=["RU"], via=None)
    assert r.origin == "Chongqing" and r.teu == 2.0 and r.avoid_countries == ("RU",) and r.via == ()
    with pytest.raises(RequestError, match="value_of_time_usd_per_day: Extra inputs"):
        PlanRequest.build(origin="a", destination="b", value_of_time_usd_per_day=5)


@pytest.mark.parametrize("fields,message", BAD_NUMBERS[:8])
def test_service_and_cli_refuse_the_same_numbers_with_the_same_message(session, fields, message):
    with pytest.raises(RequestError) as e:
        session.plan("Chongqing", "Duisburg", **fields)
    assert message in str(e.value)
    option = {"teu": "--teu", "tonnes": "--tonnes", "value_of_time_usd_per_teu_day": "--value-of-time",
              "carbon_price_usd_per_t": "--carbon-price"}
    (field, value), = fields.items()
    res = CliRunner().invoke(app, ["route", "Chongqing", "Duisburg", option[field], repr(value), "-f", "json"])
    assert res.exit_code == 2, res.output
    assert message in squash(res.output)
    assert "Traceback" not in res.output


def test_json_output_is_strict_json(runner_json):
    data = strict_json(runner_json)
    assert data["routes"] and data["value_of_time_usd_per_teu_day"] > 0


@pytest.fixture(scope="module")
def runner_json(session):
    res = CliRunner().invoke(app, ["route", "Chongqing", "Duisburg", "-n", "1", "-f", "json", "--teu", "3"])
    assert res.exit_code == 0, res.output
    return res.stdout


def test_same_origin_and_destination_is_a_clear_error(session):
    with pytest.raises(RequestError, match="same place"):
        session.plan("Chongqing", "chongqing")
    res = CliRunner().invoke(app, ["route", "Duisburg", "duisburg"])
    assert res.exit_code == 2 and "same place" in squash(res.output)


def test_a_point_with_nothing_within_reach_names_the_distance(session):
    with pytest.raises(RequestError) as e:
        session.plan("-80,0", "Duisburg")  # on the Antarctic ice: land, but far from any terminal (90,180 is at sea)
    msg = str(e.value)
    assert "Nothing of the network is within reach" in msg
    km = float(re.search(r"is ([\d,]+) km away", msg).group(1).replace(",", ""))
    assert km > REACH_LIMIT_KM


def test_negative_coordinates_need_no_double_dash(session):
    runner = CliRunner()
    res = runner.invoke(app, ["places", "-33.92,18.42"])
    assert res.exit_code == 0, res.output
    assert "-33.9200,18.4200" in res.output and "ZAF" in res.output
    res = runner.invoke(app, ["route", "-33.92,18.42", "Durban", "-n", "1", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert strict_json(res.stdout)["origin"]["lat"] == pytest.approx(-33.92)


@pytest.mark.parametrize("query", ["nan,nan", "inf,0", "0,-inf"])
def test_nan_coordinates_are_a_clear_message(gazetteer, query):
    with pytest.raises(PlaceError, match="not finite numbers"):
        gazetteer.resolve(query)
    res = CliRunner().invoke(app, ["places", query])
    assert res.exit_code == 2 and "not finite numbers" in squash(res.output)
    assert "country code" not in res.output


def test_one_error_table_for_every_face():
    assert (outcome_of(RouteError("x")).exit_code, outcome_of(RouteError("x")).http_status) == (3, 422)
    assert (outcome_of(RequestError("x")).exit_code, outcome_of(RequestError("x")).http_status) == (2, 422)
    assert outcome_of(ScenarioError("x")).http_status == 404
    assert outcome_of(PlaceError("q", "unknown")).http_status == 404
    from beltroad.places import Place

    ambiguous = PlaceError("q", "ambiguous", candidates=[Place("A", "CHN", 0, 0, "city")])
    assert outcome_of(ambiguous).http_status == 422
    assert outcome_of(KeyError("bug")) is None
