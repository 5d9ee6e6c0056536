"""Post-training static int8 quantization of parts of a model, on CPU: prepare, calibrate, convert.

The generic part of the package's int8 paths (the tracker's search branch, ``trackers.quantization``;
RFN-Nest fusion, ``fusion.int8``): each part, a module attribute of some parent, is replaced by an
observed copy (``torch.ao.quantization`` FX graph mode), ``calibrate()`` runs the model on
representative inputs so that the observers see the activation ranges, and each part is then
converted to quantized kernels of the ``x86`` engine (oneDNN / fbgemm, AVX512-VNNI where the CPU
has it). Weights are int8 per output channel, activations uint8 per tensor (histogram observers,
the engine's default ``QConfigMapping`` unless one is given). Each converted part takes and
returns float tensors.

``torch.ao.quantization`` is marked deprecated in favour of ``torchao`` (whose CPU int8 path needs
``torch.compile`` and a C++ compiler at run time); it is present and working in the torch versions
this package pins (``torch<=2.14.1``), and its deprecation warnings are silenced here
(:func:`quiet`), where it is the package's choice rather than the user's.
"""
from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import nn

from rgbt_runtime.errors import InputError

ENGINE = "x86"

Part = tuple[nn.Module, str, tuple]  # (parent, attribute name, example inputs of parent.<name>)


def use_int8_engine() -> None:
    """Select the ``x86`` quantized engine; InputError when this PyTorch build lacks it."""
    if ENGINE not in torch.backends.quantized.supported_engines:
        raise InputError(f"int8 precision needs PyTorch's '{ENGINE}' quantized engine, which this build lacks")
    torch.backends.quantized.engine = ENGINE  # already the default engine of x86 builds


def default_qconfig_mapping():
    """The ``x86`` engine's default ``QConfigMapping`` (histogram activations, per-channel weights)."""
    from torch.ao.quantization import get_default_qconfig_mapping

    return get_default_qconfig_mapping(ENGINE)


def vnni_cpu() -> bool:
    """True when ``/proc/cpuinfo`` lists AVX512-VNNI or AVX-VNNI (int8 dot products into int32)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return bool({"avx512_vnni", "avx_vnni"} & set(line.split()))
    except OSError:
        pass
    return False


def full_range_qconfig_mapping(seven_bits: bool | None = None):
    """Activations uint8 per tensor over their whole observed range (min/max observers: no value is
    clipped), weights int8 per output channel.

    8-bit activations need VNNI: without it the kernels multiply-add pairs of uint8 x int8 products
    into int16, which can saturate, so elsewhere the activations get 7 bits (``reduce_range``)
    like the engine's default. ``seven_bits``: None = that choice, True/False = force it.
    """
    from torch.ao.quantization import QConfig, QConfigMapping
    from torch.ao.quantization.observer import default_per_channel_weight_observer

    seven_bits = not vnni_cpu() if seven_bits is None else seven_bits
    activation = _min_max_observer().with_args(dtype=torch.quint8, reduce_range=seven_bits)
    return QConfigMapping().set_global(QConfig(activation=activation, weight=default_per_channel_weight_observer))


@functools.lru_cache(maxsize=1)
def _min_max_observer() -> type:
    """``MinMaxObserver`` that reads a channels-last tensor in memory order (as its NHWC permutation):
    PyTorch's ``aminmax`` over a channels-last ``(2, 64, 576, 768)`` tensor takes ~50x as long."""
    from torch.ao.quantization.observer import MinMaxObserver

    class ChannelsLastMinMaxObserver(MinMaxObserver):
        def forward(self, x_orig: torch.Tensor) -> torch.Tensor:
            if x_orig.dim() == 4 and not x_orig.is_contiguous() and x_orig.is_contiguous(memory_format=torch.channels_last):
                super().forward(x_orig.detach().permute(0, 2, 3, 1))
                return x_orig
            return super().forward(x_orig)

    return ChannelsLastMinMaxObserver


def quantize_parts(parts: Sequence[Part], calibrate: Callable[[], None], qconfig_mappings: Sequence | None = None) -> None:
    """Quantize each ``parent.<name>`` of ``parts`` in place (eval-mode modules on CPU).

    Each part is swapped for an observed copy (FX graph mode, traced with its example inputs);
    then ``calibrate()`` must run every part on representative inputs; then each part is
    converted. ``qconfig_mappings``: one per part (default: :func:`default_qconfig_mapping` for
    each), e.g. with some module names of the part set to ``None`` to keep them in float. Raises RuntimeError when ``calibrate`` skipped a part
    (its observers would give scale 1, zero point 0).
    """
    use_int8_engine()
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    mappings = [default_qconfig_mapping() for _ in parts] if qconfig_mappings is None else qconfig_mappings
    with quiet():
        for (parent, name, example), mapping in zip(parts, mappings, strict=True):
            setattr(parent, name, prepare_fx(getattr(parent, name), mapping, example_inputs=example))
        calibrate()
        for parent, name, _ in parts:
            _check_observed(getattr(parent, name), name)
        for parent, name, _ in parts:
            setattr(parent, name, convert_fx(getattr(parent, name)))


def _check_observed(prepared: nn.Module, name: str) -> None:
    """Raise if nothing ran ``prepared`` since it was prepared (an observer never saw a value)."""
    for child_name, child in prepared.named_children():
        if child_name.startswith("activation_post_process") and not torch.isfinite(child.min_val).all():
            raise RuntimeError(f"int8 calibration did not run the '{name}' part of the model")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence ``torch.ao.quantization``'s deprecation and observer warnings (see the module docstring),
    and the quantized ``cat``'s note that it requantizes inputs of other scales (what it is meant to do)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization is deprecated.*")
        warnings.filterwarnings("ignore", message=r".*reduce_range will be deprecated.*")
        warnings.filterwarnings("ignore", message=r".*quantized tensor creation functions.*")
        warnings.filterwarnings("ignore", message=r".*inputs of this cat operator must share the same quantization.*")
        yield
