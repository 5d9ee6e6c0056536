"""The one in-memory form every RGB-T dataset reader returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rgbt_track.frames import read_frame
from trackers.config import CHANNELS

MODALITIES = CHANNELS  # the two image channels every reader returns


@dataclass(frozen=True)
class RGBTSequence:
    """An aligned RGB-T sequence.

    Attributes:
        name: sequence name (folder name in every layout).
        color: paths of the visible frames, in order.
        ir: paths of the thermal frames, same length as ``color``.
        groundtruth: ``(N, 4)`` float array of ``x, y, w, h`` boxes in 0-based pixel coordinates
            (top-left corner); rows of NaN where the target is absent or the frame is unannotated.
        groundtruth_ir: the thermal annotation when the dataset has a separate one (GTOT,
            RGBT234), else None.
        attributes: free-form per-sequence facts (e.g. the ``sequence`` file's keys, tags).
    """

    name: str
    color: list[Path]
    ir: list[Path]
    groundtruth: np.ndarray
    groundtruth_ir: np.ndarray | None = None
    attributes: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.color)

    def read(self, index: int, modality: str) -> np.ndarray:
        """Frame ``index`` of ``modality`` (``"color"`` or ``"ir"``) as BGR uint8 ``(H, W, 3)``."""
        if modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")
        return read_frame((self.color if modality == "color" else self.ir)[index])
