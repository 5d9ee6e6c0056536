"""Feature-scale statistics of the fusion candidates and the frozen heads' response to them."""
from __future__ import annotations

import pytest
import torch

from fusion.strategies import l1_norm
from rgbt_track.evaluation.feature_scale import CANDIDATES, fusion_candidates, head_response, level_scale
from trackers.model import build_model


def _levels(seed, shape):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=g) for _ in range(3)]


def test_candidates_are_the_weighted_sums_and_the_l1_fusion():
    rgb, ir = _levels(0, (2, 4, 7, 7)), _levels(1, (2, 4, 7, 7))
    cands = fusion_candidates(rgb, ir, w_vi=3.0, w_ir=6.0)
    assert tuple(cands) == CANDIDATES
    for level in range(3):
        assert torch.equal(cands["rgb"][level], rgb[level]) and torch.equal(cands["ir"][level], ir[level])
        torch.testing.assert_close(cands["paper"][level], 3 * rgb[level] + 6 * ir[level])
        torch.testing.assert_close(cands["normalised"][level], (rgb[level] + 2 * ir[level]) / 3)
        torch.testing.assert_close(cands["l1"][level], l1_norm(ir[level], rgb[level]))


def test_level_scale_of_independent_unit_features():
    rgb, ir = _levels(0, (4, 16, 31, 31)), _levels(1, (4, 16, 31, 31))
    cands = fusion_candidates(rgb, ir)
    # std of 3 a + 6 b for independent unit-variance a, b is sqrt(45); normalised: sqrt(5) / 3
    for s in level_scale(cands["paper"]):
        assert s.std == pytest.approx(45 ** 0.5, rel=0.03)
        assert s.mean_abs == pytest.approx(45 ** 0.5 * (2 / torch.pi) ** 0.5, rel=0.03)
    for s in level_scale(cands["normalised"]):
        assert s.std == pytest.approx(5 ** 0.5 / 3, rel=0.03)
    assert level_scale([torch.zeros(1, 2, 3, 3)])[0].std == 0.0


def test_head_response_grows_with_the_feature_scale(one_torch_thread):
    torch.manual_seed(0)
    model = build_model("tiny").eval()
    z, x = _levels(0, (2, 48, 7, 7)), _levels(1, (2, 48, 31, 31))
    small = head_response(model, z, x)
    large = head_response(model, [9 * f for f in z], [9 * f for f in x])
    for value in (small.score_max, small.score_mean, large.score_max, large.score_mean):
        assert 0.0 <= value <= 1.0
    assert small.score_mean <= small.score_max
    assert large.cls_std > 3 * small.cls_std and large.loc_std > 3 * small.loc_std
    assert large.loc_abs_max > small.loc_abs_max
