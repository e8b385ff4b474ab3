"""Scenario comparison for the cable graph: latency change matrix, lost capacity, fewer disjoint paths,
and a report (Markdown, HTML with a map, Parquet and CSV tables)."""
from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from beltroad.data import COUNTRIES_GEOJSON
from beltroad.io.charts import png_bytes, pyplot
from beltroad.places import Place

from .query import DigitalSession, default_session

CITY_SETS = ("world-200", "world-1000", "hubs")
REGION_PAIRS = [("europe", "east-asia"), ("europe", "south-east-asia"), ("europe", "south-asia"), ("europe", "west-asia"),
                ("europe", "africa"), ("africa", "south-asia"), ("east-asia", "south-asia")]


def city_places(name: str, session: DigitalSession | None = None) -> list[Place]:
    """`hubs` (the model's interconnection hubs), `world-200`/`world-1000` (GeoNames, as elsewhere in the package)."""
    s = session or default_session()
    if name == "hubs":
        st = s.net.stations[s.net.stations["kind"].eq("hub")]
        return [Place(name=r.name, country=r.country, lat=r.lat, lon=r.lon, kind="node", node_id=r.id) for r in st.itertuples()]
    if name in ("world-200", "world-1000"):
        from beltroad.places.cities import largest_cities

        return largest_cities(200 if name == "world-200" else 1000)
    raise ValueError(f"unknown city set '{name}': use {', '.join(CITY_SETS)}")


@dataclass
class Comparison:
    base: str
    scenario: str
    pairs: pd.DataFrame                       # per place pair
    regions: pd.DataFrame                     # per region pair: mean/max change, capacity and paths before/after
    cut: pd.DataFrame                         # cut cable segments
    single_path: pd.DataFrame                 # hub pairs left with at most one cable-disjoint path
    passages: pd.DataFrame = field(default_factory=pd.DataFrame)   # cables and design capacity across each passage
    outside: list[Place] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    rerouted_cables: list[str] = field(default_factory=list)
    newly_used_cables: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        p = self.pairs
        finite = np.isfinite(p["scenario_rtt_ms"]) & np.isfinite(p["base_rtt_ms"])
        changed = p[finite & (p["change_ms"] > 1e-6)]
        lost = self.cut.drop_duplicates("cable")
        return {"base": self.base, "scenario": self.scenario, "pairs": int(len(p)), "pairs_slower": int(len(changed)),
                "pairs_cut_off": int((~np.isfinite(p["scenario_rtt_ms"]) & np.isfinite(p["base_rtt_ms"])).sum()),
                "mean_change_ms": round(float(changed["change_ms"].mean()), 2) if len(changed) else 0.0,
                "max_change_ms": round(float(changed["change_ms"].max()), 2) if len(changed) else 0.0,
                "cables_cut": sorted(set(self.cut["cable"])),
                "design_capacity_of_cut_cables_tbps": round(float(lost["capacity_tbps"].sum()), 2),
                "cut_cables_without_published_capacity": int(lost["capacity_tbps"].isna().sum()),
                "hub_pairs_single_path": int(len(self.single_path)),
                "passages_losing_capacity": {r.passage: f"{r.capacity_tbps_base:g} -> {r.capacity_tbps_scenario:g} Tbps"
                                             for r in self.passages.itertuples() if r.capacity_tbps_scenario < r.capacity_tbps_base}
                if len(self.passages) else {},
                "cables_carrying_rerouted_paths": self.rerouted_cables,
                "cables_newly_used_by_rerouted_paths": self.newly_used_cables,
                "places_outside_model": len(self.outside)}


