"""Training data and loop of AFAT's Quality Prediction Network (``docs/tracker.md``).

1. :func:`record_runs` runs the base tracker once over every sequence (no resets; the tracker
   drifts and stays lost as it would in use) and keeps each frame's response map (peak shifted
   to the corner) and its IoU with the ground truth. AFAT takes its failures from TrackingNet,
   where its trackers fail on their own; a tracker that hardly ever fails on the data at hand
   (the fused ``tiny`` tracker on generated sequences) is pushed off course a few times per
   sequence instead (``kicks``, :class:`KickedTracker`).
2. :func:`history_windows` cuts every window of ``history`` consecutive tracked frames; the window
   takes the label of its last frame: success when IoU > 0.5, lost when IoU < 0.1, ignored in
   between or when the frame is not annotated.
3. :func:`train_qpn` minimises the class-weighted cross-entropy (weights inversely proportional
   to the class counts, so the rare "lost" class counts as much as "success") with Adam, as a
   task of :class:`rgbt_runtime.trainer.Trainer` (DDP under ``torchrun``, checkpoints, resume).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from rgbt_runtime import DistContext, InputError
from rgbt_runtime.trainer import LoopConfig, Trainer, TrainingTask, plain
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


class KickedTracker:
    """A tracker whose state is pushed off course before chosen frames, to record failures.

    Before tracking frame ``i`` in ``kicks`` the wrapped tracker's centre jumps ``distance`` (a range,
    in units of the larger side of its current box) in a random direction, clipped to the image;
    from there it tracks on its own, finding the target again or not. ``tracker`` needs the
    ``center`` / ``size`` / ``image_size`` state of :class:`trackers.tracker.SiameseTracker`.
    """

    def __init__(self, tracker, kicks: set[int], rng: np.random.Generator,
                 distance: tuple[float, float] = (1.5, 3.0)) -> None:
        self.tracker, self.kicks, self.rng, self.distance = tracker, kicks, rng, distance
        self.frame = 0

    def init(self, frames, box) -> None:
        self.tracker.init(frames, box)
        self.frame = 0

    def track(self, frames):
        self.frame += 1
        if self.frame in self.kicks:
            t = self.tracker
            angle = self.rng.uniform(0, 2 * np.pi)
            step = self.rng.uniform(*self.distance) * float(np.max(t.size))
            height, width = t.image_size
            t.center = np.clip(t.center + step * np.array([np.cos(angle), np.sin(angle)]), 0, [width, height])
        return self.tracker.track(frames)


def record_runs(tracker: Tracker, sequences: Sequence[RGBTSequence], progress: bool = True,
                desc: str = "tracking", kicks: int = 0, history: int = 20, seed: int = 0) -> list[ResponseRecord]:
    """Track every sequence and keep its responses and per-frame IoUs (frames after init only).

    ``kicks`` > 0 pushes the tracker off course that many times per sequence (:class:`KickedTracker`,
    at frames drawn uniformly from ``history .. length - history``, seeded by ``(seed, sequence
    index)``), so that a tracker which never fails on its own still yields "lost" windows.
    """
    records = []
    for index, seq in enumerate(tqdm(sequences, desc=desc, unit="seq", disable=not progress)):
        watched = tracker
        if kicks and len(seq) > 2 * history:
            rng = np.random.default_rng([seed, index])
            frames = set(rng.choice(np.arange(history, len(seq) - history), size=kicks, replace=False).tolist())
            watched = KickedTracker(tracker, frames, rng)
        run = run_sequence(watched, seq, keep_responses=True)
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


class QPNTask(TrainingTask):
    """Class-weighted cross-entropy over labelled history windows (a trainer task).

    A step is one batch of a ``torch.randperm`` of the windows per epoch (one seeded generator
    across epochs, so any step's batch is found again by replaying the permutations); under
    ``torchrun`` each process takes every ``world_size``-th window of the batch.
    """

    name = "train-qpn"

    def __init__(self, records: Sequence[ResponseRecord], config: QPNTrainConfig, qpn_config: QPNConfig | None,
                 recording: dict | None = None):
        self.records, self.config, self.recording = records, config, dict(recording or {})
        self.windows, labels = history_windows(records, config)
        counts = np.bincount(labels, minlength=2) if len(labels) else np.zeros(2, dtype=int)
        if counts.min() == 0:
            raise InputError(f"need both success (IoU > {config.success_iou}) and lost (IoU < {config.lost_iou}) "
                             f"windows of {config.history} frames; got {counts[SUCCESS]} success and "
                             f"{counts[LOST]} lost: use more or harder sequences")
        self.counts, self.labels, self.weights = counts, torch.from_numpy(labels), class_weights(labels)
        a, s = records[0].responses.shape[1], records[0].responses.shape[2]
        self.qpn_config = qpn_config or QPNConfig(history=config.history, anchor_num=a, score_size=s)
        self.steps_per_epoch = -(-len(labels) // config.batch_size)
        self.last_loss = 0.0

    def settings(self) -> dict:
        c = self.config
        return {"history": c.history, "success_iou": c.success_iou, "lost_iou": c.lost_iou, "batch_size": c.batch_size,
                "lr": c.lr, "seed": c.seed, "qpn": plain(dataclasses.asdict(self.qpn_config)),
                "windows": [int(v) for v in self.counts], "recording": self.recording}

    def setup(self, ctx: DistContext) -> None:
        self.qpn = QualityPredictionNetwork(self.qpn_config).to(ctx.device)

    def model(self) -> torch.nn.Module:
        return self.qpn

    def optimizer(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.qpn.parameters(), lr=self.config.lr)

    def window_batch(self, indices: torch.Tensor) -> torch.Tensor:
        """Response windows ``[B, history, A, S, S]`` of the given window indices."""
        h = self.config.history
        return torch.stack([self.records[self.windows[i][0]].responses[self.windows[i][1] - h + 1:self.windows[i][1] + 1]
                            for i in indices.tolist()])

    def batches(self, start: int, ctx: DistContext):
        generator, step = torch.Generator().manual_seed(self.config.seed), 0
        for _ in range(self.config.epochs):
            for indices in torch.randperm(len(self.labels), generator=generator).split(self.config.batch_size):
                if step >= start:
                    if len(indices) < ctx.world_size:  # every process needs a window
                        indices = indices.repeat(ctx.world_size)
                    yield indices[ctx.rank::ctx.world_size]
                step += 1

    def loss(self, network, indices, ctx):
        logits = network(self.window_batch(indices).to(ctx.device))
        loss = F.cross_entropy(logits, self.labels[indices].to(ctx.device), weight=self.weights.to(ctx.device))
        self.last_loss = loss.item()
        return loss, {"loss": self.last_loss}

    def state(self) -> dict:
        return {"loss": self.last_loss}

    def load_state(self, state: dict) -> None:
        self.last_loss = float(state.get("loss", 0.0))

    def statistics(self) -> dict:
        """Window counts, and the training-set balanced accuracy / lost recall of the QPN now."""
        self.qpn.eval()
        device = next(self.qpn.parameters()).device
        with torch.inference_mode():
            predicted = torch.cat([self.qpn(self.window_batch(ix).to(device)).argmax(1).cpu()
                                   for ix in torch.arange(len(self.labels)).split(256)])
        recall = [float((predicted[self.labels == c] == c).float().mean()) for c in (SUCCESS, LOST)]
        return {"success": int(self.counts[SUCCESS]), "lost": int(self.counts[LOST]), "loss": self.last_loss,
                "accuracy": float(np.mean(recall)), "lost_recall": recall[LOST]}


def train_qpn(records: Sequence[ResponseRecord], config: QPNTrainConfig = QPNTrainConfig(),
              qpn_config: QPNConfig | None = None, progress: bool = True, checkpoint: str | Path | None = None,
              resume: bool = False, recording: dict | None = None,
              device: str | None = "cpu") -> tuple[QualityPredictionNetwork, dict]:
    """Train a QPN on recorded runs; return it (eval mode) and ``{"success", "lost", "accuracy",
    "lost_recall", "loss"}`` (window counts, the training-set balanced accuracy / recall of the lost
    class after the last step, the last batch's loss).

    ``checkpoint`` is the trainer's checkpoint file (saved after every epoch; None: none);
    ``resume`` continues it (``epochs`` may grow; ``recording`` describes how ``records`` were made
    and must match too). Raises :class:`InputError` when either class has no window (e.g. the
    tracker never got lost).
    """
    task = QPNTask(records, config, qpn_config, recording)
    loop = LoopConfig(steps=config.epochs * task.steps_per_epoch, checkpoint_every=task.steps_per_epoch,
                      seed=config.seed, device=device, progress=progress)
    Trainer(task, loop, checkpoint).run(resume=resume)
    return task.qpn, task.statistics()
