"""Tables, map and report of an assignment; `compare_flows` for the diversion between two scenarios."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from beltroad.flows.assign import Assignment
from beltroad.flows.demand import CHINA, EUROPE_EXCLUDED
from beltroad.network.build import KIND_NAMES, MODES, Network
from beltroad.data.sea import PASSAGES

RAIL_EXITS = ["dostyk", "altynkol", "zamyn_uud", "zabaikalsk"]
BINDING_VC = 0.9  # volume/capacity from which an element counts as binding (its queue delay is days, not hours)


def _europe(net_countries: list[str]) -> set[str]:
    from beltroad.flows.demand import economy_table

    eco = economy_table()
    return {c for c, r in zip(eco["iso3"], eco["region"]) if r == "Europe & Central Asia" and c not in EUROPE_EXCLUDED}


def link_flows(net: Network, res: Assignment) -> pd.DataFrame:
    """TEU/yr per network link (both directions) and per sea service leg, with mode, corridor and delay."""
    e = np.flatnonzero(res.edge_flow > 1e-6)
    place_ids = net.places["id"].to_numpy()
    vp = net.vertex_place
    df = pd.DataFrame({"edge": e, "link": net.link[e], "mode": np.array(MODES)[net.mode[e]],
                       "kind": np.array(KIND_NAMES)[net.kind[e]], "teu": res.edge_flow[e],
                       "delay_h": res.edge_delay_h[e], "km": net.km[e],
                       "from": np.where(vp[net.src[e]] >= 0, place_ids[np.maximum(vp[net.src[e]], 0)], ""),
                       "to": np.where(vp[net.dst[e]] >= 0, place_ids[np.maximum(vp[net.dst[e]], 0)], ""),
                       "service": net.service[e]})
    links = df[df["link"] >= 0].copy()
    links["link_id"] = net.links["id"].to_numpy()[links["link"]]
    links["corridor"] = net.links["corridor"].fillna("").to_numpy()[links["link"]]
    lk = links.groupby(["link_id", "mode", "corridor"], as_index=False).agg(
        teu=("teu", "sum"), teu_max_direction=("teu", "max"), delay_h=("delay_h", "max"), km=("km", "first"),
        edge=("edge", "first"))
    sea = df[df["kind"] == "sea"].copy()
    sea["link_id"] = "sea:" + sea["from"] + "-" + sea["to"] + ":" + sea["service"]
    sea = sea.assign(corridor="", teu_max_direction=sea["teu"])[["link_id", "mode", "corridor", "teu",
                                                                   "teu_max_direction", "delay_h", "km", "edge"]]
    out = pd.concat([lk, sea], ignore_index=True)
    out["teu_km"] = out["teu"] * out["km"]
    return out.sort_values("teu", ascending=False, ignore_index=True)


def corridor_flows(links: pd.DataFrame) -> pd.DataFrame:
    """TEU-km and the busiest link's TEU by corridor tag and mode (a link in two corridors counts in both)."""
    x = links[links["corridor"] != ""].assign(corridor=lambda d: d["corridor"].str.split(";")).explode("corridor")
    return (x.groupby(["corridor", "mode"], as_index=False)
            .agg(teu_km=("teu_km", "sum"), max_link_teu=("teu", "max"), links=("link_id", "count"))
            .sort_values("teu_km", ascending=False, ignore_index=True))


