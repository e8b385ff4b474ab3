"""The Digital Silk Road layer: submarine and terrestrial cables, latency between cities, and what a cut does.

Python API (DataFrames and plain dicts):

    from beltroad import digital
    digital.latency("Frankfurt", "Shanghai")                 # LatencyResult: .summary(), .legs (DataFrame)
    digital.resilience("Marseille", "Mumbai", "red-sea-cables-cut")
    digital.compare("baseline", "red-sea-cables-cut", cities="hubs").pairs
    digital.cables(), digital.segments(), digital.stations()  # the tables, with computed km and passages

Nothing here imports a face (CLI, API, web); the CLI is `beltroad.digital.cli`.
"""
from __future__ import annotations

import pandas as pd


def session():
    from .query import default_session

    return default_session()


def latency(origin, destination, scenario: str | None = None):
    """Lowest-latency cable path between two places (city names, station ids, or Place objects)."""
    return session().latency(origin, destination, scenario)


def resilience(a, b, scenario: str | None = None) -> dict:
    """Cable-disjoint paths, minimum cut and design capacity between two places or regions."""
    return session().resilience(a, b, scenario)


def compare(base: str, scenario: str, cities: str = "world-200"):
    """Latency change matrix and capacity/path losses between two scenarios (a `Comparison`)."""
    from .report import compare_scenarios

    return compare_scenarios(base, scenario, cities, session())


def cables() -> pd.DataFrame:
    return session().net.cables.copy()


def segments() -> pd.DataFrame:
    """Cable segments with modelled km, seas and passages crossed (backhaul excluded)."""
    e = session().net.edges
    return e[~e["medium"].eq("backhaul")].drop(columns=["u", "v"]).reset_index(drop=True)


def stations() -> pd.DataFrame:
    return session().net.stations.copy()


__all__ = ["cables", "compare", "latency", "resilience", "segments", "session", "stations"]
