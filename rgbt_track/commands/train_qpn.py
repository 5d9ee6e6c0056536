"""``rgbt-track train-qpn``: train AFAT's quality prediction network from the tracker's own runs."""
from __future__ import annotations

import argparse

from rgbt_track.datasets.training_sets import TrainingData, first_frames
from rgbt_track.tracker_spec import TrackerSpec

# the QPN watches one base tracker; AFAT's own settings do not apply to recording its runs
EXCLUDED = ("afat", "qpn_checkpoint", "correction_arch", "correction_checkpoint", "correction_rfn_checkpoint")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train-qpn", help="train the failure-aware quality prediction network (QPN)",
        description="Run the base tracker (--arch, --checkpoint, --mode, and in fused mode --fusion with "
                    "--rfn-checkpoint: the tracker AFAT will wrap) over the training videos (GTOT, VOT-layout "
                    "sequences), record the response map of every frame and its IoU, and train the QPN on "
                    "windows of the last --history responses: success if IoU > 0.5, lost if IoU < 0.1, others "
                    "ignored, class-weighted cross-entropy. Writes the QPN weights to OUT, recording the "
                    "base tracker's arch and mode (the QPN is refused for any other), and the training state "
                    "to OUT's name + .checkpoint (after every epoch, for --resume). A training sequence that "
                    "is also an evaluation sequence (the VOT-RGBT2019/2020 names, --eval-workspace) is "
                    "refused. Runs under torchrun as DistributedDataParallel.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    TrainingData.add_arguments(p, stills=False)
    TrackerSpec.add_arguments(p, exclude=EXCLUDED)
    p.add_argument("--out", required=True, default=argparse.SUPPRESS, metavar="FILE", help="QPN weights file to write")
    p.add_argument("--history", type=int, default=20, help="frames per QPN input (AFAT: 20)")
    p.add_argument("--epochs", type=int, default=20, help="passes over the recorded response windows")
    p.add_argument("--batch-size", type=int, default=64, help="response windows per optimiser step")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    p.add_argument("--kicks", type=int, default=0, metavar="N",
                   help="push the tracker off course N times per sequence while recording, so that a tracker "
                        "that rarely fails on its own yields lost windows too")
    p.add_argument("--max-frames", type=int, default=0, metavar="N",
                   help="record at most the first N frames of each sequence (0: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the QPN weights, the batches and the kicks")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in OUT.checkpoint (the runs are recorded again; --epochs may grow)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from rgbt_runtime import InputError, init_distributed
    from rgbt_runtime.atomic import check_destination
    from rgbt_track.tracker_spec import build_tracker
    from rgbt_track.training.qpn import QPNTrainConfig, record_runs, train_qpn
    from trackers.qpn import save_qpn

    check_destination(args.out, "--out")  # before the tracking runs, not after them
    for name, value in (("--history", args.history), ("--epochs", args.epochs), ("--batch-size", args.batch_size)):
        if value < 1:
            raise InputError(f"{name} must be >= 1, got {value}")
    for name, value in (("--kicks", args.kicks), ("--max-frames", args.max_frames)):
        if value < 0:
            raise InputError(f"{name} must be >= 0, got {value}")
    if not args.lr > 0:
        raise InputError(f"--lr must be > 0, got {args.lr}")
    spec = TrackerSpec.from_args(args)
    sequences = [s for group in TrainingData.from_args(args).load_videos().values() for s in group]
    if args.max_frames:
        sequences = [first_frames(s, args.max_frames) for s in sequences]
    tracker = build_tracker(spec)
    records = record_runs(tracker, sequences, desc=f"tracking ({spec.arch}, {spec.mode})", kicks=args.kicks,
                          history=args.history, seed=args.seed)
    config = QPNTrainConfig(history=args.history, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                            seed=args.seed)
    fused = spec.mode == "fused"
    recording = {"arch": spec.arch, "mode": spec.mode, "fusion": spec.fusion if fused else None,
                 "checkpoint": Path(spec.checkpoint).name if spec.checkpoint else "shipped",
                 "rfn_checkpoint": Path(spec.rfn_checkpoint).name if fused and spec.rfn_checkpoint else None,
                 "kicks": args.kicks, "max_frames": args.max_frames, "sequences": len(sequences)}
    device = None if spec.device == "auto" else spec.resolved_device()
    qpn, stats = train_qpn(records, config, checkpoint=f"{args.out}.checkpoint", resume=args.resume,
                           recording=recording, device=device)
    if init_distributed(device).is_main:
        meta = {k: v for k, v in recording.items() if k not in ("arch", "mode")}
        save_qpn(qpn, args.out, arch=spec.arch, mode=spec.mode, meta={**meta, **stats})
        print(f"wrote {args.out}: {stats['success']} success / {stats['lost']} lost windows, "
              f"training balanced accuracy {stats['accuracy']:.3f}, lost recall {stats['lost_recall']:.3f}")
    return 0

