"""``rgbt-track test gtot|rgbt234|lasher``: one-pass evaluation of a tracker over a whole dataset."""
from __future__ import annotations

import argparse
from pathlib import Path

from rgbt_track.tracker_spec import TrackerSpec


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "test", help="run a tracker over GTOT / RGBT234 / LasHeR (one pass) and score it",
        description="Track every sequence of a dataset once (init on frame 0 with the ground truth, no "
                    "resets) and write the files the official toolkit reads: LasHeR OUT/NAME_tracking_result/"
                    "<seq>.txt (x,y,w,h per line), GTOT / RGBT234 OUT/NAME/NAME_<seq>.txt, plus per-frame "
                    "times in <tracker folder>/times/. Each sequence is written atomically when done; a "
                    "rerun skips finished sequences. Under torchrun each rank tracks a deterministic share "
                    "of the sequences on its own device and rank 0 scores when all are done (--out must be "
                    "on a filesystem all nodes share).")
    p.add_argument("dataset", choices=("gtot", "rgbt234", "lasher"), help="dataset layout and scoring")
    p.add_argument("--root", type=Path, required=True, metavar="DIR", help="dataset folder (one sub-folder per sequence)")
    p.add_argument("--out", type=Path, required=True, metavar="RESULTS_DIR", help="results folder")
    p.add_argument("--name", required=True, metavar="NAME", help="tracker name in the result layout")
    p.add_argument("--list", type=Path, metavar="FILE", help="run only these sequences (one name per line), "
                   "e.g. LasHeR's test_list.txt")
    p.add_argument("--video-dir", type=Path, metavar="DIR", help="also write <seq>.mp4 (visible | thermal, "
                   "box and ground truth) per sequence")
    p.add_argument("--no-score", action="store_true", help="only track; do not score at the end")
    TrackerSpec.add_arguments(p)
    p.set_defaults(func=run)


def _check_name(name: str) -> None:
    from rgbt_runtime.errors import InputError

    if not name or any(c in name for c in "/\\") or name in (".", ".."):
        raise InputError(f"--name must be a plain folder name, got {name!r}")


def run(args: argparse.Namespace) -> int:
    from rgbt_runtime.distributed import init_distributed
    from rgbt_track.evaluation.one_pass.layout import ResultLayout
    from rgbt_track.evaluation.one_pass.runner import run_sequences, score_run, wait_for
    from rgbt_track.evaluation.one_pass.sequences import load_sequences, shard
    from rgbt_track.evaluation.scoring.results_io import read_name_list
    from rgbt_track.tracker_spec import build_tracker

    _check_name(args.name)
    spec = TrackerSpec.from_args(args)
    names = read_name_list(args.list) if args.list is not None else None
    sequences = load_sequences(args.dataset, args.root, names, args.list)
    device = spec.device
    context = init_distributed(None if device == "auto" else device)
    if context.is_distributed and device in ("auto", "cuda") and context.device.type == "cuda":
        device = f"cuda:{context.local_rank}"
    elif device == "auto":
        device = str(context.device)
    spec = spec.replace(device=device)
    layout = ResultLayout(args.dataset, args.out, args.name)
    settings = _check_settings(layout.folder / "times" / "tracker.json", spec)
    mine = shard(sequences, context.rank, context.world_size)
    desc = f"{args.name} rank {context.rank}/{context.world_size}" if context.is_distributed else args.name
    tracked = run_sequences(lambda: build_tracker(spec), mine, _Recording(layout, settings), spec.channels, desc=desc,
                            video_dir=args.video_dir)
    print(f"rank {context.rank}: tracked {tracked} of {len(mine)} sequences "
          f"({len(mine) - tracked} already finished) -> {layout.folder}")
    if not context.is_main:
        return 0
    wait_for(layout, sequences)
    if args.no_score:
        return 0
    columns, values = score_run(args.dataset, args.root, layout, sequences)
    from rgbt_track.evaluation.scoring.tables import write_csv

    write_csv(args.out / f"{args.name}_scores.csv", columns, [(args.name, values)])
    print(f"{args.dataset} ({len(sequences)} sequences) " + "  ".join(
        f"{c} {100 * v:.2f}" for c, v in zip(columns, values)))
    return 0


def _check_settings(path, spec: TrackerSpec) -> tuple:
    """Refuse to resume a run made with other tracker settings; ``(path, settings)`` to record.

    The settings (``path``, beside the per-frame times where no toolkit looks) leave out the
    device and the thread count, which differ between ranks and machines.
    """
    import dataclasses
    import json

    from rgbt_runtime import InputError

    settings = {k: v for k, v in dataclasses.asdict(spec).items() if k not in ("device", "threads")}
    if path.is_file():
        try:
            saved = json.loads(path.read_text())
        except (OSError, ValueError):
            raise InputError(f"cannot read the tracker settings of an earlier run: {path}") from None
        changed = [f"{k}: {saved.get(k)!r} -> {v!r}" for k, v in settings.items() if saved.get(k) != v]
        if changed:
            raise InputError(f"{path.parent.parent} holds results of other tracker settings ({'; '.join(changed)}): "
                             "use another --name or remove that folder")
    return path, settings


class _Recording:
    """A result layout that records the tracker settings just before its first sequence is written."""

    def __init__(self, layout, settings: tuple) -> None:
        self._layout, (self._path, self._settings) = layout, settings

    def __getattr__(self, name: str):
        return getattr(self._layout, name)

    def write(self, sequence: str, boxes, times) -> None:
        import json

        from rgbt_runtime import atomic_path

        if not self._path.is_file():
            with atomic_path(self._path) as tmp:
                tmp.write_text(json.dumps(self._settings, indent=1, sort_keys=True) + "\n")
        self._layout.write(sequence, boxes, times)
