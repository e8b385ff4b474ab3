"""Comparison reports (Markdown and a self-contained HTML page with embedded charts)."""
from __future__ import annotations

import html
from pathlib import Path

from beltroad.data import COUNTRIES_GEOJSON
from beltroad.io.charts import png_base64, pyplot


def _fmt(df, cols, n=15):
    return df[cols].head(n).to_markdown(index=False, floatfmt=".2f") if len(df) else "(none)"


def _chart(cmp) -> str:
    """Top gainers/losers and the distribution of pair changes, as a base64 PNG (matplotlib, Agg)."""
    plt = pyplot()
    econ = cmp.economies.dropna(subset=["change_pct"])
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    top = econ.head(10)
    bottom = econ.tail(10)
    both = top._append(bottom) if hasattr(top, "_append") else top
    labels = both.get("name", both["iso3"]).fillna(both["iso3"]).astype(str).str.slice(0, 18)
    axes[0].barh(labels, both["change_pct"], color=["#1e8449" if v < 0 else "#c0392b" for v in both["change_pct"]])
    axes[0].invert_yaxis()
    axes[0].set_xlabel("change in shipment time, % (mean over city pairs)")
    axes[0].set_title("Top gaining and losing economies")
    vals = cmp.pairs["transit_days_change_pct"].dropna()
    axes[1].hist(vals.clip(vals.quantile(0.01), vals.quantile(0.99)), bins=50, color="#2471a3")
    axes[1].set_xlabel("change in shipment time, % (city pairs)")
    axes[1].set_title("Distribution of city-pair changes")
    fig.tight_layout()
    return png_base64(fig, dpi=90)


def _choropleth(cmp) -> str:
    """World map of per-economy change in shipment time (Natural Earth shapes shipped in the package)."""
    import json

    from matplotlib.collections import PatchCollection
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.patches import Polygon as MplPolygon

    values = dict(zip(cmp.economies["iso3"], cmp.economies["change_pct"]))
    finite = [v for v in values.values() if v == v]
    lim = max(1e-6, max((abs(v) for v in finite), default=1.0))
    norm = TwoSlopeNorm(vmin=-lim, vcenter=0.0, vmax=lim)
    plt = pyplot()
    cmap = plt.get_cmap("RdYlGn_r")
    fig, ax = plt.subplots(figsize=(13, 6.5))
    patches, colours = [], []
    for f in json.loads(COUNTRIES_GEOJSON.read_text())["features"]:
        v = values.get(f["properties"]["iso3"])
        colour = "#dddddd" if v is None or v != v else cmap(norm(v))
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for poly in polys:
            patches.append(MplPolygon(poly[0], closed=True))
            colours.append(colour)
    ax.add_collection(PatchCollection(patches, facecolor=colours, edgecolor="white", linewidth=0.2))
    ax.set_xlim(-180, 180)
    ax.set_ylim(-58, 84)
    ax.set_aspect("equal")
    ax.axis("off")
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, shrink=0.6, label="change in shipment time, % (mean over the economy's city pairs)")
    ax.set_title(f"{cmp.scenario} vs {cmp.base}: change in shipment time by economy (grey: no city pairs)")
    fig.tight_layout()
    return png_base64(fig, dpi=80)


def write_report(cmp, out: Path) -> None:
    g = cmp.groups
    econ = cmp.economies
    cols = [c for c in ("iso3", "name", "change_days", "change_pct", "trade_cost_change_pct") if c in econ.columns]
    md = [f"# {cmp.scenario} vs {cmp.base}", "",
          f"Objective: {cmp.objective}. Cities: {cmp.metadata['cities']} ({cmp.metadata['n_cities']} cities, "
          f"{cmp.metadata['city_pairs']:,} ordered pairs). Unreachable pairs: {cmp.metadata['unreachable_pairs_base']} "
          f"(base), {cmp.metadata['unreachable_pairs_scenario']} (scenario).", "",
          "## Headline", "", g.to_markdown(index=False, floatfmt=".3f"), "",
          f"trade_cost_change_pct = change in days x {cmp.metadata['value_of_time']['ad_valorem_pct_per_day']}% per day "
          f"(Hummels & Schaur 2013; bounds {cmp.metadata['value_of_time']['low']}-{cmp.metadata['value_of_time']['high']}%): "
          "percentage points of cargo value, not a relative change (trade_cost_rel_change_pct is the relative one).",
          "", "## Largest gains (economies)", "", _fmt(econ, cols), "",
          "## Largest losses (economies)", "", _fmt(econ.iloc[::-1], cols), "",
          "## Corridors (international pairs between the economies a corridor crosses)", "",
          _fmt(cmp.corridors, list(cmp.corridors.columns), 40), "",
          "## Region pairs", "", _fmt(cmp.region_pairs, list(cmp.region_pairs.columns), 60), ""]
    (out / "report.md").write_text("\n".join(md))
    img = ""
    for label, draw in (("choropleth", _choropleth), ("charts", _chart)):
        try:
            img += f'<img alt="{label}" src="data:image/png;base64,{draw(cmp)}" style="max-width:100%">'
        except Exception as exc:  # charts are a convenience: a report without them is still a report
            img += f"<p>({label} unavailable: {html.escape(str(exc))})</p>"
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(cmp.scenario)} vs {html.escape(cmp.base)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px}}table{{border-collapse:collapse;margin:1rem 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}</style></head><body>
<h1>{html.escape(cmp.scenario)} vs {html.escape(cmp.base)}</h1>
<p>{html.escape(md[2])}</p><h2>Headline</h2>{g.to_html(index=False, float_format=lambda v: f"{v:.3f}")}
{img}<h2>Economies</h2>{econ[cols].to_html(index=False, float_format=lambda v: f"{v:.2f}")}
<h2>Corridors</h2><p>International city pairs between the economies each corridor's links cross.</p>
{cmp.corridors.to_html(index=False, float_format=lambda v: f"{v:.2f}")}
<h2>Region pairs</h2>{cmp.region_pairs.to_html(index=False, float_format=lambda v: f"{v:.2f}")}
</body></html>"""
    (out / "report.html").write_text(page)
