"""Training data: a folder of images (stage 1) and paired infrared/visible folders (stage 2).

Samples are gray ``(1, S, S)`` float32 tensors on 0..255 (``S`` = 256 by default), made either by
resizing the whole image (``mode="resize"``, the reference's way) or by a random ``S x S`` crop
(``mode="crop"``; images smaller than ``S`` are first enlarged). Randomness comes only from the
sampler: :class:`SeededSampler` yields ``(index, crop_seed)`` pairs fixed by (seed, epoch), so a run
that resumes mid-epoch sees exactly the batches an uninterrupted run would, with or without workers.
"""
from __future__ import annotations

import os
from typing import Iterator

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from rgbt_runtime.image_files import list_images, pair_images
from fusion.images import read_gray
from rgbt_runtime.errors import InputError

MODES = ("resize", "crop")


def _sample(image: np.ndarray, size: int, mode: str, rng: np.random.Generator) -> np.ndarray:
    """``(H, W)`` or ``(H, W, 2)`` -> ``(S, S)`` or ``(S, S, 2)``: resized, or cropped at a random place."""
    if mode == "resize":
        return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    h, w = image.shape[:2]
    if min(h, w) < size:
        scale = size / min(h, w)
        image = cv2.resize(image, (max(size, round(w * scale)), max(size, round(h * scale))))
        h, w = image.shape[:2]
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    return image[y:y + size, x:x + size]


class ImageFolderDataset(Dataset):
    """Gray training images of one or more folders, for the auto-encoder.

    ``ds[(i, seed)]`` (or ``ds[i]``) -> ``(1, S, S)``.
    """

    def __init__(self, folders: str | os.PathLike | list, size: int = 256, mode: str = "resize"):
        if mode not in MODES:
            raise InputError(f"unknown sampling mode '{mode}' (choose from {', '.join(MODES)})")
        folders = folders if isinstance(folders, (list, tuple)) else [folders]
        self.files = [f for folder in folders for f in list_images(folder)]
        self.size, self.mode = size, mode

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, item: int | tuple[int, int]) -> torch.Tensor:
        index, seed = item if isinstance(item, tuple) else (item, 0)
        image = _sample(read_gray(self.files[index]), self.size, self.mode, np.random.default_rng(seed))
        return torch.from_numpy(np.ascontiguousarray(image))[None]


class PairedFolderDataset(Dataset):
    """Registered infrared/visible pairs (:func:`pair_images`); one crop position for both.

    ``ds[(i, seed)]`` -> ``(ir (1, S, S), vis (1, S, S))``.
    """

    def __init__(self, ir_dir: str | os.PathLike, vis_dir: str | os.PathLike, size: int = 256, mode: str = "resize"):
        if mode not in MODES:
            raise InputError(f"unknown sampling mode '{mode}' (choose from {', '.join(MODES)})")
        self.pairs, self.size, self.mode = pair_images(ir_dir, vis_dir), size, mode

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, item: int | tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        index, seed = item if isinstance(item, tuple) else (item, 0)
        _, ir_path, vis_path = self.pairs[index]
        ir, vis = read_gray(ir_path), read_gray(vis_path)
        if ir.shape != vis.shape:
            raise InputError(f"{ir_path.name} {ir.shape} and {vis_path.name} {vis.shape} differ in size")
        both = _sample(np.dstack([ir, vis]), self.size, self.mode, np.random.default_rng(seed))
        return torch.from_numpy(np.ascontiguousarray(both[..., 0]))[None], torch.from_numpy(np.ascontiguousarray(both[..., 1]))[None]


class SeededSampler(Sampler):
    """Yields ``(index, crop_seed)`` for one epoch: a permutation fixed by ``(seed, epoch)``.

    With ``world_size`` > 1 each rank takes every ``world_size``-th item (epochs padded to a
    multiple of ``world_size`` by repeating the start). ``skip`` drops the first items (resume).
    """

    def __init__(self, length: int, seed: int, epoch: int = 0, rank: int = 0, world_size: int = 1, skip: int = 0):
        self.length, self.seed, self.epoch = length, seed, epoch
        self.rank, self.world_size, self.skip = rank, world_size, skip

    def _items(self) -> list[tuple[int, int]]:
        rng = np.random.default_rng([self.seed, self.epoch])
        order = rng.permutation(self.length)
        seeds = rng.integers(0, 2**31 - 1, size=self.length)
        total = -(-self.length // self.world_size) * self.world_size
        order = np.resize(order, total)
        seeds = np.resize(seeds, total)
        mine = range(self.rank, total, self.world_size)
        return [(int(order[i]), int(seeds[i])) for i in mine][self.skip:]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())


def make_loader(dataset: Dataset, batch_size: int, sampler: SeededSampler, workers: int,
                pin_memory: bool) -> DataLoader:
    """A DataLoader over ``sampler`` with worker processes and (on CUDA) pinned memory."""
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=workers,
                      pin_memory=pin_memory, drop_last=False, persistent_workers=False)
