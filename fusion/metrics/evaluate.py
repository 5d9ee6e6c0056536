"""Score folders of fused images against their infrared/visible pairs and write the paper's tables.

Pairing rules (documented for users of ``rfn-nest evaluate``):

* **Source pairs** (:func:`rgbt_runtime.image_files.pair_images`). Every image in the infrared folder
  is one pair, named by its file stem (e.g. ``IR1``). Its visible counterpart is the file in the
  visible folder with the same stem, or - the TNO layout - the same stem with a leading modality
  token swapped (``IR``/``ir`` -> ``VIS``/``VI``, e.g. ``IR1.png`` <-> ``VIS1.png``). An infrared
  image without a counterpart, or a visible image without one, is an error naming the files.
  Pairs are sorted naturally (IR1, IR2, ..., IR10).
* **Fused images.** In each method's folder the fused image of pair ``IR1`` is the file whose stem
  equals ``IR1`` or ends with ``IR1`` preceded by a non-alphanumeric separator (the official
  outputs ``fused_rfnnest_700_wir_6.0_wvi_3.0_IR1.png``; ``..._IR11`` does not match ``IR1``).
  No match, or more than one, is an error.
* **Reading.** Images are read as 8-bit grayscale as MATLAB ``imread`` + ``rgb2gray`` would
  (colour converted with MATLAB's luma weights and rounded; alpha dropped). Other bit depths are
  rejected, as are pairs whose three images differ in size.

Tables: one row per method with the mean over pairs (``mean_rows``), optionally one row per
method and pair (``per_image``), best / second / third per column marked (``rank_marks``).
"""
from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import Iterable

import cv2
import numpy as np

from rgbt_runtime.image_files import Pair, list_images
from fusion.metrics.registry import Metric
from rgbt_runtime.atomic import atomic_path
from rgbt_runtime.image_read import read_image
from rgbt_runtime.errors import InputError

# MATLAB rgb2gray weights (R, G, B).
_RGB2GRAY = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])


def find_fused(folder: str | Path, pair_name: str, files: Iterable[Path] | None = None) -> Path:
    """The fused image of ``pair_name`` in ``folder`` (exact stem, or stem ending in ``<sep>pair_name``)."""
    files = list_images(folder) if files is None else files
    pattern = re.compile(rf"(^|[^0-9A-Za-z]){re.escape(pair_name)}$")
    matches = [p for p in files if pattern.search(p.stem)]
    exact = [p for p in matches if p.stem == pair_name]
    if len(exact) == 1:
        return exact[0]
    if len(matches) != 1:
        what = "no fused image" if not matches else f"{len(matches)} fused images ({', '.join(p.name for p in matches)})"
        raise InputError(f"{what} for pair {pair_name} in {folder}")
    return matches[0]


def read_gray(path: str | Path) -> np.ndarray:
    """An 8-bit image as (H, W) uint8 (colour -> MATLAB ``rgb2gray``); :class:`InputError` if unreadable."""
    image = read_image(path, cv2.IMREAD_UNCHANGED)
    if image.dtype != np.uint8:
        raise InputError(f"{path}: only 8-bit images are supported, got {image.dtype}")
    if image.ndim == 3:
        if image.shape[2] == 1:
            return image[:, :, 0]
        rgb = image[:, :, 2::-1][:, :, :3].astype(np.float64)  # BGR(A) -> RGB
        return np.clip(np.round(rgb @ _RGB2GRAY), 0, 255).astype(np.uint8)
    return image


def score_pair(ir: np.ndarray, vis: np.ndarray, fused: np.ndarray, metrics: list[Metric],
               where: str = "") -> dict[str, float]:
    """``{metric name: value}`` for one fused image; :class:`InputError` on size mismatch or NaN."""
    if not (ir.shape == vis.shape == fused.shape):
        raise InputError(f"{where}: image sizes differ (ir {ir.shape}, vis {vis.shape}, fused {fused.shape})")
    scores = {}
    for metric in metrics:
        value = float(metric.fn(ir, vis, fused))
        if math.isnan(value):
            raise InputError(f"{where}: {metric.name} is undefined (NaN) for these images")
        scores[metric.name] = value
    return scores


