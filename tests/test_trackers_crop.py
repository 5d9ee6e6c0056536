"""pysot's get_subwindow, checked against hand-computed windows."""
from __future__ import annotations

import cv2
import numpy as np

from trackers.crop import get_subwindow


def _image(h=10, w=12):
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = np.arange(h)[:, None] * 10        # B: row * 10
    img[..., 1] = np.arange(w)[None, :] * 10        # G: column * 10
    img[..., 2] = 200
    return img


def test_inside_window_without_resize():
    img = _image()
    # c = 2.5, xmin = floor(4.5 - 2.5 + 0.5) = 2, xmax = 5; same for y
    patch = get_subwindow(img, (4.5, 4.5), 4, 4, np.zeros(3))
    assert patch.shape == (3, 4, 4) and patch.dtype == np.float32
    assert np.array_equal(patch, img[2:6, 2:6].transpose(2, 0, 1).astype(np.float32))


def test_odd_crop_uses_pysot_rounding():
    img = _image()
    # crop 3: c = 2, xmin = floor(5 - 2 + 0.5) = 3 -> columns 3..5; ymin = floor(6 - 2 + 0.5) = 4
    patch = get_subwindow(img, (5.0, 6.0), 3, 3, np.zeros(3))
    assert np.array_equal(patch[1, 0], [30, 40, 50]) and np.array_equal(patch[0, :, 0], [40, 50, 60])


def test_out_of_image_parts_take_the_truncated_mean():
    img = _image()
    mean = np.array([7.9, 100.2, 3.5])
    # centre (0, 0), crop 4: xmin = ymin = floor(-2) = -2 -> two rows / columns of padding
    patch = get_subwindow(img, (0.0, 0.0), 4, 4, mean)
    expected = np.empty((4, 4, 3), np.uint8)
    expected[:] = [7, 100, 3]
    expected[2:, 2:] = img[0:2, 0:2]
    assert np.array_equal(patch, expected.transpose(2, 0, 1).astype(np.float32))


def test_bottom_right_padding():
    img = _image()
    patch = get_subwindow(img, (11.0, 9.0), 4, 4, np.array([1, 2, 3]))
    # xmin = floor(11 - 2) = 9 -> columns 9..12 (12 outside); ymin = 7 -> rows 7..10 (10 outside)
    assert np.array_equal(patch[:, :3, :3], img[7:10, 9:12].transpose(2, 0, 1))
    assert np.all(patch[:, 3, :] == np.array([1, 2, 3])[:, None])
    assert np.all(patch[:, :, 3] == np.array([1, 2, 3])[:, None])


def test_window_entirely_outside_is_all_mean():
    patch = get_subwindow(_image(), (500.0, -300.0), 5, 9, np.array([50.0, 60.0, 70.0]))
    assert patch.shape == (3, 5, 5)
    assert np.all(patch == np.array([50, 60, 70], np.float32)[:, None, None])


def test_resize_is_cv2_bilinear_of_the_window():
    img = _image(40, 50)
    patch = get_subwindow(img, (20.0, 20.0), 7, 10, np.zeros(3))
    window = img[15:25, 15:25]  # c = 5.5, xmin = floor(20 - 5.5 + 0.5) = 15
    assert np.array_equal(patch, cv2.resize(window, (7, 7)).transpose(2, 0, 1).astype(np.float32))
