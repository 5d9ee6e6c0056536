"""``rgbt-track evaluate WORKSPACE``: ``vot evaluate`` + analysis + report, with the toolkit's traps closed."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    from rgbt_track.evaluation.vot import TRACKERS

    p = subparsers.add_parser(
        "evaluate", help="check VOT workspaces, run vot evaluate for the trackers, analyse and report",
        description="For WORKSPACE and every sub-folder that is a workspace (vot_workspace/ holds the "
                    "anchor-based VOT2020-RGBT workspace and vot2019/, the reset-based VOT2019-RGBT one): "
                    "check the sequences, the tracker definitions and their checkpoints (one-line errors "
                    "naming the file), run the toolkit's evaluation over TraX (results already complete are "
                    "kept, as `vot evaluate` does), run the analyses afresh (never the persistent cache), "
                    "write the toolkit's HTML reports and the Table 7/8-style summary, and print the "
                    "EAO / A / R table. A tracker crash or timeout stops it with the tracker's log and "
                    "exit code 1 (`vot evaluate` itself exits 0).")
    p.add_argument("workspace", type=Path, metavar="WORKSPACE", help="VOT workspace folder (e.g. vot_workspace)")
    p.add_argument("--trackers", nargs="+", default=list(TRACKERS), metavar="NAME",
                   help=f"trackers of trackers.ini to evaluate (default: {' '.join(TRACKERS)})")
    p.add_argument("--paper", action="store_true", help="add the published numbers (paper Tables 7 and 8)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="summary folder (default WORKSPACE/reports/rgbt-track-summary)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rgbt_track.evaluation.vot.pipeline import evaluate_workspaces, stage_printer

    out = args.out if args.out is not None else args.workspace / "reports" / "rgbt-track-summary"
    text = evaluate_workspaces(args.workspace, args.trackers, out, paper=args.paper, stage=stage_printer())
    print(text)
    print(f"summary in {out} (index.html, results.md, results.csv, ar_plot.png, eao_curves.png)")
    return 0
