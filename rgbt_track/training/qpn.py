"""Training data and loop of AFAT's Quality Prediction Network (SPEC §2.2).

1. :func:`record_runs` runs the base tracker once over every sequence (no resets; the tracker
   drifts and stays lost as it would in use) and keeps each frame's response map (peak shifted
   to the corner) and its IoU with the ground truth.
2. :func:`history_windows` cuts every window of ``history`` consecutive tracked frames; the window
   takes the label of its last frame: success when IoU > 0.5, lost when IoU < 0.1, ignored in
   between or when the frame is not annotated.
3. :func:`train_qpn` minimises the class-weighted cross-entropy (weights inversely proportional
   to the class counts, so the rare "lost" class counts as much as "success") with Adam.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from fusion.runtime import InputError, seed_everything
from rgbt_track.datasets.sequence import RGBTSequence
from rgbt_track.evaluation.iou import Tracker, frame_ious, run_sequence
from trackers.qpn import LOST, SUCCESS, QPNConfig, QualityPredictionNetwork, shift_peak_to_corner


@dataclass(frozen=True)
class QPNTrainConfig:
    """QPN training settings (AFAT's label thresholds; optimiser settings chosen here)."""

    history: int = 20
    success_iou: float = 0.5
    lost_iou: float = 0.1
    epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-3
    seed: int = 0


@dataclass
class ResponseRecord:
    """One tracked sequence: ``responses`` (T, A, S, S) peak-shifted, ``ious`` (T,) (NaN = unannotated)."""

    name: str
    responses: torch.Tensor
    ious: np.ndarray


def record_runs(tracker: Tracker, sequences: Sequence[RGBTSequence], progress: bool = True,
                desc: str = "tracking") -> list[ResponseRecord]:
    """Track every sequence and keep its responses and per-frame IoUs (frames after init only)."""
    records = []
    for seq in tqdm(sequences, desc=desc, unit="seq", disable=not progress):
        run = run_sequence(tracker, seq, keep_responses=True)
        if not run.responses:
            continue
        ious = frame_ious(run.boxes, seq.groundtruth)[run.start + 1:]
        responses = shift_peak_to_corner(torch.from_numpy(np.stack(run.responses)))
        records.append(ResponseRecord(seq.name, responses, ious))
    return records


def history_windows(records: Sequence[ResponseRecord], config: QPNTrainConfig) -> tuple[list[tuple[int, int]], np.ndarray]:
    """``(record index, end frame)`` of every labelled window and its label (SUCCESS / LOST)."""
    windows, labels = [], []
    for r, record in enumerate(records):
        for end in range(config.history - 1, len(record.ious)):
            iou = record.ious[end]
            if iou > config.success_iou:
                label = SUCCESS
            elif iou < config.lost_iou:
                label = LOST
            else:
                continue  # ignored, and NaN (unannotated) lands here too
            windows.append((r, end))
            labels.append(label)
    return windows, np.asarray(labels, dtype=np.int64)


def class_weights(labels: np.ndarray) -> torch.Tensor:
    """``count_total / (2 * count_c)`` per class (balanced weighting)."""
    counts = np.bincount(labels, minlength=2).astype(np.float64)
    return torch.tensor(len(labels) / (2 * counts), dtype=torch.float32)


def train_qpn(records: Sequence[ResponseRecord], config: QPNTrainConfig = QPNTrainConfig(),
              qpn_config: QPNConfig | None = None, progress: bool = True) -> tuple[QualityPredictionNetwork, dict]:
    """Train a QPN on recorded runs; return it and ``{"success", "lost", "accuracy", "lost_recall", "loss"}``
    (counts, and the training-set balanced accuracy / recall of the lost class after the last epoch).

    Raises :class:`InputError` when either class has no window (e.g. the tracker never got lost).
    """
    windows, labels = history_windows(records, config)
    counts = np.bincount(labels, minlength=2) if len(labels) else np.zeros(2, dtype=int)
    if counts.min() == 0:
        raise InputError(f"need both success (IoU > {config.success_iou}) and lost (IoU < {config.lost_iou}) "
                         f"windows of {config.history} frames; got {counts[SUCCESS]} success and "
                         f"{counts[LOST]} lost: use more or harder sequences")
    seed_everything(config.seed)
    a, s = records[0].responses.shape[1], records[0].responses.shape[2]
    qpn = QualityPredictionNetwork(qpn_config or QPNConfig(history=config.history, anchor_num=a, score_size=s))
    optimizer = torch.optim.Adam(qpn.parameters(), lr=config.lr)
    weights = class_weights(labels)
    label_tensor = torch.from_numpy(labels)
    generator = torch.Generator().manual_seed(config.seed)

    def batch(indices: torch.Tensor) -> torch.Tensor:
        return torch.stack([records[windows[i][0]].responses[windows[i][1] - config.history + 1:windows[i][1] + 1]
                            for i in indices.tolist()])

    qpn.train()
    loss = torch.zeros(())
    for _ in tqdm(range(config.epochs), desc="train-qpn", unit="epoch", disable=not progress):
        for indices in torch.randperm(len(labels), generator=generator).split(config.batch_size):
            loss = F.cross_entropy(qpn(batch(indices)), label_tensor[indices], weight=weights)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    qpn.eval()
    with torch.inference_mode():
        predicted = torch.cat([qpn(batch(ix)).argmax(1) for ix in torch.arange(len(labels)).split(256)])
    recall = [float((predicted[label_tensor == c] == c).float().mean()) for c in (SUCCESS, LOST)]
    return qpn, {"success": int(counts[SUCCESS]), "lost": int(counts[LOST]), "loss": loss.item(),
                 "accuracy": float(np.mean(recall)), "lost_recall": recall[LOST]}
