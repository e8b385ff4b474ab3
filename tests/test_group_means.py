"""analysis.groupmeans: group means equal to pandas' groupby mean bit for bit (Kahan-compensated sums for
unsorted group ids, `np.add.reduceat` for sorted ones), on the shipped world-200 compare's columns."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from beltroad.analysis import compare
from beltroad.analysis.groupmeans import group_mean, group_size


@pytest.fixture(scope="module")
def pairs(session):
    c = compare("baseline", "no-russia-belarus-transit", cities="world-200", session=session)
    t = c.pair_table
    ok = t.column("reachable_base") & t.column("reachable_scenario")
    return pd.DataFrame({"origin_country": pd.Series(t.column("origin_country"))[ok].to_numpy(),
                         "destination_country": pd.Series(t.column("destination_country"))[ok].to_numpy(),
                         **{k: t.column(k)[ok] for k in ("transit_days_base", "transit_days_change",
                                                         "transit_days_change_pct")}})


@pytest.mark.parametrize("key", ["origin_country", "destination_country", "pair"])
@pytest.mark.parametrize("order", ["as skimmed", "shuffled"])
def test_group_mean_equals_pandas_groupby_mean(pairs, key, order):
    df = pairs if order == "as skimmed" else pairs.sample(frac=1.0, random_state=7)
    if key == "pair":
        labels = pd.Categorical(df["origin_country"].astype(str) + "-" + df["destination_country"].astype(str))
    else:
        labels = pd.Categorical(df[key])
    codes = np.asarray(labels.codes)
    for col in ("transit_days_base", "transit_days_change", "transit_days_change_pct"):
        want = df[col].groupby(labels, observed=False).mean().to_numpy()
        got = group_mean(codes, df[col].to_numpy(), len(labels.categories))
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(group_size(codes, len(labels.categories)),
                                  df.groupby(labels, observed=False).size().to_numpy())


def test_group_mean_kahan_path_with_nan_inf_and_left_out_rows():
    rng = np.random.default_rng(3)
    values = rng.normal(30.0, 20.0, 50_000) * rng.random(50_000) ** 3
    values[rng.random(50_000) < 0.02] = np.nan
    values[[5, 77]] = [np.inf, -np.inf]
    labels = rng.integers(-1, 300, 50_000)
    keep = labels >= 0
    want = pd.Series(values[keep]).groupby(labels[keep]).mean().reindex(range(300)).to_numpy()
    np.testing.assert_array_equal(group_mean(labels, values, 300), want)
