"""Handcrafted feature-fusion strategies (``docs/fusion_network.md``), applied per scale to encoder features.

Every strategy maps two feature maps of the same shape ``(B, C, H, W)`` (infrared first) to one
fused map of that shape. All are batched (every sample fused independently) and run on any device.
``eps`` = 1e-10 everywhere, like the reference code.

Select by name with :func:`get_strategy` (names in :data:`STRATEGIES`: ``add``, ``avg``, ``max``,
``l1``, ``spatial``, ``nuclear``, ``sca``); the learnt ``rfn`` strategy is the model itself.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from rgbt_runtime.errors import InputError

EPS = 1e-10
CHANNEL_POOLINGS = ("avg", "max", "nuclear")


def add(phi_ir: Tensor, phi_vi: Tensor) -> Tensor:
    """``phi_ir + phi_vi``. Shapes ``(B, C, H, W)`` -> ``(B, C, H, W)``."""
    return phi_ir + phi_vi


def avg(phi_ir: Tensor, phi_vi: Tensor) -> Tensor:
    """``(phi_ir + phi_vi) / 2``. Shapes ``(B, C, H, W)`` -> ``(B, C, H, W)``."""
    return (phi_ir + phi_vi) / 2


def maximum(phi_ir: Tensor, phi_vi: Tensor) -> Tensor:
    """Elementwise maximum. Shapes ``(B, C, H, W)`` -> ``(B, C, H, W)``. Also exported as ``max``."""
    return torch.maximum(phi_ir, phi_vi)


def l1_norm(phi_ir: Tensor, phi_vi: Tensor, window_radius: int = 0) -> Tensor:
    """DenseFuse's l1-norm strategy.

    Activity ``C_k(x, y) = sum_c |phi_k(c, x, y)|``, box-averaged over a ``(2r+1)^2`` window when
    ``window_radius`` r > 0 (the DenseFuse paper uses r = 1, its released code and the default here
    use no window; at the border the mean covers only the pixels inside the map);
    ``w_k = C_k / (C_ir + C_vi + eps)``; output ``w_ir * phi_ir + w_vi * phi_vi``.

    Shapes: ``phi_ir``, ``phi_vi`` ``(B, C, H, W)`` -> ``(B, C, H, W)``.
    """
    if window_radius < 0:
        raise ValueError(f"window_radius must be >= 0, got {window_radius}")
    act_ir = phi_ir.abs().sum(dim=1, keepdim=True)
    act_vi = phi_vi.abs().sum(dim=1, keepdim=True)
    if window_radius > 0:
        k = 2 * window_radius + 1
        act_ir = F.avg_pool2d(act_ir, k, stride=1, padding=window_radius, count_include_pad=False)
        act_vi = F.avg_pool2d(act_vi, k, stride=1, padding=window_radius, count_include_pad=False)
    total = act_ir + act_vi + EPS
    return (act_ir / total) * phi_ir + (act_vi / total) * phi_vi


def spatial(phi_ir: Tensor, phi_vi: Tensor) -> Tensor:
    """NestFuse's spatial attention: ``w_k = exp(s_k) / (exp(s_ir) + exp(s_vi) + eps)``.

    ``s_k`` is the channel mean of ``phi_k`` (``(B, 1, H, W)``). Computed with the larger of the
    two exponents factored out, which gives the same weights without overflowing for large
    activations (the reference's plain ``exp`` returns NaN there).

    Shapes: ``(B, C, H, W)`` -> ``(B, C, H, W)``.
    """
    s_ir = phi_ir.mean(dim=1, keepdim=True)
    s_vi = phi_vi.mean(dim=1, keepdim=True)
    top = torch.maximum(s_ir, s_vi)
    e_ir = torch.exp(s_ir - top)
    e_vi = torch.exp(s_vi - top)
    total = e_ir + e_vi + EPS * torch.exp(-top)
    return (e_ir / total) * phi_ir + (e_vi / total) * phi_vi


def channel_pool(phi: Tensor, pooling: str = "avg") -> Tensor:
    """Global per-channel statistic ``(B, C, H, W)`` -> ``(B, C, 1, 1)``.

    ``avg``: mean; ``max``: maximum; ``nuclear``: sum of the singular values of each channel's
    ``H x W`` matrix (batched ``torch.linalg.svdvals``, computed in float32 at least).
    """
    if pooling == "avg":
        return phi.mean(dim=(2, 3), keepdim=True)
    if pooling == "max":
        return phi.amax(dim=(2, 3), keepdim=True)
    if pooling == "nuclear":
        work = phi if phi.dtype in (torch.float32, torch.float64) else phi.float()
        return torch.linalg.svdvals(work).sum(dim=-1)[..., None, None].to(phi.dtype)
    raise InputError(f"unknown channel pooling '{pooling}' (choose from {', '.join(CHANNEL_POOLINGS)})")


def channel(phi_ir: Tensor, phi_vi: Tensor, pooling: str = "avg") -> Tensor:
    """NestFuse's channel attention: ``w_k[c] = g_k[c] / (g_ir[c] + g_vi[c] + eps)``.

    ``g_k`` is :func:`channel_pool` of ``phi_k``. Shapes: ``(B, C, H, W)`` -> ``(B, C, H, W)``.
    """
    g_ir = channel_pool(phi_ir, pooling)
    g_vi = channel_pool(phi_vi, pooling)
    total = g_ir + g_vi + EPS
    return (g_ir / total) * phi_ir + (g_vi / total) * phi_vi


def nuclear(phi_ir: Tensor, phi_vi: Tensor) -> Tensor:
    """Nuclear-norm (``l_*``) strategy: :func:`channel` weights with nuclear-norm pooling.

    Batched over all samples and on any device (the reference fuses batch item 0 only, on CUDA).
    Shapes: ``(B, C, H, W)`` -> ``(B, C, H, W)``.
    """
    return channel(phi_ir, phi_vi, pooling="nuclear")


def sca(phi_ir: Tensor, phi_vi: Tensor, channel_pooling: str = "avg") -> Tensor:
    """NestFuse's spatial/channel attention: ``(channel(...) + spatial(...)) / 2``.

    ``channel_pooling``: ``avg`` (default, like NestFuse), ``max`` or ``nuclear``.
    Shapes: ``(B, C, H, W)`` -> ``(B, C, H, W)``.
    """
    return (channel(phi_ir, phi_vi, channel_pooling) + spatial(phi_ir, phi_vi)) / 2


max = maximum  # noqa: A001 - the strategy's name in the paper and on the command line

Strategy = Callable[[Tensor, Tensor], Tensor]

STRATEGIES: dict[str, Strategy] = {
    "add": add,
    "avg": avg,
    "max": maximum,
    "l1": l1_norm,
    "spatial": spatial,
    "nuclear": nuclear,
    "sca": sca,
}


def get_strategy(name: str) -> Strategy:
    """The strategy called ``name`` (a key of :data:`STRATEGIES`); :class:`InputError` otherwise."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise InputError(f"unknown fusion strategy '{name}' (choose from {', '.join(STRATEGIES)})") from None
