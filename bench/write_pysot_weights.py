"""Write seeded random weights for a pysot architecture as a pysot model-zoo ``model.pth``.

No trained pysot model-zoo weights exist on this machine, so the benches that need a ``mobilev2``
or ``r50`` tracker loaded through the pysot-format path (``--checkpoint model.pth``: a flat state
dict with pysot's key names, no ``num_batches_tracked``) use these: every convolution is drawn
from PyTorch's default initialisation with ``torch.manual_seed(--seed)``. With ``--calibration
DIR`` the batch norms hold the statistics of template/search crops cut from that folder's
sequences as ``rgbt-track train-rfn`` cuts them (rgb and ir, one train-mode pass), so each layer
sees inputs of the scale a trained network's would; without it they keep mean 0 / variance 1.
The weights are random: the tracker they make follows no object.

    python bench/write_pysot_weights.py --arch mobilev2 --seed 0 --calibration work/train --out work/model.pth
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from bench_rfn_loss_scale import pair_batch, random_pysot_file
from rgbt_track.datasets.vot import load_vot_sequences
from trackers.checkpoint import save_pysot_checkpoint
from trackers.config import ARCHITECTURES
from trackers.model import build_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=[a for a in ARCHITECTURES if a != "tiny"], default="mobilev2")
    parser.add_argument("--seed", type=int, default=0, help="torch seed of the weights (default 0)")
    parser.add_argument("--calibration", type=Path, metavar="DIR",
                        help="VOT-layout sequences whose crops set the batch-norm statistics")
    parser.add_argument("--pairs", type=int, default=8, help="crop pairs of the calibration pass (default 8)")
    parser.add_argument("--out", type=Path, required=True, help="model.pth to write")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.calibration is not None:
        batch = pair_batch(load_vot_sequences(args.calibration), args.pairs, seed=args.seed)
        random_pysot_file(args.arch, args.out, batch, seed=args.seed)
    else:
        torch.manual_seed(args.seed)
        save_pysot_checkpoint(build_model(args.arch), args.out)
    print(f"wrote seeded random {args.arch} weights (seed {args.seed}) in pysot's format to {args.out}")


if __name__ == "__main__":
    main()
