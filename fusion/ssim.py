"""SSIM and MS-SSIM for training losses (``docs/fusion_network.md``), matching the RFN-Nest reference code.

The reference (``pytorch_msssim`` as vendored by hli1221) uses a Gaussian window of 11 taps,
sigma 1.5, shrunk to ``min(11, H, W)``, *valid* convolution (no padding), one window per channel,
``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2``, and guesses the dynamic range ``L`` from the first image
when none is given: max 255 if ``x.max() > 128`` else 1, min -1 if ``x.min() < -0.5`` else 0.

Two MS-SSIM forms (5 levels, weights :data:`MS_SSIM_WEIGHTS`, 2x2 average pooling between levels):

* ``form="standard"`` (default; Wang et al. 2003):
  ``prod_{i<4} cs_i^{w_i} * ssim_4^{w_4}``. The range is guessed once, at full resolution, and
  negative ``cs``/``ssim`` terms are clamped to 0 (unless ``normalize``) so the power is defined.
* ``form="reference"``: exactly what the reference computes,
  ``prod_{i<4} (cs_i^{w_i} * ssim_4^{w_4})`` = ``prod_{i<4} cs_i^{w_i} * (ssim_4^{w_4})^4``, with
  the range re-guessed at every level (after pooling) and no clamping (negative terms give NaN,
  as in the reference; ``normalize=True`` avoids that).

``normalize=True`` maps every term ``t`` to ``(t + 1) / 2`` before the powers (the reference's
option). ``reduction="mean"`` averages the SSIM map over the whole batch (like the reference);
``"none"`` gives one value per sample, shape ``(B,)``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
FORMS = ("standard", "reference")


def gaussian_window(size: int, sigma: float = 1.5, dtype: torch.dtype = torch.float32,
                    device: torch.device | str = "cpu") -> Tensor:
    """Normalised 2-D Gaussian window ``(size, size)`` centred on tap ``size // 2``."""
    x = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return torch.outer(g, g).to(dtype=dtype, device=device)


def guess_data_range(x: Tensor) -> float:
    """The reference's guess of the dynamic range ``L`` from image ``x`` (any shape)."""
    max_val = 255.0 if float(x.max()) > 128 else 1.0
    min_val = -1.0 if float(x.min()) < -0.5 else 0.0
    return max_val - min_val


def _range_tensor(data_range: float | Tensor | None, x: Tensor) -> Tensor:
    """``L`` as a tensor broadcastable to ``(B, 1, 1, 1)``."""
    if data_range is None:
        data_range = guess_data_range(x)
    if isinstance(data_range, Tensor):
        return data_range.to(dtype=x.dtype, device=x.device).reshape(-1, 1, 1, 1)
    return torch.tensor(float(data_range), dtype=x.dtype, device=x.device).reshape(1, 1, 1, 1)


def ssim_maps(x: Tensor, y: Tensor, window_size: int = 11, sigma: float = 1.5,
              data_range: float | Tensor | None = None, valid: bool = True) -> tuple[Tensor, Tensor]:
    """The SSIM map and the contrast-structure (``cs``) map of ``x`` and ``y``.

    ``x``, ``y``: ``(B, C, H, W)``, any channel count (each channel filtered on its own).
    The window is shrunk to ``min(window_size, H, W)``. ``valid=False`` zero-pads by half a
    window so the maps keep the input size (the reference always uses valid).
    ``data_range``: None (guess from ``x``), a float, or a per-sample tensor ``(B,)``.
    Returns two maps ``(B, C, H', W')``.
    """
    if x.shape != y.shape or x.dim() != 4:
        raise ValueError(f"ssim needs two (B, C, H, W) tensors of the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    channels, height, width = x.shape[1:]
    size = min(window_size, height, width)
    window = gaussian_window(size, sigma, x.dtype, x.device).expand(channels, 1, size, size)
    pad = 0 if valid else size // 2

    def blur(t: Tensor) -> Tensor:
        return F.conv2d(t, window, padding=pad, groups=channels)

    mu_x, mu_y = blur(x), blur(y)
    mu_xx, mu_yy, mu_xy = mu_x * mu_x, mu_y * mu_y, mu_x * mu_y
    var_x = blur(x * x) - mu_xx
    var_y = blur(y * y) - mu_yy
    cov = blur(x * y) - mu_xy
    L = _range_tensor(data_range, x)
    c1 = (0.01 * L) ** 2
    c2 = (0.03 * L) ** 2
    cs_map = (2 * cov + c2) / (var_x + var_y + c2)
    ssim_map = (2 * mu_xy + c1) / (mu_xx + mu_yy + c1) * cs_map
    return ssim_map, cs_map


def _reduce(t: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return t.mean()
    if reduction == "none":
        return t.flatten(1).mean(dim=1)
    raise ValueError(f"reduction must be 'mean' or 'none', got '{reduction}'")


def ssim(x: Tensor, y: Tensor, window_size: int = 11, sigma: float = 1.5,
         data_range: float | Tensor | None = None, reduction: str = "mean", valid: bool = True) -> Tensor:
    """Mean SSIM of ``x`` and ``y`` (``(B, C, H, W)``): a scalar, or ``(B,)`` for ``reduction="none"``."""
    return _reduce(ssim_maps(x, y, window_size, sigma, data_range, valid)[0], reduction)


def ms_ssim(x: Tensor, y: Tensor, window_size: int = 11, sigma: float = 1.5,
            data_range: float | Tensor | None = None, weights: tuple[float, ...] = MS_SSIM_WEIGHTS,
            form: str = "standard", normalize: bool = False, reduction: str = "mean",
            valid: bool = True) -> Tensor:
    """Multi-scale SSIM of ``x`` and ``y`` (``(B, C, H, W)``), in either form (module docstring).

    Needs ``H, W >= 2 ** (len(weights) - 1)``. Returns a scalar, or ``(B,)`` for ``"none"``.
    """
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got '{form}'")
    if min(x.shape[-2:]) < 2 ** (len(weights) - 1):
        raise ValueError(f"ms_ssim with {len(weights)} levels needs images of at least "
                         f"{2 ** (len(weights) - 1)} px, got {tuple(x.shape[-2:])}")
    if form == "standard" and data_range is None:
        data_range = guess_data_range(x)
    sims, css = [], []
    for level in range(len(weights)):
        if level:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
        ssim_map, cs_map = ssim_maps(x, y, window_size, sigma, data_range, valid)
        sims.append(_reduce(ssim_map, reduction))
        css.append(_reduce(cs_map, reduction))
    sim = torch.stack(sims)
    cs = torch.stack(css)
    if normalize:
        sim, cs = (sim + 1) / 2, (cs + 1) / 2
    elif form == "standard":
        sim, cs = sim.clamp_min(0), cs.clamp_min(0)
    w = torch.tensor(weights, dtype=x.dtype, device=x.device).reshape(-1, *([1] * (sim.dim() - 1)))
    cs_pow, sim_pow = cs ** w, sim ** w
    if form == "reference":
        return torch.prod(cs_pow[:-1] * sim_pow[-1], dim=0)
    return torch.prod(cs_pow[:-1], dim=0) * sim_pow[-1]


def ssim_loss(x: Tensor, y: Tensor, **kwargs) -> Tensor:
    """``1 - ssim(x, y, **kwargs)``."""
    return 1 - ssim(x, y, **kwargs)


def ms_ssim_loss(x: Tensor, y: Tensor, **kwargs) -> Tensor:
    """``1 - ms_ssim(x, y, **kwargs)`` (the RFN-Nest detail and auto-encoder SSIM term)."""
    return 1 - ms_ssim(x, y, **kwargs)
