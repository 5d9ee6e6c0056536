"""The scale of L_feature's target: the paper's w_vi = 3, w_ir = 6 against normalised weights, as tables.

Part 1, feature scale (no training). On ``--stat-pairs`` template/search pairs cut from held-out
generated sequences exactly as ``rgbt-track train-rfn`` cuts them, the frozen tracker's neck
features per level (search branch, 31x31): standard deviation and mean |phi| of rgb, ir, the l1-norm
fusion, the paper's target ``3 rgb + 6 ir`` and the normalised target ``(3 rgb + 6 ir) / 9``, and
what the frozen RPN heads output when fed each (template and search from the same candidate).
Trackers: ``tiny`` with its shipped weights (plus the shipped RFN's output), and ``mobilev2`` with
seeded random weights written as a pysot model-zoo file (flat state dict, no
``num_batches_tracked``) and read back through ``trackers.checkpoint.load_tracker_weights``; its
batch-norm statistics are those of generated crops (a train-mode pass), as a trained network's
would be, and its heads are random, so its head columns show scale only.

Part 2, training (``tiny``). For each loss setting the package's own loop
(``rgbt_track.rfn.training.train_rfn``, what ``rgbt-track train-rfn`` runs) trains an RFN from the
same start (``init=average``) for ``--steps`` steps (batch 4, Adam 1e-4, seed 0) on generated
training sequences; then the held-out pairs give L_feature, alpha * L_detail and the scale of the
RFN output relative to the l1-norm fusion, and the fused tracker with that RFN tracks the held-out
sequences (one pass from the first frame, no re-initialisation; mean IoU over sequences).

The defaults reproduce the tables of ``docs/tracking_rfn.md`` (1911 s there, one torch thread on a
2-core VM shared with other jobs; most of it is the 4 x 300 training steps and the 7 held-out
tracking runs). Data, generated into ``--work`` (a temporary folder by default):

    rgbt-track make-sequences WORK/train --count 16 --length 200 --seed 1
    rgbt-track make-sequences WORK/val   --count 6  --length 200 --seed 2   # held out

    python bench/bench_rfn_loss_scale.py [--steps 300] [--threads 1] [--work DIR]
"""
from __future__ import annotations

import argparse
import copy
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from rgbt_runtime import init_distributed
from rgbt_track.datasets.vot import load_vot_sequences
from rgbt_track.evaluation import mean_iou, run_sequence
from rgbt_track.evaluation.feature_scale import CANDIDATES, fusion_candidates, head_response, level_scale
from rgbt_track.feature_fusion.l1 import L1NormFeatureFusion
from rgbt_track.rfn.model import ReducedRFNFusion, load_rfn
from rgbt_track.generator import generate_sequences
from rgbt_track.rfn import RFNLoss, RFNLossConfig
from rgbt_track.rfn.training import (RFNTrainConfig, feature_channels, freeze_tracker, pairs_needed,
                                     rfn_pair_dataset, train_rfn)
from rgbt_track.weights import default_tracker_weights, shipped_weights
from trackers.checkpoint import load_tracker_weights
from trackers.config import get_arch
from trackers.model import build_model
from trackers.tracker import SiameseTracker

# (name, normalise w_vi / w_ir, level weights w1)
SETTINGS = (("paper", False, (1.0, 1.0, 1.0)), ("normalised", True, (1.0, 1.0, 1.0)),
            ("paper, w1 1/10/100", False, (1.0, 10.0, 100.0)), ("normalised, w1 1/10/100", True, (1.0, 10.0, 100.0)))