def indicators(res: Assignment) -> pd.DataFrame:
    """Headline volumes (TEU/yr): China-Europe by class, rail exits, Middle Corridor, passages, and totals."""
    iso = np.array([z.country for z in res.zones])
    eur = _europe([])
    ce = (np.isin(iso, list(CHINA))[:, None] & np.isin(iso, list(eur))[None, :]) | \
         (np.isin(iso, list(eur))[:, None] & np.isin(iso, list(CHINA))[None, :])
    sea = res.group_od["ocean_sailing"]
    rows = [("total demand", res.demand.sum()),
            ("china-europe demand", res.demand[ce].sum()),
            ("china-europe by sea", sea[ce].sum()),
            ("china-europe by sea, no Russian rail", res.group_od["sea_not_russia"][ce].sum()),
            ("china-europe overland (rail/road)", res.demand[ce].sum() - sea[ce].sum())]
    for g in RAIL_EXITS:
        if g in res.group_od:
            rows.append((f"china-europe via {g}", res.group_od[g][ce].sum()))
    if "rail_russia" in res.group_od:
        ru = res.group_od["rail_russia"]
        rows.append(("china-europe by rail through Russia", ru[ce].sum()))
        # both a sailing and Russian rail: sea-rail through Russia's ports (both groups on one path)
        rows.append(("china-europe sea+rail through Russia (upper bound)", np.minimum(ru, sea)[ce].sum()))
    for g in ("caspian_ferries", "btk", "suez", "cape", "panama", "malacca"):
        if g in res.group_od:
            rows.append((f"all pairs via {g}", res.group_od[g].sum()))
            rows.append((f"china-europe via {g}", res.group_od[g][ce].sum()))
    rows.append(("all pairs by sea", sea.sum()))
    return pd.DataFrame(rows, columns=["indicator", "teu"])


def bottlenecks(res: Assignment, min_vc: float = 0.0) -> pd.DataFrame:
    el = res.elements
    if el.empty:
        return el
    return el[el["v_c"] >= min_vc].sort_values("v_c", ascending=False)[
        ["id", "name", "capacity_teu_yr", "flow_teu_yr", "v_c", "delay_h", "factor", "year", "source"]]


def compare_flows(base: Assignment, scen: Assignment) -> dict[str, pd.DataFrame]:
    """Diversion between two assignments of the same demand.

    Returns DataFrames: `indicators` (base, scenario, change in TEU/yr for China-Europe by class, rail exits,
    Middle Corridor, Suez, Cape ...), `elements` (capacity elements: flow, v/c and delay in both) and
    `classes` (all demand by route class). Used by `beltroad assign` and meant for `compare --flows`."""
    a, b = indicators(base).set_index("indicator"), indicators(scen).set_index("indicator")
    ind = a.add_suffix("_base").join(b.add_suffix("_scenario"), how="outer").fillna(0.0)
    ind["change_teu"] = ind["teu_scenario"] - ind["teu_base"]
    ea = base.elements.set_index("id")[["name", "capacity_teu_yr", "flow_teu_yr", "v_c", "delay_h"]]
    eb = scen.elements.set_index("id")[["capacity_teu_yr", "flow_teu_yr", "v_c", "delay_h"]]
    el = ea.add_suffix("_base").join(eb.add_suffix("_scenario")).rename(columns={"name_base": "name"})
    el["change_teu"] = el["flow_teu_yr_scenario"] - el["flow_teu_yr_base"]
    cls = pd.DataFrame({"class": list(base.class_demand),
                        "teu_base": [base.class_demand[k].sum() for k in base.class_demand],
                        "teu_scenario": [scen.class_demand[k].sum() for k in base.class_demand]})
    cls["change_teu"] = cls["teu_scenario"] - cls["teu_base"]
    return {"indicators": ind.reset_index(), "elements": el.reset_index(), "classes": cls}


def link_vc(net: Network, res: Assignment, links: pd.DataFrame) -> pd.DataFrame:
    """Per row of `link_flows`: the highest volume/capacity of the capacity elements that limit it and that
    element's id (NaN and '' where no capacity is set). A link limited in each direction takes the busier one."""
    vc = np.full(len(links), np.nan)
    el_id = np.full(len(links), "", dtype=object)
    el = res.elements
    if el.empty or "links" not in el:
        return pd.DataFrame({"v_c": vc, "element": el_id})
    pos: dict[str, list[int]] = {}
    for i, lid in enumerate(links["link_id"]):
        pos.setdefault(lid, []).append(i)
    edges = links["edge"].to_numpy()
    for r in el.itertuples(index=False):
        v = float(r.v_c) if np.isfinite(r.v_c) else np.nan
        if np.isnan(v):
            continue
        rows = [i for lid in str(r.links or "").split(";") if lid for i in pos.get(lid, [])]
        if r.passage:  # a sea passage: the sailings through it
            bit = PASSAGES.index(r.passage)
            rows += list(np.flatnonzero(((net.passage_bits[edges] >> bit) & 1) == 1))
        for i in rows:
            if not v <= vc[i]:  # also when vc[i] is NaN
                vc[i], el_id[i] = v, r.element
    return pd.DataFrame({"v_c": vc, "element": el_id})


