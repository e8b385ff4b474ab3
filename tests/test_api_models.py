"""The OpenAPI schema of /api/route is exact: its models, derived from the result dataclasses, have the keys
of the real answer, no more and no fewer, at every level (answer, place, route, leg)."""
from __future__ import annotations

from beltroad.api.models import LegOut, PlaceOut, RouteOut, RouteResponse


def _keys(model) -> set[str]:
    return set(model.model_json_schema(by_alias=True)["properties"])


def test_route_schema_has_exactly_the_keys_of_the_answer(client):
    res = client.get("/api/route", params={"origin": "Shanghai", "destination": "Rotterdam", "mode": "sea",
                                           "alternatives": 2})
    assert res.status_code == 200, res.text
    answer = res.json()
    RouteResponse.model_validate(answer)  # types agree too
    assert set(answer) == _keys(RouteResponse)
    assert set(answer["origin"]) == _keys(PlaceOut) - {"match", "source"}  # those two only in /api/places
    for route in answer["routes"]:
        assert set(route) == _keys(RouteOut)
        for leg in route["legs"]:
            assert set(leg) == _keys(LegOut)
        assert any(leg["coordinates"] for leg in route["legs"])  # geometry=True (handling legs have none)


def test_openapi_document_uses_the_derived_models(client):
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert set(schemas["RouteOut"]["properties"]) == _keys(RouteOut)
    assert schemas["LegOut"]["required"][:3] == ["mode", "from", "to"]
    ok = doc["paths"]["/api/route"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/RouteResponse")


def test_places_answer_fits_its_model(client):
    res = client.get("/api/places", params={"q": "Duis", "limit": 3})
    assert res.status_code == 200
    for p in res.json()["places"]:
        assert set(p) == _keys(PlaceOut) and p["match"] == "prefix"
