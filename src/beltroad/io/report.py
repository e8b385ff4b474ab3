"""Comparison reports (Markdown and a self-contained HTML page with inline SVG map and charts)."""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

from beltroad.data import COUNTRIES_GEOJSON


def _fmt(df, cols, n=15):
    return df[cols].head(n).to_markdown(index=False, floatfmt=".2f") if len(df) else "(none)"


# diverging colours for "faster" (green) through "no change" (pale yellow) to "slower" (red): the end and
# middle colours of ColorBrewer's RdYlGn scheme (Brewer, colorbrewer2.org)
_GREEN, _MID, _RED = (26, 152, 80), (255, 255, 191), (215, 48, 39)


def _colour(v: float, lim: float) -> str:
    """Hex colour of a change `v` on a diverging scale from -lim (green) through 0 to +lim (red)."""
    t = max(-1.0, min(1.0, v / lim))
    a, b = (_MID, _RED) if t >= 0 else (_MID, _GREEN)
    t = abs(t)
    return "#%02x%02x%02x" % tuple(round(x + (y - x) * t) for x, y in zip(a, b))


_MAP_W, _MAP_H = 1040, 440  # equirectangular, lat -58..84


@lru_cache(maxsize=1)
def _country_paths() -> tuple[tuple[str, str], ...]:
    """(iso3, SVG path) per country of the shipped Natural Earth shapes, projected once per process (every
    other vertex: the map is ~1,000 px wide)."""
    import json

    def xy(lon: float, lat: float) -> str:
        return "%.1f,%.1f" % ((lon + 180.0) / 360.0 * _MAP_W, (84.0 - lat) / 142.0 * _MAP_H)

    out = []
    for f in json.loads(COUNTRIES_GEOJSON.read_text(encoding="utf-8"))["features"]:
        geom = f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        d = "".join("M" + "L".join(xy(lon, lat) for lon, lat in poly[0][::2] + [poly[0][-1]]) + "Z"
                    for poly in polys if len(poly[0]) > 3)
        out.append((f["properties"]["iso3"], d))
    return tuple(out)


