"""``rgbt-track report WORKSPACE``: EAO / A / R tables and plots from a VOT workspace's results."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report", help="EAO / A / R table (Markdown, CSV), A-R plot, EAO curves and HTML from VOT results",
        description="Run the VOT toolkit's analyses afresh (never its persistent cache) on the results in "
                    "WORKSPACE and in every sub-folder that is a workspace (vot_workspace/ holds the "
                    "anchor-based VOT2020 workspace and vot2019/, the reset-based one), then print the "
                    "Table 7/8-style table and write results.md, results.csv, ar_plot.png, eao_curves.png "
                    "and index.html. Each workspace is checked first as `rgbt-track evaluate` checks it "
                    "(one-line errors naming the file; nothing is downloaded). Fails, showing the "
                    "tracker's log, when results are incomplete (e.g. a tracker crashed under "
                    "`vot evaluate`, which still exits 0).")
    p.add_argument("workspace", type=Path, metavar="WORKSPACE", help="VOT workspace folder")
    p.add_argument("--paper", action="store_true",
                   help="add the published numbers (paper Tables 7 and 8) to the tables and plots")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default WORKSPACE/reports/rgbt-track-summary)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rgbt_track.evaluation.vot.pipeline import report_workspaces

    out = args.out if args.out is not None else args.workspace / "reports" / "rgbt-track-summary"
    table, files = report_workspaces(args.workspace, out, paper=args.paper)
    print(table)
    print(f"wrote {', '.join(str(f) for f in files.values())}")
    return 0
