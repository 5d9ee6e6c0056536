"""``rgbt-track score gtot|rgbt234|lasher``: tracker result files scored with each toolkit's conventions."""
from __future__ import annotations

import argparse
from pathlib import Path

TITLES = {"gtot": "GTOT", "rgbt234": "RGBT234", "lasher": "LasHeR"}
QUIRK_FLAGS = (("keep_first_frame", "first_frame_truth", "score the tracker's own first box (the toolkit "
                "replaces it by the ground truth)"),
               ("keep_invalid_rows", "fill_invalid", "score NaN / non-positive result rows as written (the "
                "toolkit repeats the previous row)"),
               ("exclude_absent", "absent_counts_precise", "leave ground-truth rows with a value <= 0 out of "
                "the frame count (the toolkit counts them as precise, never successful)"),
               ("all_sequences", "drop_zero_curves", "average over every sequence (the toolkit drops "
                "sequences whose curve is all zero)"))


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "score", help="GTOT / RGBT234 / LasHeR precision and success rates of tracker results",
        description="Score tracker outputs with each benchmark toolkit's conventions. GTOT / RGBT234: "
                    "--results holds one folder per tracker with <Tracker>_<sequence>.txt (4 numbers x y w "
                    "h or 8 = four corners per line); GTOT: MPR at 5 px, MSR = area under the success curve, "
                    "frames pooled, boxes rounded to whole pixels; RGBT234: MPR at 20 px, MSR = mean success "
                    "over 21 thresholds, per sequence; the better of visible and thermal ground truth counts. "
                    "LasHeR: --results holds <Tracker>_tracking_result/<sequence>.txt; PR at 20 px, NPR at "
                    "0.20, SR = mean success over 21 thresholds, exactly as the LasHeR toolkit prints them.")
    p.add_argument("dataset", choices=("gtot", "rgbt234", "lasher"), help="which benchmark's conventions")
    p.add_argument("--gt", type=Path, required=True, metavar="DIR",
                   help="ground truth: <seq>/groundTruth_v.txt + groundTruth_i.txt (GTOT), <seq>/visible.txt "
                        "+ infrared.txt (RGBT234), <seq>.txt or <seq>/init.txt (LasHeR)")
    p.add_argument("--results", type=Path, required=True, metavar="DIR",
                   help="one folder per tracker (<Tracker>/ or, LasHeR, <Tracker>_tracking_result/)")
    p.add_argument("--list", type=Path, metavar="FILE", help="LasHeR: score only these sequences (one per line)")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write tracker,<scores> (percent, 2 decimals)")
    p.add_argument("--plot", type=Path, metavar="FILE", help="save the precision / success plots (.png/.pdf/.svg)")
    p.add_argument("--latex", type=Path, metavar="FILE", help="write the score table: LaTeX for .tex, else Markdown")
    p.add_argument("--attributes", type=Path, metavar="FILE",
                   help="RGBT234: per-attribute MPR / MSR from the <seq>/<ATTR>.tag files as CSV")
    rounding = p.add_mutually_exclusive_group()
    rounding.add_argument("--round", dest="round_results", action="store_true", default=None,
                          help="round result boxes to whole pixels (default for gtot)")
    rounding.add_argument("--no-round", dest="round_results", action="store_false",
                          help="use result boxes as written (default for rgbt234)")
    for flag, _, text in QUIRK_FLAGS:
        p.add_argument(f"--{flag.replace('_', '-')}", action="store_true", help=f"LasHeR: {text}")
    p.add_argument("--no-quirks", action="store_true", help="LasHeR: all four of the above")
    p.set_defaults(func=run)


def lasher_conventions(args: argparse.Namespace):
    """The LasherConventions the flags ask for."""
    from rgbt_track.evaluation.scoring.lasher import LasherConventions

    return LasherConventions(**{field: not (args.no_quirks or getattr(args, flag)) for flag, field, _ in QUIRK_FLAGS})


def _score_lasher(args: argparse.Namespace) -> tuple[list[str], list[tuple[str, list[float]]], list]:
    from rgbt_track.evaluation.scoring import score_lasher_results
    from rgbt_track.evaluation.scoring.results_io import read_name_list

    names = read_name_list(args.list) if args.list is not None else None
    scores = score_lasher_results(args.gt, args.results, lasher_conventions(args), names=names, progress=True)
    return ["PR", "NPR", "SR"], [(s.tracker, [s.pr, s.npr, s.sr]) for s in scores], scores


def run(args: argparse.Namespace) -> int:
    from rgbt_runtime.atomic import check_destination
    from rgbt_runtime.errors import InputError
    from rgbt_track.evaluation.scoring import score_results
    from rgbt_track.evaluation.scoring.plots import check_plot_path, save_lasher_plots, save_plots
    from rgbt_track.evaluation.scoring.tables import write_csv, write_table

    if args.plot is not None:
        check_plot_path(args.plot)
    for option, path in (("--csv", args.csv), ("--latex", args.latex), ("--plot", args.plot),
                         ("--attributes", args.attributes)):
        if path is not None:  # before any work: a bad output path fails before results are printed
            check_destination(path, option)
    if args.attributes is not None and args.dataset != "rgbt234":
        raise InputError("--attributes needs rgbt234 (the dataset that ships per-frame attribute files)")
    if args.dataset != "lasher":
        given = [f"--{flag.replace('_', '-')}" for flag, _, _ in QUIRK_FLAGS if getattr(args, flag)]
        given += ["--no-quirks"] * args.no_quirks + ["--list"] * (args.list is not None)
        if given:
            raise InputError(f"{given[0]} applies to lasher only (the {args.dataset} toolkit has no such option)")
    elif args.round_results is not None:
        raise InputError("--round / --no-round apply to gtot and rgbt234 (LasHeR results are used as written)")
    if args.dataset == "lasher":
        columns, rows, scores = _score_lasher(args)
    else:
        scores = score_results(args.dataset, args.gt, args.results, round_results=args.round_results, progress=True)
        columns, rows = ["MPR", "MSR"], [(s.tracker, [s.mpr, s.msr]) for s in scores]
    width = max(len("tracker"), *(len(tracker) for tracker, _ in rows))
    print(f"{'tracker':<{width}}" + "".join(f"  {c:>6}" for c in columns))
    for tracker, values in sorted(rows, key=lambda row: -row[1][-1]):
        print(f"{tracker:<{width}}" + "".join(f"  {100 * v:6.1f}" for v in values))
    if args.csv is not None:
        write_csv(args.csv, columns, rows)
    if args.latex is not None:
        write_table(args.latex, columns, rows, caption=f"{TITLES[args.dataset]} one-pass evaluation (%)")
    if args.attributes is not None:
        from rgbt_track.evaluation.scoring.attributes import write_attribute_scores
        write_attribute_scores(args.gt, args.results, args.attributes, args.round_results)
    if args.plot is not None:
        (save_lasher_plots if args.dataset == "lasher" else save_plots)(scores, args.plot, TITLES[args.dataset])
    return 0
