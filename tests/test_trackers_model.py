"""SiamRPN++ models: pysot parameter counts, state-dict key names, feature and output shapes."""
from __future__ import annotations

import pytest
import torch

from rgbt_runtime.errors import InputError
from trackers.inference import fold_batch_norm
from trackers.model import SiameseRPN, build_model

# (parameters, state-dict keys) of pysot's model-zoo networks; tiny is ours.
EXPECTED = {"r50": (53_950_624, 458), "mobilev2": (11_150_446, 450), "tiny": (342_928, 230)}

R50_SAMPLE_KEYS = [
    "backbone.conv1.weight", "backbone.bn1.running_mean", "backbone.layer1.0.conv1.weight",
    "backbone.layer2.0.downsample.0.weight", "backbone.layer2.0.downsample.1.bias",
    "backbone.layer4.2.bn3.running_var", "neck.downsample2.downsample.0.weight",
    "neck.downsample4.downsample.1.running_mean", "rpn_head.rpn2.cls.conv_kernel.0.weight",
    "rpn_head.rpn3.loc.conv_search.1.weight", "rpn_head.rpn4.cls.head.0.weight",
    "rpn_head.rpn4.cls.head.1.running_var", "rpn_head.rpn4.loc.head.3.bias",
    "rpn_head.cls_weight", "rpn_head.loc_weight",
]
MOBILEV2_SAMPLE_KEYS = [
    "backbone.layer0.0.weight", "backbone.layer0.1.running_mean", "backbone.layer1.0.conv.0.weight",
    "backbone.layer3.2.conv.3.weight", "backbone.layer7.0.conv.7.running_var",
    "neck.downsample3.downsample.0.weight", "rpn_head.rpn2.loc.head.3.weight",
]


@pytest.mark.parametrize("arch", sorted(EXPECTED))
def test_parameter_and_key_counts_match_pysot(arch):
    model = build_model(arch)
    params, keys = EXPECTED[arch]
    assert sum(p.numel() for p in model.parameters()) == params
    assert len(model.state_dict()) == keys


def test_r50_key_names_are_pysots():
    keys = set(build_model("r50").state_dict())
    assert set(R50_SAMPLE_KEYS) <= keys
    assert {k.split(".")[0] for k in keys} == {"backbone", "neck", "rpn_head"}
    assert not any(k.startswith("backbone.fc") for k in keys)
    # pysot's 3x3 downsample convs in the strided / dilated stages
    assert build_model("r50").backbone.layer3[0].downsample[0].kernel_size == (3, 3)


def test_mobilev2_key_names_are_pysots():
    keys = set(build_model("mobilev2").state_dict())
    assert set(MOBILEV2_SAMPLE_KEYS) <= keys
    assert "rpn_head.cls_weight" not in keys and "rpn_head.loc_weight" not in keys
    assert not any(k.startswith("backbone.layer8") for k in keys)


@pytest.mark.parametrize("arch, channels", [pytest.param("mobilev2", (44, 134, 448), marks=pytest.mark.slow),
                                            ("tiny", (64, 96, 128))])
def test_backbone_and_neck_shapes(arch, channels):
    model = build_model(arch).eval()
    with torch.no_grad():
        z = model.backbone(torch.rand(1, 3, 127, 127) * 255)
        x = model.backbone(torch.rand(2, 3, 255, 255) * 255)
        assert [tuple(t.shape) for t in z] == [(1, c, 15, 15) for c in channels]
        assert [tuple(t.shape) for t in x] == [(2, c, 31, 31) for c in channels]
        width = model.spec.neck_out_channels[0]
        z_f, x_f = model.neck(z), model.neck(x)
        assert [tuple(t.shape) for t in z_f] == [(1, width, 7, 7)] * 3
        assert [tuple(t.shape) for t in x_f] == [(2, width, 31, 31)] * 3
        cls, loc = model.head([t.expand(2, -1, -1, -1) for t in z_f], x_f)
    assert cls.shape == (2, 10, 25, 25) and loc.shape == (2, 20, 25, 25)


@pytest.mark.slow
def test_r50_shapes():
    model = build_model("r50").eval()
    with torch.no_grad():
        z = model.backbone(torch.rand(1, 3, 127, 127) * 255)
        x = model.backbone(torch.rand(1, 3, 255, 255) * 255)
        assert [tuple(t.shape) for t in z] == [(1, c, 15, 15) for c in (512, 1024, 2048)]
        assert [tuple(t.shape) for t in x] == [(1, c, 31, 31) for c in (512, 1024, 2048)]
        cls, loc = model.head(model.neck(z), model.neck(x))
    assert cls.shape == (1, 10, 25, 25) and loc.shape == (1, 20, 25, 25)


def test_forward_is_features_then_head():
    torch.manual_seed(0)
    model = build_model("tiny").eval()
    z, x = torch.rand(2, 3, 127, 127) * 255, torch.rand(2, 3, 255, 255) * 255
    with torch.no_grad():
        cls, loc = model(z, x)
        cls2, loc2 = model.head(model.features(z), model.features(x))
    assert torch.equal(cls, cls2) and torch.equal(loc, loc2)


def test_head_with_precomputed_template_kernels_is_identical():
    torch.manual_seed(0)
    model = build_model("tiny").eval()
    with torch.no_grad():
        z = model.features(torch.rand(1, 3, 127, 127) * 255)
        kernels = model.head_kernels(z)
        assert [k[0].shape for k in kernels] == [(1, 48, 5, 5)] * 3
        for seed in (1, 2):  # one template, several search frames
            torch.manual_seed(seed)
            x = model.features(torch.rand(1, 3, 255, 255) * 255)
            cls, loc = model.head(z, x)
            cls2, loc2 = model.head_correlate(kernels, x)
            assert torch.equal(cls, cls2) and torch.equal(loc, loc2)


def test_weighted_head_uses_softmax_level_weights():
    model = build_model("tiny").eval()
    with torch.no_grad():
        model.rpn_head.cls_weight.copy_(torch.tensor([0.0, 0.0, 50.0]))  # softmax ~ (0, 0, 1)
        z = model.features(torch.rand(1, 3, 127, 127) * 255)
        x = model.features(torch.rand(1, 3, 255, 255) * 255)
        cls, _ = model.head(z, x)
        level4, _ = model.rpn_head.rpn4(z[2], x[2])
    assert torch.allclose(cls, level4, atol=1e-4)


def test_unknown_arch_raises_input_error():
    with pytest.raises(InputError, match="unknown tracker architecture 'r18'.*r50"):
        build_model("r18")


@pytest.mark.parametrize("arch", ["tiny", pytest.param("mobilev2", marks=pytest.mark.slow)])
def test_batch_norm_folding_keeps_outputs(arch):
    torch.manual_seed(0)
    model = build_model(arch).eval()
    for m in model.modules():  # non-trivial BN statistics
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 1.5)
    folded = fold_batch_norm(model)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())  # original untouched
    z, x = torch.rand(1, 3, 127, 127) * 255, torch.rand(1, 3, 255, 255) * 255
    with torch.no_grad():
        cls, loc = model(z, x)
        cls_f, loc_f = folded(z, x)
    assert torch.allclose(cls, cls_f, rtol=1e-3, atol=1e-3 * cls.abs().max().item())
    assert torch.allclose(loc, loc_f, rtol=1e-3, atol=1e-3 * loc.abs().max().item())
    assert isinstance(model, SiameseRPN)
