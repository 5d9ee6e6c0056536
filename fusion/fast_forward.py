"""A fast inference forward pass of :class:`fusion.model.RFNNest` (same outputs up to float rounding).

``FastRFNNest(model, dtype)`` reads the model's weights (no copy in fp32) and runs encoder, RFN or
handcrafted strategy, and nest decoder with :mod:`fusion.fast_ops`: every reflection padding is
done once, straight into the buffer the following 3x3 convolution reads (concatenations and
upsampling included), 3x3 convolutions use NNPACK's Winograd kernels on CPU/fp32, and 1x1
convolutions are matrix products over the unconcatenated parts. Layer for layer it computes
exactly what the modules compute; ``tests/test_fusion_fast_forward.py`` checks that the outputs
agree with ``model.fuse`` to float rounding.

Only the paper's decoder is covered: :func:`supports` is False for the "No-nest" ablation and
for deep supervision, which keep using the plain modules.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from fusion.blocks import ConvLayer, DenseBlockLight, RFNBlock
from fusion.fast_ops import Up, conv1x1_relu, conv3x3_relu, padded_cat
from fusion.model import RFNNest
from fusion.strategies import get_strategy


def supports(model: RFNNest) -> bool:
    """True when :class:`FastRFNNest` can run ``model`` (nest decoder, one output)."""
    return model.config.nest and not model.config.deep_supervision


@dataclass(frozen=True)
class _Conv:
    """One ``ConvLayer``'s weights: 3x3 ``(Cout, Cin, 3, 3)``, or 1x1 split per input part ``[(Cout, C_i)]``."""

    weight: Tensor | list[Tensor]
    bias: Tensor

    @classmethod
    def of(cls, layer: ConvLayer, dtype: torch.dtype, split: list[int] | None = None) -> "_Conv":
        w = layer.conv2d.weight.detach().to(dtype).contiguous()
        b = layer.conv2d.bias.detach().to(dtype)
        if w.shape[-1] == 1:
            w2 = w[:, :, 0, 0]
            return cls([part.contiguous() for part in w2.split(split, dim=1)] if split else [w2], b)
        return cls(w, b)

    def conv3(self, padded: Tensor) -> Tensor:
        return conv3x3_relu(padded, self.weight, self.bias)

    def conv1(self, *parts: Tensor) -> Tensor:
        return conv1x1_relu(list(parts), self.weight, self.bias)


@dataclass(frozen=True)
class _Block:
    """``DenseBlockLight``: 3x3 on the padded concatenation, then 1x1. ``(B, sum C_i, H, W)`` -> ``(B, out, H, W)``."""

    first: _Conv
    second: _Conv

    @classmethod
    def of(cls, block: DenseBlockLight, dtype: torch.dtype) -> "_Block":
        return cls(_Conv.of(block.denseblock[0], dtype), _Conv.of(block.denseblock[1], dtype))

    def __call__(self, parts: list[Tensor | Up], size: tuple[int, int]) -> Tensor:
        return self.second.conv1(self.first.conv3(padded_cat(parts, size)))


@dataclass(frozen=True)
class _RFN:
    """``RFNBlock``: ``(phi_ir, phi_vi)`` each ``(B, C, H, W)`` -> ``phi_f (B, C, H, W)``."""

    fusion: _Conv
    conv_ir: _Conv
    conv_vi: _Conv
    bottleneck: tuple[_Conv, ...]

    @classmethod
    def of(cls, block: RFNBlock, dtype: torch.dtype) -> "_RFN":
        c = block.conv_a.conv2d.out_channels
        first, *rest = block.bottleneck
        return cls(_Conv.of(block.conv_fusion, dtype), _Conv.of(block.conv_a, dtype), _Conv.of(block.conv_b, dtype),
                   (_Conv.of(first, dtype, [c, c]), *(_Conv.of(layer, dtype) for layer in rest)))

    def __call__(self, ir: Tensor, vi: Tensor) -> Tensor:
        size = ir.shape[-2:]
        c = ir.shape[1]
        both = padded_cat([ir, vi], size)  # padded once for conv_fusion, conv_ir and conv_vi
        residual = self.fusion.conv3(both)
        a, b = self.conv_ir.conv3(both[:, :c]), self.conv_vi.conv3(both[:, c:])
        del both  # free the buffer before the bottleneck (peak memory)
        out = self.bottleneck[0].conv1(a, b)
        del a, b
        for conv in self.bottleneck[1:]:
            out = conv.conv3(padded_cat([out], size))
        return out.add_(residual)


