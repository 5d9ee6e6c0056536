"""Where ``rgbt-track test`` writes, in the layouts the official toolkits (and ``rgbt-track score``) read.

* LasHeR: ``OUT/NAME_tracking_result/<seq>.txt``, ``x,y,w,h`` per frame (the LasHeR toolkit's
  ``tracking_results/``);
* GTOT, RGBT234: ``OUT/NAME/NAME_<seq>.txt``, ``x y w h`` per frame (the toolkits' ``BBresults``
  naming; ``rgbt-track score gtot|rgbt234 --results OUT`` reads it).

Per-frame times (seconds, one per line: the init, then each tracked frame) go to
``<tracker folder>/times/<seq>_time.txt``, where no toolkit looks. Every file is written
atomically, the times before the boxes, so a sequence whose box file exists is finished.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rgbt_runtime.atomic import atomic_path
from rgbt_track.scoring.results_io import LASHER_SUFFIX

DATASETS = ("gtot", "rgbt234", "lasher")


@dataclass(frozen=True)
class ResultLayout:
    """The result files of tracker ``name`` on ``dataset`` under ``out``."""

    dataset: str
    out: Path
    name: str

    @property
    def folder(self) -> Path:
        return self.out / (f"{self.name}{LASHER_SUFFIX}" if self.dataset == "lasher" else self.name)

    def boxes(self, sequence: str) -> Path:
        file_name = f"{sequence}.txt" if self.dataset == "lasher" else f"{self.name}_{sequence}.txt"
        return self.folder / file_name

    def times(self, sequence: str) -> Path:
        return self.folder / "times" / f"{sequence}_time.txt"

    def finished(self, sequence: str) -> bool:
        return self.boxes(sequence).is_file()

    def write(self, sequence: str, boxes: np.ndarray, times: np.ndarray) -> None:
        """``(N, 4)`` boxes (4 decimals, the separator the toolkit uses) and ``(N,)`` seconds."""
        separator = "," if self.dataset == "lasher" else " "
        with atomic_path(self.times(sequence)) as tmp:
            tmp.write_text("".join(f"{t:.6f}\n" for t in times), encoding="utf-8")
        with atomic_path(self.boxes(sequence)) as tmp:
            tmp.write_text("".join(separator.join(f"{v:.4f}" for v in row) + "\n" for row in boxes),
                           encoding="utf-8")
