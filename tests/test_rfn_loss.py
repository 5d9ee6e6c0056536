"""L_RFN = alpha * L_detail + L_feature for the tracking RFN, and its options."""
from __future__ import annotations

import pytest
import torch

from fusion.strategies import l1_norm
from rgbt_track.rfn import RFNLoss, RFNLossConfig


def _levels(seed, n=3, shape=(2, 8, 7, 7)):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=g) for _ in range(n)]


def test_paper_values_are_the_defaults():
    cfg = RFNLossConfig()
    assert (cfg.alpha, cfg.w_vi, cfg.w_ir) == (700.0, 3.0, 6.0)
    assert (cfg.ssim_window, cfg.ssim_sigma) == (11, 1.5)
    assert cfg.modality_weights == (3.0, 6.0)
    assert RFNLossConfig(normalize_modality_weights=True).modality_weights == pytest.approx((1 / 3, 2 / 3))


def test_detail_is_zero_when_fused_equals_the_l1_fusion():
    rgb, ir = _levels(0), _levels(1)
    fused = [l1_norm(i, r) for r, i in zip(rgb, ir)]
    terms = RFNLoss()(fused, rgb, ir)
    assert float(terms.detail) == pytest.approx(0.0, abs=1e-5)
    assert float(terms.feature) > 1.0


@pytest.mark.parametrize("normalize", [False, True])
def test_feature_is_zero_at_the_weighted_target(normalize):
    cfg = RFNLossConfig(normalize_modality_weights=normalize)
    w_vi, w_ir = cfg.modality_weights
    rgb, ir = _levels(0), _levels(1)
    fused = [w_vi * r + w_ir * i for r, i in zip(rgb, ir)]
    terms = RFNLoss(cfg)(fused, rgb, ir)
    assert float(terms.feature) == pytest.approx(0.0, abs=1e-8)
    assert float(terms.detail) > 0.01


def test_total_level_weights_and_reductions_follow_the_formula():
    rgb, ir, fused = _levels(0, 2), _levels(1, 2), _levels(2, 2)
    base = RFNLoss(RFNLossConfig(alpha=10.0))(fused, rgb, ir)
    assert float(base.total) == pytest.approx(10.0 * float(base.detail) + float(base.feature), rel=1e-6)
    errors = [float((f - (3 * r + 6 * i)).pow(2).mean()) for f, r, i in zip(fused, rgb, ir)]
    assert float(base.feature) == pytest.approx(sum(errors), rel=1e-5)
    weighted = RFNLoss(RFNLossConfig(level_weights=(1.0, 10.0)))(fused, rgb, ir)
    assert float(weighted.feature) == pytest.approx(errors[0] + 10 * errors[1], rel=1e-5)
    summed = RFNLoss(RFNLossConfig(feature_reduction="sum"))(fused, rgb, ir)
    assert float(summed.feature) == pytest.approx(sum(errors) * fused[0].numel(), rel=1e-5)


def test_detail_sums_one_minus_ssim_over_levels():
    rgb, ir, fused = _levels(0), _levels(1), _levels(2)
    one = [RFNLoss()([f], [r], [i]).detail for f, r, i in zip(fused, rgb, ir)]
    assert float(RFNLoss()(fused, rgb, ir).detail) == pytest.approx(float(sum(one)), rel=1e-6)


def test_per_sample_range_makes_detail_invariant_to_each_samples_scale():
    rgb, ir, noise = _levels(0, 1), _levels(1, 1), _levels(2, 1)
    fused = [l1_norm(ir[0], rgb[0]) + 0.5 * noise[0]]  # partly similar to the target
    scale = torch.tensor([1.0, 50.0]).reshape(2, 1, 1, 1)  # sample 1 fifty times larger
    scaled = [[t * scale for t in ts] for ts in (fused, rgb, ir)]
    per_sample = RFNLoss()
    assert float(per_sample(*scaled).detail) == pytest.approx(float(per_sample(fused, rgb, ir).detail), rel=1e-4)
    fixed = RFNLoss(RFNLossConfig(ssim_data_range=2.0))
    assert abs(float(fixed(*scaled).detail) - float(fixed(fused, rgb, ir).detail)) > 1e-3


def test_gradient_reaches_only_the_fused_features():
    rgb = [t.requires_grad_() for t in _levels(0, 1)]
    ir = [t.requires_grad_() for t in _levels(1, 1)]
    fused = [t.requires_grad_() for t in _levels(2, 1)]
    RFNLoss(RFNLossConfig(alpha=700.0, w_vi=0.0, w_ir=1.0))(fused, rgb, ir).total.backward()
    assert fused[0].grad is not None and fused[0].grad.abs().sum() > 0
    # rgb gets no gradient from L_detail (its l1 target is a constant) and w_vi = 0 in L_feature
    assert rgb[0].grad is None or float(rgb[0].grad.abs().sum()) == 0.0


def test_search_sized_maps_work():
    rgb, ir, fused = (_levels(s, 3, (1, 4, 31, 31)) for s in range(3))
    assert torch.isfinite(RFNLoss()(fused, rgb, ir).total)


def test_bad_options_and_inputs_raise():
    with pytest.raises(ValueError):
        RFNLossConfig(alpha=-1.0)
    with pytest.raises(ValueError):
        RFNLossConfig(w_vi=0.0, w_ir=0.0)
    with pytest.raises(ValueError):
        RFNLossConfig(feature_reduction="max")
    with pytest.raises(ValueError):
        RFNLossConfig(ssim_data_range="guess")
    with pytest.raises(ValueError, match="level_weights"):
        RFNLoss(RFNLossConfig(level_weights=(1.0, 10.0, 100.0)))(_levels(0, 2), _levels(1, 2), _levels(2, 2))
    with pytest.raises(ValueError, match="levels"):
        RFNLoss()(_levels(0, 2), _levels(1, 3), _levels(2, 3))
