"""``rfn-nest train-one-stage``: the one-stage ablation (Sec. 4.5), everything trained at once."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    from fusion.commands.train_rfn import add_rfn_loss_arguments
    from fusion.training.options import add_architecture_arguments, add_training_command

    add_training_command(
        subparsers, "train-one-stage", run, (add_rfn_loss_arguments, add_architecture_arguments),
        help="ablation: train encoder, RFNs and decoder together",
        description="Train the whole RFN-Nest from scratch with the RFN loss (alpha 700, w_ir 6, w_vi 3, "
                    "w1 1/10/100/1000), encoder and decoder trainable: the paper's one-stage ablation.")


def run(args: argparse.Namespace) -> int:
    from fusion.commands.train_rfn import rfn_loss_config
    from fusion.data import PairedFolderDataset
    from rgbt_runtime import seed_everything
    from fusion.training.loop import train
    from fusion.training.options import model_from_arguments, train_config
    from fusion.training.tasks import RFNTask

    config = train_config(args)
    dataset = PairedFolderDataset(args.ir, args.vis, args.image_size, args.sampling)
    seed_everything(config.seed)
    model = model_from_arguments(args)
    train(RFNTask(model, rfn_loss_config(args), one_stage=True), dataset, config, args.out,
          stage="one-stage", resume=args.resume)
    return 0
