"""Names, order and direction of the metrics, as the paper's tables and the CSV columns use them.

:data:`TABLE_METRICS` are the columns of ``rfn-nest evaluate`` in order (the six of Table 5 first,
then those the paper mentions); :data:`EXTRA_METRICS` are the textbook definitions offered beside
the reference's quirky ones (``MI_bits`` beside ``MI`` = 2 En, ``SD_pixels`` beside ``SD``).
Every function takes ``(ir, vis, fused)``: (H, W) uint8 arrays.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from fusion.metrics.entropy import entropy
from fusion.metrics.fmi import fmi_dct, fmi_pixel, fmi_w
from fusion.metrics.mef_ssim import mef_ssim
from fusion.metrics.mutual_information import mi_reported, mi_textbook
from fusion.metrics.nabf import nabf
from fusion.metrics.qabf import qabf
from fusion.metrics.scd import scd
from fusion.metrics.ssim_a import ssim_a
from fusion.metrics.std import std_reported, std_textbook
from fusion.metrics.vif import vif
from rgbt_runtime.errors import InputError

MetricFn = Callable[[np.ndarray, np.ndarray, np.ndarray], float]


@dataclass(frozen=True)
class Metric:
    """One table column: ``name`` (CSV header), ``fn(ir, vis, fused) -> float``, better direction."""

    name: str
    fn: MetricFn
    higher_is_better: bool
    description: str


def _fused_only(fn: Callable[[np.ndarray], float]) -> MetricFn:
    def metric(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
        return fn(fused)
    return metric


TABLE_METRICS: tuple[Metric, ...] = (
    Metric("En", _fused_only(entropy), True, "entropy of F (bits)"),
    Metric("SD", _fused_only(std_reported), True, "sqrt(sum((F/255 - mean)^2)), not divided by N (as reported)"),
    Metric("MI", _fused_only(mi_reported), True, "2 * En(F), what the reference's MI computes (as reported)"),
    Metric("Nabf", nabf, False, "Kumar's modified fusion artefacts N_abf"),
    Metric("SCD", scd, True, "sum of the correlations of differences"),
    Metric("MS_SSIM", mef_ssim, True, "multi-scale MEF-SSIM of {A, B} against F (the tables' MS-SSIM)"),
    Metric("Qabf", qabf, True, "Xydeas-Petrovic gradient-based Q_abf"),
    Metric("FMI_pixel", fmi_pixel, True, "fast FMI, Sobel-edge features"),
    Metric("FMI_dct", fmi_dct, True, "fast FMI, DCT features"),
    Metric("FMI_w", fmi_w, True, "fast FMI, discrete Meyer wavelet features"),
    Metric("SSIM_a", ssim_a, True, "(SSIM(F, A) + SSIM(F, B)) / 2, MATLAB ssim defaults"),
    Metric("VIF", vif, True, "LIVE wavelet-domain VIF, mean over both sources"),
)

EXTRA_METRICS: tuple[Metric, ...] = (
    Metric("MI_bits", mi_textbook, True, "textbook MI(A, F) + MI(B, F) in bits (256 x 256 joint histograms)"),
    Metric("SD_pixels", _fused_only(std_textbook), True, "textbook population SD of F on 0..255"),
)

METRICS: dict[str, Metric] = {m.name: m for m in TABLE_METRICS + EXTRA_METRICS}
TABLE5_NAMES: tuple[str, ...] = ("En", "SD", "MI", "Nabf", "SCD", "MS_SSIM")


def get_metrics(names: list[str] | tuple[str, ...] | None = None) -> list[Metric]:
    """The metrics called ``names`` in the given order (all :data:`TABLE_METRICS` for ``None``).

    Names are matched case-insensitively; an unknown name raises :class:`InputError`.
    """
    if names is None:
        return list(TABLE_METRICS)
    by_lower = {name.lower(): metric for name, metric in METRICS.items()}
    chosen = []
    for name in names:
        metric = by_lower.get(name.lower())
        if metric is None:
            raise InputError(f"unknown metric {name!r}; choose from {', '.join(METRICS)}")
        if metric not in chosen:
            chosen.append(metric)
    if not chosen:
        raise InputError("no metric chosen")
    return chosen
