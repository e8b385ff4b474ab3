"""Best route of one origin-destination pair for each year, as projects open (`beltroad timeline`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from beltroad.network.build import Network
from beltroad.places import Place
from beltroad.routing.planner import Planner, RouteError
from beltroad.scenario import Projects, Scenario, apply_scenario

MIN_YEAR, MAX_YEAR = 1990, 2060  # the years a scenario may take (scenario.Scenario.year)


def best_route_by_year(net: Network, origin: Place, destination: Place, years: range,
                       objective: str = "time") -> pd.DataFrame:
    """One row per year: transit_days, cost_usd and summary of the best route (NaN and 'no route' if none).

    Each year is the network as it stood (projects open by then, planned ones at their planned year).
    """
    rows = []
    for year in years:
        state = apply_scenario(net, Scenario(name=f"year-{year}", year=year, projects=Projects()))
        try:
            r = Planner(net, state).plan(origin, destination, objective=objective, alternatives=1).routes[0]
            rows.append({"year": year, "transit_days": r.transit_days, "cost_usd": r.cost_usd, "summary": r.summary})
        except RouteError:
            rows.append({"year": year, "transit_days": np.nan, "cost_usd": np.nan, "summary": "no route"})
    return pd.DataFrame(rows, columns=["year", "transit_days", "cost_usd", "summary"])


__all__ = ["MAX_YEAR", "MIN_YEAR", "best_route_by_year"]
