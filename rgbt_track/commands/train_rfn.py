"""``rgbt-track train-rfn``: train the tracking RFN between the frozen tracker's neck and heads."""
from __future__ import annotations

import argparse

from rgbt_track.datasets.training_sets import TrainingData, first_frames
from rgbt_track.tracker_spec import TrackerSpec

# the RFN is trained for the fused tracker of one network: mode, fusion and AFAT do not apply
EXCLUDED = ("mode", "fusion", "rfn_checkpoint", "afat", "qpn_checkpoint", "correction_arch",
            "correction_checkpoint", "correction_rfn_checkpoint")


def _level_weights(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, e.g. 1,10,100, got {text!r}") from None
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError("level weights must be >= 0")
    return values


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train-rfn", help="train the reduced RFN that fuses RGB and IR features (tracker frozen)",
        description="Train the reduced residual fusion network (one per neck level) with L_RFN = "
                    "alpha * L_detail + L_feature (paper Sec. 5.1) on template/search pairs from any "
                    "subset of GTOT, VT821, VT1000 and VOT-layout sequences (e.g. from 'rgbt-track "
                    "make-sequences'). The tracker is frozen (no gradients, batch norms in eval mode). "
                    "Writes OUT/rfn.pth (the RFN weights), OUT/checkpoint.pth (for --resume, every "
                    "--checkpoint-every steps) and OUT/validation.json (mean IoU of rgb / ir / fused-l1 / "
                    "fused-rfn tracking on held-out sequences). Runs under torchrun as "
                    "DistributedDataParallel with the same arguments.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    TrainingData.add_arguments(p)
    val = p.add_argument_group("validation")
    val.add_argument("--val-sequences", metavar="DIR",
                     help="VOT-layout folder of held-out sequences (default: the last --val-fraction of "
                          "--sequences, else of --gtot, is held out of training)")
    val.add_argument("--val-fraction", type=float, default=0.2, help="share of sequences held out")
    val.add_argument("--val-frames", type=int, default=0, metavar="N",
                     help="track at most N frames per held-out sequence (0: all)")
    val.add_argument("--validate-every", type=int, default=0, metavar="N",
                     help="steps between validations (0: only at the end)")
    TrackerSpec.add_arguments(p, exclude=EXCLUDED)
    p.add_argument("--out", required=True, default=argparse.SUPPRESS, metavar="DIR", help="output folder")
    p.add_argument("--max-steps", type=int, default=2000, help="optimiser steps in total")
    p.add_argument("--batch-size", type=int, default=4, help="pairs per step and process")
    p.add_argument("--lr", type=float, default=1e-4, help="Adam learning rate")
    p.add_argument("--seed", type=int, default=0, help="seed of the RFN weights and of the pair sampling")
    p.add_argument("--workers", type=int, default=0, help="data-loader worker processes")
    p.add_argument("--checkpoint-every", type=int, default=50, metavar="N", help="steps between checkpoints")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pth")
    loss = p.add_argument_group("loss (defaults: paper values; see docs/tracking_rfn.md)")
    loss.add_argument("--alpha", type=float, default=700.0, help="weight of L_detail")
    loss.add_argument("--w-vi", type=float, default=3.0, help="weight of the RGB features in L_feature")
    loss.add_argument("--w-ir", type=float, default=6.0, help="weight of the IR features in L_feature")
    loss.add_argument("--normalize-weights", action="store_true",
                      help="use w/(w_vi + w_ir) in L_feature (keeps the target at the features' scale)")
    loss.add_argument("--level-weights", type=_level_weights, default=None, metavar="W1,W2,...",
                      help="w1 per neck level (default: 1 for every level)")
    loss.add_argument("--feature-reduction", choices=("mean", "sum"), default="mean",
                      help="squared error of L_feature averaged or summed")
    loss.add_argument("--ssim-range", default="per_sample", metavar="per_sample|L",
                      help="SSIM data range: per sample (max - min of the l1 target) or a fixed number")
    rfn = p.add_argument_group("RFN")
    rfn.add_argument("--output-relu", action="store_true", help="ReLU after Conv4 and conv5 (clips phi_f)")
    rfn.add_argument("--no-inner-relu", action="store_true", help="no ReLU after Conv1-Conv3")
    rfn.add_argument("--init", choices=("average", "default"), default="average",
                     help="start at (rgb + ir) / 2 or from PyTorch's default initialisation")
    p.set_defaults(func=run)


def _ssim_range(text: str):
    from rgbt_runtime import InputError

    if text == "per_sample":
        return text
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"--ssim-range must be 'per_sample' or a positive number, got {text!r}") from None
    if not value > 0:
        raise InputError(f"--ssim-range must be positive, got {text}")
    return value