def compare_scenarios(base: str, scenario: str, cities: str = "world-200", session: DigitalSession | None = None) -> Comparison:
    """Latency change for every pair of places, capacity and disjoint paths by region pair, cut segments."""
    s = session or default_session()
    places, outside = s.covered(city_places(cities, s))
    pairs = s.compare(base, scenario, places)
    st0, st1 = s.state(base), s.state(scenario)
    e = s.net.edges
    cut_mask = st0.active & ~st1.active
    cut = e[cut_mask & ~e["medium"].eq("backhaul")][["cable", "from", "to", "km", "passages", "capacity_tbps"]].copy()
    cut["reason"] = [st1.reason[i] for i in np.flatnonzero(cut_mask & ~e["medium"].eq("backhaul").to_numpy())]
    cut = cut.drop_duplicates(["cable", "from", "to"])
    rows = []
    for a, b in REGION_PAIRS:
        sel = ((pairs["origin_region"].eq(a) & pairs["destination_region"].eq(b))
               | (pairs["origin_region"].eq(b) & pairs["destination_region"].eq(a)))
        sub = pairs[sel & np.isfinite(pairs["base_rtt_ms"])]
        r0, r1 = s.resilience(a, b, base), s.resilience(a, b, scenario)
        rows.append({"regions": f"{a} - {b}", "pairs": int(len(sub)),
                     "mean_base_rtt_ms": round(float(sub["base_rtt_ms"].mean()), 1) if len(sub) else np.nan,
                     "mean_change_ms": round(float(sub["change_ms"].replace(np.inf, np.nan).mean()), 2) if len(sub) else np.nan,
                     "max_change_ms": round(float(sub["change_ms"].replace(np.inf, np.nan).max()), 2) if len(sub) else np.nan,
                     "pairs_slower": int((sub["change_ms"] > 1e-6).sum()),
                     "disjoint_paths_base": r0["disjoint_paths"], "disjoint_paths_scenario": r1["disjoint_paths"],
                     "capacity_tbps_base": r0["capacity_tbps"], "capacity_tbps_scenario": r1["capacity_tbps"],
                     "min_cut_cables_scenario": ";".join(r1["min_cut_cables"])})
    regions = pd.DataFrame(rows)
    passages = passage_capacity(s, base, scenario)
    h0 = s.hub_disjoint_paths(base)
    h1 = s.hub_disjoint_paths(scenario)
    hp = h0.merge(h1, on=["hub_a", "hub_b"], suffixes=("_base", "_scenario"))
    single = hp[(hp["disjoint_paths_scenario"].fillna(99) <= 1) & (hp["disjoint_paths_base"].fillna(99) > 1)]
    changed = pairs[pairs["change_ms"] > 1e-6]
    counts: dict[str, int] = {}
    new: dict[str, int] = {}
    for cs, bs in zip(changed["scenario_cables"], changed["base_cables"]):
        before = set(filter(None, bs.split(";")))
        for c in filter(None, cs.split(";")):
            counts[c] = counts.get(c, 0) + 1
            if c not in before:
                new[c] = new.get(c, 0) + 1
    rerouted = [c for c, _ in sorted(counts.items(), key=lambda kv: -kv[1])]
    newly = [c for c, _ in sorted(new.items(), key=lambda kv: -kv[1])]
    return Comparison(base=st0.label, scenario=st1.label, pairs=pairs, regions=regions, cut=cut,
                      single_path=single.reset_index(drop=True), passages=passages, outside=outside, places=places,
                      rerouted_cables=rerouted, newly_used_cables=newly)


def passage_capacity(s: DigitalSession, base: str, scenario: str) -> pd.DataFrame:
    """Per passage: the cables in service across it and their design capacity, before and after."""
    e = s.net.edges
    cap = s.net.cables.set_index("id")["design_capacity_tbps"]
    rows = []
    names = sorted({p for ps in e["passages"] for p in ps.split(";") if p})
    for p in names:
        crosses = e["passages"].str.split(";").map(lambda ps, p=p: p in ps).to_numpy()
        c0 = sorted(set(e.loc[crosses & s.state(base).active, "cable"]))
        c1 = sorted(set(e.loc[crosses & s.state(scenario).active, "cable"]))
        t0, t1 = float(cap[c0].sum()), float(cap[c1].sum())
        rows.append({"passage": p, "cables_base": len(c0), "cables_scenario": len(c1),
                     "capacity_tbps_base": round(t0, 2), "capacity_tbps_scenario": round(t1, 2),
                     "capacity_lost_pct": round(100 * (t0 - t1) / t0, 1) if t0 else np.nan,
                     "cables_without_capacity": int(cap[c0].isna().sum()), "cables_lost": ";".join(sorted(set(c0) - set(c1)))})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------ map
def map_png(session: DigitalSession, scenario: str, highlight_edges: list[int] = (), title: str = "") -> bytes:
    """Cables by status, cut segments in red, highlighted paths in orange, hubs as dots (PNG bytes)."""
    plt = pyplot()
    net = session.net
    state = session.state(scenario)
    fig, ax = plt.subplots(figsize=(13, 7), dpi=90)
    _countries(ax)
    e = net.edges
    colors = {"operating": "#2b6cb0", "under_construction": "#38a169", "planned": "#a0aec0", "legacy": "#cbd5e0"}
    drawn = set()
    for i, r in enumerate(e.itertuples()):
        key = (r.cable, r.u, r.v)
        if r.medium == "backhaul" or key in drawn:
            continue
        drawn.add(key)
        lon, lat = net.geom[i]
        if not state.active[i] and r.status == "operating":
            ax.plot(lon, lat, color="#e53e3e", lw=2.2, zorder=4)
        else:
            ax.plot(lon, lat, color=colors.get(r.status, "#718096"), lw=0.9 if r.status == "operating" else 0.7,
                    ls="-" if r.status == "operating" else "--", alpha=0.8, zorder=2)
    for i in highlight_edges:
        lon, lat = net.geom[i]
        ax.plot(lon, lat, color="#dd6b20", lw=2.0, alpha=0.9, zorder=5)
    hubs = net.stations[net.stations["kind"].eq("hub")]
    ax.scatter(hubs["lon"], hubs["lat"], s=10, color="#1a202c", zorder=6)
    ax.set_xlim(-20, 150)
    ax.set_ylim(-40, 68)
    ax.set_aspect("equal")
    ax.set_title(title or f"Cables ({state.label}): blue operating, green under construction, grey planned, red cut, orange rerouted paths",
                 fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    return png_bytes(fig)


def _countries(ax) -> None:
    if not COUNTRIES_GEOJSON.exists():
        return
    for f in json.loads(COUNTRIES_GEOJSON.read_text())["features"]:
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]] if g["type"] == "Polygon" else []
        for poly in polys:
            ring = np.asarray(poly[0])
            ax.fill(ring[:, 0], ring[:, 1], color="#edf2f7", ec="#cbd5e0", lw=0.3, zorder=1)


