"""What a scenario says: the pydantic models of a scenario file (year, projects, closures, overrides).

Bounds live here so that a scenario is valid wherever it comes from (a preset, a user's file, the API).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from beltroad.data.countries import iso3_codes
from beltroad.data.sea import canonical_passages

CURRENT_YEAR = 2026
MAX_FACTOR = 1000.0  # a thousandfold change is far beyond any reform or shock; larger is a typo
# multipliers: finite, >= 0 (0 removes a dwell or a cost), at most MAX_FACTOR
Factor = Annotated[float, Field(ge=0, le=MAX_FACTOR, allow_inf_nan=False)]
SpeedFactor = Annotated[float, Field(gt=0, le=MAX_FACTOR, allow_inf_nan=False)]  # a speed of 0 is a closure


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Projects(_Strict):
    """Which BRI projects the network holds beyond those open in `year`."""

    include_status: list[Literal["open", "under_construction", "planned"]] = Field(
        default_factory=list, description="project links of these statuses are added whatever their opening year")
    exclude: list[str] = Field(default_factory=list, description="project ids removed (e.g. P14)")
    exclude_all: bool = Field(False, description="remove every link built or upgraded by a BRI project")


class Closures(_Strict):
    countries: Annotated[list[str], AfterValidator(iso3_codes)] = Field(
        default_factory=list, description="ISO3: no leg may enter (transit sanctions)")
    passages: Annotated[list[str], AfterValidator(partial(canonical_passages, what="closed passage"))] = Field(
        default_factory=list, description="sea chokepoints closed")
    links: list[str] = Field(default_factory=list)
    nodes: list[str] = Field(default_factory=list)
    crossings: list[str] = Field(default_factory=list)


class Overrides(_Strict):
    border_time_factor: dict[str, Factor] = Field(
        default_factory=dict, description="multiplier on border dwell by ISO3 country, crossing link id or '*'")
    border_fee_factor: dict[str, Factor] = Field(default_factory=dict)
    speed_factor: dict[str, SpeedFactor] = Field(default_factory=dict, description="by mode or corridor id")
    cost_factor: dict[str, Factor] = Field(default_factory=dict, description="by mode or corridor id")
    ferry_wait_hours: float | None = Field(None, ge=0, le=24 * 365, allow_inf_nan=False)
    value_of_time_usd_per_teu_day: float | None = Field(None, ge=0, le=1_000_000, allow_inf_nan=False)
    carbon_price_usd_per_t: float | None = Field(None, ge=0, le=100_000, allow_inf_nan=False)


class Scenario(_Strict):
    name: str
    description: str = ""
    base: str | None = None
    year: int = Field(CURRENT_YEAR, ge=1990, le=2060)
    month: int | None = Field(None, ge=1, le=12, description="close seasonal links (e.g. Khunjerab in winter) in this month")
    projects: Projects = Field(default_factory=Projects)
    closures: Closures = Field(default_factory=Closures)
    overrides: Overrides = Field(default_factory=Overrides)
    sources: list[str] = Field(default_factory=list)


@dataclass
class ScenarioInfo:
    name: str
    description: str
    path: str
