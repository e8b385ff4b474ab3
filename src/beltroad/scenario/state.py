"""A scenario's state of the network: which edges exist and what each costs (per-edge arrays).

Scenarios produce it; routing consumes it. The baseline is the network open in a given year.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from beltroad.network.build import Network


@dataclass
class EdgeState:
    """Per-edge values under one scenario: which edges exist and what they cost."""

    active: np.ndarray
    hours: np.ndarray
    usd: np.ndarray
    co2_kg: np.ndarray
    km: np.ndarray
    value_of_time_usd_per_day: float
    carbon_price_usd_per_t: float
    label: str = "baseline"
    # parts of `hours` for the time breakdown of a route (handling = hours - move - border - wait)
    move_hours: np.ndarray | None = None
    border_hours: np.ndarray | None = None
    wait_hours: np.ndarray | None = None
    dwell_hours: np.ndarray | None = None  # the dwell part of `hours` (None: the network's), for time accounting

    def weights(self, objective: str) -> np.ndarray:
        if objective == "time":
            return self.hours
        if objective == "cost":
            return self.usd
        if objective == "co2":
            return self.co2_kg
        if objective == "generalized":
            return (self.usd + self.hours / 24.0 * self.value_of_time_usd_per_day
                    + self.co2_kg / 1000.0 * self.carbon_price_usd_per_t)
        raise ValueError(f"unknown objective '{objective}' (time, cost, co2, generalized)")


def value_of_time_usd_per_day(params: dict) -> float:
    """Value of one TEU-day: cargo value per TEU x the per-day ad valorem equivalent."""
    vot = params["value_of_time"]
    return float(vot["cargo_value_usd_per_teu"]["value"]) * float(vot["ad_valorem_pct_per_day"]["value"]) / 100.0


def baseline_state(net: Network, year: int = 2026, closed_passages: tuple[str, ...] = ("arctic",)) -> EdgeState:
    """The network open in `year`: opened by then, not superseded, status open (or opened by then)."""
    from beltroad.data.sea import PASSAGES

    opened_ok = np.isnan(net.opened) | (net.opened <= year)
    not_superseded = np.isnan(net.superseded) | (net.superseded > year)
    status_ok = (net.status == 0) | (~np.isnan(net.opened) & (net.opened <= year))
    active = opened_ok & not_superseded & status_ok
    for p in closed_passages:
        active &= (net.passage_bits >> PASSAGES.index(p)) & 1 == 0
    return EdgeState(active=active, hours=net.hours.copy(), usd=net.usd.copy(), co2_kg=net.co2_kg.copy(),
                     km=net.km.copy(), value_of_time_usd_per_day=value_of_time_usd_per_day(net.params),
                     carbon_price_usd_per_t=float(net.params["carbon_price_usd_per_t"]["value"]),
                     move_hours=net.move_hours.copy(), border_hours=net.border_hours.copy(),
                     wait_hours=net.wait_hours.copy())


