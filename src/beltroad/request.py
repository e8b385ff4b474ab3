"""One validated route request, shared by the Python API, the CLI and the HTTP API.

Every number a user can give is checked here, once: finite, in range, with its unit in its name. The
faces only translate their arguments into a `PlanRequest`, so they accept and refuse the same inputs
with the same messages.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from beltroad.places import Place

Objective = Literal["time", "cost", "co2", "generalized"]
MainMode = Literal["multimodal", "rail", "sea", "road", "inland_water"]
OBJECTIVES: tuple[str, ...] = Objective.__args__
MAIN_MODES: tuple[str, ...] = MainMode.__args__

MAX_ALTERNATIVES = 10
MAX_LIST_ITEMS = 20
MAX_VIAS = 5
MAX_TEXT = 200
# upper bounds keep every total finite (no overflow to inf) and catch unit slips (kg for t, cents for USD)
MAX_TEU = 100_000                     # the largest container ships carry ~24,000 TEU
MAX_TONNES = 10_000_000
MAX_VALUE_OF_TIME_USD_PER_TEU_DAY = 1_000_000
MAX_CARBON_PRICE_USD_PER_T = 100_000
MAX_TRANSFERS = 20
MAX_DRAYAGE_KM = 5000                 # beyond it "drayage" would be a long-haul road trip (`--mode road`)

Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class RequestError(ValueError):
    """A request that cannot be answered as asked (invalid number, same origin and destination, ...)."""

    def __init__(self, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []

    def __str__(self) -> str:
        return self.message


class PlanRequest(BaseModel):
    """A container move to plan, with every option and its unit."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True)

    origin: Any = Field(description="Place name, 'Name, CC', UN/LOCODE, node id, 'lat,lon' or a Place")
    destination: Any = Field(description="As origin")
    objective: Objective = "time"
    alternatives: int = Field(3, ge=1, le=MAX_ALTERNATIVES)
    mode: MainMode = "multimodal"
    avoid_countries: tuple[Text, ...] = Field((), max_length=MAX_LIST_ITEMS, description="ISO2 or ISO3 codes")
    avoid_passages: tuple[Text, ...] = Field((), max_length=MAX_LIST_ITEMS, description="suez, hormuz, ...")
    via: tuple[Any, ...] = Field((), max_length=MAX_VIAS, description="places the route must pass")
    max_transfers: int | None = Field(None, ge=0, le=MAX_TRANSFERS)
    max_drayage_km: float | None = Field(None, gt=0, le=MAX_DRAYAGE_KM, allow_inf_nan=False,
                                         description="radius (km, as the crow flies) of first/last-mile trucking to "
                                                     "a terminal; default: parameters drayage.max_radius_km")
    teu: float = Field(1.0, gt=0, le=MAX_TEU, allow_inf_nan=False)
    tonnes: float | None = Field(None, gt=0, le=MAX_TONNES, allow_inf_nan=False)
    value_of_time_usd_per_teu_day: float | None = Field(None, ge=0, le=MAX_VALUE_OF_TIME_USD_PER_TEU_DAY,
                                                        allow_inf_nan=False)
    carbon_price_usd_per_t: float | None = Field(None, ge=0, le=MAX_CARBON_PRICE_USD_PER_T, allow_inf_nan=False)
    scenario: str | None = Field(None, max_length=MAX_TEXT)
    month: int | None = Field(None, ge=1, le=12, description="close seasonal links (mountain passes) in this month")
    year: int | None = Field(None, ge=1990, le=2060, description="the scenario's network as it stood (or will "
                                                                "stand) in this year; default the scenario's own year")

    @field_validator("origin", "destination")
    @classmethod
    def _place(cls, v: Any) -> Any:
        return _place_or_text(v)

    @field_validator("via")
    @classmethod
    def _vias(cls, v: tuple) -> tuple:
        return tuple(_place_or_text(x) for x in v)

    @classmethod
    def build(cls, **fields: Any) -> "PlanRequest":
        """Validate `fields`; an invalid value raises `RequestError` naming every bad field."""
        try:
            return cls(**{k: v for k, v in fields.items() if not (k in _LISTS and v is None)})
        except ValidationError as exc:
            raise request_error(exc) from None


_LISTS = ("avoid_countries", "avoid_passages", "via")


def _place_or_text(v: Any) -> Any:
    if isinstance(v, Place):
        return v
    if not isinstance(v, str):
        raise ValueError("must be a place name or a Place")
    s = v.strip()
    if not s:
        raise ValueError("is empty: give a city name, a UN/LOCODE, a node id or 'lat,lon'")
    if len(s) > MAX_TEXT:
        raise ValueError(f"is longer than {MAX_TEXT} characters")
    return s


def request_error(exc: ValidationError) -> RequestError:
    """One readable message ('teu: must be greater than 0 (got -1)') from pydantic's errors."""
    parts, errors = [], []
    for e in exc.errors():
        field = ".".join(str(x) for x in e["loc"])
        msg = e["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
        if "finite number" in msg and "must" not in msg:
            msg = "must be a finite number"
        got = e.get("input")
        shown = "" if isinstance(got, (dict, list, tuple)) or got is None else f" (got {got!r})"
        parts.append(f"{field}: {msg}{shown}")
        errors.append({"loc": list(e["loc"]), "msg": msg, "type": e["type"]})
    return RequestError("; ".join(parts), errors)


__all__ = ["MAIN_MODES", "OBJECTIVES", "PlanRequest", "RequestError", "request_error"]
