"""``rfn-nest evaluate``: score folders of fused images with the paper's metrics (Table 5 layout)."""
from __future__ import annotations

import argparse
from pathlib import Path

from rgbt_runtime.errors import InputError

EPILOG = """\
pairing: each infrared image is a pair named by its stem (IR1); its visible counterpart has the same
stem or the same stem with IR swapped for VIS/VI (VIS1). In every fused folder the image of pair IR1
is the one whose stem is IR1 or ends with a separator + IR1 (fused_..._IR1.png). Metrics are computed
as the RFN-Nest paper's reference MATLAB code does; see docs/metrics.md.
"""


def parse_methods(items: list[str]) -> dict[str, Path]:
    """``["NAME=DIR", ...]`` -> ``{NAME: DIR}``; :class:`InputError` on a malformed or repeated name."""
    methods: dict[str, Path] = {}
    for item in items:
        name, sep, folder = item.partition("=")
        if not sep or not name or not folder:
            raise InputError(f"--fused-dir expects NAME=DIR, got {item!r}")
        if name in methods:
            raise InputError(f"method name {name!r} given twice")
        methods[name] = Path(folder)
    return methods


def parse_metric_names(items: list[str] | None) -> list[str] | None:
    """``--metrics`` values, accepting spaces or commas between names."""
    if not items:
        return None
    return [name for item in items for name in item.split(",") if name]


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """``--csv``, ``--markdown``, ``--per-image``, ``--metrics``, ``--no-progress`` (shared with benchmark-strategies)."""
    parser.add_argument("--csv", type=Path, help="write the table as CSV (header method[,image],<metrics>)")
    parser.add_argument("--markdown", type=Path, help="write the table as Markdown")
    parser.add_argument("--per-image", action="store_true",
                        help="CSV/Markdown get one row per method and pair, with an 'image' column")
    parser.add_argument("--metrics", nargs="+", metavar="NAME",
                        help="metrics to compute, e.g. 'En SD MI Nabf SCD MS_SSIM' (default: all 12 table "
                             "metrics; extras: MI_bits, SD_pixels)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "evaluate", help="score fused images with the paper's fusion metrics",
        description="Compute En, SD, MI, Nabf, SCD, MS_SSIM, Qabf, FMI_pixel, FMI_dct, FMI_w, SSIM_a and VIF "
                    "for each method's fused images, print the mean per method (best / second / third "
                    "marked) and optionally write CSV / Markdown.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ir-dir", type=Path, required=True, help="folder of infrared source images")
    p.add_argument("--vis-dir", type=Path, required=True, help="folder of visible source images")
    p.add_argument("--fused-dir", nargs="+", required=True, metavar="NAME=DIR",
                   help="one or more methods: name and folder of its fused images")
    add_output_arguments(p)
    p.set_defaults(func=run)


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse a bad ``--csv`` / ``--markdown`` path before any work (not after the table is printed)."""
    from rgbt_runtime.atomic import check_destination

    for option, path in (("--csv", args.csv), ("--markdown", args.markdown)):
        if path is not None:
            check_destination(path, option)


def report(rows: list[dict], metrics: list, args: argparse.Namespace) -> None:
    """Print the mean table and write the requested files (per-image rows if ``--per-image``)."""
    from fusion.metrics.evaluate import format_markdown, format_text, mean_rows, write_csv, write_text

    means = mean_rows(rows, metrics)
    print(format_text(means, metrics))
    table = rows if args.per_image else means
    if args.csv:
        write_csv(args.csv, table, metrics)
    if args.markdown:
        text = format_markdown(means, metrics)
        if args.per_image:
            text += "\n\n" + format_markdown(rows, metrics)
        write_text(args.markdown, text)


def run(args: argparse.Namespace) -> int:
    from rgbt_runtime.image_files import pair_images
    from fusion.metrics.evaluate import evaluate_folders
    from fusion.metrics.registry import get_metrics

    check_outputs(args)
    methods = parse_methods(args.fused_dir)
    metrics = get_metrics(parse_metric_names(args.metrics))
    pairs = pair_images(args.ir_dir, args.vis_dir)
    rows = evaluate_folders(pairs, methods, metrics, progress=not args.no_progress)
    report(rows, metrics, args)
    return 0
