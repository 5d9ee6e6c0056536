"""Attribute-wise RGBT234 scores from the dataset's per-frame attribute files.

RGBT234 labels every frame with its challenges: ``<seq>/<ATTR>.tag`` (e.g. ``LI.tag``, ``TC.tag``,
``HO.tag``...), one ``0`` / ``1`` per line. The score of an attribute is the RGBT234 MPR / MSR
(:func:`rgbt_track.scoring.rgbt234.score_rgbt234`) over the frames labelled ``1``, each sequence that
has such frames counting once in the average. Sequences without tag files take part in no attribute.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.annotations import read_rows
from rgbt_track.scoring.boxes import TrackerScore


def read_attribute_masks(gt_dir: Path, lengths: dict[str, int]) -> dict[str, dict[str, np.ndarray]]:
    """``{attribute: {sequence: (N,) bool}}`` from every ``<gt>/<seq>/*.tag`` file."""
    masks: dict[str, dict[str, np.ndarray]] = {}
    for name, frames in lengths.items():
        for path in sorted((gt_dir / name).glob("*.tag")):
            flags = np.asarray(read_rows(path, allowed_counts=(1,)), dtype=np.float64)[:, 0]
            if len(flags) != frames:
                raise InputError(f"{path}: {len(flags)} lines for {frames} frames")
            if flags.any():
                masks.setdefault(path.stem, {})[name] = flags > 0
    if not masks:
        raise InputError(f"no attribute files (<seq>/<ATTR>.tag) in {gt_dir}")
    return dict(sorted(masks.items()))


def attribute_scores(gt_dir: Path, results_dir: Path, round_results: bool | None = None
                     ) -> list[tuple[str, int, TrackerScore]]:
    """``(attribute, sequences, score)`` for every attribute and tracker of ``results_dir``."""
    from rgbt_track.scoring.results_io import load_ground_truth, load_tracker_results, tracker_names
    from rgbt_track.scoring.rgbt234 import score_rgbt234

    truth = load_ground_truth(Path(gt_dir), "rgbt234")
    lengths = {name: len(visible) for name, (visible, _) in truth.items()}
    masks = read_attribute_masks(Path(gt_dir), lengths)
    rows = []
    for tracker in tracker_names(Path(results_dir)):
        results = load_tracker_results(Path(results_dir), tracker, lengths)
        for attribute, per_sequence in masks.items():
            sub_truth = {n: (truth[n][0][m], truth[n][1][m]) for n, m in per_sequence.items()}
            sub_results = {n: results[n][m] for n, m in per_sequence.items()}
            rows.append((attribute, len(per_sequence),
                         score_rgbt234(tracker, sub_truth, sub_results, round_results=bool(round_results))))
    return rows


def write_attribute_scores(gt_dir: Path, results_dir: Path, path: Path, round_results: bool | None = None) -> Path:
    """CSV ``attribute,sequences,tracker,MPR,MSR`` (percent, two decimals), written atomically."""
    import csv

    from rgbt_runtime.atomic import atomic_path

    rows = attribute_scores(gt_dir, results_dir, round_results)
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["attribute", "sequences", "tracker", "MPR", "MSR"])
        for attribute, count, score in rows:
            writer.writerow([attribute, count, score.tracker, f"{100 * score.mpr:.2f}", f"{100 * score.msr:.2f}"])
    return path