class FastRFNNest:
    """Inference-only twin of an :class:`RFNNest` (see the module docstring).

    ``fuse(ir, vi, strategy)``: ``(B, 1, H, W)`` x 2 on 0..255 (any dtype; computed in ``dtype``)
    -> raw fused ``(B, 1, H, W)`` in ``dtype``. Call it under ``torch.inference_mode()``.
    """

    def __init__(self, model: RFNNest, dtype: torch.dtype = torch.float32):
        if not supports(model):
            raise ValueError("FastRFNNest covers the nest decoder without deep supervision only")
        self.dtype = dtype
        enc, dec = model.encoder, model.decoder
        self.stem = _Conv.of(enc.stem, dtype)
        self.levels = [_Block.of(level, dtype) for level in enc.levels]
        self.rfn = [_RFN.of(block, dtype) for block in model.rfn.blocks]
        self.db = {name: _Block.of(getattr(dec, name), dtype)
                   for name in ("db1_1", "db2_1", "db3_1", "db1_2", "db2_2", "db1_3")}
        self.out = _Conv.of(dec.heads.conv_out, dtype)

    def encode(self, image: Tensor) -> list[Tensor]:
        """``(B, 1, H, W)`` -> ``[f1, f2, f3, f4]`` as :class:`fusion.encoder.NestEncoder`."""
        x = self.stem.conv1(image.to(self.dtype))
        features = []
        for i, level in enumerate(self.levels):
            if i:
                x = F.max_pool2d(x, 2)
            x = level([x], x.shape[-2:])
            features.append(x)
        return features

    def fuse_features(self, ir: list[Tensor], vi: list[Tensor], strategy: str | Callable) -> list[Tensor]:
        """Per scale: the learnt RFN (``"rfn"``) or a handcrafted strategy (computed in fp32 or better)."""
        if strategy == "rfn":
            return [rfn(a, b) for rfn, a, b in zip(self.rfn, ir, vi)]
        fn = get_strategy(strategy) if isinstance(strategy, str) else strategy
        wide = torch.promote_types(self.dtype, torch.float32)
        return [fn(a.to(wide), b.to(wide)).to(self.dtype) for a, b in zip(ir, vi)]

    def decode(self, features: list[Tensor]) -> Tensor:
        """Four fused maps -> image ``(B, 1, H, W)``, as :class:`fusion.decoder.NestDecoder`."""
        f1, f2, f3, f4 = features
        s1, s2, s3 = f1.shape[-2:], f2.shape[-2:], f3.shape[-2:]
        db = self.db
        x1_1 = db["db1_1"]([f1, Up(f2)], s1)
        x2_1 = db["db2_1"]([f2, Up(f3)], s2)
        x1_2 = db["db1_2"]([f1, x1_1, Up(x2_1)], s1)
        x3_1 = db["db3_1"]([f3, Up(f4)], s3)
        x2_2 = db["db2_2"]([f2, x2_1, Up(x3_1)], s2)
        x1_3 = db["db1_3"]([f1, x1_1, x1_2, Up(x2_2)], s1)
        return self.out.conv1(x1_3)

    def fuse(self, ir: Tensor, vi: Tensor, strategy: str | Callable = "rfn") -> Tensor:
        b = ir.shape[0]
        features = self.encode(torch.cat([ir, vi], dim=0))
        fused = self.fuse_features([f[:b] for f in features], [f[b:] for f in features], strategy)
        del features  # the decoder needs only the fused maps (peak memory)
        return self.decode(fused)
