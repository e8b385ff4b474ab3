"""/api/network: the network as simplified GeoJSON layers for the map."""
from __future__ import annotations

from typing import Literal, Optional

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from beltroad.api.layers import STATIC_LAYERS, build_layer
from beltroad.api.models import FeatureCollection, errors
from beltroad.api.routers.route import JSONBytes
from beltroad.api.state import AppState, get_state
from beltroad.io import jsonout

router = APIRouter(tags=["network"])

Layer = Literal["rail", "road", "ferry", "sea", "ports", "crossings", "projects", "countries"]


@router.get("/api/network", summary="The network as a simplified GeoJSON layer", response_class=JSONBytes,
            responses={200: {"model": FeatureCollection}, **errors(422, 503)})
async def network(layer: Layer = Query(..., description="rail | road | ferry | sea | ports | crossings | projects | countries"),
                  year: Optional[int] = Query(None, ge=1990, le=2050, description="Show the network as it stood in this year"),
                  st: AppState = Depends(get_state)) -> Response:
    y = None if layer in STATIC_LAYERS else year
    key = (layer, y)
    hit = st.layers.get(key)
    if hit is None:
        hit = await st.bounded(lambda: jsonout.dumps(build_layer(st.get_session().network, layer, y), compact=True).encode())
        st.layers[key] = hit
    return JSONBytes(hit)
