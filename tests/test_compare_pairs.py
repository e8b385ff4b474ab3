"""The compare's city-pair table held as the skims' own columns (analysis.pairs.PairTable): derived columns
computed when read, per block of rows, written block by block, equal to the whole table computed at once."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from beltroad.analysis import compare
from beltroad.analysis.changes import KEYS, _unique_keys
from beltroad.analysis.pairs import label_columns, plain_labels
from beltroad.analysis.worldbank import world_bank_groups
from beltroad.places.cities import economies


@pytest.fixture(scope="module")
def cmp(session):
    """Seven cities across Eurasia and Africa, the Russia/Belarus closure, with the fixed-mode bound."""
    gz = session.gazetteer
    cities = [gz.resolve(n) for n in ("Chongqing", "Duisburg", "Almaty", "Moscow", "Minsk", "Mombasa", "Karachi")]
    return compare("baseline", "no-russia-belarus-transit", cities=cities, session=session, bounds=True,
                   accounting="both")


def test_derived_columns_are_the_arithmetic_on_the_skims_columns(cmp, session):
    p = cmp.pairs
    assert len(p) == 42 and list(p.columns) == cmp.pair_table.columns
    b, s = (p[f"transit_days_{x}"].to_numpy() for x in ("base", "scenario"))
    np.testing.assert_array_equal(p["transit_days_change"].to_numpy(), s - b)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(p["transit_days_change_pct"].to_numpy(), 100.0 * (s - b) / b)
    pct = session.network.params["value_of_time"]["ad_valorem_pct_per_day"]
    np.testing.assert_array_equal(p["trade_cost_change_pct_high"].to_numpy(), (s - b) * float(pct["high"]))

    def papers(side: str) -> np.ndarray:
        col = {c: p[f"{c}_{side}"].to_numpy() for c in ("transit_days", "customs_import_days", "customs_export_days",
                                                         "port_dwell_days", "border_dwell_days", "border_export_days")}
        nofixed = col["transit_days"] - (col["customs_import_days"] + col["customs_export_days"] + col["port_dwell_days"])
        return nofixed - col["border_dwell_days"] + col["border_export_days"]

    np.testing.assert_array_equal(p["papers_days_base"].to_numpy(), papers("base"))
    a = float(pct["value"]) / 100.0
    np.testing.assert_array_equal(p["trade_cost_rel_change_pct"].to_numpy(),
                                  100.0 * ((1.0 + a * papers("scenario")) / (1.0 + a * papers("base")) - 1.0))
    both = p["main_mode_base"].notna() & p["main_mode_scenario"].notna()
    assert (p.loc[both, "mode_switch"] == p.loc[both, "main_mode_base"] + "->" + p.loc[both, "main_mode_scenario"]).all()
    assert p.loc[~both, "mode_switch"].isna().all()
    np.testing.assert_array_equal(p["newly_unreachable"], p["reachable_base"] & ~p["reachable_scenario"])
    assert p["newly_unreachable"].any()  # Moscow and Minsk are cut off: missing values go through every formula
    fixed = p[["transit_days_change", "transit_days_change_fixed_mode"]].dropna()
    assert (fixed["transit_days_change_fixed_mode"] >= fixed["transit_days_change"]).all()
    assert p["transit_days_change"].max() > 0  # the closure slows some trips: the columns are not all zero


def test_a_block_of_rows_gives_the_same_values_as_the_whole_table(cmp):
    t, whole = cmp.pair_table, cmp.pairs
    for rows in (slice(3, 11), whole["origin_country"].eq("CHN").to_numpy()):
        part = t.frame(rows=rows)
        pd.testing.assert_frame_equal(part, whole[rows].reset_index(drop=True), check_exact=True)
        for name in ("co2_kg_change_pct", "papers_days_change_pct", "trade_cost_change_pct_fixed_mode"):
            np.testing.assert_array_equal(t.column(name, rows), whole[name].to_numpy()[rows])


@pytest.mark.parametrize("rows", [5, 10**6])
def test_pairs_parquet_written_in_blocks_equals_the_whole_table(cmp, tmp_path, rows):
    path = tmp_path / "pairs.parquet"
    cmp.pair_table.write_parquet(path, rows=rows)
    assert pq.ParquetFile(path).metadata.num_row_groups == -(-len(cmp.pairs) // rows)
    back = pq.read_table(path)
    whole = pa.Table.from_pandas(cmp.pairs, preserve_index=False)  # the table written at once, as before
    pq.write_table(whole, tmp_path / "whole.parquet", use_dictionary=label_columns(whole.schema))
    assert back.equals(pq.read_table(tmp_path / "whole.parquet"), check_metadata=True)
    pd.testing.assert_frame_equal(back.to_pandas(), cmp.pairs, check_exact=True)  # categories and dtypes too


def test_pairs_csv_written_in_blocks_is_byte_identical(cmp, tmp_path):
    cmp.pair_table.write_csv(tmp_path / "blocks.csv", rows=4)
    pacsv.write_csv(plain_labels(pa.Table.from_pandas(cmp.pairs, preserve_index=False)), tmp_path / "whole.csv")
    assert (tmp_path / "blocks.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_world_bank_groups_read_column_by_column_equal_those_of_the_frame(cmp):
    eco = economies()
    pd.testing.assert_frame_equal(world_bank_groups(cmp.pair_table, eco), world_bank_groups(cmp.pairs, eco),
                                  check_exact=True)


def test_the_pairs_frame_is_the_callers_to_change(cmp):
    """`Comparison.pairs` shares the skims' columns (copy on write): changing it leaves the table as it was."""
    p = cmp.pair_table.frame()
    before = cmp.pair_table.column("transit_days_base").copy()
    p.loc[0, "transit_days_base"] = -1.0
    p["transit_days_scenario"] *= 2
    np.testing.assert_array_equal(cmp.pair_table.column("transit_days_base"), before)
    assert cmp.pair_column("transit_days_base")[0] == before[0]


