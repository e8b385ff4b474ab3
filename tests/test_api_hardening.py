"""The API under hostile or unlucky use: compares off the request path, LRU caches, Host allow-list, exact schema."""
from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from beltroad.api import create_app
from beltroad.api import compare_worker as cw
from beltroad.api.models import ErrorResponse


@pytest.fixture()
def blocked(session, monkeypatch):
    """An app whose compares (in a worker thread) wait until the test releases them."""
    release = threading.Event()
    started: list[tuple] = []

    def slow(sess, base, scenario, progress=None):
        started.append((base, scenario))
        while not release.wait(0.01):
            progress and progress(base, 0, 1)  # a cancelled job stops here
        return [{"iso3": "CHN", "change_pct": -1.0}, {"iso3": "DEU", "change_pct": 2.0}]

    monkeypatch.setattr(cw, "economy_changes", slow)
    app = create_app(session, compare_in_process=False, time_limit_s=30)
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as c:
        yield c, release, started, app.state.beltroad
        release.set()


def _in_background(fn):
    out: dict = {}
    t = threading.Thread(target=lambda: out.setdefault("r", fn()), daemon=True)
    t.start()
    return t, out


def test_routes_are_answered_while_a_compare_runs(blocked):
    c, release, started, st = blocked
    t, out = _in_background(lambda: c.get("/api/compare", params={"scenario": "red-sea-closed"}))
    for _ in range(500):
        if started:
            break
        time.sleep(0.01)
    assert started == [("baseline", "red-sea-closed")]
    r = c.get("/api/route", params={"origin": "Chongqing", "destination": "Duisburg", "alternatives": 1})
    assert r.status_code == 200  # answered while the compare is still waiting
    assert t.is_alive() and "r" not in out
    release.set()
    t.join(30)
    assert out["r"].status_code == 200 and out["r"].json()["summary"]["gainers"][0]["iso3"] == "CHN"


def test_compare_queue_is_bounded(blocked):
    c, release, started, st = blocked
    names = ["red-sea-closed", "hormuz-closed", "malacca-closed", "no-bri", "bri-built", "pre-bri-2013"]
    threads = [_in_background(lambda n=n: c.get("/api/compare", params={"scenario": n})) for n in names]
    for _ in range(500):
        if started and st.compare_worker.queue.full():
            break
        time.sleep(0.01)
    r = c.get("/api/compare", params={"scenario": "bri-planned"})
    assert r.status_code == 429 and "retry" in r.json()["detail"] and r.headers["retry-after"]
    release.set()
    statuses = []
    for t, out in threads:
        t.join(30)
        statuses.append(out["r"].status_code)
    assert statuses.count(200) >= 5 and set(statuses) <= {200, 429}


def test_a_timed_out_compare_is_cancelled(session, monkeypatch):
    seen = {}

    def slow(sess, base, scenario, progress=None):
        while True:
            time.sleep(0.01)
            try:
                progress(base, 0, 1)
            except cw.Cancelled:
                seen["cancelled"] = True
                raise

    monkeypatch.setattr(cw, "economy_changes", slow)
    app = create_app(session, compare_in_process=False, time_limit_s=0.3)
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as c:
        r = c.get("/api/compare", params={"scenario": "red-sea-closed"})
        assert r.status_code == 503 and "longer than" in r.json()["detail"]
        for _ in range(300):
            if seen:
                break
            time.sleep(0.01)
        assert seen == {"cancelled": True}
        assert app.state.beltroad.compare_worker.jobs == {}


def test_worker_process_is_terminated_on_cancel(session):
    worker = cw.CompareWorker(lambda: session, in_process=True)
    try:
        job = worker.submit("baseline", "red-sea-closed")
        for _ in range(500):
            if worker._proc is not None:
                break
            time.sleep(0.01)
        proc = worker._proc
        worker.release(job, gave_up=True)
        for _ in range(500):
            if job.future.done():
                break
            time.sleep(0.01)
        assert job.future.cancelled()
        proc.join(10)
        assert not proc.is_alive()
    finally:
        worker.close()


def test_compare_cache_key_ignores_top(client, monkeypatch):
    d3 = client.get("/api/compare", params={"scenario": "hormuz-closed", "top": 3}).json()
    st = client.app.state.beltroad

    def refuse(*a, **k):
        raise AssertionError("a second compare was computed for another `top`")

    monkeypatch.setattr(st.compare_worker, "submit", refuse)
    d7 = client.get("/api/compare", params={"scenario": "hormuz-closed", "top": 7}).json()
    assert len(d3["summary"]["gainers"]) == 3 and len(d7["summary"]["gainers"]) == 7
    assert d7["summary"]["gainers"][:3] == d3["summary"]["gainers"]


