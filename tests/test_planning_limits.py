"""A time limit stops planning at its next search (the API plans on its event loop), and a session remembers
the places it resolved."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from beltroad.api import create_app
from beltroad.places import PlaceError
from beltroad.request import PlanRequest
from beltroad.routing import deadline
from beltroad.routing.deadline import PlanningTimeout, time_limit

TRIP = PlanRequest.build(origin="Chongqing", destination="Duisburg", alternatives=3)


def test_planning_stops_at_the_first_search_past_the_deadline(session, monkeypatch):
    session.run(TRIP)  # per-place work done: what follows counts searches only
    clock = iter(range(1000))  # each reading of the clock is one second later
    monkeypatch.setattr(deadline, "_clock", lambda: next(clock))
    with pytest.raises(PlanningTimeout) as err, time_limit(2.5):  # set at 0: searches at 1 and 2 run, 3 stops
        session.run(TRIP)
    assert err.value.limit_s == 2.5 and "2.5 s" in str(err.value)
    assert next(clock) == 4  # the clock was read at 0 (set), 1, 2, 3: nothing searched after the deadline


def test_the_limit_ends_with_its_block_and_changes_no_answer(session):
    with pytest.raises(PlanningTimeout), time_limit(0.0):
        session.run(TRIP)
    free = session.run(TRIP).to_dict(geometry=True)  # no limit outside the block
    with time_limit(600.0):
        limited = session.run(TRIP).to_dict(geometry=True)
    assert free == limited and free["routes"]


def test_api_route_past_its_time_limit_is_a_503(session):
    app = create_app(session, compare_in_process=False, time_limit_s=1e-9)
    with TestClient(app, base_url="http://localhost") as c:
        r = c.get("/api/route", params={"origin": "Lodz", "destination": "Chengdu"})
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        assert "took longer than 1e-09 s" in r.json()["detail"]
        assert c.get("/api/route", params={"origin": "Lodz", "destination": "Chengdu"}).status_code == 503  # not cached


def test_session_remembers_resolved_places_not_errors(session):
    first = session.resolve("Chongqing")
    assert session.resolve("Chongqing") is first and first == session.gazetteer.resolve("Chongqing")
    for _ in range(2):  # an unknown place is looked up (and refused with suggestions) every time
        with pytest.raises(PlaceError) as err:
            session.resolve("Chongqingg")
        assert "Chongqing" in str(err.value)
