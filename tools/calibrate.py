"""Compare the model with published transit times (calibration/observed.csv) and optionally fit parameters.

    python tools/calibrate.py                              # per-row table and summaries, all rows
    python tools/calibrate.py --set validation             # print only the validation rows
    python tools/calibrate.py --out docs/validation.md     # also rewrite the report section and calibration/report.json
    python tools/calibrate.py --fit value_of_time.ad_valorem_pct_per_day --out docs/validation.md
    python tools/calibrate.py --fit PARAM ... --write      # write the chosen values into the shipped parameters.yaml

Only parameters that carry a sourced `low`/`high` in parameters.yaml can be fitted; the search never leaves
that range. Without --write the fitted parameters.yaml goes to a temporary copy of the dataset (printed).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

from beltroad.analysis import calibration as cal  # noqa: E402

ROW_COLS = ["id", "set", "origin", "destination", "mode", "measure", "observed_days", "model_days",
            "model_running_days", "error_days",
            "pct_error", "within_band", "observed_km", "model_km", "distance_pct_error", "route_match",
            "route_summary", "problem"]
SUM_COLS = ["set", "by", "group", "n", "median_abs_pct_error", "share_within_20pct", "median_pct_error",
            "share_within_band"]


def _params(dataset_dir) -> dict:
    import yaml

    from beltroad.data.loader import DATA_DIR

    return yaml.safe_load((Path(dataset_dir or DATA_DIR) / "parameters.yaml").read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--observed", type=Path, default=None, help="observation CSV (default calibration/observed.csv)")
    ap.add_argument("--set", choices=("fit", "validation", "all"), default="all", help="rows to print")
    ap.add_argument("--out", type=Path, default=None,
                    help="markdown report to (re)write, e.g. docs/validation.md; also writes --json")
    ap.add_argument("--json", type=Path, default=None,
                    help="machine-readable summary (default: report.json next to the observation file)")
    ap.add_argument("--fit", nargs="+", metavar="PARAM", default=None,
                    help="dotted parameters.yaml names with a sourced low/high to fit, e.g. carbon_price_usd_per_t")
    ap.add_argument("--write", action="store_true", help="with --fit: write into the shipped parameters.yaml")
    ap.add_argument("--dataset", type=Path, default=None, help="evaluate (or fit from) a dataset in another folder")
    ap.add_argument("--grid", type=int, default=5, help="grid points per parameter and round (default 5)")
    ap.add_argument("--rounds", type=int, default=1, help="coordinate-search rounds (default 1)")
    ap.add_argument("--alternatives", type=int, default=3)
    args = ap.parse_args(argv)
    try:
        return run(args)
    except ValueError as exc:  # bad input: a clear message, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    if args.write and not args.fit:
        raise ValueError("--write needs --fit PARAM ...")
    observed = cal.load_observed(args.observed)
    dataset_dir, moved = args.dataset, None
    if args.fit:
        from beltroad.data.loader import DATA_DIR

        out_dir = (args.dataset or DATA_DIR) if args.write else None
        res = cal.fit(args.fit, observed=observed, dataset_dir=args.dataset, out_dir=out_dir, grid_points=args.grid,
                      rounds=args.rounds, alternatives=args.alternatives,
                      progress=lambda m: print(f"  fit trial {m}", file=sys.stderr))
        moved = res.table
        print(f"\nFitted parameters (fitting-set median |% error| {res.objective_before:.2f} -> "
              f"{res.objective_after:.2f}); parameters.yaml written to {res.dataset_dir}")
        print(tabulate(moved, headers="keys", showindex=False, floatfmt=".4g"))
        if args.write:  # the report describes what is shipped: fitted values only once written
            dataset_dir = res.dataset_dir
        else:
            print("(not written: the report below uses the shipped values; add --write to keep the fit)")
    df = cal.evaluate(observed, dataset_dir=dataset_dir, alternatives=args.alternatives)
    summary = cal.summarise(df)
    shown = df if args.set == "all" else df[df["set"] == args.set]
    shown = shown.assign(within_band=shown["within_band"].map({True: "yes", False: "no"}))
    print(f"\nPer observation ({args.set}, {len(shown)} rows):")
    print(tabulate(shown[ROW_COLS], headers="keys", showindex=False, floatfmt=".1f", maxcolwidths=40))
    for by in ("all", "mode", "corridor"):
        print(f"\nSummary by {by}:")
        print(tabulate(summary[summary["by"] == by][SUM_COLS], headers="keys", showindex=False, floatfmt=".2f"))
    if args.out:
        obs_path = args.observed or cal.default_observed_path()
        rel = obs_path.resolve().relative_to(ROOT) if obs_path.resolve().is_relative_to(ROOT) else obs_path
        doc = cal.write_section(args.out, cal.render_markdown(df, summary, moved, observed_path=str(rel),
                                                          written=args.write, params=_params(dataset_dir)))
        js = cal.write_report_json(args.json or obs_path.parent / "report.json", summary, moved)
        print(f"\nwrote {doc} and {js}")
    elif args.json:
        print(f"\nwrote {cal.write_report_json(args.json, summary, moved)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
