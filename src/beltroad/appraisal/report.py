"""Appraisal and sweep reports: Markdown and a self-contained HTML page, with a bar chart and a map (matplotlib)."""
from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from beltroad.data import COUNTRIES_GEOJSON

TOP_N = 15


def write_tables(out_dir: str | Path, tables: dict[str, pd.DataFrame], meta: dict) -> Path:
    """Each table as name.parquet and name.csv, and `meta` as metadata.json: the files of an appraisal or a sweep."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_parquet(out / f"{name}.parquet", index=False)
        df.to_csv(out / f"{name}.csv", index=False)
    (out / "metadata.json").write_text(json.dumps(meta, indent=2, default=str))
    return out


def project_geometry(net) -> pd.DataFrame:
    """Segments (project, lon0, lat0, lon1, lat1) of every project's links, and points for its ports."""
    pl = net.places.drop_duplicates("id").set_index("id")
    rows = []
    links = net.links[net.links["project"].fillna("").astype(str) != ""]
    for r in links[["project", "from", "to"]].itertuples(index=False):
        if r[1] in pl.index and r[2] in pl.index:
            rows.append((r[0], pl.at[r[1], "lon"], pl.at[r[1], "lat"], pl.at[r[2], "lon"], pl.at[r[2], "lat"]))
    if "project" in pl.columns:
        for pid, p in pl[pl["project"].fillna("").astype(str) != ""].iterrows():
            rows.append((p["project"], p["lon"], p["lat"], p["lon"], p["lat"]))
    return pd.DataFrame(rows, columns=["project", "lon0", "lat0", "lon1", "lat1"])


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=85)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def bar_chart(ranking: pd.DataFrame, metric: str = "world_market_access_change_pct") -> str:
    """Top projects by market-access gain, isolation beside complement (base64 PNG)."""
    plt = _plt()
    top = ranking.head(TOP_N).iloc[::-1]
    labels = (top["project"] + " " + top["name"].astype(str).str.slice(0, 32)).tolist()
    y = np.arange(len(top))
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(top) + 1.5))
    ax.barh(y + 0.2, top[f"isolation_{metric}"], height=0.4, color="#2471a3", label="in isolation")
    ax.barh(y - 0.2, top[f"complement_{metric}"], height=0.4, color="#e67e22", label="in complement")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("change in market access, % (population-weighted mean over cities)")
    ax.set_title(f"Top {len(top)} projects by market-access gain in isolation")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return _png(fig)


def project_map(ranking: pd.DataFrame, geometry: pd.DataFrame) -> str:
    """Countries (shipped Natural Earth shapes) with the top projects drawn and numbered by rank (base64 PNG)."""
    plt = _plt()
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Polygon as MplPolygon

    fig, ax = plt.subplots(figsize=(13, 6.5))
    patches = []
    for f in json.loads(COUNTRIES_GEOJSON.read_text())["features"]:
        geom = f["geometry"]
        for poly in (geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]):
            patches.append(MplPolygon(poly[0], closed=True))
    ax.add_collection(PatchCollection(patches, facecolor="#eeeeee", edgecolor="white", linewidth=0.3))
    top = ranking.head(TOP_N)
    cmap = plt.get_cmap("viridis")
    lon_all, lat_all = [], []
    for i, r in enumerate(top.itertuples(index=False)):
        seg = geometry[geometry["project"].isin(str(r.project).split("+"))]
        if seg.empty:
            continue
        c = cmap(i / max(1, len(top) - 1))
        for s in seg.itertuples(index=False):
            if s.lon0 == s.lon1 and s.lat0 == s.lat1:
                ax.plot(s.lon0, s.lat0, "o", color=c, markersize=6, markeredgecolor="black", markeredgewidth=0.4)
            else:
                ax.plot([s.lon0, s.lon1], [s.lat0, s.lat1], "-", color=c, linewidth=2.5)
        lon_all += list(seg["lon0"]) + list(seg["lon1"])
        lat_all += list(seg["lat0"]) + list(seg["lat1"])
        ax.annotate(str(int(r.rank)), (seg["lon0"].mean(), seg["lat0"].mean()), fontsize=8, fontweight="bold",
                    xytext=(3, 3), textcoords="offset points")
    if lon_all:
        ax.set_xlim(max(-180, min(lon_all) - 15), min(180, max(lon_all) + 15))
        ax.set_ylim(max(-58, min(lat_all) - 10), min(84, max(lat_all) + 10))
    else:
        ax.set_xlim(-180, 180)
        ax.set_ylim(-58, 84)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("Top projects by market-access gain in isolation (numbers: rank)")
    fig.tight_layout()
    return _png(fig)


def _images(parts) -> str:
    out = ""
    for name, draw in parts:
        try:
            out += f'<img alt="{name}" src="data:image/png;base64,{draw()}" style="max-width:100%">'
        except Exception as exc:  # a chart is a convenience: the report stands without it
            out += f"<p>({name} unavailable: {html.escape(str(exc))})</p>"
    return out


_STYLE = ("body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}table{border-collapse:collapse;"
          "margin:1rem 0;font-size:90%}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}")

