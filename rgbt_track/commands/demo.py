"""``rgbt-track demo``: the main job on the embedded default, end to end through the VOT toolkit."""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

MARKER = ".rgbt-track-demo"
QUICK = {"count": 2, "length": 130}
FULL = {"count": 4, "length": 200}
MIN_LENGTH = 117  # runs must pass the EAO window's low end (frame 115) by a frame


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help="generate RGB-T sequences and run `vot evaluate` for RFN-AFAT, AFAT-RGB, AFAT-IR",
        description="Copy vot_workspace/ into WORKDIR, generate sequences with modality-specific trouble, "
                    "run the VOT toolkit (over TraX) for RFN-AFAT, AFAT-RGB and AFAT-IR on both "
                    "protocols - anchor-based VOT2020-RGBT (built-in vot2020/rgbtir, realtime) and "
                    "reset-based VOT2019-RGBT (WORKDIR/vot2019) - then run the analyses afresh, write "
                    "the toolkit's HTML reports and a summary (WORKDIR/summary), and print the "
                    "EAO / A / R table beside the published numbers. The anchor-based EAO window "
                    "(115..755) is cut at the generated sequences' length, which the toolkit's "
                    "multistart EAO needs on short sequences (rgbt_track.evaluation.vot.eao_window). Nothing is "
                    "downloaded. The work "
                    "happens in a hidden folder beside WORKDIR that replaces WORKDIR only on success.")
    p.add_argument("--workdir", type=Path, default=Path("rgbt-track-demo"), metavar="DIR",
                   help="output folder (default ./rgbt-track-demo; a previous demo there is replaced)")
    p.add_argument("--count", type=int, default=None, metavar="N",
                   help=f"number of sequences (default {FULL['count']}, --quick {QUICK['count']})")
    p.add_argument("--length", type=int, default=None, metavar="L",
                   help=f"frames per sequence, at least {MIN_LENGTH} (default {FULL['length']}, --quick {QUICK['length']})")
    p.add_argument("--seed", type=int, default=0, help="sequence generator seed (default 0)")
    p.add_argument("--quick", action="store_true", help="fewer, shorter sequences (a smoke run)")
    p.set_defaults(func=run)


def _check_workdir(workdir: Path) -> None:
    from rgbt_runtime.errors import InputError

    if workdir.exists() and not workdir.is_dir():
        raise InputError(f"--workdir exists and is not a folder: {workdir}")
    if workdir.is_dir() and not (workdir / MARKER).is_file() and any(workdir.iterdir()):
        raise InputError(f"--workdir {workdir} exists and is not a previous demo; choose another folder")


def _install(partial: Path, workdir: Path) -> None:
    """Move the finished ``partial`` folder onto ``workdir``, removing a previous demo there."""
    if workdir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{workdir.name}.old-", dir=workdir.parent))
        workdir.replace(old / workdir.name)
        shutil.rmtree(old)
    partial.replace(workdir)


def run(args: argparse.Namespace) -> int:
    import os

    from rgbt_runtime.atomic import folder_mode, remove_stale
    from rgbt_runtime.errors import InputError

    settings = QUICK if args.quick else FULL
    count = args.count if args.count is not None else settings["count"]
    length = args.length if args.length is not None else settings["length"]
    if count < 1:
        raise InputError(f"--count must be at least 1, got {count}")
    if length < MIN_LENGTH:
        raise InputError(f"--length must be at least {MIN_LENGTH} (the EAO window starts at frame 115), got {length}")
    workdir = args.workdir.resolve()
    _check_workdir(workdir)
    workdir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(workdir, "partial-")  # left by a demo killed before it could clean up
    partial = Path(tempfile.mkdtemp(prefix=f".{workdir.name}.partial-{os.getpid()}.", dir=workdir.parent))
    os.chmod(partial, folder_mode())  # mkdtemp's 0700 would become the demo folder's mode
    try:
        table = _demo(partial, count, length, args.seed)
        (partial / MARKER).write_text(f"rgbt-track demo --count {count} --length {length} --seed {args.seed}\n",
                                      encoding="utf-8")
        _install(partial, workdir)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    print(table)
    print(f"workspaces, toolkit reports and summary in {workdir} "
          f"(summary/index.html; re-analyse with `rgbt-track report {workdir} --paper`)")
    return 0


def _demo(root: Path, count: int, length: int, seed: int) -> str:
    """Everything in ``root``; returns the printed summary (table, realtime check, timings)."""
    from rgbt_track.generator import generate_sequences
    from rgbt_track.evaluation.vot import TRACKERS
    from rgbt_track.evaluation.vot.eao_window import fit_eao_window
    from rgbt_track.evaluation.vot.pipeline import evaluate_workspaces, stage_printer
    from rgbt_track.evaluation.vot.workspace import copy_template

    start = time.perf_counter()
    stage = stage_printer()
    copy_template(root)
    stage(f"generating {count} sequences of {length} frames")
    generate_sequences(root / "sequences", count=count, length=length, seed=seed, fps=30, progress=True)
    note = fit_eao_window(root, length)
    if note:
        print(note)
    from rgbt_track.evaluation.vot.clips import write_clips
    from rgbt_track.evaluation.vot.workspace import find_workspaces

    stage("one clip per tracker (first sequence, visible | thermal)")
    write_clips(find_workspaces(root)[0], TRACKERS, root / "summary" / "clips")     # linked by the summary page
    text = evaluate_workspaces(root, TRACKERS, root / "summary", paper=True, stage=stage)
    stage("done")
    return f"{text}\ndemo total: {time.perf_counter() - start:.0f} s ({count} sequences x {length} frames, seed {seed})"
