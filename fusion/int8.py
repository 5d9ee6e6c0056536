"""int8 RFN-Nest fusion (``rfn-nest fuse --dtype int8``): post-training static quantization, CPU only.

:func:`quantize_fusion` copies an :class:`fusion.model.RFNNest` and quantizes its convolutions with
:func:`rgbt_runtime.quantization.quantize_parts` (FX graph mode, ``x86`` engine: oneDNN / fbgemm
kernels, AVX512-VNNI where the CPU has it; weights int8 per output channel, activations uint8 per
tensor). Three kinds of parts, each quantized or kept in float by
:class:`Int8Config`:

* the encoder (stem, four dense blocks, max pooling), run once on both images;
* the four RFN blocks (``rfn.blocks.{m}``), one part each;
* the nest decoder (six dense blocks, upsampling, concatenations), except the final 1x1 output
  convolution ``heads.conv_out``, which stays float by default: it maps 64 channels to the image
  itself, so its rounding would land on the output unfiltered, for 0.004 % of the multiply-adds
  at the paper's widths (``bench/bench_fusion_int8.py`` prints each part's share).

Inside a part, reflection padding, concatenation, nearest upsampling, max pooling and the RFN's
residual addition run on quantized tensors (PyTorch has quantized kernels for all of them); a part
takes float inputs and returns float outputs, so a handcrafted strategy (``--strategy l1`` ...)
runs in float between the encoder and the decoder. Measured effects per part:
``bench/bench_fusion_int8.py`` and ``docs/benchmarks_fusion.md``.

Activation ranges are min/max (no value clipped; 8 bits where the CPU has VNNI, else 7), not the
engine's default histogram observers, which clip the largest activations and so move the
brightest pixels and with them the min-max scaled output (``bench/bench_fusion_int8.py``).

Calibration: the ranges are observed in float, through the parts' observed copies, with the
strategy the network will fuse with, on the pair itself: ``rfn-nest fuse --dtype int8`` and
:func:`fusion.inference.fuse_arrays` calibrate on every pair they fuse, so a pair's output does not
depend on the other pairs of a folder. The price is one float pass per pair (the modules, slower
than the fast fp32 path): ranges observed on one TNO pair and reused on another clip (measured in
``docs/benchmarks_fusion.md``), and so do ranges observed on a half-size copy of the pair.
:func:`fusion.inference.calibrate_int8` gives a calibrated network to reuse where the inputs are
alike.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from fusion.blocks import ConvLayer
from fusion.decoder import NestDecoder
from fusion.model import RFNNest
from fusion.strategies import get_strategy
from rgbt_runtime.quantization import default_qconfig_mapping, full_range_qconfig_mapping, quantize_parts, quiet

OUTPUT_CONV = "decoder.heads.conv_out"


@dataclass(frozen=True)
class Int8Config:
    """Which parts :func:`quantize_fusion` puts in int8 (the rest stays float32).

    ``float_modules``: module names kept in float although their part is quantized: a whole RFN
    block (``"rfn.blocks.0"``) or a module inside a part (``"decoder.heads.conv_out"``,
    ``"decoder.db1_3"``, ``"encoder.levels.0"`` ...).
    """

    encoder: bool = True
    rfn: bool = True
    decoder: bool = True
    float_modules: tuple[str, ...] = (OUTPUT_CONV,)
    full_range: bool = True  # min/max activation ranges; False: the engine's default (histogram, clips outliers)
    seven_bits: bool | None = None  # full-range activations in 7 bits; None: only where the CPU lacks VNNI


def _upsample_to(x: Tensor, like: Tensor) -> Tensor:
    """:func:`fusion.blocks.upsample_to` without its branch (FX-traceable): ``(B, C, h, w)`` -> ``like``'s ``(H, W)``.

    ``dh = H - 2h`` and ``dw = W - 2w`` are 0 or 1, and the reference reflects on the bottom/right
    only, i.e. repeats row ``2h - 2``, equal to row ``2h - 1`` after nearest upsampling. The same
    rows come from replicating the last row/column of ``x`` ``dh``/``dw`` times and upsampling the
    ``(h + dh, w + dw)`` result to ``(H, W)`` (output row ``i`` reads row ``i * (h + dh) // H``).
    The padding (of the small map) runs in float; the full-size upsampling on quantized tensors.
    """
    h, w = like.shape[-2], like.shape[-1]
    x = F.pad(x, [0, w - 2 * x.shape[-1], 0, h - 2 * x.shape[-2]], mode="replicate")
    return F.interpolate(x, size=(h, w), mode="nearest")


def _pad_inside_convs(module: nn.Module) -> None:
    """Make each padded ``ConvLayer`` of ``module`` pad inside its ``Conv2d`` (``padding_mode="reflect"``).

    Same function; FX graph mode then converts padding and convolution into one quantized module,
    which pads the quantized tensor, where a separate ``F.pad`` would be left in float.
    """
    for layer in module.modules():
        if isinstance(layer, ConvLayer) and layer.padding:
            old = layer.conv2d
            new = nn.Conv2d(old.in_channels, old.out_channels, old.kernel_size, old.stride,
                            padding=layer.padding, padding_mode="reflect")
            new.load_state_dict(old.state_dict())
            layer.conv2d, layer.padding = new.eval().requires_grad_(False), 0


def _reflect_pad1(x: Tensor) -> Tensor:
    """``F.pad(x, [1, 1, 1, 1], "reflect")`` for a quantized ``(B, C, H, W)`` -> ``(B, C, H + 2, W + 2)`` channels-last.

    PyTorch's quantized reflection padding returns NCHW, which the convolution then copies back to
    channels-last: several times the time of these slice copies.
    """
    b, c, h, w = x.shape
    out = torch._empty_affine_quantized((b, c, h + 2, w + 2), scale=x.q_scale(), zero_point=x.q_zero_point(),
                                        dtype=x.dtype, memory_format=torch.channels_last)
    out[:, :, 1:h + 1, 1:w + 1] = x
    out[:, :, 0, 1:w + 1] = out[:, :, 2, 1:w + 1]  # rows first, then columns: corners as F.pad's
    out[:, :, h + 1, 1:w + 1] = out[:, :, h - 1, 1:w + 1]
    out[:, :, :, 0] = out[:, :, :, 2]
    out[:, :, :, w + 1] = out[:, :, :, w - 1]
    return out


class _ChannelsLastReflectConv(nn.Module):
    """A converted quantized ``ConvReLU2d`` with ``padding_mode="reflect"``, padding 1, that pads by :func:`_reflect_pad1`."""

    def __init__(self, conv: nn.Module):
        super().__init__()
        self.conv = conv

    def forward(self, x: Tensor) -> Tensor:
        conv = self.conv
        return torch.ops.quantized.conv2d_relu(_reflect_pad1(x), conv._packed_params, conv.scale, conv.zero_point)


def _pad_channels_last(part: nn.Module) -> None:
    """Swap each reflection-padded quantized ``ConvReLU2d`` of a converted ``part`` for :class:`_ChannelsLastReflectConv`."""
    from torch.ao.nn.intrinsic.quantized import ConvReLU2d

    for name, module in list(part.named_modules()):
        if isinstance(module, ConvReLU2d) and module.padding_mode == "reflect" and module.padding == (1, 1):
            parent, _, attr = name.rpartition(".")
            setattr(part.get_submodule(parent), attr, _ChannelsLastReflectConv(module))


class _TraceableDecoder(nn.Module):
    """:class:`fusion.decoder.NestDecoder` (one output) as one FX-traceable graph: ``f1..f4`` -> ``(B, 1, H, W)``."""

    def __init__(self, decoder: NestDecoder):
        super().__init__()
        self.decoder = decoder

    def forward(self, f1: Tensor, f2: Tensor, f3: Tensor, f4: Tensor) -> Tensor:
        d = self.decoder
        x1_1 = d.db1_1(torch.cat([f1, _upsample_to(f2, f1)], 1))
        x2_1 = d.db2_1(torch.cat([f2, _upsample_to(f3, f2)], 1))
        x1_2 = d.db1_2(torch.cat([f1, x1_1, _upsample_to(x2_1, f1)], 1))
        x3_1 = d.db3_1(torch.cat([f3, _upsample_to(f4, f3)], 1))
        x2_2 = d.db2_2(torch.cat([f2, x2_1, _upsample_to(x3_1, f2)], 1))
        x1_3 = d.db1_3(torch.cat([f1, x1_1, x1_2, _upsample_to(x2_2, f1)], 1))
        return d.heads.conv_out(x1_3)


class Int8RFNNest:
    """An RFN-Nest whose parts are quantized (see the module docstring); made by :func:`quantize_fusion`.

    ``fuse(ir, vi, strategy)``: ``(B, 1, H, W)`` float32 x 2 on 0..255 -> raw fused ``(B, 1, H, W)``
    float32. ``model`` is the float model it was made from (left unchanged); ``strategy`` the one it
    was calibrated with. CPU only; call it under ``torch.inference_mode()``.
    """

    def __init__(self, model: RFNNest, config: Int8Config):
        if not model.config.nest or model.config.deep_supervision:
            raise ValueError("int8 covers the nest decoder without deep supervision only")
        self.model = model
        self.config = config
        self.strategy: str | Callable = "rfn"
        twin = copy.deepcopy(model)
        _pad_inside_convs(twin)
        self.encoder: nn.Module = twin.encoder
        self.rfn: nn.ModuleList = twin.rfn.blocks
        self.decoder: nn.Module = _TraceableDecoder(twin.decoder)

    def fuse_features(self, ir: list[Tensor], vi: list[Tensor], strategy: str | Callable) -> list[Tensor]:
        if strategy == "rfn":
            return [block(a, b) for block, a, b in zip(self.rfn, ir, vi)]
        fn = get_strategy(strategy) if isinstance(strategy, str) else strategy
        return [fn(a, b) for a, b in zip(ir, vi)]

    def fuse(self, ir: Tensor, vi: Tensor, strategy: str | Callable = "rfn") -> Tensor:
        if strategy != self.strategy:
            raise ValueError(f"this int8 network was calibrated for strategy {self.strategy!r}, not {strategy!r}")
        b = ir.shape[0]
        with quiet():
            # channels-last maps between the parts: the quantized concatenations' fast path
            features = [f.contiguous(memory_format=torch.channels_last) for f in self.encoder(torch.cat([ir, vi], dim=0))]
            fused = self.fuse_features([f[:b] for f in features], [f[b:] for f in features], strategy)
            fused = [f.contiguous(memory_format=torch.channels_last) for f in fused]
            del features
            return self.decoder(*fused)


def _parts(net: Int8RFNNest) -> list[tuple[nn.Module, str, tuple, str]]:
    """``(parent, attribute, example inputs, prefix of its module names)`` of every part ``net.config`` quantizes
    (the RFN blocks only for ``net.strategy == "rfn"``: a handcrafted strategy replaces them)."""
    c = net.model.config.channels
    config, parts = net.config, []
    if config.encoder:
        parts.append((net, "encoder", (torch.zeros(2, 1, 32, 32),), "encoder"))
    if config.rfn and net.strategy == "rfn":
        for m, width in enumerate(c):
            side = 32 >> m
            example = (torch.zeros(1, width, side, side), torch.zeros(1, width, side, side))
            if f"rfn.blocks.{m}" not in config.float_modules:
                parts.append((net.rfn, str(m), example, f"rfn.blocks.{m}"))
    if config.decoder:
        example = tuple(torch.zeros(1, width, 32 >> m, 32 >> m) for m, width in enumerate(c))
        parts.append((net, "decoder", example, "decoder"))
    return parts


def quantize_fusion(model: RFNNest, calibrate: Callable[[Callable[[Tensor, Tensor], Tensor]], None],
                    strategy: str | Callable = "rfn", config: Int8Config | None = None) -> Int8RFNNest:
    """An :class:`Int8RFNNest` of ``model`` (eval, CPU; ``model`` itself is not changed).

    ``calibrate(fuse)`` must call ``fuse(ir, vi)`` (``(B, 1, H, W)`` float32 on 0..255) on the
    calibration pair(s); ``strategy`` is the fusion strategy the network will run with.
    """
    config = config or Int8Config()
    net = Int8RFNNest(model, config)
    net.strategy = strategy
    parts = _parts(net)
    mappings = []
    for _, _, _, prefix in parts:
        mapping = full_range_qconfig_mapping(config.seven_bits) if config.full_range else default_qconfig_mapping()
        for name in config.float_modules:
            if name.startswith(prefix + "."):  # names inside a part are relative to it; the decoder part wraps "decoder"
                mapping.set_module_name(name if prefix == "decoder" else name[len(prefix) + 1:], None)
        mappings.append(mapping)
    with torch.inference_mode(False), torch.no_grad():
        quantize_parts([p[:3] for p in parts], lambda: calibrate(lambda a, b: net.fuse(a, b, strategy)), mappings)
    for parent, name, _, _ in parts:
        _pad_channels_last(getattr(parent, name))
    return net
