"""int8 inference for ``precision="int8"``: post-training static quantization of the search branch.

What is quantized (with :func:`rgbt_runtime.quantization.quantize_parts`: FX graph mode, ``x86``
engine, oneDNN / fbgemm kernels that use AVX512-VNNI where the CPU has it):

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
then stay fixed. CPU only: PyTorch has no CUDA int8 kernels for these ops. (On the deprecation of
``torch.ao.quantization`` and its silenced warnings: :mod:`rgbt_runtime.quantization`.)
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch import nn

from rgbt_runtime.quantization import quantize_parts
from trackers.model import SiameseRPN
from trackers.neck import AdjustLayer
from trackers.rpn_head import DepthwiseXCorr


def quantize_int8(model: SiameseRPN, calibrate: Callable[[], None]) -> SiameseRPN:
    """Put the search branch's convolutions of ``model`` (eval, CPU) in int8, in place; returns it.

    Each part is swapped for an observed copy, then ``calibrate()`` must run ``model`` on
    representative inputs (through its ``features`` and ``head``); the observers it feeds set the
    activation ranges; then each part is converted. BatchNorms may be folded already
    (``fold_batch_norm``) or not: FX folds conv + BN (+ ReLU) itself.
    """
    quantize_parts(list(_quantizable_parts(model.eval())), calibrate)
    return model


def _quantizable_parts(model: SiameseRPN) -> Iterator[tuple[nn.Module, str, tuple[torch.Tensor]]]:
    """``(parent, attribute, example inputs)`` for each part that :func:`quantize_int8` replaces."""
    yield model, "backbone", (torch.zeros(1, 3, 127, 127),)
    for module in model.modules():
        if isinstance(module, AdjustLayer):
            yield module, "downsample", (torch.zeros(1, module.downsample[0].in_channels, 7, 7),)
        elif isinstance(module, DepthwiseXCorr):
            yield module, "conv_search", (torch.zeros(1, module.conv_search[0].in_channels, 7, 7),)
