"""The result of comparing two scenarios on a city set: its tables, metadata, and how they are written."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class Comparison:
    base: str
    scenario: str
    objective: str
    pairs: pd.DataFrame
    country_pairs: pd.DataFrame
    economies: pd.DataFrame
    groups: pd.DataFrame
    corridors: pd.DataFrame
    region_pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    metadata: dict = field(default_factory=dict)

    def write(self, out_dir: str | Path, pairs_csv: bool = False) -> Path:
        """Write tables, metadata and report into `out_dir` atomically: all of this run, or the previous result.

        Every table goes to Parquet; the aggregates also to CSV. The city-pair table (1M rows for world-1000,
        ~500 MB as text) goes to CSV only with `pairs_csv`, through pyarrow's CSV writer."""
        from beltroad.io.atomic import atomic_dir
        from beltroad.io.report import write_report

        out = Path(out_dir)
        with atomic_dir(out) as tmp:
            for name in ("pairs", "country_pairs", "economies", "groups", "corridors", "region_pairs"):
                df = getattr(self, name)
                _write_parquet(df, tmp / f"{name}.parquet")
                if name != "pairs":
                    df.to_csv(tmp / f"{name}.csv", index=False)
                elif pairs_csv:
                    _write_csv_arrow(df, tmp / "pairs.csv")
            (tmp / "metadata.json").write_text(json.dumps(self.metadata, indent=2, default=str))
            write_report(self, tmp)
        return out


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    """`df.to_parquet(path, index=False)` through pyarrow directly, dictionary-encoding only the label columns
    (categorical or text): trying a dictionary on every float column first cost ~0.4 s of the 1M-pair table's
    1 s. Same file contents as read back (pandas metadata included)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    labels = [f.name for f in table.schema if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
              or pa.types.is_large_string(f.type)]
    pq.write_table(table, path, use_dictionary=labels or False)


def _write_csv_arrow(df: pd.DataFrame, path: Path) -> None:
    """A large table to CSV with pyarrow's writer (C++, in batches): pandas' `to_csv` formats 1M rows in Python
    for ~18 s. Booleans are written true/false, missing numbers as empty fields."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(df, preserve_index=False)
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    pacsv.write_csv(pa.table(cols, names=table.column_names), path)
