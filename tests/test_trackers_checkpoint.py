"""load_tracker_weights: the three pysot file layouts, strictness and one-line errors."""
from __future__ import annotations

import pytest
import torch

from trackers.checkpoint import load_tracker_weights
from rgbt_runtime.errors import InputError
from trackers.model import build_model


@pytest.fixture(scope="module")
def source():
    torch.manual_seed(1)
    return build_model("tiny").state_dict()


def _assert_loaded(model, state):
    loaded = model.state_dict()
    assert all(k.endswith("num_batches_tracked") for k in set(loaded) - set(state))
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key


@pytest.mark.parametrize("wrap", ["flat", "state_dict", "module", "state_dict+module"])
def test_accepted_layouts_load_strictly(tmp_path, source, wrap):
    state = dict(source)
    if "module" in wrap:
        state = {f"module.{k}": v for k, v in state.items()}
    if "state_dict" in wrap:
        state = {"state_dict": state, "epoch": 3}
    path = tmp_path / "model.pth"
    torch.save(state, path)
    model = build_model("tiny")
    load_tracker_weights(model, path)
    _assert_loaded(model, source)
    model2 = build_model("tiny")
    load_tracker_weights(model2, str(path))
    _assert_loaded(model2, source)


def test_pysot_files_without_num_batches_tracked_load(source):
    state = {k: v for k, v in source.items() if not k.endswith("num_batches_tracked")}
    model = build_model("tiny")
    load_tracker_weights(model, state)
    _assert_loaded(model, state)


def test_mobilev2_state_dict_round_trip():
    torch.manual_seed(2)
    state = build_model("mobilev2").state_dict()
    model = build_model("mobilev2")
    load_tracker_weights(model, {"state_dict": {f"module.{k}": v for k, v in state.items()}})
    _assert_loaded(model, state)


def test_wrong_architecture_names_missing_and_unexpected_keys(tmp_path):
    path = tmp_path / "mobilev2.pth"
    torch.save(build_model("mobilev2").state_dict(), path)
    with pytest.raises(InputError) as err:
        load_tracker_weights(build_model("tiny"), path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and "'tiny'" in message
    assert "42 missing keys (backbone.layer1.0.weight, " in message
    assert "unexpected keys (backbone.layer1.0.conv.0.weight, " in message
    assert "shape mismatches (backbone.layer0.0.weight: file (44, 3, 3, 3) vs model (24, 3, 3, 3)" in message
    assert "more" in message  # long lists are shortened


def test_single_missing_and_extra_key(source):
    state = dict(source)
    del state["rpn_head.cls_weight"]
    state["rpn_head.extra"] = torch.zeros(1)
    with pytest.raises(InputError, match=r"1 missing keys \(rpn_head.cls_weight\); 1 unexpected keys \(rpn_head.extra\)"):
        load_tracker_weights(build_model("tiny"), state)


def test_shape_mismatch_is_reported(source):
    state = dict(source)
    state["rpn_head.rpn2.loc.head.3.bias"] = torch.zeros(7)
    with pytest.raises(InputError, match=r"shape mismatches \(rpn_head.rpn2.loc.head.3.bias: file \(7,\) vs model \(20,\)"):
        load_tracker_weights(build_model("tiny"), state)


def test_nan_is_rejected(tmp_path, source):
    state = dict(source)
    state["neck.downsample3.downsample.0.weight"] = state["neck.downsample3.downsample.0.weight"].clone()
    state["neck.downsample3.downsample.0.weight"][0, 0] = float("nan")
    path = tmp_path / "nan.pth"
    torch.save(state, path)
    with pytest.raises(InputError, match=r"nan.pth has NaN/Inf values in 'neck.downsample3.downsample.0.weight'"):
        load_tracker_weights(build_model("tiny"), path)


def test_missing_corrupt_and_foreign_files(tmp_path):
    model = build_model("tiny")
    with pytest.raises(InputError, match="checkpoint not found"):
        load_tracker_weights(model, tmp_path / "nope.pth")
    corrupt = tmp_path / "corrupt.pth"
    corrupt.write_bytes(b"not a torch file at all")
    with pytest.raises(InputError, match=r"cannot read checkpoint .*corrupt.pth"):
        load_tracker_weights(model, corrupt)
    listing = tmp_path / "list.pth"
    torch.save([1, 2, 3], listing)
    with pytest.raises(InputError, match="holds a list, expected a state dict"):
        load_tracker_weights(model, listing)
