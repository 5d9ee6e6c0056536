"""``rgbt-track train-qpn``: train AFAT's quality prediction network from the tracker's own runs."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train-qpn", help="train the failure-aware quality prediction network (QPN)",
        description="Run the base tracker over VOT-layout sequences with ground truth, record the "
                    "response map of every frame and its IoU, and train the QPN on windows of the "
                    "last --history responses: success if IoU > 0.5, lost if IoU < 0.1, others "
                    "ignored, class-weighted cross-entropy. Writes the QPN weights to OUT and the training "
                    "state to OUT's name + .checkpoint (after every epoch, for --resume). Runs under torchrun "
                    "as DistributedDataParallel.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--sequences", action="append", required=True, metavar="DIR",
                   help="VOT-layout sequence folder (with list.txt); repeatable")
    p.add_argument("--arch", default="tiny", help="base tracker architecture")
    p.add_argument("--checkpoint", metavar="FILE", help="base tracker weights (default: the shipped ones)")
    p.add_argument("--mode", choices=("rgb", "ir", "fused"), default="fused",
                   help="input mode of the tracker the QPN will watch (its responses train it)")
    p.add_argument("--fusion", default="rfn", help="feature fusion of the fused mode (rfn: the shipped RFN)")
    p.add_argument("--out", required=True, metavar="FILE", help="QPN weights file to write")
    p.add_argument("--history", type=int, default=20, help="frames per QPN input (AFAT: 20)")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--kicks", type=int, default=0, metavar="N",
                   help="push the tracker off course N times per sequence while recording, so that a tracker "
                        "that rarely fails on its own yields lost windows too")
    p.add_argument("--seed", type=int, default=0, help="seed of the QPN weights, the batches and the kicks")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in OUT.checkpoint (the runs are recorded again; --epochs may grow)")
    p.add_argument("--device", default="cpu", help="torch device of the tracker and the QPN")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rgbt_runtime import InputError, init_distributed, save_torch_atomic
    from rgbt_runtime.atomic import check_destination
    from rgbt_track.datasets.vot import load_vot_sequences
    from rgbt_track.factory import build_rgbt_tracker
    from rgbt_track.training.qpn import QPNTrainConfig, record_runs, train_qpn
    from trackers.qpn import qpn_file_dict

    check_destination(args.out, "--out")  # before the tracking runs, not after them
    for name, value in (("--history", args.history), ("--epochs", args.epochs), ("--batch-size", args.batch_size)):
        if value < 1:
            raise InputError(f"{name} must be >= 1, got {value}")
    if args.kicks < 0:
        raise InputError(f"--kicks must be >= 0, got {args.kicks}")
    if not args.lr > 0:
        raise InputError(f"--lr must be > 0, got {args.lr}")
    sequences = [seq for folder in args.sequences for seq in load_vot_sequences(folder)]
    tracker = build_rgbt_tracker(args.arch, args.mode, args.checkpoint, args.fusion, args.device)
    records = record_runs(tracker, sequences, desc=f"tracking ({args.mode})", kicks=args.kicks,
                          history=args.history, seed=args.seed)
    config = QPNTrainConfig(history=args.history, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                            seed=args.seed)
    recording = {"arch": args.arch, "mode": args.mode, "fusion": args.fusion, "kicks": args.kicks,
                 "sequences": len(sequences)}
    qpn, stats = train_qpn(records, config, checkpoint=f"{args.out}.checkpoint", resume=args.resume,
                           recording=recording, device=args.device)
    meta = {"arch": args.arch, "mode": args.mode, "fusion": args.fusion if args.mode == "fused" else None,
            "sequences": len(sequences), "kicks": args.kicks, **stats}
    if init_distributed(args.device).is_main:
        save_torch_atomic(qpn_file_dict(qpn, meta), args.out)
        print(f"wrote {args.out}: {stats['success']} success / {stats['lost']} lost windows, "
              f"training balanced accuracy {stats['accuracy']:.3f}, lost recall {stats['lost_recall']:.3f}")
    return 0
