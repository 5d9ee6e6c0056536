"""Precision and success plots of several trackers (matplotlib, Agg backend), saved atomically as PNG."""
from __future__ import annotations

from pathlib import Path

from rgbt_runtime.atomic import atomic_path
from rgbt_track.scoring.boxes import TrackerScore


def save_plots(scores: list[TrackerScore], path: Path, title: str) -> Path:
    """Two panels: precision vs location-error threshold and success vs overlap threshold, legend
    entries ``Tracker [score]`` sorted best first."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for score in sorted(scores, key=lambda s: -s.mpr):
        left.plot(score.error_thresholds, score.precision, label=f"{score.tracker} [{100 * score.mpr:.1f}]")
    for score in sorted(scores, key=lambda s: -s.msr):
        right.plot(score.overlap_thresholds, score.success, label=f"{score.tracker} [{100 * score.msr:.1f}]")
    left.set(title=f"{title}: maximum precision (MPR)", xlabel="location error threshold (px)",
             ylabel="precision", ylim=(0, 1), xlim=(0, score.error_thresholds[-1]))
    right.set(title=f"{title}: maximum success (MSR)", xlabel="overlap threshold", ylabel="success rate",
              ylim=(0, 1), xlim=(0, 1))
    left.legend(loc="lower right")
    right.legend(loc="lower left")
    for axis in (left, right):
        axis.grid(alpha=0.3)
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=110, format="png")
    plt.close(figure)
    return path
