"""Static charts written to files (matplotlib, Agg backend: no display needed)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from beltroad.io.atomic import atomic_file


def timeline_chart(df: pd.DataFrame, title: str, path: str | Path) -> Path:
    """Step chart of `transit_days` by `year` (atomic: a failed write leaves no partial image)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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


__all__ = ["timeline_chart"]
