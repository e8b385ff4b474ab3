"""The city-pair table of a comparison, held as the two skims' own columns; every derived column is computed
when it is read, for the rows read.

At 1M pairs (world-1000) the full table has ~53 columns, ~45 of them float64 (~450 MB); about half are
arithmetic on the others (changes, trade costs, the papers' accounting, `mode_switch`, `newly_*`). A
`PairTable` keeps only the skims' columns (`<column>_base`, `<column>_scenario` and the keys) and computes
a derived column over all rows when the aggregation asks for it (then lets it go), or over a block of rows
while `pairs.parquet` (or `pairs.csv`) is written block by block. `frame()` builds the full DataFrame for a
notebook (`Comparison.pairs`).

Every formula is the element-wise arithmetic the eager code did, in the same order, so every value is the
same bit for bit whichever rows are computed at once.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

MEASURES = ("transit_days", "cost_usd", "distance_km", "co2_kg")  # with _change and _change_pct columns
ROWS_PER_GROUP = 1 << 14  # rows per Parquet row group and per block computed while writing (~7 MB a block)


class PairTable:
    """Pairs of a comparison: `source` (keys, `<col>_base`, `<col>_scenario`) plus derived columns on demand.

    `pct_per_day`, `low`, `high`: the value of a day in transit (% of cargo value, Hummels & Schaur 2013);
    `sectors`: sector values (`trade_cost_change_pct_<sector>` columns); `fixed_change`: the fixed-mode
    change per pair before it is bounded by the free-switching change (None: no bound columns).
    A column that `source` already has is read from it as it is.
    """

    def __init__(self, source: pd.DataFrame, pct_per_day: float, low: float, high: float,
                 sectors: dict[str, float] | None = None, fixed_change: np.ndarray | None = None,
                 text: Sequence[str] = ()):
        self.source = source
        self._arrays: dict = {}
        self.text = set(text)  # categorical source columns (see `as_codes`) read as the skim's text column
        self.pct, self.low, self.high = float(pct_per_day), float(low), float(high)
        self.sectors = {k: float(v) for k, v in (sectors or {}).items()}
        self.fixed_change = fixed_change
        derived = [c for m in MEASURES for c in (f"{m}_change", f"{m}_change_pct")]
        derived += ["trade_cost_change_pct", "mode_switch", "newly_unreachable", "newly_reachable",
                    "trade_cost_change_pct_low", "trade_cost_change_pct_high"]
        derived += [f"trade_cost_change_pct_{s}" for s in self.sectors]
        if fixed_change is not None:
            derived += ["transit_days_change_fixed_mode", "trade_cost_change_pct_fixed_mode"]
        derived += ["nofixed_days_base", "papers_days_base", "nofixed_days_scenario", "papers_days_scenario",
                    "papers_days_change", "papers_days_change_pct", "nofixed_days_change", "nofixed_days_change_pct",
                    "trade_cost_rel_change_pct", "trade_cost_rel_change_pct_low", "trade_cost_rel_change_pct_high",
                    "trade_cost_change_pp"]
        if fixed_change is not None:
            derived.append("transit_days_change_fixed_mode_pct")
        self.columns = list(source.columns) + [c for c in derived if c not in source.columns]

    def __len__(self) -> int:
        return len(self.source)

    def array(self, name: str):
        """A column of `source` as an array (read-only numpy, or pandas' array), looked up once: a DataFrame
        column lookup costs ~0.3 ms, and writing reads ~30 columns in each of ~16 blocks.

        Parameters
        ----------
        name : str
            A column of `source`.

        Returns
        -------
        numpy.ndarray or pandas array
            Its values.

        Raises
        ------
        KeyError
            If `source` has no such column.
        """
        got = self._arrays.get(name)
        if got is None:
            col = self.source[name]
            got = col.array if isinstance(col.dtype, pd.api.extensions.ExtensionDtype) else col.to_numpy()
            self._arrays[name] = got
        return got

    def column(self, name: str, rows: slice | np.ndarray | None = None) -> np.ndarray:
        """One column as an array (numbers and flags as numpy; labels as pandas' arrays), all rows or `rows`.

        Parameters
        ----------
        name : str
            A column of `columns`.
        rows : slice or numpy.ndarray of bool, optional
            Rows to compute (all when None).

        Returns
        -------
        numpy.ndarray or pandas array
            The values.

        Raises
        ------
        KeyError
            If the table has no such column.
        """
        return _Block(self, slice(None) if rows is None else rows)[name]

    def frame(self, columns: Sequence[str] | None = None, rows: slice | np.ndarray | None = None) -> pd.DataFrame:
        """The table (or `columns` of it, in that order) as a DataFrame: all rows, or `rows` (a slice or mask).

        Parameters
        ----------
        columns : sequence of str, optional
            Columns wanted (all when None).
        rows : slice or numpy.ndarray of bool, optional
            Rows wanted (all when None).

        Returns
        -------
        pandas.DataFrame
            The columns in that order, index 0..n-1.

        Raises
        ------
        KeyError
            If a column is not in the table.
        """
        rows = slice(None) if rows is None else rows
        names = list(self.columns if columns is None else columns)
        block = _Block(self, rows)
        own = [c for c in names if c in self.source.columns and c not in self.text]  # shared (copy on write)
        src = self.source[own]
        src = (src.iloc[rows] if isinstance(rows, slice) else src[rows]).reset_index(drop=True)
        derived = pd.DataFrame({c: block[c] for c in names if c not in own}, copy=False)  # new arrays
        return pd.concat([src, derived], axis=1)[names] if len(derived.columns) else src[names]

    def blocks(self, rows: int = ROWS_PER_GROUP):
        """The full table as DataFrames of `rows` rows, one after the other (each computed when reached).

        Parameters
        ----------
        rows : int
            Rows per block.

        Yields
        ------
        pandas.DataFrame
            Consecutive blocks, every column.
        """
        for start in range(0, max(len(self), 1), rows):
            yield self.frame(rows=slice(start, min(start + rows, len(self))))

    def write_parquet(self, path: str | Path, rows: int = ROWS_PER_GROUP) -> None:
        """Block by block through pyarrow's `ParquetWriter`, one row group per block: the full table is never
        in memory. Same schema (pandas metadata included) and values as writing the full frame at once.

        Parameters
        ----------
        path : str or pathlib.Path
            File to write.
        rows : int
            Rows per row group.
        """
        import pyarrow.parquet as pq

        self._write(path, rows, lambda schema: pq.ParquetWriter(path, schema,
                                                                use_dictionary=label_columns(schema) or False))

    def write_csv(self, path: str | Path, rows: int = ROWS_PER_GROUP) -> None:
        """Block by block through pyarrow's CSV writer (C++): the same bytes as `pyarrow.csv.write_csv` of the
        full table (booleans true/false, missing numbers as empty fields, labels as their text). `path` and
        `rows` (rows per block) as in `write_parquet`.
        """
        import pyarrow.csv as pacsv

        self._write(path, rows, lambda schema: pacsv.CSVWriter(path, schema), plain_labels)

    def _write(self, path: str | Path, rows: int, open_writer, convert=None) -> None:
        """Each block as an Arrow table (`convert`ed) to the writer `open_writer(schema)` opens on the first."""
        import pyarrow as pa

        writer = None
        try:
            for df in self.blocks(rows):
                table = pa.Table.from_pandas(df, preserve_index=False, nthreads=1)  # no copies: threads only cost
                table = convert(table) if convert else table
                if writer is None:
                    writer = open_writer(table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()


def as_codes(col: pd.Series) -> pd.Series:
    """A text column with few distinct values (a skim's `main_mode`) as a categorical: 1 byte a pair instead of
    ~11 bytes (1M pairs: 1 MB, not 11 MB). Arrow's dictionary encoding (~20 ms; pandas' `astype("category")`
    ~110 ms); `as_text` gives the text column back, dtype and values as they were.

    Parameters
    ----------
    col : pandas.Series
        Text values (missing allowed).

    Returns
    -------
    pandas.Series
        Categorical with int8 codes, same index and name.
    """
    import pyarrow as pa

    arr = pa.array(col.array)  # pandas' Arrow-backed strings: no copy
    enc = (arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr).dictionary_encode()
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int8)
    return pd.Series(pd.Categorical.from_codes(codes, categories=enc.dictionary.to_pylist()), index=col.index,
                     name=col.name)


def as_text(cat: pd.Categorical):
    """A categorical of text back as pandas' string array, as routing.skim builds its `main_mode` column: an
    Arrow dictionary cast to large_string (missing where the code is -1).

    Parameters
    ----------
    cat : pandas.Categorical
        Codes over text categories.

    Returns
    -------
    pandas.api.extensions.ExtensionArray
        Pandas' string array.
    """
    import pyarrow as pa

    codes = np.asarray(cat.codes)
    names = pa.array([str(c) for c in cat.categories], type=pa.string())
    arr = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), names).cast(pa.large_string())
    return pa.chunked_array([arr]).to_pandas().array


def label_columns(schema) -> list[str]:
    """Columns Parquet should dictionary-encode: the labels (categorical or text). Trying a dictionary on every
    float column cost ~0.4 s of the 1M-pair table.

    Parameters
    ----------
    schema : pyarrow.Schema
        The table's schema.

    Returns
    -------
    list of str
        Names of the dictionary and string columns.
    """
    import pyarrow as pa

    return [f.name for f in schema if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type)]


def plain_labels(table):
    """Dictionary (categorical) columns as their values, for the CSV writer.

    Parameters
    ----------
    table : pyarrow.Table
        A table.

    Returns
    -------
    pyarrow.Table
        The same columns, dictionaries cast to their value type.
    """
    import pyarrow as pa

    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)


class _Block:
    """The columns of one block of rows, each computed once (a derived column from the others)."""

    def __init__(self, table: PairTable, rows: slice | np.ndarray):
        self.t, self.rows, self.memo = table, rows, {}

    def __getitem__(self, name: str):
        got = self.memo.get(name)
        if got is None:
            got = self.memo[name] = self._compute(name)
        return got

    def num(self, name: str) -> np.ndarray:
        """A number column as float64 (as the eager code's `to_numpy(dtype=float)`)."""
        return np.asarray(self[name], dtype=float)

    def _compute(self, name: str):
        t = self.t
        if name in t.text:
            return as_text(t.array(name)[self.rows])
        if name in t.source.columns:
            return t.array(name)[self.rows]
        for m in MEASURES:
            if name == f"{m}_change":
                return self.num(f"{m}_scenario") - self.num(f"{m}_base")
            if name == f"{m}_change_pct":
                known = self.memo.get(f"{m}_change")  # else computed here, not kept, and reused in place
                with np.errstate(divide="ignore", invalid="ignore"):
                    if known is not None or f"{m}_change" in t.source.columns:
                        return 100.0 * self[f"{m}_change"] / self.num(f"{m}_base")
                    pct = self._compute(f"{m}_change")
                    pct *= 100.0
                    pct /= self.num(f"{m}_base")
                    return pct
        for side in ("base", "scenario"):
            # (in place on new arrays where the arithmetic allows: the same values with fewer 8 MB temporaries)
            if name == f"nofixed_days_{side}":  # without end customs and port dwell
                fixed = self.num(f"customs_import_days_{side}") + self.num(f"customs_export_days_{side}")
                fixed += self.num(f"port_dwell_days_{side}")
                return self.num(f"transit_days_{side}") - fixed
            if name == f"papers_days_{side}":  # each land border at the exporter's export time
                known = self.memo.get(f"nofixed_days_{side}")  # else computed here, not kept
                days = (known if known is not None else self._compute(f"nofixed_days_{side}"))
                days = days - self.num(f"border_dwell_days_{side}") if known is not None else \
                    np.subtract(days, self.num(f"border_dwell_days_{side}"), out=days)
                days += self.num(f"border_export_days_{side}")
                return days
        for kind in ("papers", "nofixed"):
            if name == f"{kind}_days_change":
                return self[f"{kind}_days_scenario"] - self[f"{kind}_days_base"]
            if name == f"{kind}_days_change_pct":
                change, scen = f"{kind}_days_change", f"{kind}_days_scenario"
                with np.errstate(divide="ignore", invalid="ignore"):
                    if change in self.memo or scen in self.memo or change in t.source.columns \
                            or scen in t.source.columns:
                        return 100.0 * self[change] / self[f"{kind}_days_base"]
                    pct = self._compute(scen)  # a new array, not kept: the change and percentage in place
                    pct -= self[f"{kind}_days_base"]
                    pct *= 100.0
                    pct /= self[f"{kind}_days_base"]
                    return pct
        change = "transit_days_change"
        per_day = {"trade_cost_change_pct": t.pct, "trade_cost_change_pp": t.pct, "trade_cost_change_pct_low": t.low,
                   "trade_cost_change_pct_high": t.high, **{f"trade_cost_change_pct_{s}": v for s, v in t.sectors.items()}}
        if name in per_day:
            if change in self.memo or change in t.source.columns:
                return self.num(change) * per_day[name]
            days = self._compute(change)  # not kept: scaled in place
            days *= per_day[name]
            return days
        rel = {"trade_cost_rel_change_pct": t.pct, "trade_cost_rel_change_pct_low": t.low,
               "trade_cost_rel_change_pct_high": t.high}
        if name in rel:
            return relative_trade_cost_change_pct(self["papers_days_base"], self["papers_days_scenario"], rel[name])
        if name == "mode_switch":
            base, scen = (pd.Series(self[f"main_mode_{s}"], copy=False) for s in ("base", "scenario"))
            return (base.astype(str) + "->" + scen.astype(str)).array
        if name == "newly_unreachable":
            return self["reachable_base"] & ~self["reachable_scenario"]
        if name == "newly_reachable":
            return ~self["reachable_base"] & self["reachable_scenario"]
        if t.fixed_change is not None:
            # no switching can never do better than free switching: the bound is the larger of the two changes
            if name == "transit_days_change_fixed_mode":
                return np.fmax(t.fixed_change[self.rows], self.num(change))
            if name == "trade_cost_change_pct_fixed_mode":
                return self["transit_days_change_fixed_mode"] * t.pct
            if name == "transit_days_change_fixed_mode_pct":
                return 100.0 * self["transit_days_change_fixed_mode"] / self.num("transit_days_base")
        raise KeyError(name)


def relative_trade_cost_change_pct(days_base: np.ndarray, days_scenario: np.ndarray, pct_per_day: float) -> np.ndarray:
    """100 x ((1 + a·d1) / (1 + a·d0) - 1), a = pct_per_day / 100: the time-related trade-cost factor's change.

    Parameters
    ----------
    days_base, days_scenario : numpy.ndarray
        Days in transit per pair.
    pct_per_day : float
        Value of a day, % of cargo value.

    Returns
    -------
    numpy.ndarray
        Relative change in %, per pair (NaN where a day count is NaN).
    """
    a = pct_per_day / 100.0
    factor = a * np.asarray(days_scenario, dtype=float)  # in place on new arrays: the same values, fewer temporaries
    factor += 1.0
    base = a * np.asarray(days_base, dtype=float)
    base += 1.0
    factor /= base
    del base
    factor -= 1.0
    factor *= 100.0
    return factor