def _choropleth(cmp) -> str:
    """World map of per-economy change in shipment time as inline SVG (Natural Earth shapes shipped in the
    package): string building only, no plotting library to import (matplotlib cost the compare ~3 s)."""
    width, height = _MAP_W, _MAP_H
    values = dict(zip(cmp.economies["iso3"], cmp.economies["change_pct"]))
    finite = [v for v in values.values() if v == v]
    lim = max(1e-6, max((abs(v) for v in finite), default=1.0))
    parts = [f'<rect width="{width}" height="{height}" fill="#f4f7fa"/>']
    for iso, d in _country_paths():
        v = values.get(iso)
        colour = "#dddddd" if v is None or v != v else _colour(v, lim)
        label = f"{iso}: {v:+.2f} %" if v is not None and v == v else f"{iso}: no city pairs"
        parts.append(f'<path d="{d}" fill="{colour}" stroke="#fff" stroke-width="0.3"><title>{html.escape(label)}</title></path>')
    stops = "".join(f'<stop offset="{o}" stop-color="{_colour((2 * o - 1) * lim, lim)}"/>' for o in (0, 0.25, 0.5, 0.75, 1))
    parts.append(f'<defs><linearGradient id="scale">{stops}</linearGradient></defs>'
                 f'<rect x="20" y="{height - 34}" width="240" height="10" fill="url(#scale)" stroke="#999" stroke-width="0.5"/>'
                 f'<text x="20" y="{height - 8}" font-size="11">{-lim:+.2f} %</text>'
                 f'<text x="140" y="{height - 8}" font-size="11" text-anchor="middle">0</text>'
                 f'<text x="260" y="{height - 8}" font-size="11" text-anchor="end">{lim:+.2f} %</text>')
    title = (f"{cmp.scenario} vs {cmp.base}: change in shipment time by economy, % (mean over the economy's city "
             "pairs; grey: no city pairs)")
    return (f'<figure><svg viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'style="width:100%;height:auto">{"".join(parts)}</svg><figcaption>{html.escape(title)}</figcaption></figure>')


def _chart(cmp) -> str:
    """Top gaining and losing economies (bars) and the distribution of city-pair changes (histogram, 1st-99th
    percentile, 50 bins), as inline SVG."""
    import numpy as np
    import pandas as pd

    econ = cmp.economies.dropna(subset=["change_pct"])
    both = pd.concat([econ.head(10), econ.tail(10)])
    names = both["name"].fillna(both["iso3"]) if "name" in both.columns else both["iso3"]
    labels = [str(x)[:18] for x in names]
    vals = both["change_pct"].to_numpy(float)
    w, h, row = 500, 24 + 16 * max(1, len(vals)), 16
    lim = max(1e-9, float(np.abs(vals).max()) if len(vals) else 1.0)
    x0, span = 140, (w - 150) / 2
    bars = []
    for i, (lab, v) in enumerate(zip(labels, vals)):
        y = 20 + i * row
        x, bw = (x0 + span + min(v, 0) / lim * span), abs(v) / lim * span
        bars.append(f'<text x="{x0 - 4}" y="{y + 11}" font-size="11" text-anchor="end">{html.escape(lab)}</text>'
                    f'<rect x="{x:.1f}" y="{y}" width="{bw:.1f}" height="{row - 3}" '
                    f'fill="{"#1e8449" if v < 0 else "#c0392b"}"><title>{v:+.3f} %</title></rect>')
    bars.append(f'<line x1="{x0 + span}" y1="16" x2="{x0 + span}" y2="{h}" stroke="#555" stroke-width="0.5"/>'
                f'<text x="{w / 2}" y="12" font-size="12" text-anchor="middle">Top gaining and losing economies '
                f'(change in shipment time, %, ±{lim:.2f} full scale)</text>')
    pct = np.asarray(cmp.pair_column("transit_days_change_pct"), dtype=float)  # not the whole pair table
    if pct.base is not None or not pct.flags.writeable:
        pct = pct.copy()  # a view of a table the caller holds
    # sorted in place, the finite values are one slice (-inf first, +inf then NaN last): no 8 MB copies. The
    # quantiles, clipping and histogram work on that slice in place: the histogram counts values by bin and
    # takes its range from their min and max, so the order of the values changes nothing
    pct.sort()
    pct = pct[np.searchsorted(pct, -np.inf, side="right"):np.searchsorted(pct, np.inf, side="left")]
    hist = []
    hw, hh = 500, h
    if len(pct):
        lo, hi = np.quantile(pct, [0.01, 0.99], overwrite_input=True)
        counts, edges = np.histogram(np.clip(pct, lo, hi, out=pct), bins=50)
        top = max(1, int(counts.max()))
        bw = (hw - 40) / len(counts)
        for i, c in enumerate(counts):
            bh = c / top * (hh - 60)
            hist.append(f'<rect x="{20 + i * bw:.1f}" y="{hh - 30 - bh:.1f}" width="{bw - 1:.1f}" height="{bh:.1f}" '
                        f'fill="#2471a3"><title>{edges[i]:+.2f} to {edges[i + 1]:+.2f} %: {c:,} pairs</title></rect>')
        hist.append(f'<text x="20" y="{hh - 14}" font-size="11">{lo:+.2f} %</text>'
                    f'<text x="{hw - 20}" y="{hh - 14}" font-size="11" text-anchor="end">{hi:+.2f} %</text>')
    hist.append(f'<text x="{hw / 2}" y="12" font-size="12" text-anchor="middle">Distribution of city-pair changes '
                f'(change in shipment time, %)</text>')
    return (f'<div style="display:flex;flex-wrap:wrap;gap:1rem">'
            f'<svg viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" style="width:48%;min-width:320px">{"".join(bars)}</svg>'
            f'<svg viewBox="0 0 {hw} {hh}" xmlns="http://www.w3.org/2000/svg" style="width:48%;min-width:320px">{"".join(hist)}</svg></div>')


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
    parts = {}
    # the charts first: their 1M-pair column is let go before the map parses its shapes (peak RSS)
    for label, draw in (("charts", _chart), ("choropleth", _choropleth)):
        try:
            parts[label] = draw(cmp)
        except Exception as exc:  # charts are a convenience: a report without them is still a report
            parts[label] = f"<p>({label} unavailable: {html.escape(str(exc))})</p>"
    img = parts["choropleth"] + parts["charts"]
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
