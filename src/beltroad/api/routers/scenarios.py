"""/api/scenarios: the shipped presets (looked up by name only: no file path is read from a request)."""
from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Path

from beltroad.api.models import ScenariosResponse, errors
from beltroad.api.state import ApiError, AppState, get_state
from beltroad.data.sea import PASSAGE_NAMES
from beltroad.scenario import Scenario, list_scenarios, load_scenario

router = APIRouter(tags=["scenarios"])


def scenario_names() -> list[str]:
    return [s.name for s in list_scenarios()]


def check_scenario(name: Optional[str]) -> Optional[str]:
    """`name` if it is a shipped preset (None for none); 404 naming the known ones otherwise."""
    if name is None or not name.strip():
        return None
    known = scenario_names()
    if name not in known:
        raise ApiError(404, f"Unknown scenario '{name[:100]}'. Known scenarios: {', '.join(known)}.")
    return name


@router.get("/api/scenarios", summary="Known scenarios", response_model=ScenariosResponse)
async def scenarios() -> dict:
    return {"scenarios": [{"name": s.name, "description": s.description} for s in list_scenarios()],
            "passages": list(dict.fromkeys(PASSAGE_NAMES.values()))}


@router.get("/api/scenarios/{name}", summary="One scenario's definition (its base chain merged)",
            response_model=Scenario, responses=errors(404, 422, 503))
async def scenario(name: str = Path(..., max_length=100), st: AppState = Depends(get_state)) -> Scenario:
    check_scenario(name)
    return await st.bounded(lambda: load_scenario(name))
