"""Tracking-RFN training throughput (pairs per second) and peak memory, per batch size.

Each batch size runs in its own fresh process (so its peak resident memory is its own): it builds
the tracker (``--checkpoint`` or random weights: speed does not depend on them), samples RGB-T
template/search pairs from VOT-layout ``--sequences`` exactly as ``rgbt-track train-rfn`` does,
and times ``--steps`` optimiser steps after ``--warmup`` untimed ones. ``data`` is the time spent
reading and cropping pairs, ``step`` the frozen-tracker features + RFN forward/backward + Adam.

    .venv/bin/rgbt-track make-sequences work/bench_seqs --count 4 --length 60
    .venv/bin/python bench/bench_rfn_training.py --sequences work/bench_seqs
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import resource
import time


def _measure(arch: str, checkpoint: str | None, sequences: str, batch_size: int, steps: int, warmup: int,
             threads: int, queue) -> None:
    import torch

    from rgbt_track.datasets.vot import load_vot_sequences
    from rgbt_track.rfn import RFNLoss
    from rgbt_track.rfn.training import (RFNTrainConfig, TwoBranchFusion, feature_channels, freeze_tracker,
                                         rfn_loss_on_batch, rfn_pair_dataset)
    from rgbt_track.rfn.model import ReducedRFNFusion
    from trackers.checkpoint import load_tracker_weights
    from trackers.model import build_model

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build_model(arch)
    if checkpoint:
        load_tracker_weights(model, checkpoint)
    model = freeze_tracker(model)
    config = RFNTrainConfig(batch_size=batch_size)
    rfn = ReducedRFNFusion(feature_channels(model), config.rfn)
    fusion = TwoBranchFusion(rfn)
    optimizer = torch.optim.Adam(rfn.parameters(), lr=config.lr)
    loss_fn = RFNLoss(config.loss)
    pairs = rfn_pair_dataset(load_vot_sequences(sequences), (steps + warmup) * batch_size, seed=0)
    loader = torch.utils.data.DataLoader(pairs, batch_size=batch_size, shuffle=False)
    data_time = step_time = 0.0
    tick = time.perf_counter()
    for i, batch in enumerate(loader):
        loaded = time.perf_counter()
        terms = rfn_loss_on_batch(model, fusion, loss_fn, batch, torch.device("cpu"))
        optimizer.zero_grad(set_to_none=True)
        terms.total.backward()
        optimizer.step()
        done = time.perf_counter()
        if i >= warmup:
            data_time += loaded - tick
            step_time += done - loaded
        tick = done
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((batch_size, steps * batch_size / (data_time + step_time), data_time / steps, step_time / steps, peak_mib))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequences", required=True, help="VOT-layout folder (e.g. from make-sequences)")
    parser.add_argument("--arch", default="tiny")
    parser.add_argument("--checkpoint", default=None, help="tracker weights (default: random)")
    parser.add_argument("--batch-sizes", default="1,4,8")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    rows = []
    for batch_size in (int(b) for b in args.batch_sizes.split(",")):
        queue = ctx.Queue()
        proc = ctx.Process(target=_measure, args=(args.arch, args.checkpoint, args.sequences, batch_size,
                                                  args.steps, args.warmup, args.threads, queue))
        proc.start()
        rows.append(queue.get())
        proc.join()
    print(f"tracking-RFN training, arch {args.arch}, {args.steps} timed steps, {args.threads} threads, "
          f"{platform.processor() or platform.machine()}")
    print("| batch | pairs/s | data s/step | step s/step | peak RSS MiB |")
    print("|---|---|---|---|---|")
    for batch_size, pairs_per_s, data_s, step_s, peak in rows:
        print(f"| {batch_size} | {pairs_per_s:.2f} | {data_s:.3f} | {step_s:.3f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
