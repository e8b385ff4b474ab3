"""Waiting for a train: the mean wait at a terminal follows from how often trains leave it.

A box that reaches a terminal at a random moment waits, on average, half the time between two departures
(the half-headway convention of transit planning, S-RL-HALF-HEADWAY): one train a day means 12 h, a port
shuttle with seven a day about 1.7 h. Where `departures/*.csv` gives a terminal's trains per week for a
track gauge, that frequency sets the wait; elsewhere `rail.departure_wait_hours` (one departure a day) applies.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

HOURS_PER_WEEK = 168.0


def mean_wait_hours(trains_per_week: float | np.ndarray) -> float | np.ndarray:
    """Mean wait (hours) for the next of `trains_per_week` evenly spaced departures: half the headway."""
    f = np.asarray(trains_per_week, dtype=float)
    if np.any(~(f > 0)):
        raise ValueError("trains_per_week must be positive")
    w = 0.5 * HOURS_PER_WEEK / f
    return float(w) if w.ndim == 0 else w


def rail_departure_waits(departures: pd.DataFrame) -> dict[tuple[str, int], float]:
    """(node id, gauge mm) -> mean wait hours, from the rows of `departures/*.csv` with a usable frequency."""
    if departures is None or departures.empty:
        return {}
    ok = departures.dropna(subset=["gauge_mm", "trains_per_week"])
    ok = ok[ok["trains_per_week"] > 0]
    waits = mean_wait_hours(ok["trains_per_week"].to_numpy(float))
    return {(str(n), int(g)): float(w) for n, g, w in zip(ok["node"], ok["gauge_mm"], np.atleast_1d(waits))}


def rail_wait_hours(waits: dict[tuple[str, int], float], place_id: str, layer: str, default_hours: float) -> float:
    """The wait for a departure when a box is loaded onto the rail layer `layer` (e.g. 'rail1435') at a place."""
    try:
        gauge = int(layer.removeprefix("rail"))
    except ValueError:
        return default_hours
    return waits.get((place_id, gauge), default_hours)
