"""The Python API that the CLI, the HTTP API and notebooks share.

One `Session` loads the network once and keeps a planner per scenario. The session itself lives below the
analysis layer, in `beltroad.routing.session` (analysis, appraisal and flows plan with it from there); this
module re-exports it (`Session`, `default_session`) with the face-facing parts: `timeline` (it reaches
analysis), the module-level helpers (`plan`, `resolve_place`, `load_network`, which use the default session)
and the table from exception to exit code and HTTP status (`ERRORS`, `outcome_of`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from beltroad.network.build import Network
from beltroad.places import Place, PlaceError
from beltroad.request import PlanRequest, RequestError
from beltroad.routing.engine import REACH_LIMIT_KM
from beltroad.routing.planner import RouteError
from beltroad.routing.result import PlanResult
from beltroad.routing.session import (GAZETTEER_CACHE_VERSION, PLANNERS_KEPT, Session, check_objective,
                                      default_session, gazetteer_cache_path, same_place)
from beltroad.scenario.files import ScenarioError

if TYPE_CHECKING:
    import pandas as pd


def timeline(origin: str | Place, destination: str | Place, from_year: int = 2013, to_year: int = 2030,
             objective: str = "time", session: Session | None = None) -> tuple[Place, Place, "pd.DataFrame"]:
    """Best route for each year from `from_year` to `to_year` (see `analysis.timeline`).

    Parameters
    ----------
    origin, destination : str or Place
        As for `plan`.
    from_year, to_year : int
        The first and last year, inclusive (`analysis.timeline.MIN_YEAR` to `MAX_YEAR`).
    objective : str
        'time', 'cost', 'co2' or 'generalized'.

    Returns
    -------
    tuple of (Place, Place, DataFrame)
        The resolved origin and destination, and one row per year: `year`, `transit_days`, `cost_usd`,
        `summary` (NaN and 'no route' where none).

    Raises
    ------
    RequestError
        Unknown objective, years out of order or range, origin and destination the same place.
    PlaceError
        Unknown or ambiguous place.
    """
    from beltroad.analysis.timeline import MAX_YEAR, MIN_YEAR, best_route_by_year

    s = session or default_session()
    check_objective(objective)
    if not MIN_YEAR <= from_year <= to_year <= MAX_YEAR:
        raise RequestError(f"years must satisfy {MIN_YEAR} <= from <= to <= {MAX_YEAR} "
                           f"(got from {from_year}, to {to_year})")
    o, d = s.resolve(origin), s.resolve(destination)
    if same_place(o, d):
        raise RequestError(f"Origin and destination are the same place ({o.label}): there is nothing to move.")
    return o, d, best_route_by_year(s.network, o, d, range(from_year, to_year + 1), objective)


def load_network() -> Network:
    """The embedded network of the default session (cached on disk).

    Returns
    -------
    Network
        `.tables()` gives its DataFrames.
    """
    return default_session().network


def resolve_place(query: str) -> Place:
    """`Session.resolve` on the default session (the same parameters, result and errors)."""
    return default_session().resolve(query)


def plan(origin: str | Place, destination: str | Place, **options) -> PlanResult:
    """Plan a container move on the default session; see `Session.plan`.

    Parameters
    ----------
    origin, destination : str or Place
        What a user types or a resolved place.
    **options
        The fields of `PlanRequest` (objective, alternatives, mode, teu, ...).

    Returns the `PlanResult` of `Session.run` on the default session and raises what it raises (`ERRORS` maps
    each to an exit code and an HTTP status).
    """
    return default_session().plan(origin, destination, **options)


# ------------------------------------------------------------------------------------ errors
@dataclass(frozen=True)
class ErrorOutcome:
    """How a face reports an exception.

    Attributes
    ----------
    exit_code : int
        The CLI's exit code (2: bad input, 3: no route).
    http_status : int
        The HTTP API's status (404: unknown place or scenario, 422: invalid or unsatisfiable request).
    """

    exit_code: int
    http_status: int


# one table for every face; the first matching row wins (subclasses before their bases)
ERRORS: tuple[tuple[type[BaseException], ErrorOutcome], ...] = (
    (RouteError, ErrorOutcome(exit_code=3, http_status=422)),      # valid request, no route satisfies it
    (RequestError, ErrorOutcome(exit_code=2, http_status=422)),    # invalid numbers, same place, out of reach
    (ScenarioError, ErrorOutcome(exit_code=2, http_status=404)),   # unknown or malformed scenario
    (PlaceError, ErrorOutcome(exit_code=2, http_status=404)),      # unknown place (ambiguous: see outcome_of)
    (ValueError, ErrorOutcome(exit_code=2, http_status=422)),      # other bad input (mode, passage, country)
)
USER_ERRORS = tuple(t for t, _ in ERRORS)


def outcome_of(exc: BaseException) -> ErrorOutcome | None:
    """The exit code and HTTP status for `exc`.

    Parameters
    ----------
    exc : BaseException
        What planning raised.

    Returns
    -------
    ErrorOutcome or None
        The first matching row of `ERRORS` (an ambiguous place: 2 and 422); None when `exc` is not a user
        error (a bug, which the faces report as such).
    """
    if isinstance(exc, PlaceError) and exc.candidates:
        return ErrorOutcome(exit_code=2, http_status=422)  # ambiguous: the request needs a country code
    for kind, outcome in ERRORS:
        if isinstance(exc, kind):
            return outcome
    return None


__all__ = ["ERRORS", "ErrorOutcome", "GAZETTEER_CACHE_VERSION", "PLANNERS_KEPT", "PlaceError", "PlanRequest",
           "REACH_LIMIT_KM", "RequestError", "RouteError", "ScenarioError", "Session", "USER_ERRORS",
           "default_session", "gazetteer_cache_path", "load_network", "outcome_of", "plan", "resolve_place",
           "timeline"]
