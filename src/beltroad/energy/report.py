"""Reports of energy flows: report.md, report.html (with an SVG flow map), and CSV/Parquet tables."""
from __future__ import annotations

import html
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from beltroad.data import COUNTRIES_GEOJSON
from beltroad.io.charts import pyplot
from beltroad.energy.model import FlowResult

TABLES = ("corridors", "segments", "od", "sea_legs", "chokepoints", "shortfalls", "binding", "terminals")


def _fmt(df: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(digits)
    return out


def _md(df: pd.DataFrame, digits: int = 1, limit: int | None = None) -> str:
    if df is None or df.empty:
        return "_none_\n"
    d = _fmt(df, digits)
    if limit:
        d = d.head(limit)
    return d.to_markdown(index=False) + "\n"


def _write_tables(tables: dict[str, pd.DataFrame], out: Path) -> list[str]:
    written = []
    for name, df in tables.items():
        df = df.copy()
        for c in df.columns:
            if df[c].dtype == object:
                df[c] = df[c].astype(str)
        df.to_csv(out / f"{name}.csv", index=False)
        df.to_parquet(out / f"{name}.parquet", index=False)
        written += [f"{name}.csv", f"{name}.parquet"]
    return written


def _countries_ax(ax, bbox) -> None:
    from shapely.geometry import shape

    for f in json.loads(COUNTRIES_GEOJSON.read_text())["features"]:
        g = shape(f["geometry"])
        polys = getattr(g, "geoms", [g])
        for p in polys:
            x, y = p.exterior.xy
            ax.fill(x, y, color="#eeeeee", edgecolor="#bbbbbb", linewidth=0.3, zorder=1)
    ax.set_xlim(bbox[0], bbox[2])
    ax.set_ylim(bbox[1], bbox[3])


def _split_dateline(xy: np.ndarray) -> list[np.ndarray]:
    if xy is None or len(xy) < 2:
        return []
    jumps = np.flatnonzero(np.abs(np.diff(xy[:, 0])) > 180) + 1
    return [s for s in np.split(xy, jumps) if len(s) > 1]


def flow_map_svg(res: FlowResult, other: FlowResult | None = None, title: str = "",
                 png: Path | None = None) -> str:
    """An SVG map: pipelines (width ~ flow; grey dashed when closed) and sea legs (width ~ flow).

    With `other`, the map shows the scenario (`other`) flows, and the base flows as thin outlines.
    """
    plt = pyplot()
    show = other or res
    fig, ax = plt.subplots(figsize=(12, 6.2))
    _countries_ax(ax, (-100, -40, 150, 75))
    cor = show.corridors.set_index("corridor")
    fmax = max(float(cor["flow"].max() if len(cor) else 1.0),
               float(show.sea_legs.groupby(["tail", "head"])["flow"].sum().max() if len(show.sea_legs) else 1.0), 1.0)
    sea = show.sea_legs.groupby(["tail", "head"])["flow"].sum()
    for (t, h), f in sea.items():
        for seg in _split_dateline(show.sea_paths.get((t, h))):
            ax.plot(seg[:, 0], seg[:, 1], color="#1f77b4", alpha=0.45, linewidth=0.4 + 6 * f / fmax, zorder=2)
    if other is not None:
        base_sea = res.sea_legs.groupby(["tail", "head"])["flow"].sum()
        for (t, h), f in base_sea.items():
            for seg in _split_dateline(res.sea_paths.get((t, h))):
                ax.plot(seg[:, 0], seg[:, 1], color="#ff7f0e", alpha=0.35, linewidth=0.6, linestyle=":", zorder=2)
    for pid, xy in show.pipeline_paths.items():
        if pid not in cor.index:
            continue
        r = cor.loc[pid]
        closed = str(r["mode"]).endswith("(closed)")
        f = float(r["flow"])
        if closed:
            ax.plot(xy[:, 0], xy[:, 1], color="#999999", linewidth=0.8, linestyle="--", zorder=3)
        else:
            color = "#d62728" if bool(r.get("binding", False)) else "#2ca02c"
            ax.plot(xy[:, 0], xy[:, 1], color=color, linewidth=0.8 + 6 * f / fmax, alpha=0.85, zorder=4)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color="#2ca02c", lw=3, label="pipeline flow"),
               Line2D([], [], color="#d62728", lw=3, label="pipeline at capacity"),
               Line2D([], [], color="#999999", lw=1, ls="--", label="pipeline closed / not built"),
               Line2D([], [], color="#1f77b4", lw=3, alpha=0.5, label="sea legs (width ~ flow)")]
    if other is not None:
        handles.append(Line2D([], [], color="#ff7f0e", lw=1, ls=":", label=f"sea legs in {res.scenario}"))
    ax.legend(handles=handles, loc="lower left", fontsize=8)
    ax.set_title(title or f"{show.scenario}: {show.commodity} flows ({show.unit}/yr)")
    ax.set_xticks([])
    ax.set_yticks([])
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    if png is not None:
        fig.savefig(png, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.find("<svg"):]


