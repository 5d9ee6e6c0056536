"""``rfn-nest fuse``: fuse one infrared/visible pair, or two folders of pairs.

Folder mode checks everything first (pairing, every image readable, sizes, output folder
writable) and only then writes; each output is written atomically (a complete file or nothing).
If writing still fails half-way (disk full), it stops there: the files already written are
complete and the error line says how many there are.

On the CPU, folder mode fuses several pairs at once in worker processes
(:mod:`rgbt_runtime.worker_pool`), largest pair first, by default one per torch thread with one
thread each, as many as the pairs and the memory allow (each worker plans its tiles within its
share of the available memory). Separate pairs never wait for each other, while one pair's
threads meet after every layer, so this finishes a folder sooner than one pair at a time with
every thread; ``docs/benchmarks_fusion.md`` has the measurement. ``--workers 1`` fuses one
pair at a time in this process.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from fusion.commands.model_options import add_model_arguments, load_model_from_args
from rgbt_runtime.allocator import LOW_MEMORY_HELP
from rgbt_runtime.errors import InputError
from rgbt_runtime.worker_pool import WorkerPlan, check_worker_count, imap_in_workers

STRATEGY_CHOICES = ("rfn", "add", "avg", "max", "l1", "spatial", "nuclear", "sca")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "fuse", help="fuse infrared and visible images with RFN-Nest",
        description="Fuse an infrared and a visible image (or two folders of pairs) with RFN-Nest. "
                    "Gray like the paper; a colour visible image is fused on its luma (YCbCr) and keeps "
                    "its colour. Any image size, fully convolutionally. Output is min-max scaled to 0..255 "
                    "like the reference. Folder mode pairs identical names or TNO-style IRn/VISn and writes "
                    "OUT_DIR/fused_<ir name>.png.")
    single = p.add_argument_group("one pair")
    single.add_argument("--ir", type=Path, help="infrared image")
    single.add_argument("--vis", type=Path, help="visible image (gray or colour)")
    single.add_argument("--out", type=Path, help="fused image to write (.png, .jpg, .bmp, .tif)")
    single.add_argument("--preview", type=Path, help="also write IR | visible | fused side by side here")
    folder = p.add_argument_group("folder mode")
    folder.add_argument("--ir-dir", type=Path, help="folder of infrared images")
    folder.add_argument("--vis-dir", type=Path, help="folder of visible images")
    folder.add_argument("--out-dir", type=Path, help="folder for the fused images (created if missing)")
    model = p.add_argument_group("model")
    add_model_arguments(model)
    p.add_argument("--strategy", choices=STRATEGY_CHOICES, default="rfn",
                   help="fusion of the encoder features: the learnt RFN (default) or a handcrafted strategy")
    p.add_argument("--resize", action="store_true", help="resize the visible image to the infrared size when they differ")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default: auto)")
    p.add_argument("--low-memory", action="store_true", help=LOW_MEMORY_HELP)
    p.add_argument("--tile", type=int, default=None,
                   help="fuse in exact overlapping tiles of this side (a multiple of 8; same output up to float "
                        "rounding, less memory); 0: never; default: only when one pass would not fit in memory")
    p.add_argument("--dtype", choices=("fp32", "bf16", "fp16", "int8"), default="fp32",
                   help="compute precision (default fp32; bf16 only pays on hardware with native bf16 - recent GPUs, "
                        "AVX512-BF16/AMX CPUs - and is far slower elsewhere; fp16 is CUDA only; int8 is CPU only and "
                        "calibrates its activation ranges on each pair itself, one float pass per pair)")
    p.add_argument("--workers", type=int, default=None,
                   help="folder mode on the CPU: fuse this many pairs at once, each worker process with its share of "
                        "the torch threads (default: one per thread, as many as the memory and the pairs allow, when the folder is "
                        "at least 2000 GFLOP of work, about 10 s of the paper-width network on 2 cores; else 1)")
    p.set_defaults(func=run)


def _check_args(args: argparse.Namespace) -> bool:
    """True for folder mode; InputError for inconsistent arguments or an output path that cannot be written."""
    from rgbt_runtime.atomic import check_destination, check_folder_destination

    if args.dtype == "int8":
        if args.device != "auto" and args.device.split(":")[0] != "cpu":
            raise InputError(f"--dtype int8 runs on the CPU only (PyTorch's quantized kernels), not --device {args.device}")
        args.device = "cpu"  # also for auto on a CUDA machine
    single = [args.ir, args.vis, args.out]
    folder = [args.ir_dir, args.vis_dir, args.out_dir]
    if any(v is not None for v in single) and any(v is not None for v in folder):
        raise InputError("use either --ir/--vis/--out or --ir-dir/--vis-dir/--out-dir, not both")
    check_worker_count(args.workers)  # before the model is loaded
    if all(v is not None for v in folder):
        if args.preview is not None:
            raise InputError("--preview works with one pair (--ir/--vis/--out)")
        check_folder_destination(args.out_dir, "--out-dir")
        return True
    if all(v is not None for v in single):
        for option, path in (("--out", args.out), ("--preview", args.preview)):
            if path is not None:  # before the model is loaded: a bad output path costs no work
                check_destination(path, option)
        return False
    raise InputError("give --ir, --vis and --out (one pair) or --ir-dir, --vis-dir and --out-dir (folders)")


def _load_pair(ir_path: Path, vis_path: Path, resize: bool):
    """-> (ir (H, W) float32, visible Y (H, W) float32, visible CrCb or None)."""
    from fusion.images import read_gray, read_visible, resize_to
    from fusion.inference import MIN_SIZE

    ir = read_gray(ir_path)
    luma, crcb = read_visible(vis_path)
    if ir.shape != luma.shape:
        if not resize:
            raise InputError(f"{ir_path.name} is {ir.shape[1]}x{ir.shape[0]} but {vis_path.name} is "
                             f"{luma.shape[1]}x{luma.shape[0]} (use --resize to resize the visible image)")
        luma = resize_to(luma, ir.shape)
        crcb = None if crcb is None else resize_to(crcb, ir.shape)
    if min(ir.shape) < MIN_SIZE:
        raise InputError(f"{ir_path.name} is {ir.shape[1]}x{ir.shape[0]}; images must be at least {MIN_SIZE}x{MIN_SIZE} pixels")
    return ir, luma, crcb


class _WriteFailed(InputError):
    """An output could not be written; the parent adds how many outputs are complete."""


_WORKER: dict = {}  # this process's model and options (set by _start_worker)


def _start_worker(args: argparse.Namespace, model=None) -> None:
    """Load the model once per worker process (or reuse the parent's ``model`` in-process)."""
    _WORKER.update(args=args, model=model if model is not None else load_model_from_args(args))


def _fuse_job(job: tuple[Path, Path, Path, int]) -> Path:
    """Read one pair, fuse it (``core``: tile side, 0 for one pass), write the outputs; returns ``out``."""
    from fusion.images import merge_luma, min_max_to_uint8, save_image, side_by_side
    from fusion.inference import fuse_arrays

    ir_path, vis_path, out, core = job
    args, model = _WORKER["args"], _WORKER["model"]
    ir, luma, crcb = _load_pair(ir_path, vis_path, args.resize)
    fused = merge_luma(min_max_to_uint8(fuse_arrays(model, ir, luma, args.strategy, args.dtype, core)), crcb)
    try:
        save_image(out, fused)
        if args.preview is not None:
            save_image(args.preview, side_by_side(ir.astype("uint8"), merge_luma(luma.astype("uint8"), crcb), fused))
    except OSError as exc:
        raise _WriteFailed(f"cannot write {out}: {exc.strerror}") from None
    return out


def _plan(args: argparse.Namespace, model, jobs: list, shapes: list) -> tuple[WorkerPlan, list[int]]:
    """Workers (CPU folder mode) and each pair's tile side, with the memory shared among the workers."""
    from fusion import inference
    from fusion.inference import plan_fuse_workers, plan_tile

    on_cpu = next(model.parameters()).device.type == "cpu"
    if not on_cpu and args.workers not in (None, 1):
        raise InputError("--workers needs the CPU (one GPU runs one pair at a time)")
    available = inference.available_memory_bytes()  # looked up here, so that tests can set it
    plan = plan_fuse_workers(model, shapes, args.strategy, args.workers, available) if on_cpu else WorkerPlan(1, 1)
    share = None if available is None else available // plan.workers
    cores = []
    for (ir_path, _, _), shape in zip(jobs, shapes):
        try:  # memory checked before anything is written
            cores.append(plan_tile(model, shape, args.strategy, args.tile, share) if on_cpu or args.tile else 0)
        except InputError as exc:
            raise InputError(f"{ir_path}: {exc}") from None
    return plan, cores


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from rgbt_runtime.image_files import pair_images
    from fusion.images import check_writable_image_path
    from rgbt_runtime.atomic import ensure_output_folder

    started = time.perf_counter()
    folder_mode = _check_args(args)
    if folder_mode:
        pairs = pair_images(args.ir_dir, args.vis_dir)
        jobs = [(ir, vis, args.out_dir / f"fused_{name}.png") for name, ir, vis in pairs]
    else:
        jobs = [(args.ir, args.vis, args.out)]
        check_writable_image_path(args.out)
        if args.preview is not None:
            check_writable_image_path(args.preview)
    shapes = [_load_pair(ir_path, vis_path, args.resize)[0].shape for ir_path, vis_path, _ in jobs]
    model = load_model_from_args(args)
    if args.dtype == "int8":
        from fusion.fast_forward import supports
        if not supports(model):
            raise InputError("--dtype int8 covers the nest decoder without deep supervision, not this ablation checkpoint")
    plan, cores = _plan(args, model, jobs, shapes)
    for out in {out.parent for _, _, out in jobs} | ({args.preview.parent} if args.preview else set()):
        ensure_output_folder(out)

    order = sorted(range(len(jobs)), key=lambda i: -shapes[i][0] * shapes[i][1])  # largest first: balanced workers
    work = [(*jobs[i], cores[i]) for i in order]
    start = (args, model) if plan.workers == 1 else (args,)
    written = 0
    results = imap_in_workers(_fuse_job, work, plan, _start_worker, start)
    try:
        for _ in tqdm(results, total=len(work), desc=f"fusing ({plan.workers} workers)" if plan.workers > 1 else "fusing",
                      unit="pair", disable=len(jobs) < 2):
            written += 1
    except _WriteFailed as exc:
        raise InputError(f"{exc} ({written} of {len(jobs)} outputs complete)") from None
    seconds = time.perf_counter() - started
    where = args.out_dir if folder_mode else args.out
    workers = f", {plan.workers} worker{'s' if plan.workers > 1 else ''}" if folder_mode else ""
    print(f"fused {written} pair{'s' if written != 1 else ''} in {seconds:.1f} s ({args.dtype}{workers}): {where}")
    return 0
