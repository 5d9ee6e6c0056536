"""``rfn-nest train-autoencoder``: training stage 1, the nest auto-encoder (``docs/fusion_network.md``)."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_image_arguments(p: argparse.ArgumentParser) -> None:
    """The training image folders and the MS-SSIM weight of the auto-encoder loss."""
    p.add_argument("image_dirs", nargs="+", type=Path, metavar="IMAGE_DIR", help="folder(s) of training images")
    p.add_argument("--ssim-weight", type=float, default=100.0, help="lambda (default 100)")


def register(subparsers) -> None:
    from fusion.training.options import add_architecture_arguments, add_training_command

    add_training_command(
        subparsers, "train-autoencoder", run, (add_image_arguments, add_architecture_arguments),
        help="stage 1: train the encoder and decoder on gray images",
        description="Train the RFN-Nest auto-encoder: L = MSE + lambda * (1 - MS-SSIM) on gray S x S images "
                    "from one or more folders (the paper: 80,000 MS-COCO images, 2 epochs, batch 4, Adam 1e-4, "
                    "lambda 100). Run it under torchrun for several GPUs.")


def run(args: argparse.Namespace) -> int:
    from fusion.data import ImageFolderDataset
    from rgbt_runtime import seed_everything
    from fusion.training.loop import train
    from fusion.training.losses import AutoencoderLossConfig
    from fusion.training.options import model_from_arguments, train_config
    from fusion.training.tasks import AutoencoderTask

    config = train_config(args)
    dataset = ImageFolderDataset(args.image_dirs, args.image_size, args.sampling)
    seed_everything(config.seed)
    model = model_from_arguments(args)
    task = AutoencoderTask(model, AutoencoderLossConfig(args.ssim_weight, args.ms_ssim_form))
    train(task, dataset, config, args.out, stage="autoencoder", resume=args.resume)
    return 0
