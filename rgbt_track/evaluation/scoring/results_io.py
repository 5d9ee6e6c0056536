"""Reading ground truth and tracker result files in the GTOT / RGBT234 toolkits' layouts.

Results: ``<results>/<Tracker>/<Tracker>_<sequence>.txt``, one box per frame, either 4 numbers
(``x y w h``) or 8 numbers (the four corners ``x1 y1 x2 y1 x2 y2 x1 y2`` as the GTOT toolkit's
``BBresults`` hold them; the box is their bounding rectangle, ``w = max x - min x``), separated
by spaces, tabs or commas; numbers as written (plain or exponent notation).

Ground truth: GTOT ``<gt>/<seq>/groundTruth_v.txt`` and ``groundTruth_i.txt`` (``x1 y1 x2 y2``,
``w = x2 - x1`` as GTOT's own ``init.txt``); RGBT234 ``<gt>/<seq>/visible.txt`` and
``infrared.txt`` (``x,y,w,h``). The sequence list is ``SequencesName.txt`` (GTOT) or
``list.txt`` when present, else every sub-folder that has the files.

LasHeR (the LasHeR toolkit's layout): results ``<results>/<Tracker>_tracking_result/<seq>.txt``
(``x,y,w,h`` per line, possibly longer than the ground truth); ground truth ``<gt>/<seq>.txt``
(the toolkit's ``annos/``) or the dataset's ``<gt>/<seq>/init.txt``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rgbt_runtime.image_files import natural_key
from rgbt_runtime.errors import InputError
from rgbt_track.datasets.annotations import corners_to_xywh, read_boxes, read_rows

GROUND_TRUTH_FILES = {"gtot": ("groundTruth_v.txt", "groundTruth_i.txt"),
                      "rgbt234": ("visible.txt", "infrared.txt")}
LIST_FILES = ("SequencesName.txt", "list.txt")


def sequence_names(gt_dir: Path, dataset: str) -> list[str]:
    """Sequences to score: from the list file if there is one, else the folders with ground truth."""
    if not gt_dir.is_dir():
        raise InputError(f"ground-truth folder not found: {gt_dir}")
    for list_name in LIST_FILES:
        if (gt_dir / list_name).is_file():
            names = (gt_dir / list_name).read_text(encoding="utf-8").split()
            if names:
                return names
    first = GROUND_TRUTH_FILES[dataset][0]
    names = [p.name for p in sorted(gt_dir.iterdir(), key=natural_key) if (p / first).is_file()]
    if not names:
        raise InputError(f"no {dataset.upper()} ground truth (<seq>/{first}) in {gt_dir}")
    return names


def load_ground_truth(gt_dir: Path, dataset: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{sequence: (visible (N, 4), thermal (N, 4))}`` as x, y, w, h."""
    truth = {}
    for name in sequence_names(gt_dir, dataset):
        pair = []
        for file_name in GROUND_TRUTH_FILES[dataset]:
            rows = read_boxes(gt_dir / name / file_name)
            pair.append(corners_to_xywh(rows) if dataset == "gtot" else rows)
        if len(pair[0]) != len(pair[1]):
            raise InputError(f"{gt_dir / name}: {len(pair[0])} visible vs {len(pair[1])} thermal boxes")
        truth[name] = (pair[0], pair[1])
    return truth


def read_result_file(path: Path, frames: int) -> np.ndarray:
    """``(frames, 4)`` x, y, w, h from a 4- or 8-number-per-line result file."""
    rows = read_rows(path, allowed_counts=(4, 8), what="result file")
    if len(rows) != frames:
        raise InputError(f"{path}: {len(rows)} lines for {frames} frames")
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise InputError(f"{path}: lines mix 4 and 8 numbers")
    values = np.asarray(rows, dtype=np.float64)
    if values.shape[1] == 8:
        xs, ys = values[:, 0::2], values[:, 1::2]
        values = np.column_stack([xs.min(1), ys.min(1), xs.max(1) - xs.min(1), ys.max(1) - ys.min(1)])
    return values


