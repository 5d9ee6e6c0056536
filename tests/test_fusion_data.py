"""Training data: folder pairing, datasets, the seeded resumable sampler."""
import cv2
import numpy as np
import pytest
import torch

from fusion.data import ImageFolderDataset, PairedFolderDataset, SeededSampler
from rgbt_runtime.image_files import pair_images
from rgbt_runtime.errors import InputError


def _write(path, seed, shape=(40, 50)):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8))


def test_tno_and_identical_name_pairing(tmp_path):
    for i in (1, 2, 10):
        _write(tmp_path / "ir" / f"IR{i}.png", i)
        _write(tmp_path / "vis" / f"VIS{i}.png", 100 + i)
        _write(tmp_path / "lwir" / f"I{i:05d}.jpg", i)
        _write(tmp_path / "visible" / f"I{i:05d}.jpg", i)
    pairs = pair_images(tmp_path / "ir", tmp_path / "vis")
    assert [(n, a.name, b.name) for n, a, b in pairs] == [
        ("IR1", "IR1.png", "VIS1.png"), ("IR2", "IR2.png", "VIS2.png"), ("IR10", "IR10.png", "VIS10.png")]
    assert [n for n, _, _ in pair_images(tmp_path / "lwir", tmp_path / "visible")] == ["I00001", "I00002", "I00010"]
    _write(tmp_path / "vis" / "VIS3.png", 3)
    with pytest.raises(InputError, match="no infrared counterpart .* VIS3.png"):
        pair_images(tmp_path / "ir", tmp_path / "vis")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no image files"):
        pair_images(tmp_path / "ir", tmp_path / "empty")


def test_datasets_resize_and_crop(tmp_path):
    for i in (1, 2):
        _write(tmp_path / "ir" / f"IR{i}.png", i)
        _write(tmp_path / "vis" / f"VIS{i}.png", i)  # identical content: crops must match
    resized = ImageFolderDataset([tmp_path / "ir", tmp_path / "vis"], size=16)
    assert len(resized) == 4 and resized[0].shape == (1, 16, 16) and resized[0].dtype == torch.float32
    paired = PairedFolderDataset(tmp_path / "ir", tmp_path / "vis", size=16, mode="crop")
    ir, vis = paired[(1, 123)]
    assert ir.shape == (1, 16, 16) and torch.equal(ir, vis)
    assert torch.equal(paired[(1, 123)][0], ir) and not torch.equal(paired[(1, 124)][0], ir)
    with pytest.raises(InputError):
        ImageFolderDataset(tmp_path / "ir", mode="zoom")


def test_sampler_is_seeded_resumable_and_sharded():
    full = list(SeededSampler(10, seed=3, epoch=1))
    assert sorted(i for i, _ in full) == list(range(10))
    assert full == list(SeededSampler(10, seed=3, epoch=1))
    assert full != list(SeededSampler(10, seed=3, epoch=2))
    assert list(SeededSampler(10, seed=3, epoch=1, skip=4)) == full[4:]
    shards = [list(SeededSampler(10, 3, 1, rank=r, world_size=3)) for r in range(3)]
    assert [len(s) for s in shards] == [4, 4, 4]
    assert {i for s in shards for i, _ in s} == set(range(10))
