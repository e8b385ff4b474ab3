"""Capacity-constrained, origin-tracked minimum-cost flow of crude oil or natural gas (pipelines + sea legs).

One linear programme per commodity group, solved with HiGHS (scipy.optimize.linprog):

* every exporter pool (economy x crude / pipeline gas / LNG) is its own commodity, so an embargo can ban
  Russian barrels into EU ports while Kazakh barrels loaded at a Russian port still sail;
* pipelines are chains of arcs between their ordered nodes, all sharing the pipeline's capacity;
* sea legs join every open export terminal to every open import terminal over the shortest marnet path
  with the scenario's closed passages removed (tankers for crude; LNG carriers after liquefaction);
* supply is fixed (the year's exports) or an upper bound; demand is fixed; unmet demand and stranded
  supply are explicit, penalised variables, so a closure shows up as a shortfall instead of an error.

Gas: LNG and pipeline gas meet the same demand (bcm); LNG volumes convert at 1.36 bcm per Mt.
The rest of the world (ROW) closes each balance: its supply (or demand) is what the named economies leave.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from beltroad.energy.data import BCM_PER_MT_LNG, EnergyData, economy_of, load_energy_data, parse_date
from beltroad.energy.scenario import EnergyScenario
from beltroad.data.geo import haversine_km

KM_PER_NM = 1.852
GROUP_OF = {"crude": "crude", "gas": "gas", "lng": "gas"}
POOLS = {"crude": ("crude",), "gas": ("gas_pipeline", "gas_pipeline_east", "lng")}
UNIT = {"crude": "Mt", "gas": "bcm"}


class EnergyModelError(ValueError):
    """The scenario cannot be modelled (e.g. an unknown pipeline id in halt/build)."""


@dataclass
class Arc:
    kind: str              # pipeline | sea | supply | demand
    tail: str
    head: str
    cost: float
    ref: str = ""          # pipeline id, or "" for sea
    km: float = 0.0
    passages: tuple = ()
    origins: set | None = None   # allowed origin pools (None = all)
    path: object = None          # (k, 2) lon/lat polyline of a sea leg (for maps)


@dataclass
class FlowResult:
    """Everything one solve yields, as DataFrames (units: Mt/yr for crude, bcm/yr for gas)."""
    scenario: str
    commodity: str
    unit: str
    corridors: pd.DataFrame           # per pipeline / sea leg: flow, capacity, utilisation, binding
    od: pd.DataFrame                  # origin economy x destination economy x mode
    sea_legs: pd.DataFrame            # per origin pool and sea leg: flow, km, days, passages, tonne-miles
    chokepoints: pd.DataFrame         # flow through each passage
    shortfalls: pd.DataFrame          # unmet demand and stranded supply per economy
    binding: pd.DataFrame             # capacities at their limit
    terminals: pd.DataFrame           # per open terminal node: sea flow out/in vs capacity
    segments: pd.DataFrame            # per pipeline segment (tail > head): flow and capacity
    summary: dict = field(default_factory=dict)
    sea_paths: dict = field(default_factory=dict)     # (tail, head) -> (k, 2) lon/lat polyline
    pipeline_paths: dict = field(default_factory=dict)  # pipeline id -> (k, 2) lon/lat of its nodes


def _available(row: pd.Series, date: dt.date, scen: EnergyScenario) -> bool:
    rid = row.get("id", "")
    if rid in scen.halt:
        return False
    if rid in scen.build:
        return True
    status = row.get("status", "operating")
    if status in ("planned", "stalled", "shelved", "never_operated", "under_construction", "mothballed"):
        return False
    opened = parse_date(row.get("opened", ""))
    if opened and opened > date:
        return False
    for col in ("halted", "destroyed"):
        d = parse_date(row.get(col, "") or "")
        if d and d <= date:
            return False
    return True


def _capacity_on(p: pd.Series, date: dt.date) -> float:
    """Pipeline capacity at `date`: the last 'year:value' step of capacity_by_year not after it, else capacity."""
    cap = float(p["capacity"])
    steps = [s.split(":") for s in str(p.get("capacity_by_year", "") or "").split(";") if ":" in s]
    for year, value in sorted((int(y), float(v)) for y, v in steps):
        if year <= date.year:
            cap = value
    return cap


def _balances(data: EnergyData, group: str, year: int) -> tuple[dict, dict, dict]:
    """(supply {pool_key: value}, supply bound {pool_key: fixed|max}, demand {economy: value}), ROW closing."""
    b = data.balances[data.balances["year"].eq(year)]
    supply, bound, demand = {}, {}, {}
    for _, r in b.iterrows():
        if r["role"] == "supply" and r["pool"] in POOLS[group]:
            key = f"{r['economy']}:{r['pool']}"
            supply[key] = float(r["value"])
            bound[key] = r["bound"]
        elif r["role"] == "demand" and ((group == "crude" and r["pool"] == "crude") or
                                        (group == "gas" and r["pool"] == "gas")):
            demand[r["economy"]] = float(r["value"])
    # supplies bounded above ('max') are expected to sell in full; ROW closes the rest
    fixed = sum(supply.values())
    total_d = sum(demand.values())
    # rest of the world closes the balance; for gas it can ship by pipeline or as LNG (one pool)
    row_key = "ROW:crude" if group == "crude" else "ROW:gas"
    if total_d > fixed:
        supply[row_key] = total_d - fixed
        bound[row_key] = "max"
    else:
        demand["ROW"] = fixed - total_d
    return supply, bound, demand


def _access(data: EnergyData, group: str) -> tuple[dict, dict]:
    acc = data.access
    sup: dict[str, list[str]] = {}
    dem: dict[str, list[str]] = {}
    for _, r in acc.iterrows():
        if r["role"] == "supply" and (r["pool"] in POOLS[group]):
            key = f"{r['economy']}:{'gas' if r['economy'] == 'ROW' and group == 'gas' else r['pool']}"
            sup.setdefault(key, []).append((r["node"], r["hub"]))
        elif r["role"] == "demand" and r["pool"] == ("crude" if group == "crude" else "gas"):
            dem.setdefault(r["economy"], []).append(r["node"])
    return sup, dem


def solve(scen: EnergyScenario, commodity: str, data: EnergyData | None = None) -> FlowResult:
    """Solve the flow problem of `commodity` ('crude', 'gas' or 'lng') under `scen`."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    from beltroad.energy.sea import sea_legs

    if commodity not in GROUP_OF:
        raise EnergyModelError(f"unknown commodity '{commodity}' (crude, gas or lng)")
    data = data or load_energy_data()
    group = GROUP_OF[commodity]
    params = data.parameters
    date = scen.date
    known_ids = set(data.pipelines["id"]) | set(data.terminals["id"])
    for rid in scen.halt + scen.build:
        if rid not in known_ids:
            raise EnergyModelError(f"scenario '{scen.name}': unknown pipeline/terminal id '{rid}' in halt/build")
    nodes = data.nodes.set_index("id")
    pts = {i: (float(r.lon), float(r.lat)) for i, r in nodes.iterrows()}
    country = nodes["country"].to_dict()

    supply, bound, demand = _balances(data, group, scen.balance_year)
    sup_nodes, dem_nodes = _access(data, group)
    origins = sorted(supply)
    o_index = {o: k for k, o in enumerate(origins)}
    origin_econ = {o: o.split(":")[0] for o in origins}
    origin_pool = {o: o.split(":")[1] for o in origins}

    arcs: list[Arc] = []
    # ---- pipelines
    pipes = data.pipelines[data.pipelines["commodity"].eq(group)]
    pipe_cap: dict[str, float] = {}
    pipe_rows = {}
    for _, p in pipes.iterrows():
        if not _available(p, date, scen):
            continue
        route = p["route"].split(">")
        seg = np.array([haversine_km(pts[a][1], pts[a][0], pts[b][1], pts[b][0]) for a, b in zip(route, route[1:])],
                       dtype=float)
        if np.isfinite(p["length_km"]) and seg.sum() > 0:
            seg = seg * float(p["length_km"]) / seg.sum()
        if group == "crude":
            rate = params["crude_pipeline_usd_per_tkm"]
        else:
            rate = (params["gas_pipeline_subsea_usd_per_mmbtu_km"] if p["subsea"] == "yes" else
                    params["gas_pipeline_onshore_usd_per_mmbtu_km"] if p["subsea"] == "no" else
                    0.5 * (params["gas_pipeline_subsea_usd_per_mmbtu_km"] + params["gas_pipeline_onshore_usd_per_mmbtu_km"]))
        pipe_cap[p["id"]] = _capacity_on(p, date)
        pipe_rows[p["id"]] = p
        for (a, b), km in zip(zip(route, route[1:]), seg):
            arcs.append(Arc("pipeline", a, b, rate * km, ref=p["id"], km=float(km)))

    # ---- sea legs between open terminals
    sea_kind = "crude" if group == "crude" else "lng"
    term = data.terminals[data.terminals["commodity"].eq(sea_kind)].copy()
    term["open"] = [_available(r, date, scen) for _, r in term.iterrows()]
    open_t = term[term["open"]]
    exp_nodes = sorted(set(open_t.loc[open_t["direction"].eq("export"), "node"]))
    imp_nodes = sorted(set(open_t.loc[open_t["direction"].eq("import"), "node"]))
    legs = sea_legs(pts, exp_nodes, imp_nodes, scen.closed_passages) if exp_nodes and imp_nodes else None
    vessel = data.vessels.set_index("commodity").loc[sea_kind]
    serves = {r["node"]: r["serves"] for _, r in term.iterrows() if r.get("serves")}
    if legs is not None:
        for i, a in enumerate(exp_nodes):
            for j, b in enumerate(imp_nodes):
                km = float(legs.km[i, j])
                if not np.isfinite(km) or country[a] == country[b]:
                    continue
                if group == "crude":
                    cost = km * float(vessel["cost_usd_per_tkm"])
                else:
                    cost = params["lng_liquefaction_usd_per_mmbtu"] + km * params["lng_shipping_usd_per_mmbtu_km"]
                k = i * len(imp_nodes) + j
                arcs.append(Arc("sea", a, b, cost, km=km, passages=tuple(legs.passages[k]),
                                path=legs.paths[k] if legs.paths else None))
    # LNG supply may only enter at LNG export terminals; pipeline gas only at pipeline nodes
    lng_export_nodes = set(exp_nodes) if group == "gas" else set()

    # ---- supply and demand arcs
    feeder_rate = (params["crude_pipeline_usd_per_tkm"] if group == "crude"
                   else params["gas_pipeline_onshore_usd_per_mmbtu_km"])
    for o in origins:
        for n, hub in sup_nodes.get(o, []):
            if group == "gas":
                is_lng_node = n in set(term.loc[term["direction"].eq("export"), "node"])
                if origin_pool[o] == "lng" and n not in lng_export_nodes:
                    continue
                if origin_pool[o].startswith("gas_pipeline") and is_lng_node:
                    continue
            # a port fed over domestic lines from a production hub pays the great-circle feeder distance
            feeder_km = haversine_km(pts[hub][1], pts[hub][0], pts[n][1], pts[n][0]) if hub else 0.0
            arcs.append(Arc("supply", f"SRC:{o}", n, feeder_rate * float(feeder_km), origins={o}))
    for d, ns in dem_nodes.items():
        if d not in demand:
            continue
        for n in ns:
            arcs.append(Arc("demand", n, f"SNK:{d}", 0.0))

    # ---- embargo masks: (origin, arc index) pairs that are banned
    def banned(o: str, arc: Arc) -> bool:
        econ = origin_econ[o]
        if arc.kind == "demand" and econ == arc.head[4:]:
            return True  # no self-trade through the network
        for e in scen.embargoes:
            if econ not in e.exporters:
                continue
            comm_ok = (group == "crude" and "crude" in e.commodities) or (
                group == "gas" and (("gas" in e.commodities and origin_pool[o].startswith("gas_pipeline")) or
                                    ("lng" in e.commodities and origin_pool[o] == "lng") or
                                    ("gas" in e.commodities and econ == "ROW")))
            if not comm_ok:
                continue
            if arc.kind == "sea" and "sea" in e.modes:
                dest = serves.get(arc.head) or economy_of(country[arc.head])
                if dest in e.importers:
                    return True
            if arc.kind == "pipeline" and "pipeline" in e.modes and (not e.pipelines or arc.ref in e.pipelines):
                if economy_of(country[arc.head]) in e.importers:
                    return True
        return False

    # ---- variables: x[o, a] for allowed pairs; then unmet[d], stranded[o]
    var_o, var_a = [], []
    for k, arc in enumerate(arcs):
        for o in origins:
            if arc.origins is not None and o not in arc.origins:
                continue
            if banned(o, arc):
                continue
            var_o.append(o_index[o])
            var_a.append(k)
    var_o = np.array(var_o, dtype=np.int64)
    var_a = np.array(var_a, dtype=np.int64)
    nx = len(var_o)
    dem_list = sorted(demand)
    n_unmet = len(dem_list)
    n_str = len(origins)
    nvar = nx + n_unmet + n_str
    arc_cost = np.array([a.cost for a in arcs])
    big = 1000.0 * max(float(arc_cost.max() if len(arc_cost) else 1.0), 1.0) * 10
    c = np.concatenate([arc_cost[var_a], np.full(n_unmet, big), np.full(n_str, big)])
    # the rest of the world's supply is an upper bound: leaving it unsold costs nothing
    for o in origins:
        if bound[o] == "max":
            c[nx + n_unmet + o_index[o]] = 0.0

    # conservation per (origin, node) for real nodes; supply per origin; demand per economy
    node_names = sorted({a.tail for a in arcs} | {a.head for a in arcs})
    real = [n for n in node_names if not n.startswith(("SRC:", "SNK:"))]
    r_index = {n: i for i, n in enumerate(real)}
    rows, cols, vals = [], [], []
    n_cons = len(origins) * len(real)
    tails = np.array([r_index.get(arcs[k].tail, -1) for k in var_a])
    heads = np.array([r_index.get(arcs[k].head, -1) for k in var_a])
    idx = np.arange(nx)
    m = tails >= 0
    rows.append(var_o[m] * len(real) + tails[m]); cols.append(idx[m]); vals.append(-np.ones(m.sum()))
    m = heads >= 0
    rows.append(var_o[m] * len(real) + heads[m]); cols.append(idx[m]); vals.append(np.ones(m.sum()))
    b_eq = [np.zeros(n_cons)]
    # supply rows
    kinds = np.array([arcs[k].kind for k in var_a])
    m = kinds == "supply"
    rows.append(n_cons + var_o[m]); cols.append(idx[m]); vals.append(np.ones(m.sum()))
    rows.append(n_cons + np.arange(n_str)); cols.append(nx + n_unmet + np.arange(n_str)); vals.append(np.ones(n_str))
    b_eq.append(np.array([supply[o] for o in origins]))
    # demand rows
    d_index = {d: i for i, d in enumerate(dem_list)}
    m = kinds == "demand"
    dem_of = np.array([d_index[arcs[k].head[4:]] for k in var_a[m]], dtype=np.int64)
    base = n_cons + n_str
    rows.append(base + dem_of); cols.append(idx[m]); vals.append(np.ones(m.sum()))
    rows.append(base + np.arange(n_unmet)); cols.append(nx + np.arange(n_unmet)); vals.append(np.ones(n_unmet))
    b_eq.append(np.array([demand[d] for d in dem_list]))
    A_eq = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(base + n_unmet, nvar)).tocsr()
    b_eq = np.concatenate(b_eq)

    # capacities: pipelines (shared by their arcs' flows of all origins), terminals, groups
    ub_rows, ub_cols, ub_b, ub_what = [], [], [], []

    def add_cap(mask: np.ndarray, cap: float, what: tuple) -> None:
        cols_ = idx[mask]
        if len(cols_) == 0:
            return
        ub_rows.append(np.full(len(cols_), len(ub_b))); ub_cols.append(cols_); ub_b.append(cap); ub_what.append(what)

    refs = np.array([arcs[k].ref for k in var_a])
    for pid, cap in pipe_cap.items():
        route = pipe_rows[pid]["route"].split(">")
        for a, b in zip(route, route[1:]):
            mask = (refs == pid) & (tails == r_index.get(a, -2)) & (heads == r_index.get(b, -2))
            add_cap(mask, cap, ("pipeline", pid, f"{a}>{b}"))
    conv = BCM_PER_MT_LNG if group == "gas" else 1.0
    for direction, end in (("export", tails), ("import", heads)):
        for n, g in open_t[open_t["direction"].eq(direction)].groupby("node"):
            if g["capacity"].isna().any():
                continue
            cap = float(g["capacity"].sum()) * conv
            mask = (kinds == "sea") & (end == r_index.get(n, -2))
            add_cap(mask, cap, ("terminal", ";".join(g["id"]), n))
    gr = data.capacity_groups
    for gname, g in gr[gr["commodity"].eq(sea_kind)].groupby("group"):
        g = g[[parse_date(d) <= date for d in g["date_from"]]]
        if g.empty:
            continue
        cap = float(g.sort_values("date_from")["capacity"].iloc[-1])
        gnodes = set(open_t.loc[open_t["capacity_group"].eq(gname), "node"])
        mask = (kinds == "sea") & np.isin(heads, [r_index[n] for n in gnodes if n in r_index])
        add_cap(mask, cap, ("group", gname, ""))
    if group == "crude" and "ROW:crude" in o_index:
        share = params.get("row_crude_atlantic_share", 1.0)
        mask = (kinds == "supply") & (var_o == o_index["ROW:crude"]) & (heads == r_index.get("NG-BONNY", -2))
        add_cap(mask, share * supply["ROW:crude"], ("supply split", "ROW:crude", "NG-BONNY"))
    if ub_b:
        A_ub = coo_matrix((np.ones(sum(len(r) for r in ub_rows)), (np.concatenate(ub_rows), np.concatenate(ub_cols))),
                          shape=(len(ub_b), nvar)).tocsr()
        b_ub = np.array(ub_b)
    else:
        A_ub, b_ub = None, None
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status != 0:
        raise EnergyModelError(f"scenario '{scen.name}' {commodity}: the solver failed ({res.message})")
    x = res.x[:nx]
    unmet = res.x[nx:nx + n_unmet]
    stranded = res.x[nx + n_unmet:]

    # ---------------------------------------------------------------- results
    flow = pd.DataFrame({"origin": [origins[i] for i in var_o], "arc": var_a, "flow": x})
    flow = flow[flow["flow"] > 1e-6]
    flow["kind"] = [arcs[k].kind for k in flow["arc"]]
    flow["tail"] = [arcs[k].tail for k in flow["arc"]]
    flow["head"] = [arcs[k].head for k in flow["arc"]]
    flow["ref"] = [arcs[k].ref for k in flow["arc"]]
    flow["economy"] = flow["origin"].map(origin_econ)
    flow["pool"] = flow["origin"].map(origin_pool)

    # corridors: pipelines (max over segments) and sea legs aggregated over origins
    rows_c = []
    for pid, cap in pipe_cap.items():
        f = flow[flow["ref"].eq(pid)]
        seg_flow = f.groupby(["tail", "head"])["flow"].sum()
        fl = float(seg_flow.max()) if len(seg_flow) else 0.0
        p = pipe_rows[pid]
        rows_c.append({"corridor": pid, "name": p["name"], "mode": "pipeline", "flow": fl, "capacity": cap,
                       "utilisation": fl / cap if cap else np.nan,
                       "origins": ", ".join(sorted(set(f["economy"]))), "route": p["route"]})
    # halted / unavailable pipelines of this commodity are listed with zero flow
    for _, p in pipes.iterrows():
        if p["id"] not in pipe_cap:
            rows_c.append({"corridor": p["id"], "name": p["name"], "mode": "pipeline (closed)", "flow": 0.0,
                           "capacity": float(p["capacity"]), "utilisation": 0.0, "origins": "", "route": p["route"]})
    corridors = pd.DataFrame(rows_c)
    seg_rows = []
    for pid, cap in pipe_cap.items():
        route = pipe_rows[pid]["route"].split(">")
        f = flow[flow["ref"].eq(pid)].groupby(["tail", "head"])["flow"].sum()
        for a, b in zip(route, route[1:]):
            seg_rows.append({"corridor": pid, "tail": a, "head": b, "flow": float(f.get((a, b), 0.0)), "capacity": cap})
    segments = pd.DataFrame(seg_rows, columns=["corridor", "tail", "head", "flow", "capacity"])
    corridors["binding"] = corridors["utilisation"] >= 0.999

    sea = flow[flow["kind"].eq("sea")].copy()
    sea["km"] = [arcs[k].km for k in sea["arc"]]
    sea["passages"] = [", ".join(arcs[k].passages) for k in sea["arc"]]
    speed_kmd = float(vessel["speed_kn"]) * KM_PER_NM * 24
    sea["voyage_days"] = sea["km"] / speed_kmd
    mt = sea["flow"] / (conv if group == "gas" else 1.0)  # Mt of crude or of LNG
    sea["tonne_miles_bn"] = mt * 1e6 * sea["km"] / KM_PER_NM / 1e9
    sea["co2_mt"] = mt * 1e6 * sea["km"] * float(vessel["co2_kg_per_tkm"]) / 1e9
    cargo = float(vessel["cargo_t"]) if np.isfinite(vessel["cargo_t"]) else np.nan
    sea["laden_ship_days"] = mt * 1e6 / cargo * sea["voyage_days"] if np.isfinite(cargo) else np.nan
    sea["destination"] = [serves.get(h) or economy_of(country[h]) for h in sea["head"]]
    sea_tbl = sea[["origin", "economy", "pool", "tail", "head", "destination", "flow", "km", "voyage_days",
                   "passages", "tonne_miles_bn", "laden_ship_days", "co2_mt"]].reset_index(drop=True)
    sea_paths = {(arcs[k].tail, arcs[k].head): arcs[k].path for k in sea["arc"]}

    # od: deliveries by origin economy x destination economy; mode from the origin pool / last leg
    dl = flow[flow["kind"].eq("demand")].copy()
    dl["destination"] = dl["head"].str[4:]
    by_sea = sea.groupby(["economy", "destination"])["flow"].sum()
    od = dl.groupby(["economy", "pool", "destination"])["flow"].sum().reset_index()
    od = od.rename(columns={"economy": "origin"})
    od["by_sea"] = [float(by_sea.get((o, d), 0.0)) for o, d in zip(od["origin"], od["destination"])]
    od["by_sea"] = np.minimum(od["by_sea"], od["flow"])

    chk = []
    for p in sorted({q for s in sea["passages"] for q in s.split(", ") if q}):
        f = sea[sea["passages"].str.contains(p, regex=False)]
        chk.append({"passage": p, "flow": float(f["flow"].sum()), "legs": int(len(f))})
    chokepoints = pd.DataFrame(chk, columns=["passage", "flow", "legs"])

    sf = [{"economy": d, "kind": "unmet demand", "amount": float(u), "of": demand[d]}
          for d, u in zip(dem_list, unmet) if u > 1e-6]
    sf += [{"economy": o, "kind": "unsold supply" if bound[o] == "max" else "stranded supply",
            "amount": float(s), "of": supply[o]} for o, s in zip(origins, stranded) if s > 1e-6]
    shortfalls = pd.DataFrame(sf, columns=["economy", "kind", "amount", "of"])

    bind = []
    if ub_b:
        load = A_ub @ res.x
        for (what, ident, where), l_, cap in zip(ub_what, load, ub_b):
            if cap > 0 and l_ >= 0.999 * cap:
                bind.append({"type": what, "id": ident, "where": where, "flow": float(l_), "capacity": cap})
    binding = pd.DataFrame(bind, columns=["type", "id", "where", "flow", "capacity"]).drop_duplicates(["type", "id"])

    summary = {
        "scenario": scen.name, "commodity": commodity, "unit": UNIT[group], "balance_year": scen.balance_year,
        "date": scen.date.isoformat(), "closed_passages": ", ".join(scen.closed_passages) or "none",
        "total_demand": float(sum(demand.values())),
        "delivered": float(dl["flow"].sum()), "unmet_demand": float(unmet.sum()),
        "stranded_supply": float(sum(s for o, s in zip(origins, stranded) if bound[o] == "fixed")),
        "sea_flow": float(sea["flow"].sum()),
        "pipeline_deliveries": float(od.loc[od["pool"].ne("lng"), "flow"].sum() - od.loc[od["pool"].ne("lng"), "by_sea"].sum()),
        "tonne_miles_bn": float(sea["tonne_miles_bn"].sum()),
        "laden_ship_days": float(np.nansum(sea["laden_ship_days"])),
        "mean_voyage_days": float(np.average(sea["voyage_days"], weights=sea["flow"])) if len(sea) else 0.0,
        "co2_mt": float(sea["co2_mt"].sum()),
    }
    if group == "gas":
        eu_rows = od[od["destination"].eq("EU")]
        regas = gr[gr["group"].eq("EU-REGAS")]
        regas = regas[[parse_date(d) <= date for d in regas["date_from"]]]
        summary["eu_pipeline_imports"] = float(eu_rows.loc[eu_rows["pool"].ne("lng"), "flow"].sum()
                                               - eu_rows.loc[eu_rows["pool"].ne("lng"), "by_sea"].sum())
        summary["eu_lng_imports"] = float(sea.loc[sea["destination"].eq("EU"), "flow"].sum())
        summary["eu_regas_capacity"] = float(regas.sort_values("date_from")["capacity"].iloc[-1]) if len(regas) else np.nan
        summary["eu_russian_pipeline"] = float(eu_rows.loc[eu_rows["origin"].eq("RUS") & eu_rows["pool"].str.startswith("gas_pipeline"), "flow"].sum())
        summary["eu_demand"] = float(demand.get("EU", 0.0))
    trows = []
    for (node, direction), g in open_t.groupby(["node", "direction"]):
        col = "tail" if direction == "export" else "head"
        f = float(sea.loc[sea[col].eq(node), "flow"].sum())
        cap = np.nan if g["capacity"].isna().any() else float(g["capacity"].sum()) * conv
        trows.append({"node": node, "terminals": "; ".join(g["name"]), "country": country[node],
                      "direction": direction, "flow": f, "capacity": cap,
                      "utilisation": f / cap if cap == cap and cap > 0 else np.nan,
                      "group": ";".join(sorted(set(g["capacity_group"]) - {""}))})
    terminals_tbl = pd.DataFrame(trows, columns=["node", "terminals", "country", "direction", "flow", "capacity",
                                                 "utilisation", "group"])
    pipeline_paths = {p["id"]: np.array([pts[n] for n in p["route"].split(">")]) for _, p in pipes.iterrows()}
    return FlowResult(scen.name, commodity, UNIT[group], corridors, od, sea_tbl, chokepoints, shortfalls,
                      binding, terminals_tbl, segments, summary, sea_paths, pipeline_paths)