def flow_features(net: Network, res: Assignment, min_teu: float = 0.0, digits: int = 3) -> dict:
    """GeoJSON FeatureCollection of the loaded links and sea legs (smallest first, so the big ones draw on top).

    Properties: `teu_per_year` (both directions), `teu_per_year_max_direction`, `volume_capacity_ratio` and
    `capacity_element` (of the binding-most element on the link; null where none is set),
    `congestion_delay_hours` (queueing delay a box meets on it), `mode`, `corridor`, `length_km`."""
    links = link_flows(net, res)
    # below half a TEU a year a flow is residue of the step averaging, not a box
    links = links[links["teu"] >= max(min_teu, 0.5)].reset_index(drop=True)
    vc = link_vc(net, res, links)
    feats = []
    for r, v, eid in zip(links.itertuples(index=False), vc["v_c"], vc["element"]):
        coords = [[round(x, digits), round(y, digits)] for x, y in _edge_coords(net, int(r.edge))]
        feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                      "properties": {"id": r.link_id, "mode": r.mode, "corridor": r.corridor or None,
                                     "teu_per_year": round(float(r.teu), 1),
                                     "teu_per_year_max_direction": round(float(r.teu_max_direction), 1),
                                     "volume_capacity_ratio": None if np.isnan(v) else round(float(v), 4),
                                     "capacity_element": eid or None,
                                     "congestion_delay_hours": round(float(r.delay_h), 2),
                                     "length_km": round(float(r.km), 1)}})
    feats.reverse()
    return {"type": "FeatureCollection", "features": feats}


def bottleneck_records(res: Assignment, min_vc: float = BINDING_VC) -> list[dict]:
    """Capacity elements at or above `min_vc`, busiest first, as plain records (units in the names)."""
    b = bottlenecks(res, min_vc)
    if b.empty:
        return []
    el = res.elements.set_index("id")
    out = []
    for r in b.itertuples(index=False):
        e = el.loc[r.id]
        out.append({"id": r.id, "element": str(e["element"]), "name": str(r.name), "direction": str(e["direction"]),
                    "links": [x for x in str(e.get("links", "") or "").split(";") if x],
                    "passage": str(e.get("passage", "") or "") or None,
                    "capacity_teu_per_year": round(float(r.capacity_teu_yr), 1),
                    "flow_teu_per_year": round(float(r.flow_teu_yr), 1),
                    "volume_capacity_ratio": round(float(r.v_c), 4),
                    "congestion_delay_hours": round(float(r.delay_h), 2),
                    "binding": bool(r.v_c >= BINDING_VC), "capacity_factor": float(r.factor),
                    "year": int(r.year), "source": str(r.source)})
    return out


def _edge_coords(net: Network, e: int) -> list[list[float]]:
    g = int(net.edge_geom[e])
    if g >= 0:
        a, b = net.geom_offsets[g], net.geom_offsets[g + 1]
        return [[float(x), float(y)] for x, y in zip(net.geom_lon[a:b], net.geom_lat[a:b])]
    return [[float(net.vertex_lon[net.src[e]]), float(net.vertex_lat[net.src[e]])],
            [float(net.vertex_lon[net.dst[e]]), float(net.vertex_lat[net.dst[e]])]]


