"""int8 inference for ``precision="int8"``: post-training static quantization of the search branch.

What is quantized (``torch.ao.quantization`` FX graph mode, ``x86`` engine: oneDNN / fbgemm
kernels that use AVX512-VNNI where the CPU has it):

* the whole backbone,
* each neck level's 1x1 conv (``neck.downsample{l}.downsample``),
* each RPN head's search-side 3x3 conv (``rpn_head.rpn{l}.{cls,loc}.conv_search``).

Weights are int8 per output channel, activations uint8 per tensor (histogram observers). What
stays in float32: the template-side ``conv_kernel`` (run once per ``init``), the depthwise
cross-correlation, the heads' 1x1 convs that produce the logits and box offsets (25x25 maps, 2 % of
the FLOPs), the fusion module, the softmax and the box decoding. Every quantized part takes and
returns float tensors, so the model's ``features`` / ``head`` API is unchanged.

Calibration is done on the tracker's own crops of the first ``init`` frame (see
:meth:`trackers.tracker.SiameseTracker.init`), so no calibration data set is needed; the ranges
then stay fixed. CPU only: PyTorch has no CUDA int8 kernels for these ops.

``torch.ao.quantization`` is marked deprecated in favour of ``torchao`` (whose CPU int8 path
needs ``torch.compile`` and a C++ compiler at run time); it is present and working in the
torch versions this package pins (``torch<=2.14.1``), and its deprecation warnings are silenced
here, where it is the package's choice rather than the user's.
"""
from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator

import torch
from torch import nn

from rgbt_runtime.errors import InputError
from trackers.model import SiameseRPN
from trackers.neck import AdjustLayer
from trackers.rpn_head import DepthwiseXCorr

ENGINE = "x86"


def quantize_int8(model: SiameseRPN, calibrate: Callable[[], None]) -> SiameseRPN:
    """Put the search branch's convolutions of ``model`` (eval, CPU) in int8, in place; returns it.

    Each part is swapped for an observed copy, then ``calibrate()`` must run ``model`` on
    representative inputs (through its ``features`` and ``head``); the observers it feeds set the
    activation ranges; then each part is converted. BatchNorms may be folded already
    (``fold_batch_norm``) or not: FX folds conv + BN (+ ReLU) itself.
    """
    if ENGINE not in torch.backends.quantized.supported_engines:
        raise InputError(f"int8 precision needs PyTorch's '{ENGINE}' quantized engine, which this build lacks")
    torch.backends.quantized.engine = ENGINE  # already the default engine of x86 builds
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    parts = list(_quantizable_parts(model.eval()))
    qconfig = get_default_qconfig_mapping(ENGINE)
    with _quiet():
        for parent, name, example in parts:
            setattr(parent, name, prepare_fx(getattr(parent, name), qconfig, example_inputs=(example,)))
        calibrate()
        for parent, name, _ in parts:
            _check_observed(getattr(parent, name), name)
        for parent, name, _ in parts:
            setattr(parent, name, convert_fx(getattr(parent, name)))
    return model


def _quantizable_parts(model: SiameseRPN) -> Iterator[tuple[nn.Module, str, torch.Tensor]]:
    """``(parent, attribute, example input)`` for each part that :func:`quantize_int8` replaces."""
    yield model, "backbone", torch.zeros(1, 3, 127, 127)
    for module in model.modules():
        if isinstance(module, AdjustLayer):
            yield module, "downsample", torch.zeros(1, module.downsample[0].in_channels, 7, 7)
        elif isinstance(module, DepthwiseXCorr):
            yield module, "conv_search", torch.zeros(1, module.conv_search[0].in_channels, 7, 7)


def _check_observed(prepared: nn.Module, name: str) -> None:
    """Raise if ``calibrate`` did not run ``prepared`` (its observers would give scale 1, zero point 0)."""
    for child_name, child in prepared.named_children():
        if child_name.startswith("activation_post_process") and not torch.isfinite(child.min_val).all():
            raise RuntimeError(f"int8 calibration did not run the '{name}' part of the model")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence ``torch.ao.quantization``'s deprecation and observer warnings (see the module docstring)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization is deprecated.*")
        warnings.filterwarnings("ignore", message=r".*reduce_range will be deprecated.*")
        warnings.filterwarnings("ignore", message=r".*quantized tensor creation functions.*")
        yield
