"""The result of comparing two scenarios on a city set: its tables, metadata, and how they are written."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from beltroad.analysis.pairs import PairTable, label_columns


@dataclass
class Comparison:
    """Tables of a comparison. The city-pair table is held as the skims' own columns (`pair_table`; at 1M pairs
    the full table is ~450 MB): `pairs` builds the full DataFrame when first read (a notebook), `pair_column`
    one column; `write` computes the derived columns block by block."""

    base: str
    scenario: str
    objective: str
    pair_table: PairTable
    country_pairs: pd.DataFrame
    economies: pd.DataFrame
    groups: pd.DataFrame
    corridors: pd.DataFrame
    region_pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    metadata: dict = field(default_factory=dict)

    @cached_property
    def pairs(self) -> pd.DataFrame:
        """Every city pair with every column (built on first use, then kept).

        Returns
        -------
        pandas.DataFrame
            One row per ordered city pair, every column of `pair_table.columns`.
        """
        return self.pair_table.frame()

    def pair_column(self, name: str):
        """One column of the city-pair table over all pairs, without building the table (`PairTable.column`;
        from the built table when a notebook already asked for `pairs`). Raises KeyError for an unknown name."""
        if "pairs" in self.__dict__:
            return self.__dict__["pairs"][name].to_numpy()
        return self.pair_table.column(name)

    def pair_frame(self, columns: list[str]) -> pd.DataFrame:
        """Some columns of the city-pair table as a DataFrame (e.g. the reachable flags and the columns to
        average), in the order given, without building the whole table (`PairTable.frame`). Raises KeyError for
        a column not in `pair_table.columns`."""
        if "pairs" in self.__dict__:
            return self.__dict__["pairs"][columns]
        return self.pair_table.frame(columns)

    def accounting_groups(self) -> pd.DataFrame:
        """The group rows with both accountings' means, each group's own (`worldbank.accounting_groups`).

        Returns
        -------
        pandas.DataFrame
            One row per group: `groups` plus the papers' and beltroad's mean columns it lacked.
        """
        from beltroad.analysis.worldbank import accounting_groups

        return accounting_groups(self)

    def write(self, out_dir: str | Path, pairs_csv: bool = False) -> Path:
        """Write tables, metadata and report into `out_dir` atomically: all of this run, or the previous result.

        Every table goes to Parquet; the aggregates also to CSV. The city-pair table (1M rows for world-1000,
        ~500 MB as text) goes to CSV only with `pairs_csv`, through pyarrow's CSV writer; it is written block
        by block (one Parquet row group per block), its derived columns computed per block.

        Parameters
        ----------
        out_dir : str or pathlib.Path
            Folder to write (replaced as a whole).
        pairs_csv : bool
            Also write `pairs.csv`.

        Returns
        -------
        pathlib.Path
            The folder written.

        Raises
        ------
        OSError
            If the folder cannot be written (the previous result is kept).
        """
        from beltroad.analysis.memory import release_freed_memory
        from beltroad.io.atomic import atomic_dir
        from beltroad.io.report import write_report

        out = Path(out_dir)
        with atomic_dir(out) as tmp:
            (tmp / "metadata.json").write_text(json.dumps(self.metadata, indent=2, default=str))
            self.pair_table.write_parquet(tmp / "pairs.parquet")
            release_freed_memory()  # the write blocks' pages, before the report reads a column
            if pairs_csv:
                self.pair_table.write_csv(tmp / "pairs.csv")
            for name in ("country_pairs", "economies", "groups", "corridors", "region_pairs"):
                _write_parquet(getattr(self, name), tmp / f"{name}.parquet")
                getattr(self, name).to_csv(tmp / f"{name}.csv", index=False)
            write_report(self, tmp)
        return out


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    """`df.to_parquet(path, index=False)` through pyarrow directly, dictionary-encoding only the label columns
    (categorical or text). Same file contents as read back (pandas metadata included)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, use_dictionary=label_columns(table.schema) or False)

