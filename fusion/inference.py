"""Load a fusion model and fuse image arrays, fast.

``load_model()`` with no argument gives the embedded default (``fusion/weights/``, see its
``MANIFEST.md``); package checkpoints (``--checkpoint``) and the reference's own files
(``--autoencoder``/``--rfn``, through :mod:`fusion.reference_keys`) load too.

On CPU, :func:`fuse_arrays` runs :class:`fusion.fast_forward.FastRFNNest` (padding once, NNPACK
Winograd 3x3 convolutions, 1x1 convolutions as matrix products; same outputs up to float
rounding). On CUDA, and for the ablation variants it does not cover, it runs the modules in
inference mode, channels-last, with autocast for bf16/fp16. ``int8`` (CPU only) runs the
quantized twin of :mod:`fusion.int8`, calibrated by :func:`calibrate_int8`.

Folders: :func:`plan_fuse_workers` decides how many pairs to fuse at once in worker processes.

Memory: :func:`plan_tile` estimates the peak of one pass before anything is allocated and, when
it exceeds the memory available, fuses in exact overlapping tiles (:mod:`fusion.tiles`, same
output up to float rounding) of the largest size that fits; it refuses, with the estimate, only
what tiles cannot help (a global strategy, or images that alone exceed the memory).
"""
from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from fusion.fast_forward import FastRFNNest, supports
from fusion.model import RFNNest, model_from_checkpoint
from fusion.reference_keys import load_reference_model
from fusion.tiles import available_memory_bytes, fuse_tiled, peak_bytes_estimate, tile_for_budget
from rgbt_runtime.checkpoint_file import load_state_file
from rgbt_runtime.errors import InputError
from rgbt_runtime.worker_pool import WorkerPlan, plan_workers

if TYPE_CHECKING:
    from fusion.int8 import Int8Config, Int8RFNNest

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "weights" / "rfn_nest_small.pth"
MIN_SIZE = 16  # the coarsest of the four scales must be 2 px for its reflection padding
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}  # and "int8" (fusion.int8)
LOCAL_STRATEGIES = ("rfn", "add", "avg", "max", "l1", "spatial")  # per pixel: tiles are exact
MEMORY_SHARE = 0.8  # of MemAvailable that one pass may use
WORKER_PROCESS_BYTES = 2**30  # a fusion worker's own memory besides the pass: torch, the model, the images
WORKERS_MIN_GFLOP = 2000  # about 10 s of the paper-width network in one process on a 2-core CPU;
# starting a worker (a fresh interpreter importing torch) takes a few seconds