def _load_data(args: argparse.Namespace) -> tuple[list, list]:
    """(training sequences, held-out validation sequences) from the data options."""
    from rgbt_track.datasets.vot import load_vot_sequences
    from rgbt_track.rfn.training import split_validation

    data = TrainingData.from_args(args)
    videos = data.load_videos()
    held_out = []
    if args.val_sequences:
        held_out = load_vot_sequences(args.val_sequences)
        data.check_disjoint(held_out)
    else:
        for name in ("sequences", "gtot"):  # hold out of the first video set given
            if name in videos:
                videos[name], held_out = split_validation(videos[name], args.val_fraction)
                break
    train = [s for group in videos.values() for s in group] + data.load_stills()
    return train, held_out


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import torch

    from rgbt_runtime import InputError, init_distributed
    from rgbt_runtime.atomic import check_folder_destination
    from rgbt_track.evaluation.validation import make_validator
    from rgbt_track.rfn.model import ReducedRFNConfig
    from rgbt_track.rfn import RFNLossConfig
    from rgbt_track.tracker_spec import load_model
    from rgbt_track.rfn.training import RFNTrainConfig, pairs_needed, rfn_pair_dataset, train_rfn

    spec = TrackerSpec.from_args(args)
    if not 0 <= args.val_fraction < 1:
        raise InputError(f"--val-fraction must be in [0, 1), got {args.val_fraction}")
    if args.val_frames < 0:
        raise InputError(f"--val-frames must be >= 0, got {args.val_frames}")
    try:
        loss = RFNLossConfig(alpha=args.alpha, w_vi=args.w_vi, w_ir=args.w_ir,
                             normalize_modality_weights=args.normalize_weights, level_weights=args.level_weights,
                             feature_reduction=args.feature_reduction, ssim_data_range=_ssim_range(args.ssim_range))
    except ValueError as exc:
        raise InputError(str(exc)) from None
    config = RFNTrainConfig(batch_size=args.batch_size, lr=args.lr, max_steps=args.max_steps, seed=args.seed,
                            checkpoint_every=args.checkpoint_every, validate_every=args.validate_every,
                            num_workers=args.workers, loss=loss,
                            rfn=ReducedRFNConfig(inner_relu=not args.no_inner_relu, output_relu=args.output_relu,
                                                 init=args.init))
    check_folder_destination(args.out, "--out")
    if spec.threads:
        torch.set_num_threads(spec.threads)
    model = load_model(spec)  # the frozen tracker network (a wrong-arch file fails here, in one line)
    train, held_out = _load_data(args)
    if not train:
        raise InputError("every sequence was held out for validation: lower --val-fraction or add data")
    dist = init_distributed(None if spec.device == "auto" else spec.resolved_device())
    pairs = rfn_pair_dataset(train, pairs_needed(config, dist.world_size), config.seed)
    validate = None
    if held_out:
        if args.val_frames:
            held_out = [first_frames(seq, args.val_frames) for seq in held_out]
        validate = make_validator(spec.replace(device=str(dist.device)), held_out)
    elif dist.is_main:
        print("no held-out sequences (give --sequences, --gtot or --val-sequences): validation skipped")
    source = Path(spec.checkpoint).name if spec.checkpoint else "shipped"
    train_rfn(model, pairs, args.out, config, arch=spec.arch, resume=args.resume, validate=validate, dist=dist,
              rfn_meta={"checkpoint": source})
    if dist.is_main:
        print(f"wrote {Path(args.out) / 'rfn.pth'}")
    return 0

