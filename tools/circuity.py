"""Recompute the circuity factors that parameters.yaml derives from the dataset's own sourced lengths.

Prints, per mode, the median and length-weighted ratio of published/derived link length to the great
circle between the link's end nodes. Run: .venv/bin/python tools/circuity.py
"""
from beltroad.data import load_dataset

links = load_dataset().links
for mode in ("rail", "road", "ferry"):
    m = links[(links["mode"] == mode) & links["length_basis"].isin(["published", "derived"]) & (links["gc_km"] > 30)]
    if len(m):
        r = m["length_km"] / m["gc_km"]
        print(f"{mode}: n={len(m)} median={r.median():.3f} weighted={m['length_km'].sum() / m['gc_km'].sum():.3f} "
              f"IQR={r.quantile(.25):.3f}-{r.quantile(.75):.3f}")