def test_unique_keys_agrees_with_pandas_duplicated(cmp):
    keys = cmp.pairs[KEYS]
    assert _unique_keys(keys) and not keys.duplicated().any()
    twice = pd.concat([keys, keys.iloc[[2]]], ignore_index=True)
    assert not _unique_keys(twice) and twice.duplicated().any()
    plain = keys.astype(str)  # no categoricals: pandas' check
    assert _unique_keys(plain) and not _unique_keys(pd.concat([plain, plain.iloc[[0]]], ignore_index=True))


def test_main_mode_held_as_codes_reads_back_as_the_skims_text(session, cmp):
    from beltroad.analysis.pairs import as_codes, as_text
    from beltroad.routing.skim import skim

    places = cmp.pair_table.source["origin"].cat.categories  # the fixture's cities, in the skims' order
    gz = session.gazetteer
    df = skim(session.network, session.state("no-russia-belarus-transit"), [gz.resolve(n) for n in places])
    assert df["main_mode"].isna().any()  # unreachable pairs have no mode
    codes = as_codes(df["main_mode"])
    assert codes.cat.codes.dtype == np.int8
    pd.testing.assert_extension_array_equal(as_text(codes.array), df["main_mode"].array)
    pd.testing.assert_series_equal(cmp.pairs["main_mode_scenario"], df["main_mode"], check_names=False)


def test_a_few_pair_columns_without_the_whole_table(session):
    gz = session.gazetteer
    c = compare("baseline", "red-sea-closed", cities=[gz.resolve(n) for n in ("Shanghai", "Rotterdam", "Mumbai")],
                session=session)
    cols = ["reachable_base", "papers_days_change_pct", "mode_switch"]
    narrow = c.pair_frame(cols)
    assert "pairs" not in c.__dict__  # the whole table was not built
    np.testing.assert_array_equal(c.pair_column("trade_cost_change_pp"), c.pairs["trade_cost_change_pp"].to_numpy())
    pd.testing.assert_frame_equal(narrow, c.pairs[cols], check_exact=True)
    pd.testing.assert_frame_equal(c.pair_frame(cols), narrow, check_exact=True)  # from the built table now


def test_aggregate_equals_pandas_groupby_on_the_reachable_rows(cmp):
    """`aggregate` (group labels, one column at a time) gives pandas' groupby means bit for bit: on the skims'
    categorical keys, on the rows reversed (unsorted group ids) and on text keys."""
    from beltroad.analysis.changes import aggregate

    cols = {"transit_days_base": "mean", "transit_days_scenario": "mean", "transit_days_change": "mean",
            "transit_days_change_pct": "mean", "trade_cost_change_pct": "mean", "origin": "size"}
    p = cmp.pairs
    eco = economies()
    ok = p["reachable_base"] & p["reachable_scenario"]
    for frame in (p, p.iloc[::-1], p.astype({"origin_country": str, "destination_country": str})):
        cp, econ, groups, _, _ = aggregate(frame, eco, {})
        both = frame[ok.loc[frame.index]]
        want = both.groupby(["origin_country", "destination_country"]).agg(cols).reset_index()
        pd.testing.assert_frame_equal(cp, want.rename(columns={"origin": "city_pairs"}), check_exact=True)
        exp = both.groupby("origin_country").agg(cols)
        got = econ.set_index("iso3").loc[[str(i) for i in exp.index]]
        for c in ("transit_days_base", "transit_days_change_pct", "trade_cost_change_pct"):
            np.testing.assert_array_equal(got[f"{c}_as_exporter"].to_numpy(), exp[c].to_numpy())
        assert groups.set_index("group").loc["world", "transit_days_change"] == both["transit_days_change"].mean()