def test_places_are_cached_in_an_lru(client, monkeypatch):
    from cachetools import LRUCache

    st = client.app.state.beltroad
    assert isinstance(st.places, LRUCache) and isinstance(st.routes, LRUCache)
    first = client.get("/api/places", params={"q": "Almat"}).json()
    monkeypatch.setattr(type(st.get_session().gazetteer), "search", lambda *a, **k: pytest.fail("not cached"))
    assert client.get("/api/places", params={"q": "Almat"}).json() == first


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.nip.io", "localhost.evil.example:8000"])
def test_unknown_host_headers_are_refused(client, host):
    r = client.get("/api/places", params={"q": "be"}, headers={"Host": host})
    assert r.status_code == 400 and "Host header not allowed" in r.json()["detail"]


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
def test_loopback_host_headers_are_served(client, host):
    assert client.get("/api/health", headers={"Host": host}).status_code == 200


def test_allowed_hosts_are_configurable(session, monkeypatch):
    monkeypatch.setenv("BELTROAD_ALLOWED_HOSTS", "beltroad.lan, maps.example")
    with TestClient(create_app(session), base_url="http://beltroad.lan") as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/api/health", headers={"Host": "other.example"}).status_code == 400


def test_api_and_cli_refuse_the_same_numbers_with_the_same_message(client):
    from typer.testing import CliRunner

    from beltroad.cli import app

    for param, option, value in (("teu", "--teu", "nan"), ("value_of_time", "--value-of-time", "-1"),
                                 ("carbon_price", "--carbon-price", "inf"), ("teu", "--teu", "1e308")):
        r = client.get("/api/route", params={"origin": "Chongqing", "destination": "Duisburg", param: value})
        assert r.status_code == 422
        detail = r.json()["detail"]
        res = CliRunner().invoke(app, ["route", "Chongqing", "Duisburg", option, value])
        assert res.exit_code == 2
        assert detail in " ".join(res.output.split())


def test_error_answers_match_the_schema(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/route", "/api/places", "/api/network", "/api/compare", "/api/scenarios/{name}"):
        responses = spec["paths"][path]["get"]["responses"]
        assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse"), path
    route = spec["paths"]["/api/route"]["get"]["responses"]
    assert {"200", "404", "422", "503"} <= set(route)
    assert route["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/RouteResponse")
    assert {"404", "429", "503"} <= set(spec["paths"]["/api/compare"]["get"]["responses"])
    for r in (client.get("/api/places", params={"limit": 1000}),                            # FastAPI validation
              client.get("/api/route", params={"origin": "a", "destination": "b", "teu": "nan"}),  # PlanRequest
              client.get("/api/network", params={"layer": "tiles"})):
        assert r.status_code == 422
        body = ErrorResponse.model_validate(r.json())
        assert isinstance(body.detail, str) and body.errors
    r = client.get("/api/route", params={"origin": "Duisbrug", "destination": "Chongqing"})
    assert r.status_code == 404 and ErrorResponse.model_validate(r.json()).suggestions


def test_same_place_and_out_of_reach_are_422(client):
    r = client.get("/api/route", params={"origin": "Chongqing", "destination": "chongqing"})
    assert r.status_code == 422 and "same place" in r.json()["detail"]
    r = client.get("/api/route", params={"origin": "-80,0", "destination": "Duisburg"})
    assert r.status_code == 422 and "km away" in r.json()["detail"]


def test_no_reading_of_pyogrio_fixtures_and_no_defensive_imports():
    from pathlib import Path

    import beltroad.api as api

    for f in Path(api.__file__).parent.rglob("*.py"):
        text = f.read_text()
        assert "pyogrio" not in text and "tests/fixtures" not in text, f
        assert "may not exist yet" not in text and "not available in this build" not in text, f
        assert "older signature" not in text, f


def test_route_parameters_are_documented_from_the_request_fields(client):
    """/api/route reads its query straight into a PlanRequest; the docs list each option with the limits and
    defaults PlanRequest checks, under the names the API (and the CLI) use."""
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/api/route"]["get"]["parameters"]}
    assert set(params) == {"origin", "destination", "alternatives", "optimize", "mode", "avoid_country",
                           "avoid_passage", "via", "max_transfers", "max_drayage_km", "teu", "tonnes",
                           "value_of_time", "carbon_price", "scenario", "year"}
    assert [n for n, p in params.items() if p["required"]] == ["origin", "destination"]
    assert params["alternatives"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10, "default": 3}
    assert params["optimize"]["schema"]["enum"] == ["time", "cost", "co2", "generalized"]
    assert params["teu"]["schema"]["exclusiveMinimum"] == 0 and params["year"]["schema"]["maximum"] == 2060
    assert params["via"]["schema"] == {"type": "array", "items": {"type": "string"}, "maxItems": 5}
    for name, value in (("alternatives", "2.5"), ("year", "soon"), ("teu", "")):  # as sent: the message names it
        r = client.get("/api/route", params={"origin": "Chongqing", "destination": "Duisburg", name: value})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"][0] == "query", r.text
        assert f"(got '{value}')" in r.json()["detail"]
