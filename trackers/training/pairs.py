"""pysot-style template/search pair sampling over RGB-T sequences.

A pair is two frames of one sequence at most ``frame_range`` apart (video pairs) or one frame
used twice with independent jitter (still pairs: a 1-frame sequence, as VT821/VT1000 give). Both
modalities of a frame are cut with exactly the same crop geometry, so RGB and IR crops stay
aligned. With probability ``negative`` the search comes from another sequence (pysot's
``NEG``), which the anchor target turns into an all-background label.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from trackers.config import CHANNELS
from trackers.training.augment import (SEARCH_AUGMENT, TEMPLATE_AUGMENT, CropAugment, color_offset,
                                       context_scale, crop_window, flip_crop, jittered_window,
                                       map_box, motion_blur, window_affine)

MODALITIES = CHANNELS


class PairSource(Protocol):
    """What a sequence must offer (``rgbt_track``'s ``RGBTSequence`` satisfies it)."""

    groundtruth: np.ndarray  # (N, 4) x, y, w, h; NaN rows where the target is absent

    def __len__(self) -> int: ...

    def read(self, index: int, modality: str) -> np.ndarray: ...  # BGR uint8 (H, W, 3)


@dataclass(frozen=True)
class PairConfig:
    """Pair sampling settings; defaults are pysot's SiamRPN++ training values.

    ``negative`` defaults to 0.2 as in pysot's r50 config; it needs at least two sequences.
    """

    exemplar_size: int = 127
    search_size: int = 255
    context: float = 0.5
    frame_range: int = 100
    negative: float = 0.2
    template: CropAugment = TEMPLATE_AUGMENT
    search: CropAugment = SEARCH_AUGMENT


def valid_frames(groundtruth: np.ndarray) -> np.ndarray:
    """Indices of frames whose box is finite with positive width and height."""
    gt = np.asarray(groundtruth, dtype=np.float64)
    ok = np.isfinite(gt).all(axis=1) & (gt[:, 2] > 0) & (gt[:, 3] > 0)
    return np.flatnonzero(ok)


def crop_pair_frame(images: dict[str, np.ndarray], box_xywh: np.ndarray, out_size: int,
                    aug: CropAugment, cfg: PairConfig, rng: np.random.Generator
                    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Crop every modality of one frame with one jittered window.

    Args:
        images: modality -> BGR uint8 (H, W, 3), all the same size.
        box_xywh: target box ``x, y, w, h``.
    Returns:
        modality -> float32 (3, out_size, out_size) 0..255 BGR, and the target box
        ``(x1, y1, x2, y2)`` in crop pixels.
    """
    x, y, w, h = (float(v) for v in box_xywh)
    corner = np.array([x, y, x + w, y + h])
    scale_z = context_scale(np.array([w, h]), cfg.exemplar_size, cfg.context)
    window = jittered_window(np.array([x + w / 2, y + h / 2]), scale_z, out_size, aug, rng)
    mapping = window_affine(window, out_size)
    box = map_box(corner, mapping)
    crops = {m: crop_window(img, mapping, out_size) for m, img in images.items()}
    if aug.blur and rng.random() < aug.blur:
        state = rng.bit_generator.state
        for m in crops:  # the same kernel for every modality
            rng.bit_generator.state = state
            crops[m] = motion_blur(crops[m], rng)
    if aug.color and "color" in crops and rng.random() < aug.color:
        crops["color"] = color_offset(crops["color"], rng)
    if aug.flip and rng.random() < aug.flip:
        flipped = {m: flip_crop(c, box) for m, c in crops.items()}
        crops = {m: f[0] for m, f in flipped.items()}
        box = next(iter(flipped.values()))[1]
    return {m: np.ascontiguousarray(c.transpose(2, 0, 1), dtype=np.float32) for m, c in crops.items()}, box


class PairDataset(Dataset):
    """``pairs`` template/search pairs, each a deterministic function of ``(seed, index)``.

    Args:
        sequences: objects following :class:`PairSource`; those with no valid box are dropped.
        modalities: modalities to read (``"color"``, ``"ir"``).
        pairs: dataset length (``len``); any index is valid, so a trainer can give every optimiser
            step its own indices and resume anywhere.
        seed: base seed; item ``i`` uses ``numpy.random.default_rng((seed, i))``.
        config: :class:`PairConfig`.
        pick_one: sample ONE modality per pair (base-tracker training, so it learns both) and
            return it under ``template``/``search`` with its index in ``modality``; otherwise
            return ``template_<m>``/``search_<m>`` for every modality.
        targets: optional callable ``(search_box (4,), negative: bool, rng) -> dict of arrays``
            whose entries are added to the item (e.g. :class:`trackers.training.targets.AnchorTarget`).

    Items: dict of float32 tensors ``template_*`` (3, 127, 127), ``search_*`` (3, 255, 255) in
    0..255 BGR, ``search_box`` (4,) ``x1, y1, x2, y2`` in search pixels, ``negative`` (bool).
    """

    def __init__(self, sequences: Sequence[PairSource], modalities: Sequence[str] = MODALITIES,
                 pairs: int = 600_000, seed: int = 0, config: PairConfig = PairConfig(),
                 pick_one: bool = False, targets: Callable | None = None) -> None:
        unknown = [m for m in modalities if m not in MODALITIES]
        if unknown or not modalities:
            raise ValueError(f"modalities must be a non-empty subset of {MODALITIES}, got {list(modalities)}")
        self.sequences = [s for s in sequences if len(valid_frames(s.groundtruth))]
        if not self.sequences:
            raise ValueError("no sequence has a valid (finite, positive-size) box")
        self.valid = [valid_frames(s.groundtruth) for s in self.sequences]
        self.modalities = tuple(modalities)
        self.pairs, self.seed, self.config = int(pairs), int(seed), config
        self.pick_one, self.targets = pick_one, targets

    def __len__(self) -> int:
        return self.pairs

    def _frame_indices(self, seq_index: int, rng: np.random.Generator) -> tuple[int, int]:
        valid = self.valid[seq_index]
        template = int(rng.choice(valid))
        near = valid[np.abs(valid - template) <= self.config.frame_range]
        return template, int(rng.choice(near))

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng((self.seed, int(index)))
        cfg = self.config
        seq_index = int(rng.integers(len(self.sequences)))
        t_index, s_index = self._frame_indices(seq_index, rng)
        negative = len(self.sequences) > 1 and rng.random() < cfg.negative
        s_seq = seq_index
        if negative:
            s_seq = int((seq_index + 1 + rng.integers(len(self.sequences) - 1)) % len(self.sequences))
            s_index = int(rng.choice(self.valid[s_seq]))
        modalities = (self.modalities[int(rng.integers(len(self.modalities)))],) if self.pick_one else self.modalities
        t_seq, s_seq_obj = self.sequences[seq_index], self.sequences[s_seq]
        template, _ = crop_pair_frame({m: t_seq.read(t_index, m) for m in modalities},
                                      t_seq.groundtruth[t_index], cfg.exemplar_size, cfg.template, cfg, rng)
        search, box = crop_pair_frame({m: s_seq_obj.read(s_index, m) for m in modalities},
                                      s_seq_obj.groundtruth[s_index], cfg.search_size, cfg.search, cfg, rng)
        if self.pick_one:
            m = modalities[0]
            item = {"template": torch.from_numpy(template[m]), "search": torch.from_numpy(search[m]),
                    "modality": torch.tensor(MODALITIES.index(m))}
        else:
            item = {f"template_{m}": torch.from_numpy(template[m]) for m in modalities}
            item.update({f"search_{m}": torch.from_numpy(search[m]) for m in modalities})
        item["search_box"] = torch.tensor(box, dtype=torch.float32)
        item["negative"] = torch.tensor(bool(negative))
        if self.targets is not None:
            item.update({k: torch.from_numpy(np.asarray(v)) for k, v in self.targets(box, negative, rng).items()})
        return item
