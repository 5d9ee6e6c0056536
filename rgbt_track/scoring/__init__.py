"""GTOT / RGBT234 (MPR, MSR) and LasHeR (PR, NPR, SR) scoring of tracker result files, outside the VOT toolkit."""
from __future__ import annotations

from pathlib import Path

from rgbt_track.scoring.boxes import TrackerScore
from rgbt_track.scoring.gtot import score_gtot
from rgbt_track.scoring.lasher import LasherConventions, LasherScore, score_lasher
from rgbt_track.scoring.results_io import (lasher_tracker_folders, load_ground_truth, load_lasher_ground_truth,
                                           load_lasher_results, load_tracker_results, tracker_names)
from rgbt_track.scoring.rgbt234 import score_rgbt234

SCORERS = {"gtot": score_gtot, "rgbt234": score_rgbt234}
DEFAULT_ROUNDING = {"gtot": True, "rgbt234": False}


def score_results(dataset: str, gt_dir: Path, results_dir: Path, round_results: bool | None = None,
                  progress: bool = False) -> list[TrackerScore]:
    """Score every tracker folder of ``results_dir`` against ``gt_dir`` (``dataset``: gtot or rgbt234)."""
    from tqdm import tqdm

    truth = load_ground_truth(Path(gt_dir), dataset)
    lengths = {name: len(visible) for name, (visible, _) in truth.items()}
    rounding = DEFAULT_ROUNDING[dataset] if round_results is None else round_results
    scores = []
    for tracker in tqdm(tracker_names(Path(results_dir)), desc="trackers", disable=None if progress else True):
        results = load_tracker_results(Path(results_dir), tracker, lengths)
        scores.append(SCORERS[dataset](tracker, truth, results, round_results=rounding))
    return scores


def score_lasher_results(gt_dir: Path, results_dir: Path, conventions: LasherConventions = LasherConventions(),
                         names: list[str] | None = None, progress: bool = False) -> list[LasherScore]:
    """PR / NPR / SR of every ``<Tracker>_tracking_result`` folder of ``results_dir`` over the
    sequences of ``gt_dir`` (or ``names``)."""
    from tqdm import tqdm

    truth = load_lasher_ground_truth(Path(gt_dir), names)
    lengths = {name: len(boxes) for name, boxes in truth.items()}
    scores = []
    for tracker, folder in tqdm(lasher_tracker_folders(Path(results_dir)).items(), desc="trackers",
                                disable=not progress):
        scores.append(score_lasher(tracker, truth, load_lasher_results(folder, lengths), conventions))
    return scores


__all__ = ["TrackerScore", "LasherScore", "LasherConventions", "score_results", "score_lasher_results",
           "score_gtot", "score_rgbt234", "score_lasher", "SCORERS"]
