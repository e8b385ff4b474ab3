"""/api/places: autocomplete over network places and GeoNames cities."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from beltroad.api.models import PlacesResponse, errors
from beltroad.api.state import AppState, get_state
from beltroad.io.geojson import place_source

router = APIRouter(tags=["places"])


@router.get("/api/places", summary="Place autocomplete", response_model=PlacesResponse,
            responses=errors(422, 503))
async def places(q: str = Query("", max_length=100, description="What the user typed so far"),
                 limit: int = Query(10, ge=1, le=25), st: AppState = Depends(get_state)) -> dict:
    key = (q.strip().casefold(), limit)
    hit = st.places.get(key)
    if hit is not None:
        return {"query": q, "places": hit}

    def run() -> list[dict]:
        # one entry per name and country (a city served by a terminal is the terminal, with the city's size);
        # match 'fuzzy' marks a "did you mean" (no name starts with what was typed)
        hits = st.get_session().gazetteer.ranked(q, limit=limit) if q.strip() else []
        return [{**p.to_dict(), "source": place_source(p), "match": m} for p, m in hits]

    found = await st.bounded(run)
    st.places[key] = found
    return {"query": q, "places": found}
