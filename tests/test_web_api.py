"""What the web page needs from the API (issue 15): ranked suggestions with "did you mean", label glyphs
served locally, a trip planned on a chosen year's network."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from beltroad.api import create_app  # noqa: E402
from beltroad.service import default_session  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(default_session(), compare_in_process=False), base_url="http://localhost") as c:
        yield c


def _places(client, q: str) -> list[dict]:
    r = client.get("/api/places", params={"q": q, "limit": 8})
    assert r.status_code == 200, r.text
    return r.json()["places"]


def test_prefix_matches_are_not_padded_with_strangers(client):
    for q in ("Chongqing", "Chengdu"):
        got = _places(client, q)
        assert got[0]["name"] == q and got[0]["kind"] == "node"
        assert all(p["match"] == "prefix" for p in got)
        assert len({(p["name"], p["country"]) for p in got}) == len(got)  # one entry per place


def test_misspelling_offers_did_you_mean(client):
    got = _places(client, "Duisberg")
    assert got[0]["name"] == "Duisburg" and got[0]["match"] == "fuzzy"
    assert len(got) <= 8


def test_terminal_ranks_above_a_larger_namesake_city_only_by_its_weight(client):
    got = _places(client, "Almaty")
    assert got[0]["country"] == "KAZ" and got[0]["kind"] == "node"


def _decode(buf: bytes, pos: int = 0, end: int | None = None):
    """Minimal protobuf reader: yields (field number, wire type, value) of one message."""
    end = len(buf) if end is None else end
    while pos < end:
        key, pos = _varint(buf, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, pos = _varint(buf, pos)
            yield num, wt, v
        elif wt == 2:
            n, pos = _varint(buf, pos)
            yield num, wt, (pos, pos + n)
            pos += n
        else:
            raise AssertionError(f"unexpected wire type {wt}")


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = out = 0
    while True:
        b = buf[pos]
        pos += 1
        out |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return out, pos


def test_glyphs_are_served_as_maplibre_protobuf(client):
    r = client.get("/glyphs/DejaVu Sans/0-255.pbf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-protobuf"
    buf = r.content
    (num, wt, (a, b)), = list(_decode(buf))
    assert num == 1 and wt == 2
    fields = list(_decode(buf, a, b))
    assert [buf[s:e].decode() for n, _, (s, e) in fields if n == 2] == ["0-255"]
    glyphs = [dict((n, v) for n, _, v in _decode(buf, s, e)) for n, _, (s, e) in fields if n == 3]
    ids = {g[1] for g in glyphs}
    assert {ord("A"), ord("z"), 0xE9} <= ids  # Latin letters and é
    a_glyph = next(g for g in glyphs if g[1] == ord("A"))
    w, h = a_glyph[3], a_glyph[4]
    s, e = a_glyph[2]
    assert e - s == (w + 6) * (h + 6)  # the SDF bitmap with its 3 px buffer
    assert client.get("/glyphs/DejaVu Sans/1-256.pbf").status_code == 404


def test_route_on_a_past_years_network(client):
    now = client.get("/api/route", params={"origin": "Chongqing", "destination": "Duisburg", "alternatives": 1})
    past = client.get("/api/route", params={"origin": "Chongqing", "destination": "Duisburg", "alternatives": 1, "year": 2005})
    assert now.status_code == 200 and past.status_code == 200, past.text
    assert "year 2005" in past.json()["scenario"] and "year" not in now.json()["scenario"]
    assert past.json()["routes"][0]["summary"] != now.json()["routes"][0]["summary"] or \
        past.json()["routes"][0]["transit_days"] != now.json()["routes"][0]["transit_days"]
    assert client.get("/api/route", params={"origin": "Chongqing", "destination": "Duisburg", "year": 1800}).status_code == 422
