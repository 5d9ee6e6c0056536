"""The reduced tracking RFN: structure, activations, initialisation, weights file."""
from __future__ import annotations

import pytest
import torch

from rgbt_runtime import InputError, save_torch_atomic
from rgbt_track.rfn.model import (ReducedRFN, ReducedRFNConfig, ReducedRFNFusion, load_rfn,
                                           rfn_file_dict)


def _feats(channels, size, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(2, c, size, size, generator=g) for c in channels]


def test_five_convs_and_paper_parameter_count_at_256_channels():
    rfn = ReducedRFN(256)
    convs = [m for m in rfn.modules() if isinstance(m, torch.nn.Conv2d)]
    assert sorted((c.in_channels, c.out_channels, c.kernel_size[0]) for c in convs) == sorted(
        [(256, 256, 3), (256, 256, 3), (512, 256, 1), (256, 256, 3), (512, 256, 3)])
    assert sum(p.numel() for p in rfn.parameters()) == 3_081_472


@pytest.mark.parametrize("size", [7, 31])
def test_average_init_starts_at_the_mean_of_both_modalities(size):
    fusion = ReducedRFNFusion([8, 16, 8])
    rgb, ir = _feats([8, 16, 8], size, 0), _feats([8, 16, 8], size, 1)
    fused = fusion(rgb, ir)
    for f, r, i in zip(fused, rgb, ir):
        assert f.shape == r.shape
        torch.testing.assert_close(f, (r + i) / 2)


def test_default_init_is_not_the_average():
    torch.manual_seed(0)
    fusion = ReducedRFNFusion([8], ReducedRFNConfig(init="default"))
    rgb, ir = _feats([8], 7, 0), _feats([8], 7, 1)
    assert not torch.allclose(fusion(rgb, ir)[0], (rgb[0] + ir[0]) / 2, atol=1e-3)


def test_output_is_signed_by_default_and_clipped_with_output_relu():
    torch.manual_seed(0)
    rgb, ir = _feats([8], 7, 0), _feats([8], 7, 1)
    signed = ReducedRFNFusion([8], ReducedRFNConfig(init="default"))(rgb, ir)[0]
    assert (signed < 0).any()
    clipped = ReducedRFNFusion([8], ReducedRFNConfig(init="default", output_relu=True))(rgb, ir)[0]
    # phi_f = relu(Conv4) + relu(conv5) is never negative
    assert (clipped >= 0).all()


def test_inner_relu_switch_changes_the_function():
    rgb, ir = _feats([4], 7, 0), _feats([4], 7, 1)
    torch.manual_seed(3)
    with_relu = ReducedRFNFusion([4], ReducedRFNConfig(init="default"))
    torch.manual_seed(3)
    without = ReducedRFNFusion([4], ReducedRFNConfig(init="default", inner_relu=False))
    assert not torch.allclose(with_relu(rgb, ir)[0], without(rgb, ir)[0])


def test_one_rfn_per_level_shared_by_template_and_search():
    fusion = ReducedRFNFusion([4, 6])
    assert len(fusion.levels) == 2 and [lvl.channels for lvl in fusion.levels] == [4, 6]
    with torch.no_grad():
        fusion.levels[1].bottleneck[-1].conv2d.bias.fill_(1.0)
    z = fusion(_feats([4, 6], 7, 0), _feats([4, 6], 7, 1))
    x = fusion(_feats([4, 6], 31, 0), _feats([4, 6], 31, 1))
    assert z[1].shape[-1] == 7 and x[1].shape[-1] == 31


def test_bad_inputs_raise():
    fusion = ReducedRFNFusion([4, 4])
    with pytest.raises(ValueError, match="levels"):
        fusion(_feats([4], 7, 0), _feats([4], 7, 1))
    with pytest.raises(ValueError, match="shape"):
        fusion(_feats([4, 4], 7, 0), _feats([4, 4], 31, 1))
    with pytest.raises(ValueError):
        ReducedRFNConfig(init="xavier")


def test_weights_file_round_trip(tmp_path):
    torch.manual_seed(0)
    fusion = ReducedRFNFusion([4, 8], ReducedRFNConfig(init="default", output_relu=True))
    path = tmp_path / "rfn.pth"
    save_torch_atomic(rfn_file_dict(fusion, {"arch": "tiny", "step": 3}), path)
    loaded, meta = load_rfn(path)
    assert meta == {"arch": "tiny", "step": 3}
    assert loaded.config == fusion.config and loaded.channels == [4, 8]
    rgb, ir = _feats([4, 8], 7, 0), _feats([4, 8], 7, 1)
    for a, b in zip(loaded(rgb, ir), fusion(rgb, ir)):
        assert torch.equal(a, b)


def test_weights_file_errors_are_one_line_input_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_rfn(tmp_path / "missing.pth")
    other = tmp_path / "tracker.pth"
    save_torch_atomic({"backbone.conv1.weight": torch.zeros(1)}, other)
    with pytest.raises(InputError, match="not an RFN weights file"):
        load_rfn(other)
    fusion = ReducedRFNFusion([4])
    state = rfn_file_dict(fusion)
    state["rfn"]["levels.0.conv_a.conv2d.weight"][0, 0, 0, 0] = float("nan")
    bad = tmp_path / "nan.pth"
    save_torch_atomic(state, bad)
    with pytest.raises(InputError, match="NaN"):
        load_rfn(bad)
    wrong = rfn_file_dict(ReducedRFNFusion([4]))
    wrong["channels"] = [8]
    path = tmp_path / "wrong.pth"
    save_torch_atomic(wrong, path)
    with pytest.raises(InputError, match="bad RFN weights file"):
        load_rfn(path)
