"""pysot anchors: shapes, values and the a*S*S + y*S + x ordering."""
from __future__ import annotations

import numpy as np

from trackers.anchors import anchor_shapes, generate_anchors
from trackers.config import ARCHITECTURES, AnchorConfig, TrackerHyperparams


def test_anchor_shapes_are_pysots():
    expected = [(104, 32), (88, 40), (64, 64), (40, 80), (32, 96)]
    assert anchor_shapes(AnchorConfig()).tolist() == [list(s) for s in expected]


def test_score_size_is_25_for_every_arch():
    for spec in ARCHITECTURES.values():
        assert spec.anchors.score_size(spec.hyperparams) == 25


def test_grid_ordering_and_centres():
    cfg = AnchorConfig()
    s = 25
    anchors = generate_anchors(cfg, s)
    assert anchors.shape == (5 * s * s, 4) and anchors.dtype == np.float32
    grid = anchors.reshape(5, s, s, 4)
    # index a*S*S + y*S + x: x runs along the last axis, y along the one before
    assert np.array_equal(grid[2, 3, 7], [(7 - 12) * 8, (3 - 12) * 8, 64, 64])
    assert np.array_equal(grid[0, 0, 0], [-96, -96, 104, 32])
    assert np.array_equal(grid[4, 24, 24], [96, 96, 32, 96])
    assert np.array_equal(anchors[1 * s * s + 12 * s + 12], [0, 0, 88, 40])
    assert np.all(grid[..., 0] == grid[:, :1, :, 0])  # cx independent of y
    assert np.all(grid[..., 1] == grid[:, :, :1, 1])  # cy independent of x


def test_other_layouts():
    cfg = AnchorConfig(stride=4, ratios=(1,), scales=(4, 8))
    anchors = generate_anchors(cfg, 3)
    assert cfg.anchor_num == 2
    assert anchors.shape == (2 * 9, 4)
    assert anchors[0].tolist() == [-4, -4, 16, 16] and anchors[9 + 8].tolist() == [4, 4, 32, 32]
    assert cfg.score_size(TrackerHyperparams(0.1, 0.1, 0.1)) == (255 - 127) // 4 + 1 + 8
