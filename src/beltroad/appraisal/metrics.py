"""Per-task numbers: skim one edge state and measure its changes against a reference skim.

Everything a task reports is one long table (level, key, metric, value) so that appraisal partitions and
sweep draws stack and summarise the same way. Levels: `group` (world, bri_economies, non_bri_economies, by
exporter as in `beltroad.analysis.compare`), `economy` (mean of the as-exporter and as-importer means),
`corridor` (international pairs between economies a dataset corridor crosses) and `city` (market access).

Market access (Donaldson & Hornbeck 2016, as applied to BRI projects by Reed & Trubetskoy, PRWP 8815):
MA_i = size_i + sum_j size_j * tau_ij^(-theta), over destinations j reachable from city i, where
tau_ij = 1 + freight cost / cargo value + transit days x value of one day (ad valorem) is the iceberg trade
cost and theta the trade elasticity (5.03, their baseline; 8.11 and 15.72 in their sensitivity table; source
S-RT2019-THETA). Economic size is the city's population (GeoNames), as the study's city GDP is not shipped.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from beltroad.places.cities import economies
from beltroad.network.build import Network
from beltroad.places import Place
from beltroad.routing.engine import Access
from beltroad.routing.skim import skim
from beltroad.scenario.state import EdgeState

from .states import StateSpec, build_state

GROUPS = ("world", "bri_economies", "non_bri_economies")
THETA_SOURCE = "S-RT2019-THETA"


def market_access_theta(net: Network) -> float:
    """The trade elasticity of market access (parameters.yaml `market_access.theta`)."""
    return float(net.params["market_access"]["theta"]["value"])


def corridor_members(net: Network) -> dict[str, set[str]]:
    """Economies each dataset corridor runs through: the countries of its links' end nodes."""
    country = net.places.drop_duplicates("id").set_index("id")["country"]
    out: dict[str, set[str]] = {}
    for corr, a, b in net.links[["corridor", "from", "to"]].itertuples(index=False):
        for c in str(corr).split(";"):
            if c and c != "nan":
                out.setdefault(c, set()).update(x for x in (country.get(a), country.get(b)) if isinstance(x, str) and x)
    return out


class CachedAccess(Access):
    """Access whose links of a point are computed once per process: they depend on the network and the point,
    not on the edge state, and a run skims the same city set for every task (about 0.5 s per world-1000 skim).
    The cached arrays are read-only, so that a caller that tried to change them in place would fail loudly."""

    def __init__(self, net: Network):
        super().__init__(net)
        self._edges_cache: dict[tuple, tuple[np.ndarray, ...]] = {}

    def edges(self, lat: float, lon: float, node_id: str | None, country: str, max_drayage_km: float | None = None,
              sea_fallback: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        key = (lat, lon, node_id, country, max_drayage_km, sea_fallback)
        hit = self._edges_cache.get(key)
        if hit is None:
            hit = super().edges(lat, lon, node_id, country, max_drayage_km, sea_fallback)
            for a in hit:
                a.flags.writeable = False
            self._edges_cache[key] = hit
        return hit


@dataclass
class Context:
    """What every task of a run shares: the network, the city set and pair bookkeeping (built once per worker)."""

    net: Network
    places: list[Place]
    objective: str = "time"
    access: Access = field(init=False)

    def __post_init__(self) -> None:
        self.access = CachedAccess(self.net)
        n = len(self.places)
        self.oi, self.di = np.where(~np.eye(n, dtype=bool))
        self.country = np.array([p.country for p in self.places])
        self.size = np.array([max(float(p.population), 1.0) for p in self.places])
        eco = economies()
        bri = set(eco.loc[eco["bri_member"], "iso3"]) if len(eco) else set()
        self.bri = np.isin(self.country, sorted(bri))
        self.econ_names, self.econ = np.unique(self.country, return_inverse=True)
        self.corridors = {name: np.isin(self.country, sorted(m)) for name, m in sorted(corridor_members(self.net).items())}
        # per corridor, once: its international ordered pairs (integer codes, not 1M string comparisons per task)
        intl = self.econ[self.oi] != self.econ[self.di]
        self.corridor_pairs = {name: member[self.oi] & member[self.di] & intl for name, member in self.corridors.items()}

    def skim(self, spec: StateSpec) -> dict[str, np.ndarray]:
        """transit_days, cost_usd (NaN where unreachable) of every ordered pair, in (oi, di) order."""
        return self.skim_state(build_state(self.net, spec))

    def skim_state(self, state: EdgeState) -> dict[str, np.ndarray]:
        df = skim(self.net, state, self.places, objective=self.objective, access=self.access)
        return {"transit_days": df["transit_days"].to_numpy(float), "cost_usd": df["cost_usd"].to_numpy(float)}

    def reference_state(self, spec: StateSpec) -> EdgeState:
        """The edge state of a reference skim, built once per process (a run has two, or one per draw)."""
        cache = self.__dict__.setdefault("_ref_states", {})
        if spec not in cache:
            if len(cache) >= 4:  # sweeps: one reference per draw, taken in order
                cache.pop(next(iter(cache)))
            cache[spec] = build_state(self.net, spec)
        return cache[spec]


def same_state(a: EdgeState, b: EdgeState) -> bool:
    """Do two edge states give the same skim? Every attribute compared exactly, except the label.

    A project that no network element is tagged with (a port expansion the network models as the port it
    already was, say) leaves its state equal to its reference's: the task then reuses the reference skim
    instead of recomputing the same numbers (about half the tasks of the full appraisal)."""
    va, vb = vars(a), vars(b)
    if va.keys() != vb.keys():
        return False
    for name in va:
        if name == "label":
            continue
        x, y = va[name], vb[name]
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)) or x.shape != y.shape or x.dtype != y.dtype:
                return False
            if not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
                return False
        elif x != y:
            return False
    return True