def write_outputs(net: Network, res: Assignment, out: Path, base: Assignment | None = None) -> list[Path]:
    """Parquet + GeoJSON of link flows, element table, report.md/html with a flow map (PNG)."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    links = link_flows(net, res)
    files = []
    p = out / "link_flows.parquet"
    links.to_parquet(p)
    files.append(p)
    p = out / "elements.parquet"
    res.elements.to_parquet(p)
    files.append(p)
    feats = []
    for r in links.itertuples(index=False):
        feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": _edge_coords(net, int(r.edge))},
                      "properties": {"id": r.link_id, "mode": r.mode, "teu": round(float(r.teu), 1),
                                     "delay_h": round(float(r.delay_h), 2), "corridor": r.corridor}})
    p = out / "link_flows.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    files.append(p)
    png = out / "flow_map.png"
    _flow_map(net, links, res, png)
    files.append(png)
    md = render_markdown(net, res, links, base)
    (out / "report.md").write_text(md)
    files.append(out / "report.md")
    try:
        from markdown_it import MarkdownIt

        body = MarkdownIt("commonmark").enable("table").render(md)
    except ImportError:  # pragma: no cover
        body = "<pre>" + md + "</pre>"
    (out / "report.html").write_text(f"<!doctype html><meta charset=utf-8><title>beltroad flows</title>"
                                     f"<body style='font-family:sans-serif;max-width:60em'>{body}</body>")
    files.append(out / "report.html")
    return files


def _flow_map(net: Network, links: pd.DataFrame, res: Assignment, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    fig, ax = plt.subplots(figsize=(14, 7), dpi=90)
    top = links[links["teu"] > 1000]
    segs = [np.array(_edge_coords(net, int(e))) for e in top["edge"]]
    w = 0.3 + 6 * np.sqrt(top["teu"].to_numpy() / max(float(top["teu"].max()), 1.0)) if len(top) else []
    colours = {"rail": "tab:red", "road": "tab:orange", "sea": "tab:blue", "ferry": "tab:purple"}
    col = [colours.get(m, "grey") for m in top["mode"]]
    # break sailings at the antimeridian
    fixed_segs, fixed_w, fixed_c = [], [], []
    for s, ww, cc in zip(segs, w, col):
        cut = np.flatnonzero(np.abs(np.diff(s[:, 0])) > 180) + 1
        for part in np.split(s, cut):
            if len(part) > 1:
                fixed_segs.append(part); fixed_w.append(ww); fixed_c.append(cc)
    ax.add_collection(LineCollection(fixed_segs, linewidths=fixed_w, colors=fixed_c, alpha=0.6))
    el = res.elements
    if not el.empty:
        hot = el[el["v_c"] > 0.9]
        for r in hot.itertuples(index=False):
            # label a binding element at its first edge
            pass
    ax.set_xlim(-180, 180); ax.set_ylim(-60, 75); ax.set_aspect("equal")
    ax.set_title(f"Container flows, {res.scenario} (line width ~ sqrt TEU/yr; red rail, blue sea, orange road, "
                 f"purple ferry)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def render_markdown(net: Network, res: Assignment, links: pd.DataFrame, base: Assignment | None = None) -> str:
    def fmt(df: pd.DataFrame) -> str:
        return df.to_markdown(index=False, floatfmt=",.0f") if not df.empty else "(none)"

    lines = [f"# Container flows: {res.scenario}", "",
             f"Assignment: {res.iterations} iterations, relative gap {res.gap:.2e}, {res.seconds:.1f} s, "
             f"{len(res.zones)} zones, {res.demand.sum():,.0f} TEU/yr.", "",
             "![flow map](flow_map.png)", "", "## Headline volumes (TEU/yr)", "", fmt(indicators(res)), "",
             "## Bottlenecks (capacity elements by volume/capacity)", ""]
    b = bottlenecks(res).copy()
    if not b.empty:
        b["v_c"] = b["v_c"].round(2)
        b["delay_h"] = b["delay_h"].round(1)
    lines += [b.to_markdown(index=False, floatfmt=",.2f") if not b.empty else "(none)", "",
              "## Busiest links (TEU/yr)", "", fmt(links.head(25)[["link_id", "mode", "corridor", "teu", "delay_h"]]), "",
              "## Corridors", "", fmt(corridor_flows(links).head(25)), ""]
    if base is not None:
        cmp = compare_flows(base, res)
        lines += [f"## Diversion against {base.scenario} (TEU/yr)", "", fmt(cmp["indicators"]), "",
                  fmt(cmp["classes"]), ""]
    return "\n".join(lines)