def _html(title: str, sections: list[tuple[str, str]], svg: str) -> str:
    body = [f"<h1>{html.escape(title)}</h1>", svg]
    for head, content in sections:
        body.append(f"<h2>{html.escape(head)}</h2>{content}")
    css = ("body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}"
           "table{border-collapse:collapse;font-size:13px;margin-bottom:1em}"
           "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f3f3f3}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{css}</style></head><body>{''.join(body)}</body></html>")


def _tbl_html(df: pd.DataFrame, limit: int | None = None) -> str:
    if df is None or df.empty:
        return "<p><em>none</em></p>"
    d = _fmt(df)
    return (d.head(limit) if limit else d).to_html(index=False, border=0)


def _summary_table(summary: dict) -> pd.DataFrame:
    return pd.DataFrame({"metric": list(summary), "value": [round(v, 2) if isinstance(v, float) else v
                                                             for v in summary.values()]})


def write_flows_report(res: FlowResult, out: Path, description: str = "") -> list[str]:
    """report.md, report.html and the tables of one scenario into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    corridors = res.corridors.sort_values("flow", ascending=False)
    od = res.od.sort_values("flow", ascending=False)
    terms = res.terminals.sort_values("flow", ascending=False)
    if res.commodity == "lng":   # the LNG view: seaborne gas, terminals first
        od = od[od["by_sea"] > 0]
    pipes = ("Pipelines (flow, capacity, utilisation)", corridors)
    term = ("Terminals (sea flow vs capacity)", terms)
    sections = [
        ("Summary", _summary_table(res.summary)),
        ("Flows by origin and destination" + (" (LNG)" if res.commodity == "lng" else ""), od),
        *((term, pipes) if res.commodity == "lng" else (pipes, term)),
        ("Capacities at their limit", res.binding),
        ("Sea legs (largest flows)", res.sea_legs.sort_values("flow", ascending=False).head(40)),
        ("Chokepoints", res.chokepoints),
        ("Unmet demand and stranded supply", res.shortfalls),
    ]
    title = f"beltroad energy flows — {res.scenario} — {res.commodity} ({res.unit}/yr)"
    md = [f"# {title}\n", (description.strip() + "\n") if description else ""]
    md += [f"\n## {h}\n\n{_md(df)}" for h, df in sections]
    (out / "report.md").write_text("".join(md))
    svg = flow_map_svg(res)
    (out / "map.svg").write_text(svg)
    (out / "report.html").write_text(_html(title, [(h, _tbl_html(df)) for h, df in sections], svg))
    files = ["report.md", "report.html", "map.svg"]
    files += _write_tables({n: getattr(res, n) for n in TABLES}, out)
    return files


def compare_headline(cmp: dict) -> list[str]:
    """Plain-language lines on what changed (the numbers the CLI prints)."""
    a, b = cmp["base"], cmp["scenario"]
    u = a.unit
    lines = []
    od = cmp["od"]
    if a.commodity == "crude":
        rus = od[od["origin"].eq("RUS")]
        asia = rus[rus["destination"].isin(["CHN", "IND", "TUR", "JPN", "KOR"])]
        lines.append(f"Russian crude to Europe (EU): {float(rus.loc[rus['destination'].eq('EU'), 'flow_base'].sum()):.1f} -> "
                     f"{float(rus.loc[rus['destination'].eq('EU'), 'flow_scen'].sum()):.1f} {u}; to Asia "
                     f"(CHN, IND, TUR, JPN, KOR): {float(asia['flow_base'].sum()):.1f} -> {float(asia['flow_scen'].sum()):.1f} {u}")
        for dest in ("EU", "CHN", "IND", "TUR", "JPN", "KOR", "USA", "ROW"):
            r = rus[rus["destination"].eq(dest)]
            if len(r) and (abs(float(r["change"].sum())) > 0.05 or float(r["flow_base"].sum()) > 0.05):
                lines.append(f"Russian crude to {dest}: {float(r['flow_base'].sum()):.1f} -> "
                             f"{float(r['flow_scen'].sum()):.1f} {u} ({float(r['change'].sum()):+.1f})")
    else:
        for label, key in (("EU imports of pipeline gas", "eu_pipeline_imports"),
                           ("of which Russian pipeline gas", "eu_russian_pipeline"),
                           ("EU LNG imports", "eu_lng_imports"), ("EU regas capacity", "eu_regas_capacity")):
            lines.append(f"{label}: {a.summary.get(key, 0):.1f} -> {b.summary.get(key, 0):.1f} {u}/yr "
                         f"({b.summary.get(key, 0) - a.summary.get(key, 0):+.1f})")
        cap = b.summary.get("eu_regas_capacity") or np.nan
        lost = a.summary.get("eu_pipeline_imports", 0) - b.summary.get("eu_pipeline_imports", 0)
        lines.append(f"Loss of EU pipeline supply {lost:.1f} {u}/yr vs EU regas capacity {cap:.0f} {u}/yr: "
                     f"LNG imports use {100 * b.summary.get('eu_lng_imports', 0) / cap:.0f}% of it"
                     if cap == cap and cap > 0 else f"Loss of EU pipeline supply {lost:.1f} {u}/yr")
    for label, key, unit in (("tanker tonne-miles" if a.commodity == "crude" else "LNG tonne-miles",
                              "tonne_miles_bn", "bn t-nm"),
                             ("laden tanker-days", "laden_ship_days", "ship-days"),
                             ("mean voyage (flow-weighted)", "mean_voyage_days", "days"),
                             ("unmet demand", "unmet_demand", u), ("stranded supply", "stranded_supply", u)):
        va, vb = a.summary.get(key, 0.0), b.summary.get(key, 0.0)
        if key == "laden_ship_days" and a.commodity != "crude":
            continue
        lines.append(f"{label}: {va:,.1f} -> {vb:,.1f} {unit} ({vb - va:+,.1f})")
    sf = b.shortfalls
    if len(sf):
        where = ", ".join(f"{r.economy} {r.amount:.1f}" for r in sf.itertuples() if r.kind != "unsold supply")
        if where:
            lines.append(f"shortfalls in {b.scenario} ({u}): {where}")
    return lines


def write_compare_report(cmp: dict, out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    a, b = cmp["base"], cmp["scenario"]
    head = compare_headline(cmp)
    sections = [
        ("Summary", cmp["summary"]),
        ("Origin-destination changes", cmp["od"]),
        ("Pipeline changes", cmp["corridors"]),
        ("Chokepoints", cmp["chokepoints"]),
        (f"Capacities at their limit in {b.scenario}", b.binding),
        (f"Unmet demand and stranded supply in {b.scenario}", b.shortfalls),
    ]
    title = f"beltroad energy compare — {a.scenario} vs {b.scenario} — {a.commodity} ({a.unit}/yr)"
    md = [f"# {title}\n\n", "".join(f"- {h}\n" for h in head)]
    md += [f"\n## {h}\n\n{_md(df)}" for h, df in sections]
    (out / "report.md").write_text("".join(md))
    svg = flow_map_svg(a, b, title=f"{b.scenario} {a.commodity} flows (dotted: {a.scenario} sea legs)")
    (out / "map.svg").write_text(svg)
    head_html = "<ul>" + "".join(f"<li>{html.escape(h)}</li>" for h in head) + "</ul>"
    (out / "report.html").write_text(_html(title, [("Headline", head_html)] +
                                           [(h, _tbl_html(df)) for h, df in sections], svg))
    files = ["report.md", "report.html", "map.svg"]
    files += _write_tables({"od": cmp["od"], "corridors": cmp["corridors"], "chokepoints": cmp["chokepoints"],
                            "summary": cmp["summary"]}, out)
    return files
