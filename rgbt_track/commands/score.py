"""``rgbt-track score gtot|rgbt234``: MPR / MSR of tracker result files with the official conventions."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "score", help="GTOT / RGBT234 maximum precision and success rates of tracker results",
        description="Score tracker outputs against GTOT or RGBT234 ground truth. --results holds one "
                    "folder per tracker with <Tracker>_<sequence>.txt files (4 numbers x y w h or 8 "
                    "numbers = four corners per line). GTOT: MPR at 5 px, MSR = area under the success "
                    "curve, frames pooled, result boxes rounded to whole pixels. RGBT234: MPR at 20 px, "
                    "MSR = mean success over 21 thresholds, averaged per sequence. Per frame the better "
                    "of the visible and thermal ground truth counts.")
    p.add_argument("dataset", choices=("gtot", "rgbt234"), help="which benchmark's conventions")
    p.add_argument("--gt", type=Path, required=True, metavar="DIR",
                   help="ground truth: <seq>/groundTruth_v.txt + groundTruth_i.txt (GTOT) or "
                        "<seq>/visible.txt + infrared.txt (RGBT234)")
    p.add_argument("--results", type=Path, required=True, metavar="DIR",
                   help="one folder per tracker holding <Tracker>_<sequence>.txt")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write tracker,MPR,MSR (percent) to FILE")
    p.add_argument("--plot", type=Path, metavar="FILE", help="save precision and success plots as PNG")
    rounding = p.add_mutually_exclusive_group()
    rounding.add_argument("--round", dest="round_results", action="store_true", default=None,
                          help="round result boxes to whole pixels (default for gtot)")
    rounding.add_argument("--no-round", dest="round_results", action="store_false",
                          help="use result boxes as written (default for rgbt234)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import csv

    from rgbt_runtime.atomic import atomic_path, check_destination
    from rgbt_runtime.errors import InputError
    from rgbt_track.scoring import score_results
    from rgbt_track.scoring.plots import save_plots

    if args.plot is not None and args.plot.suffix.lower() != ".png":
        raise InputError(f"--plot must be a .png file: {args.plot}")
    for option, path in (("--csv", args.csv), ("--plot", args.plot)):
        if path is not None:  # before any work: a bad output path fails before results are printed
            check_destination(path, option)
    scores = score_results(args.dataset, args.gt, args.results, round_results=args.round_results, progress=True)
    width = max(len("tracker"), *(len(s.tracker) for s in scores))
    print(f"{'tracker':<{width}}  {'MPR':>6}  {'MSR':>6}")
    for score in sorted(scores, key=lambda s: -s.msr):
        print(f"{score.tracker:<{width}}  {100 * score.mpr:6.1f}  {100 * score.msr:6.1f}")
    if args.csv is not None:
        with atomic_path(args.csv) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["tracker", "MPR", "MSR"])
            for score in scores:
                writer.writerow([score.tracker, f"{100 * score.mpr:.2f}", f"{100 * score.msr:.2f}"])
    if args.plot is not None:
        save_plots(scores, args.plot, args.dataset.upper())
    return 0
