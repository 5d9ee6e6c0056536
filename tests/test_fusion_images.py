"""Image I/O: gray/colour reading, YCbCr, min-max scaling, atomic writes."""
import os

import cv2
import numpy as np
import pytest

from fusion.images import (merge_luma, min_max_to_uint8, read_gray, read_visible, resize_to, save_image,
                           side_by_side)
from rgbt_runtime.errors import InputError


def test_gray_and_colour_reading(tmp_path):
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (20, 30), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    cv2.imwrite(str(tmp_path / "g3.png"), np.dstack([gray] * 3))
    colour = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "c.png"), colour)
    assert read_gray(tmp_path / "g.png").dtype == np.float32
    assert np.array_equal(read_gray(tmp_path / "g.png"), gray)
    assert np.array_equal(read_gray(tmp_path / "g3.png"), gray)
    luma, crcb = read_visible(tmp_path / "g3.png")
    assert crcb is None and np.array_equal(luma, gray)
    luma, crcb = read_visible(tmp_path / "c.png")
    assert crcb.shape == (20, 30, 2)
    assert np.array_equal(luma, cv2.cvtColor(colour, cv2.COLOR_BGR2YCrCb)[:, :, 0])
    back = merge_luma(luma.astype(np.uint8), crcb)
    assert back.shape == (20, 30, 3) and np.abs(back.astype(int) - colour).max() <= 3


def test_bad_files(tmp_path):
    with pytest.raises(InputError, match="image not found"):
        read_gray(tmp_path / "missing.png")
    (tmp_path / "x.png").write_text("not an image")
    with pytest.raises(InputError, match="cannot read image"):
        read_gray(tmp_path / "x.png")


def test_min_max_scaling_like_the_reference():
    x = np.array([[2.0, 4.0], [6.0, 10.0]], np.float32)
    out = min_max_to_uint8(x)
    assert out.dtype == np.uint8
    assert out.tolist() == [[0, 63], [127, 254]]  # 255 * (x - 2) / (8 + 1e-5), truncated
    assert min_max_to_uint8(np.full((2, 2), 7.0)).tolist() == [[0, 0], [0, 0]]


def test_save_is_atomic_with_normal_permissions(tmp_path):
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    save_image(tmp_path / "sub" / "a.png", image)
    assert np.array_equal(cv2.imread(str(tmp_path / "sub" / "a.png"), cv2.IMREAD_UNCHANGED), image)
    assert os.stat(tmp_path / "sub" / "a.png").st_mode & 0o044 == 0o044 & ~_umask()
    with pytest.raises(InputError, match="extension"):
        save_image(tmp_path / "a.xyz", image)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.png", "sub"]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_resize_and_side_by_side():
    a = np.zeros((10, 8), np.uint8)
    assert resize_to(np.zeros((20, 16), np.float32), (10, 8)).shape == (10, 8)
    joined = side_by_side(a, np.zeros((10, 8, 3), np.uint8), a, gap=2)
    assert joined.shape == (10, 28, 3)
