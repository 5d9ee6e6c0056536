"""AnchorTarget and SiamRPN losses on hand-made boxes."""
from __future__ import annotations

import numpy as np
import torch

from trackers.anchors import generate_anchors
from trackers.config import AnchorConfig
from trackers.training.losses import (log_softmax_cls, select_cross_entropy_loss, siamrpn_loss,
                                      weighted_smooth_l1_loss)
from trackers.training.targets import AnchorTarget, TargetConfig, corner_iou

ANCHORS = generate_anchors(AnchorConfig(), 25)


def test_corner_iou_hand_values():
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]], dtype=float)
    np.testing.assert_allclose(corner_iou(boxes, np.array([0, 0, 10, 10.0])), [1, 50 / 150, 0])


def test_box_equal_to_central_square_anchor_is_positive_with_zero_deltas():
    target = AnchorTarget(ANCHORS, 25)
    box = np.array([127 - 32, 127 - 32, 127 + 32, 127 + 32], dtype=float)  # anchor a=2 at the centre
    out = target(box, False, np.random.default_rng(0))
    cls, loc, weight = out["label_cls"], out["label_loc"], out["label_loc_weight"]
    assert cls.shape == (5, 25, 25) and loc.shape == (4, 5, 25, 25) and weight.shape == (5, 25, 25)
    assert cls[2, 12, 12] == 1
    np.testing.assert_allclose(loc[:, 2, 12, 12], 0, atol=1e-6)
    np.testing.assert_allclose(loc[0, 2, 12, 13], -8 / 64, atol=1e-6)  # anchor one cell right
    npos = (cls == 1).sum()
    assert 1 <= npos <= 16 and (cls == 0).sum() == 64 - npos and (cls >= 0).sum() == 64
    np.testing.assert_allclose(weight[cls == 1], 1 / npos, rtol=1e-5)
    assert weight[cls != 1].sum() == 0


def test_positives_capped_at_pos_num_and_iou_respected():
    target = AnchorTarget(ANCHORS, 25, config=TargetConfig(pos_num=3, total_num=10))
    box = np.array([127 - 32, 127 - 32, 127 + 32, 127 + 32], dtype=float)
    out = target(box, False, np.random.default_rng(1))
    assert (out["label_cls"] == 1).sum() == 3 and (out["label_cls"] == 0).sum() == 7
    iou = corner_iou(target.corners, box)
    assert (iou[out["label_cls"] == 1] > 0.6).all() and (iou[out["label_cls"] == 0] < 0.3).all()


def test_negative_pair_has_only_background_near_the_target():
    out = AnchorTarget(ANCHORS, 25)(np.array([150, 100, 190, 140.0]), True, np.random.default_rng(0))
    cls = out["label_cls"]
    assert (cls == 1).sum() == 0 and (cls == 0).sum() == 16 and out["label_loc_weight"].sum() == 0
    ys, xs = np.nonzero((cls == 0).any(axis=0))
    # target centre (170, 120) -> cell x = 12 + ceil(43/8 + .5) = 18, y = 12 + ceil(-7/8 + .5) = 12
    assert xs.min() >= 15 and xs.max() <= 21 and ys.min() >= 9 and ys.max() <= 15


def test_cross_entropy_selects_pos_and_neg_halves():
    cls = torch.zeros(1, 10, 25, 25)
    cls[0, 5 + 2, 12, 12] = 5.0  # foreground logit of anchor 2 at the centre
    label = -torch.ones(1, 5, 25, 25, dtype=torch.long)
    label[0, 2, 12, 12] = 1
    label[0, 0, 0, 0] = 0
    loss = select_cross_entropy_loss(log_softmax_cls(cls), label)
    expected = 0.5 * -torch.log_softmax(torch.tensor([0.0, 5.0]), 0)[1] + 0.5 * np.log(2)
    assert abs(loss.item() - expected.item()) < 1e-5
    only_neg = select_cross_entropy_loss(log_softmax_cls(cls), label.clamp(max=0))
    # no positives: half the mean NLL over the two negatives (fg logit 5 and a 0/0 tie)
    assert abs(only_neg.item() - 0.5 * (np.log1p(np.exp(5.0)) + np.log(2)) / 2) < 1e-5


def test_smooth_l1_weighted_by_positive_weight():
    loc = torch.zeros(2, 20, 3, 3)
    label = torch.zeros(2, 4, 5, 3, 3)
    label[0, 0, 1, 1, 1] = 2.0  # dx error 2 on one anchor of item 0
    weight = torch.zeros(2, 5, 3, 3)
    weight[0, 1, 1, 1] = 0.5
    loss = weighted_smooth_l1_loss(loc, label, weight, beta=1.0)
    assert abs(loss.item() - 0.5 * 1.5 / 2) < 1e-6
    assert weighted_smooth_l1_loss(loc, label, weight, beta=0.0).item() == 0.5 * 2.0 / 2


def test_siamrpn_loss_gradient_flows_and_is_finite():
    cls = torch.randn(2, 10, 25, 25, requires_grad=True)
    loc = torch.randn(2, 20, 25, 25, requires_grad=True)
    target = AnchorTarget(ANCHORS, 25)
    rng = np.random.default_rng(0)
    labels = [target(np.array([97, 107, 157, 147.0]), neg, rng) for neg in (False, True)]
    batch = {k: torch.from_numpy(np.stack([lab[k] for lab in labels])) for k in labels[0]}
    losses = siamrpn_loss(cls, loc, batch)
    losses["total"].backward()
    assert torch.isfinite(losses["total"]) and loc.grad.abs().sum() > 0 and cls.grad.abs().sum() > 0
