"""Impact analysis: skim two scenarios over a city set and turn time changes into trade-cost changes.

Trade-cost change (ad valorem %) = change in transit days x value of one day in transit, after Hummels &
Schaur (2013): the per-day ad valorem equivalent in parameters.yaml (`value_of_time`), with its low/high
bounds and sector values reported beside the default. Averages are simple means over city pairs, as the
World Bank study reports averages of city-pair changes (A7.05).

Modules: `impact` (`compare`: skim both scenarios, changes, bounds, metadata), `changes` (city-pair changes
and their averages), `pairs` (the city-pair table held as the skims' columns, derived columns computed when
read), `comparison` (the result and how it is written), `worldbank` (the papers' accounting
and groups), `calibration`, `stats`, `timeline`.
"""
from __future__ import annotations

from beltroad.analysis.changes import KEYS, aggregate, compare_skims, corridor_economies
from beltroad.analysis.comparison import Comparison
from beltroad.analysis.impact import FIXED_MODES, compare, compare_economies, fixed_mode_change
from beltroad.analysis.pairs import PairTable

__all__ = ["FIXED_MODES", "KEYS", "Comparison", "PairTable", "aggregate", "compare", "compare_economies", "compare_skims",
           "corridor_economies", "fixed_mode_change"]
