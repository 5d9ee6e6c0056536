"""Pair sampling: aligned crops, correct search boxes, determinism, still pairs."""
from __future__ import annotations

import numpy as np
import pytest

from trackers.training.augment import CropAugment
from trackers.training.pairs import PairConfig, PairDataset, valid_frames


class SquareSequence:
    """A bright square on a gradient moving 3 px per frame; the ir frame is the colour negative."""

    def __init__(self, frames: int = 12, size: tuple[int, int] = (160, 200), box_wh=(30, 20), absent=()):
        self.h, self.w = size
        self.box_wh = box_wh
        gt = np.array([[40 + 3 * i, 50 + 2 * i, *box_wh] for i in range(frames)], dtype=np.float64)
        gt[list(absent)] = np.nan
        self.groundtruth = gt

    def __len__(self) -> int:
        return len(self.groundtruth)

    def read(self, index: int, modality: str) -> np.ndarray:
        img = np.tile(np.linspace(60, 120, self.w, dtype=np.uint8), (self.h, 1))
        x, y, w, h = (int(v) for v in self.groundtruth[index] if np.isfinite(v)) if np.isfinite(
            self.groundtruth[index]).all() else (0, 0, 0, 0)
        img[y:y + h, x:x + w] = 250
        img = img if modality == "color" else 255 - img
        return np.repeat(img[:, :, None], 3, axis=2)


def _no_jitter() -> PairConfig:
    return PairConfig(negative=0.0, template=CropAugment(), search=CropAugment())


def test_valid_frames_drops_nan_and_empty_boxes():
    gt = np.array([[0, 0, 5, 5], [np.nan] * 4, [1, 1, 0, 4], [2, 2, 3, 3]], dtype=float)
    assert valid_frames(gt).tolist() == [0, 3]


def test_unjittered_search_box_is_centred_with_template_scale():
    ds = PairDataset([SquareSequence()], pairs=4, seed=1, config=_no_jitter())
    item = ds[0]
    assert item["template_color"].shape == (3, 127, 127) and item["search_ir"].shape == (3, 255, 255)
    x1, y1, x2, y2 = item["search_box"].tolist()
    assert abs((x1 + x2) / 2 - 127) < 0.6 and abs((y1 + y2) / 2 - 127) < 0.6
    w, h = 30, 20
    scale_z = 127 / np.sqrt((w + 25) * (h + 25))
    assert abs((x2 - x1) - w * scale_z * 254 / 255) < 0.5


@pytest.mark.parametrize("seed", [0, 3])
def test_modalities_share_geometry_and_box_covers_target(seed):
    cfg = PairConfig(negative=0.0)  # default jitter
    ds = PairDataset([SquareSequence()], pairs=8, seed=seed, config=cfg)
    for i in range(8):
        item = ds[i]
        color, ir = item["search_color"][0].numpy(), item["search_ir"][0].numpy()
        assert np.abs(color + ir - 255).max() <= 1  # ir = 255 - color pixel by pixel: same geometry
        bright = color > 200
        assert bright.sum() > 50
        ys, xs = np.nonzero(bright)
        x1, y1, x2, y2 = item["search_box"].tolist()
        assert abs(xs.min() - x1) <= 1.5 and abs(xs.max() + 1 - x2) <= 2 and abs(ys.min() - y1) <= 1.5


def test_items_are_deterministic_per_seed_and_index():
    seqs = [SquareSequence(), SquareSequence(frames=5, box_wh=(12, 40))]
    a = PairDataset(seqs, pairs=10, seed=7, config=PairConfig(negative=0.5), pick_one=True)
    b = PairDataset(seqs, pairs=10, seed=7, config=PairConfig(negative=0.5), pick_one=True)
    c = PairDataset(seqs, pairs=10, seed=8, config=PairConfig(negative=0.5), pick_one=True)
    for i in (0, 5, 9):
        for key in ("template", "search", "search_box", "modality", "negative"):
            assert (a[i][key] == b[i][key]).all()
    assert any(not (a[i]["search"] == c[i]["search"]).all() for i in range(5))


def test_pick_one_samples_both_modalities():
    ds = PairDataset([SquareSequence()], pairs=40, seed=0, pick_one=True)
    picked = {int(ds[i]["modality"]) for i in range(40)}
    assert picked == {0, 1} and "template_color" not in ds[0]


def test_still_pair_uses_the_one_frame_with_independent_jitter():
    ds = PairDataset([SquareSequence(frames=1)], pairs=6, seed=2, config=PairConfig(negative=0.9))
    boxes = [ds[i]["search_box"] for i in range(6)]
    assert not all((boxes[0] == b).all() for b in boxes[1:])
    assert not any(bool(ds[i]["negative"]) for i in range(6))  # one sequence: no negatives


def test_absent_frames_never_sampled_and_empty_input_rejected():
    ds = PairDataset([SquareSequence(frames=6, absent=(0, 1, 2, 3, 4))], pairs=5, seed=0, config=_no_jitter())
    assert all(ds[i]["search_box"][2] > ds[i]["search_box"][0] for i in range(5))
    with pytest.raises(ValueError):
        PairDataset([SquareSequence(frames=2, absent=(0, 1))])
    with pytest.raises(ValueError):
        PairDataset([SquareSequence()], modalities=("rgb",))


def test_flip_and_blur_keep_modalities_aligned():
    aug = CropAugment(shift=10, scale=0.1, blur=1.0, flip=1.0, color=1.0)
    ds = PairDataset([SquareSequence()], pairs=3, seed=4, config=PairConfig(negative=0.0, search=aug))
    item = ds[0]
    x1, _, x2, _ = item["search_box"].tolist()
    assert 0 < x1 < x2 < 255
    ir = item["search_ir"][0].numpy()
    ys, xs = np.nonzero(ir < 60)
    assert abs(xs.mean() - (x1 + x2) / 2) < 3
