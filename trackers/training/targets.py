"""pysot's ``AnchorTarget``: classification and regression labels for one search crop."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TargetConfig:
    """pysot ``TRAIN`` label settings (THR_HIGH, THR_LOW, POS_NUM, TOTAL_NUM, NEG_NUM)."""

    thr_high: float = 0.6
    thr_low: float = 0.3
    pos_num: int = 16
    total_num: int = 64
    neg_num: int = 16


def corner_iou(boxes: np.ndarray, box: np.ndarray) -> np.ndarray:
    """IoU of every ``(..., 4)`` corner box with one corner box (continuous coordinates, as pysot):
    ``torchvision.ops.box_iou`` in float64."""
    import torch
    from torchvision.ops import box_iou

    flat = torch.from_numpy(np.ascontiguousarray(boxes, dtype=np.float64).reshape(-1, 4))
    iou = box_iou(flat, torch.from_numpy(np.asarray(box, dtype=np.float64).reshape(1, 4)))
    return iou.numpy().reshape(boxes.shape[:-1])


class AnchorTarget:
    """Labels of the anchors of one search crop for a target box.

    Args:
        anchors: ``(A*S*S, 4)`` anchors ``cx, cy, w, h`` centred at 0 = search centre, flattened
            ``a*S*S + y*S + x`` (``trackers.anchors.generate_anchors``).
        score_size: S.
        search_size: search crop side; anchors are moved to its centre pixel ``search_size // 2``
            (pysot's ``im_c``).

    Call with the target ``(x1, y1, x2, y2)`` in search pixels, ``negative`` and a NumPy generator;
    returns ``label_cls`` (A, S, S) int64 (1 target, 0 background, -1 ignored), ``label_loc``
    (4, A, S, S) float32 (dx, dy, log dw, log dh relative to each anchor) and ``label_loc_weight``
    (A, S, S) float32 (1 / #positives on the positives).
    """

    def __init__(self, anchors: np.ndarray, score_size: int, search_size: int = 255,
                 config: TargetConfig = TargetConfig()) -> None:
        anchors = np.asarray(anchors, dtype=np.float64)
        self.score_size = int(score_size)
        self.num_anchors = anchors.shape[0] // (self.score_size ** 2)
        if self.num_anchors * self.score_size ** 2 != anchors.shape[0]:
            raise ValueError(f"{anchors.shape[0]} anchors do not fill a {score_size}x{score_size} grid")
        shape = (self.num_anchors, self.score_size, self.score_size)
        centre = search_size // 2
        self.cx = anchors[:, 0].reshape(shape) + centre
        self.cy = anchors[:, 1].reshape(shape) + centre
        self.w = anchors[:, 2].reshape(shape)
        self.h = anchors[:, 3].reshape(shape)
        self.corners = np.stack([self.cx - self.w / 2, self.cy - self.h / 2,
                                 self.cx + self.w / 2, self.cy + self.h / 2], axis=-1)
        self.search_size, self.stride, self.config = search_size, self._stride(), config

    def _stride(self) -> float:
        return float(self.cx[0, 0, 1] - self.cx[0, 0, 0]) if self.score_size > 1 else 8.0

    @staticmethod
    def _select(position: tuple[np.ndarray, ...], keep: int, rng: np.random.Generator
                ) -> tuple[tuple[np.ndarray, ...], int]:
        count = position[0].shape[0]
        if count <= keep:
            return position, count
        chosen = rng.permutation(count)[:keep]
        return tuple(p[chosen] for p in position), keep

    def __call__(self, target: np.ndarray, negative: bool, rng: np.random.Generator) -> dict[str, np.ndarray]:
        cfg, shape = self.config, self.cx.shape
        cls = -np.ones(shape, dtype=np.int64)
        loc = np.zeros((4, *shape), dtype=np.float32)
        weight = np.zeros(shape, dtype=np.float32)
        x1, y1, x2, y2 = (float(v) for v in target)
        tcx, tcy, tw, th = (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1
        if negative:
            # pysot: background only, drawn from the 7x7 cells around the (other) target's position
            size = self.score_size
            cx = size // 2 + int(np.ceil((tcx - self.search_size // 2) / self.stride + 0.5))
            cy = size // 2 + int(np.ceil((tcy - self.search_size // 2) / self.stride + 0.5))
            area = np.zeros(shape, dtype=bool)
            area[:, max(0, cy - 3):min(size, cy + 4), max(0, cx - 3):min(size, cx + 4)] = True
            neg, _ = self._select(np.where(area), cfg.neg_num, rng)
            cls[neg] = 0
            return {"label_cls": cls, "label_loc": loc, "label_loc_weight": weight}
        loc[0] = (tcx - self.cx) / self.w
        loc[1] = (tcy - self.cy) / self.h
        loc[2] = np.log(max(tw, 1e-6) / self.w)
        loc[3] = np.log(max(th, 1e-6) / self.h)
        overlap = corner_iou(self.corners, np.array([x1, y1, x2, y2]))
        pos, pos_num = self._select(np.where(overlap > cfg.thr_high), cfg.pos_num, rng)
        neg, _ = self._select(np.where(overlap < cfg.thr_low), cfg.total_num - pos_num, rng)
        cls[pos] = 1
        weight[pos] = 1.0 / (pos_num + 1e-6)
        cls[neg] = 0
        return {"label_cls": cls, "label_loc": loc, "label_loc_weight": weight}
