"""Precision / success plots of several trackers as the OTB-style toolkits draw them (matplotlib, Agg).

One panel per curve kind, one line per tracker, legend entries ``Tracker [score]`` sorted best
first. The file format follows the suffix (``.png``, ``.pdf`` or ``.svg``); saved atomically.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rgbt_runtime.atomic import atomic_path
from rgbt_runtime.errors import InputError
from rgbt_track.scoring.boxes import TrackerScore

FORMATS = (".png", ".pdf", ".svg")


@dataclass(frozen=True)
class Panel:
    """One plot: ``curves`` maps tracker -> (score in [0, 1], ``(T,)`` thresholds, ``(T,)`` rates)."""

    title: str
    xlabel: str
    ylabel: str
    curves: dict[str, tuple[float, np.ndarray, np.ndarray]]
    legend: str = "lower right"


def check_plot_path(path: Path) -> None:
    """InputError unless ``path`` ends in one of :data:`FORMATS`."""
    if path.suffix.lower() not in FORMATS:
        raise InputError(f"--plot must end in {', '.join(FORMATS)}: {path}")


def save_panels(panels: list[Panel], path: Path) -> Path:
    """Draw ``panels`` side by side into ``path`` (format by suffix)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    check_plot_path(path)
    figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.5), squeeze=False)
    for axis, panel in zip(axes[0], panels):
        for tracker, (score, thresholds, rates) in sorted(panel.curves.items(), key=lambda item: -item[1][0]):
            axis.plot(thresholds, rates, linewidth=2, label=f"{tracker} [{100 * score:.1f}]")
        last = max(float(c[1][-1]) for c in panel.curves.values())
        axis.set(title=panel.title, xlabel=panel.xlabel, ylabel=panel.ylabel, ylim=(0, 1), xlim=(0, last))
        axis.legend(loc=panel.legend)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=110, format=path.suffix.lower()[1:])
    plt.close(figure)
    return path


def save_plots(scores: list[TrackerScore], path: Path, title: str) -> Path:
    """GTOT / RGBT234: precision vs location-error threshold (MPR) and success vs overlap (MSR)."""
    return save_panels([
        Panel(f"{title}: maximum precision (MPR)", "location error threshold (px)", "precision",
              {s.tracker: (s.mpr, s.error_thresholds, s.precision) for s in scores}),
        Panel(f"{title}: maximum success (MSR)", "overlap threshold", "success rate",
              {s.tracker: (s.msr, s.overlap_thresholds, s.success) for s in scores}, legend="lower left")], path)


def save_lasher_plots(scores: list, path: Path, title: str = "LasHeR") -> Path:
    """LasHeR: precision (PR), normalised precision (NPR) and success (SR) plots of :class:`LasherScore` s."""
    return save_panels([
        Panel(f"Precision plots of OPE on {title}", "location error threshold (px)", "precision",
              {s.tracker: (s.pr, s.error_thresholds, s.precision) for s in scores}),
        Panel(f"Normalized precision plots of OPE on {title}", "normalized location error threshold",
              "normalized precision", {s.tracker: (s.npr, s.norm_thresholds, s.norm_precision) for s in scores}),
        Panel(f"Success plots of OPE on {title}", "overlap threshold", "success rate",
              {s.tracker: (s.sr, s.overlap_thresholds, s.success) for s in scores}, legend="lower left")], path)
