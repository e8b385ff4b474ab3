"""Comparison reports (Markdown and a self-contained HTML page with embedded charts)."""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path


def _fmt(df, cols, n=15):
    return df[cols].head(n).to_markdown(index=False, floatfmt=".2f") if len(df) else "(none)"


def _chart(cmp) -> str:
    """Top gainers/losers and the distribution of pair changes, as a base64 PNG (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def write_report(cmp, out: Path) -> None:
    g = cmp.groups
    econ = cmp.economies
    cols = [c for c in ("iso3", "name", "change_days", "change_pct", "trade_cost_change_pct") if c in econ.columns]
    md = [f"# {cmp.scenario} vs {cmp.base}", "",
          f"Objective: {cmp.objective}. Cities: {cmp.metadata['cities']} ({cmp.metadata['n_cities']} cities, "
          f"{cmp.metadata['city_pairs']:,} ordered pairs). Unreachable pairs: {cmp.metadata['unreachable_pairs_base']} "
          f"(base), {cmp.metadata['unreachable_pairs_scenario']} (scenario).", "",
          "## Headline", "", g.to_markdown(index=False, floatfmt=".3f"), "",
          f"Trade-cost change = change in days x {cmp.metadata['value_of_time']['ad_valorem_pct_per_day']}% per day "
          f"(Hummels & Schaur 2013; bounds {cmp.metadata['value_of_time']['low']}-{cmp.metadata['value_of_time']['high']}%).",
          "", "## Largest gains (economies)", "", _fmt(econ, cols), "",
          "## Largest losses (economies)", "", _fmt(econ.iloc[::-1], cols), "",
          "## Corridors (region pairs)", "", _fmt(cmp.corridors, list(cmp.corridors.columns), 30), ""]
    (out / "report.md").write_text("\n".join(md))
    try:
        img = f'<img alt="charts" src="data:image/png;base64,{_chart(cmp)}" style="max-width:100%">'
    except Exception as exc:  # charts are a convenience: a report without them is still a report
        img = f"<p>(charts unavailable: {html.escape(str(exc))})</p>"
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(cmp.scenario)} vs {html.escape(cmp.base)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px}}table{{border-collapse:collapse;margin:1rem 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}</style></head><body>
<h1>{html.escape(cmp.scenario)} vs {html.escape(cmp.base)}</h1>
<p>{html.escape(md[2])}</p><h2>Headline</h2>{g.to_html(index=False, float_format=lambda v: f"{v:.3f}")}
{img}<h2>Economies</h2>{econ[cols].to_html(index=False, float_format=lambda v: f"{v:.2f}")}
<h2>Corridors (region pairs)</h2>{cmp.corridors.to_html(index=False, float_format=lambda v: f"{v:.2f}")}
</body></html>"""
    (out / "report.html").write_text(page)