# ------------------------------------------------------------------------------------------ report
def write_report(cmp: Comparison, out: Path, session: DigitalSession | None = None) -> list[Path]:
    """report.md, report.html (with the map), pairs.parquet/csv, regions.csv, cut.csv, single_path.csv."""
    s = session or default_session()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    cmp.pairs.to_parquet(out / "pairs.parquet", index=False)
    cmp.pairs.to_csv(out / "pairs.csv", index=False)
    for name, df in (("regions", cmp.regions), ("cut", cmp.cut), ("single_path", cmp.single_path), ("passages", cmp.passages)):
        df.to_csv(out / f"{name}.csv", index=False)
        written.append(out / f"{name}.csv")
    written += [out / "pairs.parquet", out / "pairs.csv"]
    # paths of the most slowed pairs, highlighted on the map
    top = cmp.pairs[np.isfinite(cmp.pairs["change_ms"])].sort_values("change_ms", ascending=False).head(5)
    edges: list[int] = []
    for r in top.itertuples():
        if r.change_ms > 1e-6 and cmp.places:
            res = s.latency(cmp.places[r.i], cmp.places[r.j], cmp.scenario)
            edges += [int(x) for x in res.legs.get("edge", []) if x >= 0]
    png = map_png(s, cmp.scenario, edges)
    (out / "map.png").write_bytes(png)
    written.append(out / "map.png")
    summ = cmp.summary()
    md = [f"# Digital layer: {cmp.scenario} vs {cmp.base}", "",
          "Round-trip times are modelled on the cable graph (fibre length x 4.9 us/km one way plus 0.1 ms per edge); "
          "see docs/digital.md for the method and its validation.", "", "## Summary", ""]
    md += [f"- **{k.replace('_', ' ')}**: {', '.join(v) if isinstance(v, list) else v}" for k, v in summ.items()]
    md += ["", "## Cut cable segments", "", cmp.cut.to_markdown(index=False) if len(cmp.cut) else "(none)", "",
           "## By region pair", "", cmp.regions.to_markdown(index=False), "",
           "## Across each passage (cables in service and their design capacity)", "",
           cmp.passages.to_markdown(index=False) if len(cmp.passages) else "(none)", "",
           "## Pairs slowed most", "",
           top[["origin", "destination", "base_rtt_ms", "scenario_rtt_ms", "change_ms", "base_cables", "scenario_cables"]].round(1).to_markdown(index=False),
           "", f"## Hub pairs left with a single cable-disjoint path ({len(cmp.single_path)})", "",
           cmp.single_path.head(40).to_markdown(index=False) if len(cmp.single_path) else "(none)", ""]
    if cmp.outside:
        md += [f"{len(cmp.outside)} places lie outside the cable model (Americas, Oceania; farther than 2,500 km from any "
               "hub or station) and are left out: " + ", ".join(p.label for p in cmp.outside[:30]) + (" ..." if len(cmp.outside) > 30 else ""), ""]
    (out / "report.md").write_text("\n".join(md))
    written.append(out / "report.md")
    body = "\n".join(md)
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>" + html.escape(f"{cmp.scenario} vs {cmp.base}") +
            "</title><style>body{font-family:sans-serif;max-width:1200px;margin:auto}pre{white-space:pre-wrap}</style></head><body>"
            f"<h1>{html.escape(cmp.scenario)} vs {html.escape(cmp.base)}</h1>"
            f"<img alt='map' style='width:100%' src='data:image/png;base64,{base64.b64encode(png).decode()}'/>"
            f"<pre>{html.escape(body)}</pre></body></html>")
    (out / "report.html").write_text(page)
    written.append(out / "report.html")
    return written


def validation(session: DigitalSession | None = None) -> pd.DataFrame:
    """Modelled RTT (baseline) against published measurements (data/digital/measured_rtt.csv)."""
    from .model import rtt_ms
    from .tables import DATA_DIR

    s = session or default_session()
    m = pd.read_csv(DATA_DIR / "measured_rtt.csv")
    rows = []
    for r in m.itertuples():
        res = s.latency(r.a, r.b)
        rows.append({"pair": f"{r.a} - {r.b}", "measured_rtt_ms": r.measured_rtt_ms, "what": r.what,
                     "great_circle_km": round(res.great_circle_km), "fibre_floor_rtt_ms": round(float(rtt_ms(res.great_circle_km)), 1),
                     "model_rtt_ms": round(res.rtt_ms, 1), "model_fibre_km": round(res.km),
                     "error_ms": round(res.rtt_ms - r.measured_rtt_ms, 1),
                     "error_pct": round(100 * (res.rtt_ms - r.measured_rtt_ms) / r.measured_rtt_ms, 1),
                     "model_cables": ";".join(res.cables), "source": r.source})
    return pd.DataFrame(rows)
