"""``rfn-nest benchmark-strategies``: fuse the pairs with each strategy and score them (Table 3 layout).

The encoder and decoder of the loaded model are shared by all strategies; only the per-scale
fusion of the encoder features changes (``docs/fusion_network.md``), and ``rfn`` is the model's trained RFN. Each
fused image is min-max scaled to uint8 as the reference saves its outputs, then scored exactly as
``rfn-nest evaluate`` would score it from disk. Default metrics: the six of Table 3.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from fusion.commands.evaluate import add_output_arguments, check_outputs, parse_metric_names, report
from fusion.commands.model_options import add_model_arguments, load_model_from_args
from rgbt_runtime.allocator import LOW_MEMORY_HELP

DEFAULT_STRATEGIES = ("add", "max", "l1", "nuclear", "sca", "rfn")
# Row labels as in the paper's Table 3.
DISPLAY_NAMES = {"add": "add", "avg": "avg", "max": "max", "l1": "l1-norm", "spatial": "spatial",
                 "nuclear": "nuclear-norm", "sca": "SCA", "rfn": "RFN-Nest"}
TABLE3_METRICS = ("En", "SD", "MI", "Nabf", "SCD", "MS_SSIM")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "benchmark-strategies", help="fuse with every fusion strategy and score them in one table",
        description="Fuse every infrared/visible pair with each strategy (shared encoder and decoder; "
                    "'rfn' = the trained fusion network) and print the mean metrics per strategy, best / "
                    "second / third marked, like the paper's Table 3. Pairs are matched as in "
                    "'rfn-nest evaluate'.")
    p.add_argument("--ir-dir", type=Path, required=True, help="folder of infrared source images")
    p.add_argument("--vis-dir", type=Path, required=True, help="folder of visible source images")
    add_model_arguments(p)
    p.add_argument("--strategies", default=",".join(DEFAULT_STRATEGIES),
                   help=f"comma-separated strategies to compare (default {','.join(DEFAULT_STRATEGIES)}; "
                        f"also: avg, spatial)")
    p.add_argument("--low-memory", action="store_true", help=LOW_MEMORY_HELP)
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default: auto)")
    add_output_arguments(p)
    p.set_defaults(func=run, metrics_default=TABLE3_METRICS)


def parse_strategies(text: str) -> list[str]:
    """``"add,max"`` -> ``["add", "max"]``; :class:`InputError` for unknown or repeated names."""
    from rgbt_runtime.errors import InputError

    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in DISPLAY_NAMES]
    if unknown or not names:
        raise InputError(f"unknown strategy {', '.join(unknown) or '(none)'}; choose from {', '.join(DISPLAY_NAMES)}")
    if len(set(names)) != len(names):
        raise InputError(f"strategy given twice in {text!r}")
    return names


def run(args: argparse.Namespace) -> int:
    import numpy as np
    from tqdm import tqdm

    from fusion.images import min_max_to_uint8
    from fusion.inference import fuse_arrays
    from rgbt_runtime.image_files import pair_images
    from fusion.metrics.evaluate import read_gray, score_pair
    from fusion.metrics.registry import get_metrics

    check_outputs(args)
    strategies = parse_strategies(args.strategies)
    metrics = get_metrics(parse_metric_names(args.metrics) or list(args.metrics_default))
    pairs = pair_images(args.ir_dir, args.vis_dir)
    sources = {}
    for pair in pairs:  # every input is checked before the slow part starts
        ir, vis = read_gray(pair.ir), read_gray(pair.vis)
        score_pair(ir, vis, ir, [], where=pair.name)
        sources[pair.name] = (ir, vis)
    model = load_model_from_args(args)
    rows = []
    for pair in tqdm(pairs, desc="pairs", unit="pair", disable=args.no_progress):
        ir, vis = sources[pair.name]
        for name in strategies:
            raw = fuse_arrays(model, ir.astype(np.float32), vis.astype(np.float32), name)
            scores = score_pair(ir, vis, min_max_to_uint8(raw), metrics, where=f"{name}/{pair.name}")
            rows.append({"method": DISPLAY_NAMES[name], "image": pair.name, **scores})
    report(rows, metrics, args)
    return 0