def evaluate_folders(pairs: list[Pair], methods: dict[str, Path], metrics: list[Metric],
                     progress: bool = True) -> list[dict]:
    """Per-image rows ``{"method", "image", <metric>: value}`` for every method and pair.

    All fused files are located before any metric runs, so a missing file fails fast.
    """
    from tqdm import tqdm

    listings = {name: list_images(folder) for name, folder in methods.items()}
    fused = {(name, pair.name): find_fused(folder, pair.name, listings[name])
             for name, folder in methods.items() for pair in pairs}
    rows = []
    for pair in tqdm(pairs, desc="pairs", unit="pair", disable=None if progress else True):
        ir, vis = read_gray(pair.ir), read_gray(pair.vis)
        for name in methods:
            path = fused[(name, pair.name)]
            scores = score_pair(ir, vis, read_gray(path), metrics, where=f"{name}/{path.name}")
            rows.append({"method": name, "image": pair.name, **scores})
    return rows


def mean_rows(rows: list[dict], metrics: list[Metric]) -> list[dict]:
    """One row per method (first-seen order): the mean of each metric over its pairs."""
    methods = list(dict.fromkeys(row["method"] for row in rows))
    return [{"method": m, **{k.name: float(np.mean([r[k.name] for r in rows if r["method"] == m]))
                            for k in metrics}} for m in methods]


def rank_marks(rows: list[dict], metrics: list[Metric]) -> dict[tuple[int, str], int]:
    """``{(row index, metric): 1|2|3}`` for the best, second and third distinct value per column.

    Equal values share a rank (dense ranking); with a single row nothing is marked.
    """
    marks = {}
    if len(rows) < 2:
        return marks
    for metric in metrics:
        values = sorted({round(r[metric.name], 12) for r in rows}, reverse=metric.higher_is_better)
        for i, row in enumerate(rows):
            rank = values.index(round(row[metric.name], 12)) + 1
            if rank <= 3:
                marks[(i, metric.name)] = rank
    return marks


def _columns(rows: list[dict]) -> list[str]:
    return ["method", "image"] if rows and "image" in rows[0] else ["method"]


def format_text(rows: list[dict], metrics: list[Metric], decimals: int = 5) -> str:
    """Aligned plain-text table; best / second / third values followed by ``(1)`` / ``(2)`` / ``(3)``."""
    marks = rank_marks(rows, metrics) if "image" not in (rows[0] if rows else {}) else {}
    keys = _columns(rows)
    header = keys + [m.name for m in metrics]
    body = [[str(row[k]) for k in keys]
            + [f"{row[m.name]:.{decimals}f}" + (f"({marks[(i, m.name)]})" if (i, m.name) in marks else "")
               for m in metrics] for i, row in enumerate(rows)]
    widths = [max(len(line[c]) for line in [header] + body) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if c < len(keys) else cell.rjust(w) for c, (cell, w) in
                       enumerate(zip(line, widths))) for line in [header] + body]
    legend = "(1) best, (2) second, (3) third; Nabf: lower is better, all others higher" if marks else ""
    return "\n".join(lines + ([legend] if legend else []))


def format_markdown(rows: list[dict], metrics: list[Metric], decimals: int = 5) -> str:
    """Markdown table; best **bold**, second *italic*, third <u>underlined</u> (mean tables only)."""
    marks = rank_marks(rows, metrics) if "image" not in (rows[0] if rows else {}) else {}
    styles = {1: "**{}**", 2: "*{}*", 3: "<u>{}</u>"}
    keys = _columns(rows)
    lines = ["| " + " | ".join(keys + [m.name for m in metrics]) + " |",
             "|" + "---|" * len(keys) + "---:|" * len(metrics)]
    for i, row in enumerate(rows):
        cells = [str(row[k]) for k in keys]
        for m in metrics:
            text = f"{row[m.name]:.{decimals}f}"
            cells.append(styles[marks[(i, m.name)]].format(text) if (i, m.name) in marks else text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_csv(path: str | Path, rows: list[dict], metrics: list[Metric]) -> None:
    """CSV (header ``method[,image],<metrics>``, full float precision), written atomically."""
    header = _columns(rows) + [m.name for m in metrics]
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow([row[k] for k in _columns(rows)] + [repr(row[m.name]) for m in metrics])


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (plus a final newline) atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text + "\n")