def tracker_names(results_dir: Path) -> list[str]:
    """Sub-folders of ``results_dir`` (one per tracker), in natural order."""
    if not results_dir.is_dir():
        raise InputError(f"results folder not found: {results_dir}")
    names = [p.name for p in sorted(results_dir.iterdir(), key=natural_key) if p.is_dir()]
    if not names:
        raise InputError(f"no tracker folders in {results_dir} (expected <Tracker>/<Tracker>_<sequence>.txt)")
    return names


def load_tracker_results(results_dir: Path, tracker: str, lengths: dict[str, int]) -> dict[str, np.ndarray]:
    """``{sequence: (N, 4)}`` from ``results_dir/tracker/tracker_<sequence>.txt`` for every sequence."""
    folder = results_dir / tracker
    return {name: read_result_file(folder / f"{tracker}_{name}.txt", frames) for name, frames in lengths.items()}


LASHER_SUFFIX = "_tracking_result"


def read_name_list(path: Path) -> list[str]:
    """Sequence names, one per line (blank lines ignored); InputError naming ``path`` when missing or empty."""
    if not path.is_file():
        raise InputError(f"sequence list not found: {path}")
    names = path.read_text(encoding="utf-8", errors="replace").split()
    if not names:
        raise InputError(f"sequence list is empty: {path}")
    return names


def load_lasher_ground_truth(gt_dir: Path, names: list[str] | None = None) -> dict[str, np.ndarray]:
    """``{sequence: (N, 4)}`` x, y, w, h from the dataset's ``<gt>/<seq>/init.txt`` or, where there
    are no sequence folders, the toolkit's ``<gt>/<seq>.txt``; every sequence there, or those of
    ``names``."""
    if not gt_dir.is_dir():
        raise InputError(f"ground-truth folder not found: {gt_dir}")
    if names is None:
        # the dataset layout first: its root may hold lists (list.txt, the test list) beside the folders
        files = sorted(gt_dir.glob("*/init.txt"), key=lambda p: natural_key(p.parent))
        if not files:
            files = sorted(gt_dir.glob("*.txt"), key=natural_key)
        if not files:
            raise InputError(f"no LasHeR ground truth (<seq>.txt or <seq>/init.txt) in {gt_dir}")
        return {(p.stem if p.name != "init.txt" else p.parent.name): read_boxes(p) for p in files}
    truth = {}
    for name in names:
        path = gt_dir / f"{name}.txt"
        truth[name] = read_boxes(path if path.is_file() or not (gt_dir / name).is_dir() else gt_dir / name / "init.txt")
    return truth


def lasher_tracker_folders(results_dir: Path) -> dict[str, Path]:
    """``{tracker: folder}`` for every ``<Tracker>_tracking_result`` folder of ``results_dir``."""
    if not results_dir.is_dir():
        raise InputError(f"results folder not found: {results_dir}")
    folders = {p.name[:-len(LASHER_SUFFIX)]: p for p in sorted(results_dir.iterdir(), key=natural_key)
               if p.is_dir() and p.name.endswith(LASHER_SUFFIX) and len(p.name) > len(LASHER_SUFFIX)}
    if not folders:
        raise InputError(f"no tracker folders in {results_dir} (expected <Tracker>{LASHER_SUFFIX}/<sequence>.txt)")
    return folders


def load_lasher_results(folder: Path, lengths: dict[str, int]) -> dict[str, np.ndarray]:
    """``{sequence: (M, 4)}`` from ``folder/<sequence>.txt``, ``M >= N`` (longer files are cut when scored)."""
    results = {}
    for name, frames in lengths.items():
        path = folder / f"{name}.txt"
        if not path.is_file():
            raise InputError(f"result file not found: {path}")
        boxes = read_boxes(path)
        if len(boxes) < frames:
            raise InputError(f"{path}: {len(boxes)} lines for {frames} frames")
        results[name] = boxes
    return results
