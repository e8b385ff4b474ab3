"""Static charts written to files (matplotlib, Agg backend: no display needed)."""
from __future__ import annotations

import base64
import io
from pathlib import Path

import pandas as pd

from beltroad.io.atomic import atomic_file


def pyplot():
    """`matplotlib.pyplot` on the Agg backend (no display needed), imported on first use: a chart is rare and
    matplotlib slow to import, so the CLI starts without it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png_bytes(fig, **savefig) -> bytes:
    """The figure as PNG bytes (`savefig` options such as dpi passed on); the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", **savefig)
    pyplot().close(fig)
    return buf.getvalue()


def png_base64(fig, **savefig) -> str:
    """The figure as base64 PNG, for a self-contained HTML page; the figure is closed."""
    return base64.b64encode(png_bytes(fig, **savefig)).decode()


def timeline_chart(df: pd.DataFrame, title: str, path: str | Path) -> Path:
    """Step chart of `transit_days` by `year` (atomic: a failed write leaves no partial image)."""
    plt = pyplot()
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    fig, ax = plt.subplots(figsize=(8, 4))
    try:
        ax.step(df["year"], df["transit_days"], where="post")
        ax.set_xlabel("year")
        ax.set_ylabel("transit days")
        ax.set_title(title)
        fig.tight_layout()
        with atomic_file(path) as tmp:
            fig.savefig(tmp, format=fmt)
    finally:
        plt.close(fig)
    return path


__all__ = ["png_base64", "png_bytes", "pyplot", "timeline_chart"]