def resolve_device(device: str | None) -> torch.device:
    """``None``/``"auto"``: CUDA when available, else CPU; InputError for an unusable device."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except RuntimeError:
        raise InputError(f"unknown device '{device}'") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device '{device}' requested but CUDA is not available")
    return dev


def load_model(checkpoint: str | os.PathLike | None = None, autoencoder: str | os.PathLike | None = None,
               rfn: str | os.PathLike | None = None, device: str | torch.device = "cpu") -> RFNNest:
    """An eval-mode, frozen :class:`RFNNest` on ``device`` (channels-last on CUDA).

    ``autoencoder`` (+ optional ``rfn``): reference checkpoint files. Otherwise ``checkpoint``
    (a file written by the ``rfn-nest train-*`` commands), by default the embedded one.
    """
    if rfn is not None and autoencoder is None:
        raise InputError("--rfn needs --autoencoder (the reference stores them separately)")
    if autoencoder is not None:
        if checkpoint is not None:
            raise InputError("give either --checkpoint or --autoencoder/--rfn, not both")
        model = load_reference_model(autoencoder, rfn)
    else:
        path = Path(checkpoint) if checkpoint is not None else DEFAULT_CHECKPOINT
        model = model_from_checkpoint(load_state_file(path), f"checkpoint {path}")
    model.eval().requires_grad_(False)
    device = torch.device(device)
    return model.to(device=device, memory_format=torch.channels_last if device.type == "cuda" else torch.contiguous_format)


def gflop_per_mpx(model: RFNNest, strategy: str = "rfn") -> float:
    """Direct-convolution GFLOP per Mpx of one fusion (two encoder passes, fusion, decoder).

    Counted by ``torch.utils.flop_counter`` on a 256x256 pair on the meta device: no memory, no compute.
    """
    from torch.utils.flop_counter import FlopCounterMode

    meta = copy.deepcopy(model).to("meta")
    x = torch.empty(1, 1, 256, 256, device="meta")
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        meta.fuse(x, x, strategy if strategy in LOCAL_STRATEGIES else "add")
    return counter.get_total_flops() / 1e9 / (256 * 256 / 1e6)


def plan_fuse_workers(model: RFNNest, shapes: list[tuple[int, int]], strategy: str = "rfn",
                      requested: int | None = None, available: int | None = None) -> WorkerPlan:
    """How many pairs of ``shapes`` to fuse at once on the CPU (worker processes) and with how many threads each.

    ``requested``: ``--workers N``; None = automatic: one worker per torch thread, as many as the
    pairs and ``MEMORY_SHARE`` of ``available`` bytes (default ``MemAvailable``) allow, each
    counted at the largest pair's peak plus ``WORKER_PROCESS_BYTES`` -- and only for folders of
    at least ``WORKERS_MIN_GFLOP`` of work, below which starting the workers costs more than they save.
    """
    available = available_memory_bytes() if available is None else available
    largest = max(peak_bytes_estimate(model.config.channels, h * w) for h, w in shapes) + WORKER_PROCESS_BYTES
    fits = lambda n: available is None or n * largest <= MEMORY_SHARE * available  # noqa: E731
    if requested is None and sum(h * w for h, w in shapes) / 1e6 * gflop_per_mpx(model, strategy) < WORKERS_MIN_GFLOP:
        requested = 1
    return plan_workers(len(shapes), torch.get_num_threads(), requested, fits)


def plan_tile(model: RFNNest, shape: tuple[int, int], strategy: str = "rfn", tile: int | None = None,
              available: int | None = None) -> int:
    """The tile core side for fusing an ``(H, W)`` pair on CPU, 0 for one whole pass.

    ``tile``: None = automatic (tiles only when the estimated peak exceeds ``MEMORY_SHARE`` of
    ``available`` bytes, by default ``MemAvailable``), 0 = never, N = tiles of N (a multiple of 8).
    InputError when the estimate cannot fit: a global strategy, or an image too large even in tiles.
    """
    if tile is not None and (tile < 0 or tile % 8):
        raise InputError(f"--tile must be 0 or a positive multiple of 8, got {tile}")
    h, w = shape
    channels = model.config.channels
    estimate = peak_bytes_estimate(channels, h * w)
    available = available_memory_bytes() if available is None else available
    fits = available is None or estimate <= MEMORY_SHARE * available
    if tile is not None or fits or not supports(model):
        if tile and not (supports(model) and strategy in LOCAL_STRATEGIES):
            raise InputError(f"tiles need the nest decoder and a per-pixel strategy ({', '.join(LOCAL_STRATEGIES)})")
        return tile or 0
    gib = 2**30
    if strategy not in LOCAL_STRATEGIES:
        raise InputError(f"a {w}x{h} pair needs about {estimate / gib:.1f} GiB with strategy '{strategy}' "
                         f"(global, cannot be tiled) but {available / gib:.1f} GiB are available; "
                         f"use a per-pixel strategy ({', '.join(LOCAL_STRATEGIES)}) or a smaller image")
    if 24 * h * w > MEMORY_SHARE * available:  # the images, the output and their tensors alone
        raise InputError(f"a {w}x{h} pair needs {24 * h * w / gib:.1f} GiB for the images alone but "
                         f"{available / gib:.1f} GiB are available; use a smaller image")
    return tile_for_budget(channels, int(MEMORY_SHARE * available) - 24 * h * w)


def _check_pair(ir: np.ndarray, vi: np.ndarray) -> None:
    if ir.shape != vi.shape:
        raise InputError(f"infrared {ir.shape} and visible {vi.shape} images differ in size (use --resize)")
    if min(ir.shape) < MIN_SIZE:
        raise InputError(f"images must be at least {MIN_SIZE}x{MIN_SIZE} pixels (four scales), got {ir.shape[1]}x{ir.shape[0]}")


def _tensor(a: np.ndarray, device: torch.device) -> torch.Tensor:
    """``(H, W)`` array -> ``(1, 1, H, W)`` float32 tensor on ``device``."""
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))[None, None].to(device)


def calibrate_int8(model: RFNNest, ir: np.ndarray, vi: np.ndarray, strategy: str = "rfn",
                   tile: int | None = None, config: "Int8Config | None" = None) -> "Int8RFNNest":
    """The int8 twin of ``model`` (:mod:`fusion.int8`), its activation ranges observed on the pair ``ir``, ``vi``.

    ``ir``, ``vi``: gray ``(H, W)`` float arrays on 0..255; ``strategy``: the one it will fuse with;
    ``tile``: see :func:`plan_tile` (the calibration pass is tiled like the fusion); ``config``:
    what to quantize (default :class:`fusion.int8.Int8Config`). CPU only.
    """
    from fusion.int8 import quantize_fusion

    _check_pair(ir, vi)
    if next(model.parameters()).device.type != "cpu":
        raise InputError("int8 runs on the CPU only (PyTorch's quantized kernels); use --device cpu")
    if not supports(model):
        raise InputError("int8 covers the nest decoder without deep supervision, not this ablation network")
    core = plan_tile(model, ir.shape, strategy, tile)
    a, b = _tensor(ir, torch.device("cpu")), _tensor(vi, torch.device("cpu"))
    return quantize_fusion(model, lambda fuse: fuse_tiled(fuse, a, b, core) if core and max(ir.shape) > core else fuse(a, b),
                           strategy, config)


def fuse_arrays(model: "RFNNest | Int8RFNNest", ir: np.ndarray, vi: np.ndarray, strategy: str = "rfn",
                dtype: str = "fp32", tile: int | None = None) -> np.ndarray:
    """Fuse two gray ``(H, W)`` float arrays on 0..255 -> raw fused ``(H, W)`` float32 (unscaled).

    ``dtype``: ``fp32`` (default), ``bf16``, ``fp16`` (CUDA only) or ``int8`` (CPU only; ``model``
    an :class:`fusion.int8.Int8RFNNest` from :func:`calibrate_int8`, or an :class:`RFNNest`, then
    calibrated on this pair itself). Images must be at least ``MIN_SIZE`` pixels on each side.
    ``tile``: see :func:`plan_tile` (on CUDA: None means 0).
    """
    _check_pair(ir, vi)
    if not isinstance(model, RFNNest) and dtype != "int8":
        raise ValueError(f"an int8 network fuses with dtype='int8', not {dtype!r}")
    if dtype == "int8":
        net = model if not isinstance(model, RFNNest) else calibrate_int8(model, ir, vi, strategy, tile)
        core = plan_tile(net.model, ir.shape, strategy, tile)
        a, b = _tensor(ir, torch.device("cpu")), _tensor(vi, torch.device("cpu"))
        fuse = lambda x, y: net.fuse(x, y, strategy)  # noqa: E731
        with torch.inference_mode():
            fused = fuse_tiled(fuse, a, b, core) if core and max(ir.shape) > core else fuse(a, b)
        return fused[0, 0].float().numpy()
    device = next(model.parameters()).device
    if dtype == "fp16" and device.type != "cuda":
        raise InputError("fp16 needs a CUDA device; use bf16 on CPU")
    fast = device.type == "cpu" and supports(model)
    core = plan_tile(model, ir.shape, strategy, tile) if device.type == "cpu" or tile else 0

    def as_tensor(a: np.ndarray) -> torch.Tensor:
        t = _tensor(a, device)
        return t if fast else t.contiguous(memory_format=torch.channels_last)

    with torch.inference_mode():
        if fast:
            net = FastRFNNest(model, DTYPES[dtype])
            fuse = lambda a, b: net.fuse(a, b, strategy)  # noqa: E731
        else:
            def fuse(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
                with torch.autocast(device.type, dtype=DTYPES[dtype], enabled=dtype != "fp32"):
                    return model.fuse(a.contiguous(memory_format=torch.channels_last),
                                      b.contiguous(memory_format=torch.channels_last), strategy)
        a, b = as_tensor(ir), as_tensor(vi)
        fused = fuse_tiled(fuse, a, b, core) if core and max(ir.shape) > core else fuse(a, b)
    return fused[0, 0].float().cpu().numpy()