RANK_COLUMNS = ["rank", "project", "name", "status", "cost_usd_bn", "isolation_world_transit_days_change_pct",
                "isolation_world_trade_cost_change_pct", "isolation_world_market_access_change_pct",
                "isolation_world_pair_days_saved", "complement_world_transit_days_change_pct",
                "complement_world_market_access_change_pct", "isolation_pair_days_saved_per_usd_bn",
                "isolation_market_access_change_pct_per_usd_bn"]


def write_appraisal_report(a, out: Path) -> None:
    m = a.meta
    cols = [c for c in RANK_COLUMNS if c in a.ranking.columns]
    ma = m.get("market_access", {})
    intro = (f"Projects {len(a.ranking)} ({m.get('tasks')} skims), scenario with all projects: {m.get('scenario')}; "
             f"base: {m.get('base')}. Cities: {m.get('cities')} ({m.get('n_cities')}). Objective: {m.get('objective')}. "
             f"Market access: sum over destinations of city population x tau^-{ma.get('theta')} "
             f"(tau = 1 + freight cost / cargo value US${m.get('cargo_value_usd_per_teu'):,.0f} + days x "
             f"{m.get('value_of_time_pct_per_day')}%; theta from Reed & Trubetskoy, PRWP 8815, source {ma.get('source')}). "
             "Isolation: base + project vs base. Complement: all projects vs all minus the project. "
             "Negative time/cost changes and positive market-access changes are gains; "
             "pair_days_saved sums the days saved over all ordered city pairs.")
    md = ["# BRI project appraisal", "", intro, "", "## Ranking", "",
          a.ranking[cols].to_markdown(index=False, floatfmt=".3f"), "",
          "Per-USD columns divide by `cost_usd_bn` of projects.csv where it is given.", ""]
    (out / "report.md").write_text("\n".join(md))
    imgs = _images([("bar chart", lambda: bar_chart(a.ranking)), ("map", lambda: project_map(a.ranking, a.geometry))])
    page = (f'<!doctype html><html><head><meta charset="utf-8"><title>BRI project appraisal</title>'
            f"<style>{_STYLE}</style></head><body><h1>BRI project appraisal</h1><p>{html.escape(intro)}</p>{imgs}"
            f"<h2>Ranking</h2>{a.ranking[cols].to_html(index=False, float_format=lambda v: f'{v:.3f}')}</body></html>")
    (out / "report.html").write_text(page)


def sweep_chart(bands: pd.DataFrame) -> str:
    """p5-p95 band and median of the group-level changes (base64 PNG)."""
    plt = _plt()
    g = bands[(bands["level"] == "group") & bands["metric"].isin(
        ["transit_days_change_pct", "trade_cost_change_pct", "market_access_change_pct"])]
    if "project" in g.columns:
        g = g[g["key"] == "world"]
        labels = (g["project"] + " " + g["direction"].str.slice(0, 4) + " " + g["metric"]).tolist()
    else:
        labels = (g["key"] + " " + g["metric"]).tolist()
    y = np.arange(len(g))
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(g) + 1.5))
    ax.hlines(y, g["p5"], g["p95"], color="#2471a3", linewidth=5, alpha=0.5, label="p5-p95")
    ax.plot(g["p50"], y, "k|", markersize=12, label="median")
    ax.axvline(0, color="grey", linewidth=0.6)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("change, %")
    ax.legend(loc="best")
    fig.tight_layout()
    return _png(fig)


def write_sweep_report(r, out: Path) -> None:
    m = r.meta
    g = r.bands[r.bands["level"] == "group"]
    sens = r.sensitivity
    top_sens = sens[sens["rank"] <= 3] if len(sens) else sens
    intro = (f"Sweep '{m['spec']['name']}': {m['target']}, {m['draws']} draws ({m['spec']['method']}, seed "
             f"{m['spec']['seed']}), cities {m['cities']} ({m['n_cities']}), objective {m['spec']['objective']}. "
             "Bands: 5th, 50th and 95th percentiles over draws; sensitivity: Spearman rank correlation between a "
             "parameter and a group-level change over the draws.")
    md = [f"# Sweep {m['spec']['name']}", "", intro, "", "## Parameters", "",
          r.ranges.to_markdown(index=False), "", "## Bands (groups)", "", g.to_markdown(index=False, floatfmt=".4f"), "",
          "## Sensitivity (top 3 parameters per group and metric)", "",
          top_sens.to_markdown(index=False, floatfmt=".3f") if len(top_sens) else "(none)", ""]
    (out / "report.md").write_text("\n".join(md))
    imgs = _images([("bands", lambda: sweep_chart(r.bands))])
    page = (f'<!doctype html><html><head><meta charset="utf-8"><title>Sweep {html.escape(m["spec"]["name"])}</title>'
            f"<style>{_STYLE}</style></head><body><h1>Sweep {html.escape(m['spec']['name'])}</h1>"
            f"<p>{html.escape(intro)}</p>{r.ranges.to_html(index=False)}{imgs}<h2>Bands (groups)</h2>"
            f"{g.to_html(index=False, float_format=lambda v: f'{v:.4f}')}<h2>Sensitivity</h2>"
            f"{top_sens.to_html(index=False, float_format=lambda v: f'{v:.3f}')}</body></html>")
    (out / "report.html").write_text(page)


__all__ = ["bar_chart", "project_geometry", "project_map", "write_appraisal_report", "write_sweep_report"]
