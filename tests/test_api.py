"""The HTTP API (FastAPI test client): every endpoint, good and bad input; never a 5xx."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from beltroad.api import create_app  # noqa: E402


def ok(r, status=200):
    assert r.status_code == status, r.text[:500]
    return r.json()


# ------------------------------------------------------------------------------------ places
def test_places_autocomplete(client):
    d = ok(client.get("/api/places", params={"q": "Chongq"}))
    assert d["places"], d
    p = d["places"][0]
    assert {"name", "country", "lat", "lon", "kind", "node_id"} <= set(p)
    assert any(x["name"] == "Chongqing" and x["country"] == "CHN" for x in d["places"])


def test_places_empty_and_limits(client):
    assert ok(client.get("/api/places", params={"q": ""}))["places"] == []
    assert len(ok(client.get("/api/places", params={"q": "ber", "limit": 3}))["places"]) <= 3
    assert client.get("/api/places", params={"q": "x", "limit": 1000}).status_code == 422
    assert client.get("/api/places", params={"q": "x" * 500}).status_code == 422


# ------------------------------------------------------------------------------------ route
def test_route_basic(client):
    d = ok(client.get("/api/route", params={"origin": "Chongqing", "destination": "Duisburg", "alternatives": 3}))
    assert d["origin"]["name"] == "Chongqing" and d["destination"]["country"] == "DEU"
    assert 1 <= len(d["routes"]) <= 3
    r = d["routes"][0]
    assert r["rank"] == 1 and r["transit_days"] > 0 and r["legs"]
    moving = [leg for leg in r["legs"] if leg["mode"] != "handling"]
    assert all(len(leg["coordinates"]) >= 2 for leg in moving)  # geometry=True
    assert "markers" in r and any(m["kind"] in ("border", "gauge_change") for m in r["markers"])


def test_route_all_options(client):
    d = ok(client.get("/api/route", params=[("origin", "Shanghai"), ("destination", "Rotterdam"), ("mode", "sea"),
                                            ("optimize", "cost"), ("alternatives", 2), ("avoid_passage", "suez"),
                                            ("avoid_country", "RU"), ("teu", 2), ("max_transfers", 4)]))
    assert d["objective"] == "cost" and "2 TEU" in d["quantity"]
    for r in d["routes"]:
        assert "suez" not in r["passages"] and "RUS" not in r["countries"]


def test_route_via_and_scenario(client):
    d = ok(client.get("/api/route", params={"origin": "Xi'an", "destination": "Duisburg", "via": "Baku"}))
    assert "AZE" in d["routes"][0]["countries"]
    d = ok(client.get("/api/route", params={"origin": "Shanghai", "destination": "Rotterdam", "mode": "sea",
                                            "scenario": "red-sea-closed"}))
    assert d["scenario"] == "red-sea-closed"
    assert all("suez" not in r["passages"] for r in d["routes"])


def test_route_unknown_place_has_suggestions(client):
    r = client.get("/api/route", params={"origin": "Duisbrug", "destination": "Chongqing"})
    assert 400 <= r.status_code < 500
    d = r.json()
    assert "Unknown place" in d["detail"] and d["suggestions"]
    assert any("Duisburg" in s for s in d["suggestions"])


def test_route_blocked_names_constraint(client):
    r = client.get("/api/route", params=[("origin", "Chongqing"), ("destination", "Duisburg"), ("mode", "rail"),
                                         ("avoid_country", "RUS"), ("avoid_country", "KAZ"), ("avoid_country", "MNG"),
                                         ("avoid_country", "IRN"), ("avoid_country", "KGZ")])  # KGZ: the CKU truck shuttle
    assert r.status_code == 422, r.text
    d = r.json()
    assert d["blocking"] and any("avoid-country" in b or "mode" in b for b in d["blocking"])
    assert "No route" in d["detail"]


@pytest.mark.parametrize("params", [
    {"origin": "Chongqing", "destination": "Duisburg", "alternatives": 99},
    {"origin": "Chongqing", "destination": "Duisburg", "alternatives": 0},
    {"origin": "Chongqing", "destination": "Duisburg", "optimize": "speed"},
    {"origin": "Chongqing", "destination": "Duisburg", "mode": "air"},
    {"origin": "Chongqing", "destination": "Duisburg", "teu": -1},
    {"origin": "Chongqing", "destination": "Duisburg", "teu": "nan"},
    {"origin": "Chongqing", "destination": "Duisburg", "teu": "lots"},
    {"origin": "Chongqing", "destination": "Duisburg", "max_transfers": -2},
    {"origin": "Chongqing", "destination": "Duisburg", "avoid_country": "XX"},
    {"origin": "Chongqing", "destination": "Duisburg", "avoid_passage": "atlantis"},
    {"origin": "Chongqing", "destination": "Duisburg", "scenario": "../../etc/passwd"},
    {"origin": "Chongqing", "destination": "Duisburg", "scenario": "/tmp/x.yaml"},
    {"origin": "Chongqing"},
    {"origin": "", "destination": "Duisburg"},
    {"origin": "91,0", "destination": "Duisburg"},
    {"origin": "Alexandria, ZZ", "destination": "Duisburg"},
    {"origin": "\x00\x01", "destination": "Duisburg"},
])
def test_route_bad_input_is_4xx_with_message(client, params):
    r = client.get("/api/route", params=params)
    assert 400 <= r.status_code < 500, (params, r.status_code, r.text[:300])
    assert isinstance(r.json()["detail"], str) and r.json()["detail"]


def test_alternatives_99_message(client):
    r = client.get("/api/route", params={"origin": "Chongqing", "destination": "Duisburg", "alternatives": 99})
    assert r.status_code == 422 and "alternatives" in r.json()["detail"] and "10" in r.json()["detail"]


# ------------------------------------------------------------------------------------ scenarios
def test_scenarios(client):
    d = ok(client.get("/api/scenarios"))
    names = [s["name"] for s in d["scenarios"]]
    assert names.count("baseline") == 1
    assert all("path" not in s for s in d["scenarios"])  # no server paths
    for name in names[:3]:
        s = ok(client.get(f"/api/scenarios/{name}"))
        assert s.get("name", name) == name and "path" not in s
    r = client.get("/api/scenarios/no-such-scenario")
    assert r.status_code == 404 and "Unknown scenario" in r.json()["detail"]


def test_scenarios_list_the_passages_a_route_may_avoid(client):
    """The web page builds its chokepoint checkboxes from this list (issue 9): every passage the planner knows,
    once, in the order of the network's passage table, and each is accepted by /api/route's `avoid_passage`."""
    from beltroad.data.sea import PASSAGE_NAMES, PASSAGES

    listed = ok(client.get("/api/scenarios"))["passages"]
    assert sorted(listed) == PASSAGES and len(set(listed)) == len(listed)
    assert listed == [p for i, p in enumerate(PASSAGE_NAMES.values()) if p not in list(PASSAGE_NAMES.values())[:i]]
    for p in listed:
        r = client.get("/api/route", params={"origin": "Shanghai", "destination": "Rotterdam", "mode": "sea",
                                             "alternatives": 1, "avoid_passage": p})
        assert r.status_code != 422 or "not a known passage" not in r.json()["detail"], (p, r.text[:200])


# ------------------------------------------------------------------------------------ network
@pytest.mark.parametrize("layer", ["rail", "road", "ferry", "sea", "ports", "crossings", "projects", "countries"])
def test_network_layers(client, layer):
    d = ok(client.get("/api/network", params={"layer": layer}))
    assert d["type"] == "FeatureCollection"
    if layer != "countries":  # country shapes are optional (shipped by pyogrio)
        assert d["features"], layer


def test_network_year_filter(client):
    now = ok(client.get("/api/network", params={"layer": "rail"}))["features"]
    y2005 = ok(client.get("/api/network", params={"layer": "rail", "year": 2005}))["features"]
    assert 0 < len(y2005) < len(now)
    assert all((f["properties"]["opened"] or 0) <= 2005 for f in y2005)
    assert {f["properties"]["gauge_mm"] for f in now} >= {1435, 1520}


def test_network_bad_input(client):
    assert client.get("/api/network", params={"layer": "tiles"}).status_code == 422
    assert client.get("/api/network", params={"layer": "rail", "year": 1066}).status_code == 422
    assert client.get("/api/network").status_code == 422


# ------------------------------------------------------------------------------------ compare
def test_compare_is_bounded(client):
    d = ok(client.get("/api/compare", params={"base": "baseline", "scenario": "red-sea-closed", "top": 3}))
    assert d["cities"] == "world-200" and 100 < len(d["economies"]) <= 300
    assert {"iso3", "change_pct"} <= set(d["economies"][0])
    s = d["summary"]
    assert s["economies"] == len(d["economies"]) and len(s["gainers"]) == len(s["losers"]) == 3
    assert s["gainers"][0]["change_pct"] <= s["losers"][0]["change_pct"]
    assert client.get("/api/compare", params={"scenario": "nope"}).status_code == 404
    assert client.get("/api/compare", params={"scenario": "baseline", "top": 1000}).status_code == 422


# ------------------------------------------------------------------------------------ the page, docs, limits
def test_page_and_vendor_assets(client):
    r = client.get("/")
    assert r.status_code == 200 and "maplibre-gl.js" in r.text and "http" not in r.text.split("<body>")[1].split("</body>")[0]
    assert client.get("/static/vendor/maplibre-gl.js").status_code == 200
    assert client.get("/static/vendor/maplibre-gl.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/../api/app.py").status_code == 404


def test_openapi_docs(client):
    assert client.get("/docs").status_code == 200
    spec = ok(client.get("/openapi.json"))
    assert {"/api/places", "/api/route", "/api/scenarios", "/api/scenarios/{name}", "/api/network", "/api/compare"} <= set(spec["paths"])


def test_body_limit_and_methods(client):
    r = client.request("GET", "/api/places", params={"q": "x"}, content=b"x" * 100_000)
    assert r.status_code == 413
    assert client.post("/api/route").status_code == 405


def test_no_cors_by_default(client):
    r = client.get("/api/places", params={"q": "be"}, headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in {k.lower() for k in r.headers}


# ------------------------------------------------------------------------------------ property-based
def test_schemathesis_no_server_errors():
    """Property-based requests generated from the app's own OpenAPI schema: never a 5xx (bounded run)."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, Phase, given, settings

    app = create_app(allowed_hosts=["testserver"])  # the host name schemathesis' ASGI client sends
    with TestClient(app, base_url="http://testserver"):  # runs the lifespan (loads the network once)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        failures: list[str] = []
        calls = {"n": 0}
        for op in schema.get_all_operations():
            operation = op.ok()

            @given(case=operation.as_strategy())
            @settings(max_examples=25, deadline=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck), database=None)
            def check(case):
                try:
                    resp = case.call()
                except Exception as exc:  # the test client could not even send it (e.g. an invalid URL)
                    if type(exc).__module__.split(".")[0] in ("requests", "urllib3", "httpx", "h11"):
                        return
                    raise
                calls["n"] += 1
                if resp.status_code >= 500:
                    failures.append(f"{case.method} {case.path} {case.query} -> {resp.status_code} {resp.text[:200]}")

            check()
        assert calls["n"] >= 20, calls
        assert not failures, "\n".join(failures[:10])


def test_openapi_docs_work_offline(client):
    """The /docs page loads Swagger UI from this server, not from a CDN."""
    r = client.get("/docs")
    assert r.status_code == 200
    assert "cdn." not in r.text and "https://" not in r.text.split("<body")[0]
    assets = [a for a in ("swagger-ui-bundle.js", "swagger-ui.css") if a in r.text]
    assert assets
    for line in r.text.splitlines():
        if "swagger-ui-bundle.js" in line:
            src = line.split('src="')[1].split('"')[0]
            assert client.get(src).status_code == 200