def cpu_model() -> str:
    """The CPU's model name as ``lscpu`` shows it (from /proc/cpuinfo)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def pair_batch(sequences, count: int, seed: int) -> dict[str, torch.Tensor]:
    """``count`` both-modality pairs from ``sequences`` as one batch (``train-rfn``'s sampling)."""
    pairs = rfn_pair_dataset(sequences, count, seed)
    return next(iter(torch.utils.data.DataLoader(pairs, batch_size=count, shuffle=False)))


def modality_features(model, batch) -> dict[str, list[torch.Tensor]]:
    """Frozen neck features: keys ``z_rgb z_ir x_rgb x_ir``, each a per-level list."""
    with torch.no_grad():
        return {f"{b}_{m}": model.features(batch[f"{branch}_{key}"])
                for b, branch in (("z", "template"), ("x", "search")) for m, key in (("rgb", "color"), ("ir", "ir"))}


def random_pysot_file(arch: str, path: Path, calibration: dict[str, torch.Tensor], seed: int = 0) -> Path:
    """Seeded random weights for ``arch`` written as a pysot model-zoo file (flat state dict).

    Batch norms hold the statistics of ``calibration``'s rgb and ir crops (one train-mode pass with
    a cumulative average), so every layer sees inputs of the scale a trained network's would.
    """
    torch.manual_seed(seed)
    model = build_model(arch)
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        for key in ("color", "ir"):
            model(calibration[f"template_{key}"], calibration[f"search_{key}"])
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save(state, path)
    return path


def scale_table(title: str, model, feats: dict, extra: dict[str, tuple[list, list]] | None = None) -> None:
    """Print per-level std / mean |phi| (search branch) and the heads' outputs for every candidate."""
    z = fusion_candidates(feats["z_rgb"], feats["z_ir"])
    x = fusion_candidates(feats["x_rgb"], feats["x_ir"])
    rows = [(name, z[name], x[name]) for name in CANDIDATES]
    rows += [(name, zf, xf) for name, (zf, xf) in (extra or {}).items()]
    levels = len(feats["x_rgb"])
    print(f"\n{title}\n")
    print("| features fed to the heads | " + " | ".join(f"level {i + 1} std / mean abs" for i in range(levels))
          + " | cls logit std | peak score | mean score | loc std | max abs loc |")
    print("|---|" + "---:|" * (levels + 5))
    for name, zf, xf in rows:
        scales = " | ".join(f"{s.std:.3f} / {s.mean_abs:.3f}" for s in level_scale(xf))
        h = head_response(model, zf, xf)
        print(f"| {name} | {scales} | {h.cls_std:.2f} | {h.score_max:.3f} | {h.score_mean:.3f} | "
              f"{h.loc_std:.2f} | {h.loc_abs_max:.2f} |", flush=True)


def tiny_model():
    model = build_model("tiny")
    load_tracker_weights(model, default_tracker_weights("tiny"))
    return freeze_tracker(model)


def held_out_iou(model, fusion, sequences) -> list[float]:
    """Mean IoU per held-out sequence of the fused tracker with ``fusion`` (one pass, no resets)."""
    spec = get_arch("tiny")
    tracker = SiameseTracker(model, spec.hyperparams, spec.anchors, mode="fused", fusion=fusion, device="cpu")
    return [mean_iou(run_sequence(tracker, s).boxes, s.groundtruth) for s in sequences]


def loss_terms(model, rfn, feats, loss: RFNLossConfig) -> tuple[float, float, float]:
    """(L_feature, alpha * L_detail, std(phi_f) / std(l1) averaged over levels) on held-out pairs,
    mean of the template and the search branch as in training."""
    loss_fn = RFNLoss(loss)
    with torch.no_grad():
        terms = [loss_fn(rfn(feats[f"{b}_rgb"], feats[f"{b}_ir"]), feats[f"{b}_rgb"], feats[f"{b}_ir"]) for b in "zx"]
        fused_x = rfn(feats["x_rgb"], feats["x_ir"])
        l1_x = L1NormFeatureFusion()(feats["x_rgb"], feats["x_ir"])
    ratio = np.mean([float(f.std() / t.std()) for f, t in zip(fused_x, l1_x)])
    return (float(sum(t.feature for t in terms) / 2), loss.alpha * float(sum(t.detail for t in terms) / 2),
            float(ratio))


def training_table(args, train_seqs, val_seqs, feats) -> None:
    model = tiny_model()
    untrained = ReducedRFNFusion(feature_channels(model)).eval()
    print(f"\ntiny: RFN trained {args.steps} steps per setting (batch 4, Adam 1e-4, seed 0, init=average); "
          f"losses and scale on {args.stat_pairs} held-out pairs; IoU on {len(val_seqs)} held-out sequences\n")
    print("| fusion | loss (w_vi, w_ir; w1) | L_feature start -> end | alpha L_detail start -> end | "
          "std(phi_f) / std(l1) | held-out mean IoU | per sequence | train s |")
    print("|---|---|---:|---:|---:|---:|---|---:|")

    def row(fusion: str, loss: str, feat: str, detail: str, ratio: str, ious: list[float], seconds: str) -> None:
        print(f"| {fusion} | {loss} | {feat} | {detail} | {ratio} | {np.mean(ious):.4f} | "
              f"{' '.join(f'{v:.3f}' for v in ious)} | {seconds} |", flush=True)

    row("l1-norm (no training)", "-", "-", "-", "1", held_out_iou(model, L1NormFeatureFusion(), val_seqs), "-")
    start = loss_terms(model, untrained, feats, RFNLossConfig())
    row("RFN untrained (= step 0)", "-", "-", "-", f"{start[2]:.3f}",
        held_out_iou(model, copy.deepcopy(untrained), val_seqs), "-")
    dist = init_distributed("cpu")
    for name, normalise, level_weights in SETTINGS:
        loss = RFNLossConfig(normalize_modality_weights=normalise, level_weights=level_weights)
        config = RFNTrainConfig(max_steps=args.steps, checkpoint_every=args.steps, loss=loss)
        pairs = rfn_pair_dataset(train_seqs, pairs_needed(config, 1), config.seed)
        out = Path(tempfile.mkdtemp(prefix="rfn_", dir=args.work))
        tick = time.perf_counter()
        rfn = train_rfn(tiny_model(), pairs, out, config, arch="tiny", dist=dist, progress=args.progress).eval()
        seconds = time.perf_counter() - tick
        before, after = loss_terms(model, untrained, feats, loss), loss_terms(model, rfn, feats, loss)
        w_vi, w_ir = loss.modality_weights
        label = f"{name} ({w_vi:.3g}, {w_ir:.3g}; {'/'.join(f'{w:g}' for w in level_weights)})"
        row(f"RFN, {args.steps} steps", label, f"{before[0]:.3f} -> {after[0]:.3f}", f"{before[1]:.1f} -> {after[1]:.1f}",
            f"{after[2]:.3f}", held_out_iou(model, rfn, val_seqs), f"{seconds:.0f}")
    shipped, meta = load_rfn(shipped_weights("tiny", "rfn"))
    paper = RFNLossConfig()
    end = loss_terms(model, shipped.eval(), feats, paper)
    row(f"shipped RFN, {meta.get('step', 2000)} steps", "paper (3, 6; 1/1/1)", f"{start[0]:.3f} -> {end[0]:.3f}",
        f"{start[1]:.1f} -> {end[1]:.1f}", f"{end[2]:.3f}", held_out_iou(model, shipped, val_seqs), "-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=None, help="folder for the generated data and RFNs "
                        "(default: a temporary folder, removed at the end)")
    parser.add_argument("--steps", type=int, default=300, help="RFN training steps per loss setting")
    parser.add_argument("--train-count", type=int, default=16, help="generated training sequences (seed 1)")
    parser.add_argument("--val-count", type=int, default=6, help="generated held-out sequences (seed 2)")
    parser.add_argument("--length", type=int, default=200, help="frames per generated sequence")
    parser.add_argument("--stat-pairs", type=int, default=16, help="held-out pairs for the scale statistics")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--skip-training", action="store_true", help="print part 1 only")
    parser.add_argument("--progress", action="store_true", help="show the training progress bars")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        args.work = Path(args.work or tmp)
        run(args)


def run(args) -> None:
    started = time.perf_counter()
    for name, count, seed in (("train", args.train_count, 1), ("val", args.val_count, 2)):
        if not (args.work / name / "list.txt").exists():
            generate_sequences(args.work / name, count=count, length=args.length, seed=seed)
    train_seqs, val_seqs = load_vot_sequences(args.work / "train"), load_vot_sequences(args.work / "val")
    batch = pair_batch(val_seqs, args.stat_pairs, seed=7)
    print(f"{cpu_model()}, torch {torch.__version__}, {args.threads} thread(s); {len(train_seqs)} training and "
          f"{len(val_seqs)} held-out generated sequences of {args.length} frames")

    tiny = tiny_model()
    feats = modality_features(tiny, batch)
    shipped, _ = load_rfn(shipped_weights("tiny", "rfn"))
    with torch.no_grad():
        rfn_out = tuple(shipped.eval()(feats[f"{b}_rgb"], feats[f"{b}_ir"]) for b in "zx")
    scale_table(f"tiny, shipped weights ({args.stat_pairs} held-out pairs; std / mean abs of the 31x31 search "
                "features per level)", tiny, feats, {"shipped RFN output (paper loss)": rfn_out})

    path = random_pysot_file("mobilev2", args.work / "mobilev2_random_pysot.pth", pair_batch(val_seqs, 8, seed=11))
    mobile = build_model("mobilev2")
    load_tracker_weights(mobile, path)
    mobile = freeze_tracker(mobile)
    scale_table(f"mobilev2, seeded random weights in pysot's file format ({args.stat_pairs} held-out pairs)",
                mobile, modality_features(mobile, batch))
    if not args.skip_training:
        training_table(args, train_seqs, val_seqs, feats)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
