"""Group means of one column over integer group labels, the same values as pandas' `groupby(...).mean()`.

`aggregate` averages five columns of 1M city pairs over four groupings (country pair, exporter, importer,
region pair). Through pandas that needed the selected rows as a frame (~45 MB) plus ~35 MB of groupby
temporaries; here each column is read once over all pairs, rows outside the selection carry label -1, and
the sums are accumulated in compiled code.

pandas sums each group with Kahan compensation (its cython `group_mean`), so a plain `np.bincount` with
weights would differ in the last bits; when the group ids of the rows are sorted and no value is NaN,
pandas >= 3.1 sums each run of rows with `np.add.reduceat` instead. `group_mean` takes the same path and
follows the same steps in the same order (rows in order; compensation reset when it becomes NaN, as pandas
does for infinite values), so the means are the same bit for bit; tests/test_group_means.py compares them
with pandas' groupby on the shipped data.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _group_mean(labels, values, n_groups):  # pragma: no cover - compiled
    sums = np.zeros(n_groups)
    comp = np.zeros(n_groups)
    nobs = np.zeros(n_groups, dtype=np.int64)
    for i in range(labels.shape[0]):
        lab = labels[i]
        if lab < 0:
            continue
        val = values[i]
        if val == val:
            nobs[lab] += 1
            y = val - comp[lab]
            t = sums[lab] + y
            comp[lab] = t - sums[lab] - y
            if comp[lab] != comp[lab]:
                comp[lab] = 0.0
            sums[lab] = t
    out = np.empty(n_groups)
    for g in range(n_groups):
        out[g] = sums[g] / nobs[g] if nobs[g] else np.nan
    return out


def group_mean(labels: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of `values` per group (NaN skipped; NaN for a group with no value), as pandas' groupby computes it
    on these rows.

    Parameters
    ----------
    labels : numpy.ndarray of int
        Group of each row, 0..n_groups-1 (pandas' group ids); -1 leaves the row out (a missing key).
    values : numpy.ndarray
        One value per row (converted to float64).
    n_groups : int
        Number of groups.

    Returns
    -------
    numpy.ndarray of float64
        One mean per group.
    """
    labels, values = np.asarray(labels), np.asarray(values, dtype=np.float64)
    if len(labels) and (labels[1:] >= labels[:-1]).all() and not np.isnan(values).any():
        # pandas >= 3.1 sums sorted groups with `np.add.reduceat` instead (its `_reduceat_aggregate`), the
        # rows of missing keys (-1, then at the front) left out
        skip = int(np.count_nonzero(labels < 0))
        ids = labels[skip:]
        out = np.full(int(n_groups), np.nan)
        if len(ids):
            starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
            seg = np.add.reduceat(values[skip:], starts) / np.diff(starts, append=ids.size).astype(np.float64)
            out[ids[starts]] = seg
        return out
    return _group_mean(labels, values, int(n_groups))


def group_size(labels: np.ndarray, n_groups: int) -> np.ndarray:
    """Rows per group (pandas' `size`), rows labelled -1 left out: an int64 count per group (`labels` and
    `n_groups` as for `group_mean`)."""
    labels = np.asarray(labels)
    return np.bincount(labels[labels >= 0], minlength=n_groups)[:n_groups].astype(np.int64)
