"""N_abf: the modified fusion-artefacts measure of Shreyamsha Kumar (2013), as the paper reports it.

Source: the Petrovic edge-preservation framework (Xydeas and Petrovic 2000; Petrovic and Xydeas
2005) with Kumar's modified artefact term (B. K. Shreyamsha Kumar, "Multifocus and multispectral
image fusion based on pixel significance using discrete cosine harmonic wavelet transform",
SIViP 2013), called by the reference code on ``F01, A01, B01`` (values in 0..1):

* Sobel by correlation after mirror padding by one pixel without repeating the edge
  (``np.pad(x, 1, 'reflect')``): ``gv`` with ``[[-1,0,1],[-2,0,2],[-1,0,1]]/8``, ``gh`` with
  ``[[-1,-2,-1],[0,0,0],[1,2,1]]/8``. The 3x3 sums are added in the reference's order (each
  kernel column top to bottom, then the three column sums left to right): that order decides
  whether ``gh`` is exactly 0 in flat regions and so the sign of the ``±pi/2`` angles there.
* ``g = sqrt(gh^2 + gv^2)``, ``alpha = atan(gv / gh)`` (``±pi/2`` when ``gh = 0``; 0 when both
  are 0, where the reference's 0/0 would otherwise be undefined).
* ``gAF = min(gA, gF) / max(gA, gF)`` (0 if either is 0); ``aAF = | |alphaA - alphaF| - pi/2 | * 2/pi``;
  ``QgAF = 0.9999 / (1 + exp(-19 (gAF - 0.5)))``, ``QaAF = 0.9995 / (1 + exp(-22 (aAF - 0.5)))``,
  ``QAF = sqrt(QgAF QaAF)``; the same for B.
* Weights ``wA = gA^1.5`` where ``gA >= 2`` else 0.001 (with 0..1 inputs ``g`` never reaches 2, so
  every weight is 0.001, exactly as in the reference); ``na = 1`` where ``gF > gA`` and ``gF > gB``.
* ``N_abf = sum(na ((1 - QAF) wA + (1 - QBF) wB)) / sum(wA + wB)``; lower is better.

Computed in one pass over the pixels by :func:`fusion.metrics.petrovic_kernel.nabf_sums`
(angles and preservation only where ``na = 1``).
"""
from __future__ import annotations

import numpy as np

from fusion.metrics.common import as_float, check_images
from fusion.metrics.petrovic_kernel import nabf_sums


def nabf(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray) -> float:
    """N_abf of ``fused`` against ``ir`` (A) and ``vis`` (B); all (H, W) uint8. Range [0, 1], lower is better."""
    check_images(ir, vis, fused)
    loss, weight = nabf_sums(*(as_float(x, scale01=True) for x in (ir, vis, fused)))
    return float(loss / weight)
