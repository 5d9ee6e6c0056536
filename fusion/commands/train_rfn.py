"""``rfn-nest train-rfn``: training stage 2, the four RFNs with the auto-encoder frozen (``docs/fusion_network.md``)."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_rfn_loss_arguments(p: argparse.ArgumentParser) -> None:
    """``--ir``/``--vis`` folders and the RFN loss weights (shared with train-one-stage)."""
    p.add_argument("--ir", type=Path, required=True, help="folder of infrared images (e.g. KAIST lwir)")
    p.add_argument("--vis", type=Path, required=True, help="folder of the registered visible images (same names, or IRn/VISn)")
    p.add_argument("--alpha", type=float, default=700.0, help="weight of the detail (MS-SSIM) term (default 700)")
    p.add_argument("--w-ir", type=float, default=6.0, help="infrared weight in the feature target (default 6)")
    p.add_argument("--w-vi", type=float, default=3.0, help="visible weight in the feature target (default 3)")
    p.add_argument("--w1", type=float, nargs=4, default=[1.0, 10.0, 100.0, 1000.0], metavar="W",
                   help="per-scale feature weights (default 1 10 100 1000)")


def add_autoencoder_argument(p: argparse.ArgumentParser) -> None:
    """The frozen stage-1 auto-encoder that stage 2 starts from."""
    p.add_argument("--autoencoder", type=Path, required=True,
                   help="stage-1 checkpoint from train-autoencoder, or the reference's nestfuse_gray_1e2.model")


def register(subparsers) -> None:
    from fusion.training.options import add_training_command

    add_training_command(
        subparsers, "train-rfn", run, (add_rfn_loss_arguments, add_autoencoder_argument),
        help="stage 2: train the RFNs on infrared/visible pairs",
        description="Train the four residual fusion networks with the auto-encoder of stage 1 frozen: "
                    "L = alpha (1 - MS-SSIM(O', I_vi)) + sum_m w1[m] MSE(phi_f, w_ir phi_ir + w_vi phi_vi) "
                    "(the paper: 80,000 KAIST pairs, 2 epochs, batch 4, Adam 1e-4).")


def rfn_loss_config(args: argparse.Namespace):
    from fusion.training.losses import RFNLossConfig

    return RFNLossConfig(args.alpha, args.w_ir, args.w_vi, tuple(args.w1), args.ms_ssim_form)


def load_autoencoder(path: Path, seed: int):
    """An RFNNest with the auto-encoder weights of ``path`` and a freshly seeded RFN."""
    from fusion.model import model_from_checkpoint
    from fusion.reference_keys import load_reference_model
    from fusion.rfn import ResidualFusionNetwork
    from rgbt_runtime import load_state_file, seed_everything

    state = load_state_file(path)
    model = model_from_checkpoint(state, f"checkpoint {path}") if "model" in state else load_reference_model(path)
    seed_everything(seed)
    model.rfn = ResidualFusionNetwork(model.config.channels)
    return model


def run(args: argparse.Namespace) -> int:
    from fusion.data import PairedFolderDataset
    from fusion.training.loop import train
    from fusion.training.options import train_config
    from fusion.training.tasks import RFNTask

    config = train_config(args)
    dataset = PairedFolderDataset(args.ir, args.vis, args.image_size, args.sampling)
    model = load_autoencoder(args.autoencoder, config.seed)
    train(RFNTask(model, rfn_loss_config(args)), dataset, config, args.out, stage="rfn", resume=args.resume)
    return 0
