"""int8 tracking (``trackers.quantization``): what is quantized, how it tracks, calibration per init."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from torch import nn
from torch.ao.nn import quantized

from rgbt_track.datasets.vot import load_vot_sequences
from rgbt_track.evaluation.iou import mean_iou, run_sequence
from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from rgbt_track.generator import generate_sequences
from trackers.model import build_model
from trackers.quantization import quantize_int8


@pytest.fixture(scope="module")
def sequences(tmp_path_factory):
    root = tmp_path_factory.mktemp("int8")
    generate_sequences(root, count=2, length=50, seed=5)
    return load_vot_sequences(root)


def _quantized_convs(module: nn.Module) -> int:
    return sum(isinstance(m, quantized.Conv2d) for m in module.modules())


def test_search_branch_convs_are_int8_and_the_rest_float(sequences):
    tracker = build_tracker(TrackerSpec(mode="fused", fusion="l1", precision="int8", device="cpu"))
    run_sequence(tracker, sequences[0])
    model = tracker.model
    assert _quantized_convs(model.backbone) == sum(
        isinstance(m, nn.Conv2d) for m in tracker._float_model.backbone.modules())
    assert _quantized_convs(model.neck) == len(model.spec.neck_out_channels)
    for level in range(len(model.spec.neck_out_channels)):
        rpn = getattr(model.rpn_head, f"rpn{level + 2}")
        for branch in (rpn.cls, rpn.loc):
            assert _quantized_convs(branch.conv_search) == 1
            assert _quantized_convs(branch.conv_kernel) == 0 and _quantized_convs(branch.head) == 0


def test_int8_tracks_as_well_as_fp32_and_warns_about_nothing(sequences):
    ious = {}
    for precision in ("fp32", "int8"):
        tracker = build_tracker(TrackerSpec(mode="fused", fusion="l1", precision=precision, device="cpu"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ious[precision] = [mean_iou(run_sequence(tracker, s).boxes, s.groundtruth) for s in sequences]
        assert not caught, [str(w.message) for w in caught]
    assert min(ious["int8"]) > 0.6
    assert np.mean(ious["int8"]) > np.mean(ious["fp32"]) - 0.05, ious


def test_each_init_recalibrates_so_earlier_sequences_do_not_matter(sequences):
    reused = build_tracker(TrackerSpec(mode="ir", precision="int8", device="cpu"))
    run_sequence(reused, sequences[0])
    after_another = run_sequence(reused, sequences[1]).boxes
    fresh = run_sequence(build_tracker(TrackerSpec(mode="ir", precision="int8", device="cpu")), sequences[1]).boxes
    np.testing.assert_array_equal(after_another, fresh)


def test_a_calibration_that_skips_a_part_is_an_error():
    model = build_model("tiny").eval()
    with pytest.raises(RuntimeError, match="int8 calibration did not run the 'backbone' part"):
        quantize_int8(model, lambda: None)