def _mean_by(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    cnt = np.bincount(codes, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(codes, weights=values, minlength=n) / np.where(cnt > 0, cnt, np.nan)


def market_access(ctx: Context, sk: dict[str, np.ndarray], pct_per_day: float, cargo_usd: float,
                  theta: float) -> np.ndarray:
    """Market access of every city (own size included at tau = 1; unreachable destinations add nothing)."""
    tau = 1.0 + sk["cost_usd"] / cargo_usd + sk["transit_days"] * pct_per_day / 100.0
    term = np.where(np.isfinite(tau), ctx.size[ctx.di] * np.power(np.where(np.isfinite(tau), tau, 1.0), -theta), 0.0)
    return ctx.size + np.bincount(ctx.oi, weights=term, minlength=len(ctx.places))


def changes(ctx: Context, ref: dict[str, np.ndarray], scn: dict[str, np.ndarray], pct_per_day: float,
            cargo_usd: float, theta: float) -> pd.DataFrame:
    """Long table of the changes from `ref` to `scn` (level, key, metric, value)."""
    ok = np.isfinite(ref["transit_days"]) & np.isfinite(scn["transit_days"])
    oi, di = ctx.oi[ok], ctx.di[ok]
    d_days = (scn["transit_days"] - ref["transit_days"])[ok]
    d_usd = (scn["cost_usd"] - ref["cost_usd"])[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        days_pct = 100.0 * d_days / ref["transit_days"][ok]
        usd_pct = 100.0 * d_usd / ref["cost_usd"][ok]
    tc_pct = d_days * pct_per_day
    ma_ref = market_access(ctx, ref, pct_per_day, cargo_usd, theta)
    ma_scn = market_access(ctx, scn, pct_per_day, cargo_usd, theta)
    ma_pct = 100.0 * (ma_scn / ma_ref - 1.0)
    rows: list[tuple[str, str, str, float]] = []
    pair_vals = {"transit_days_change": d_days, "transit_days_change_pct": days_pct, "cost_usd_change": d_usd,
                 "cost_usd_change_pct": usd_pct, "trade_cost_change_pct": tc_pct}
    exporter_bri = ctx.bri[oi]
    for g, sel, csel in (("world", np.ones(len(d_days), bool), np.ones(len(ctx.places), bool)),
                         ("bri_economies", exporter_bri, ctx.bri), ("non_bri_economies", ~exporter_bri, ~ctx.bri)):
        n = int(np.count_nonzero(sel))
        rows.append(("group", g, "city_pairs", float(n)))
        for m, v in pair_vals.items():
            rows.append(("group", g, m, float(np.mean(v[sel])) if n else np.nan))
        rows.append(("group", g, "share_of_pairs_faster", float(np.mean(d_days[sel] < -1e-6)) if n else np.nan))
        rows.append(("group", g, "pair_days_saved", 0.0 - float(np.sum(d_days[sel])) + 0.0))
        w = ctx.size[csel]
        rows.append(("group", g, "market_access_change_pct",
                     float(np.sum(ma_pct[csel] * w) / np.sum(w)) if w.size else np.nan))
    ne = len(ctx.econ_names)
    for m in ("transit_days_change", "transit_days_change_pct", "cost_usd_change_pct", "trade_cost_change_pct"):
        v = pair_vals[m]
        both = np.vstack([_mean_by(ctx.econ[oi], v, ne), _mean_by(ctx.econ[di], v, ne)])
        with warnings.catch_warnings():  # an economy with no pairs as exporter or importer: mean of the other
            warnings.simplefilter("ignore", RuntimeWarning)
            val = np.nanmean(both, axis=0)
        rows.extend(("economy", str(e), m, float(x)) for e, x in zip(ctx.econ_names, val))
    w_ma = np.bincount(ctx.econ, weights=ma_pct * ctx.size, minlength=ne) / np.bincount(ctx.econ, weights=ctx.size, minlength=ne)
    rows.extend(("economy", str(e), "market_access_change_pct", float(x)) for e, x in zip(ctx.econ_names, w_ma))
    for name, pairs in ctx.corridor_pairs.items():
        sel = pairs[ok]
        if not sel.any():
            continue
        rows.append(("corridor", name, "city_pairs", float(sel.sum())))
        for m in ("transit_days_change", "transit_days_change_pct", "cost_usd_change_pct", "trade_cost_change_pct"):
            rows.append(("corridor", name, m, float(np.mean(pair_vals[m][sel]))))
    labels = [f"{p.name} ({p.country})" for p in ctx.places]
    rows.extend(("city", lab, "market_access_change_pct", float(x)) for lab, x in zip(labels, ma_pct))
    return pd.DataFrame(rows, columns=["level", "key", "metric", "value"])


__all__ = ["CachedAccess", "Context", "GROUPS", "THETA_SOURCE", "changes", "same_state", "corridor_members", "market_access", "market_access_theta"]
