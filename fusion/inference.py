"""Load a fusion model and fuse image arrays, fast (inference mode, channels-last, optional bf16).

``load_model()`` with no argument gives the embedded default (``fusion/weights/``); package
checkpoints (``--checkpoint``) and the reference's own files (``--autoencoder``/``--rfn``, through
:mod:`fusion.reference_keys`) load too.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from fusion.model import RFNNest, model_from_checkpoint
from fusion.reference_keys import load_reference_model
from fusion.runtime.checkpoint_file import load_state_file
from fusion.runtime.errors import InputError

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "weights" / "rfn_nest_tno_small.pth"
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


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
    """An eval-mode, frozen, channels-last :class:`RFNNest` on ``device``.

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
    return model.to(device=device, memory_format=torch.channels_last)


def fuse_arrays(model: RFNNest, ir: np.ndarray, vi: np.ndarray, strategy: str = "rfn",
                dtype: str = "fp32") -> np.ndarray:
    """Fuse two gray ``(H, W)`` float arrays on 0..255 -> raw fused ``(H, W)`` float32 (unscaled).

    ``dtype``: ``fp32`` (default), ``bf16`` or ``fp16`` (autocast; fp16 on CUDA only).
    """
    if ir.shape != vi.shape:
        raise InputError(f"infrared {ir.shape} and visible {vi.shape} images differ in size (use --resize)")
    if min(ir.shape) < 8:
        raise InputError(f"images must be at least 8x8 pixels, got {ir.shape}")
    device = next(model.parameters()).device
    if dtype == "fp16" and device.type != "cuda":
        raise InputError("fp16 needs a CUDA device; use bf16 on CPU")

    def as_tensor(a: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))[None, None]
        return t.to(device).contiguous(memory_format=torch.channels_last)

    with torch.inference_mode(), torch.autocast(device.type, dtype=DTYPES[dtype], enabled=dtype != "fp32"):
        fused = model.fuse(as_tensor(ir), as_tensor(vi), strategy)
    return fused[0, 0].float().cpu().numpy()
