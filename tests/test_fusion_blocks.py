"""Building blocks: ConvLayer, DenseBlockLight, RFN block, upsample_to."""
import torch
import torch.nn.functional as F

from fusion.blocks import ConvLayer, DenseBlockLight, FusionConvs, RFNBlock, upsample_to


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_conv_layer_reflection_padding_and_relu():
    layer = ConvLayer(2, 3, 3)
    x = torch.randn(1, 2, 5, 6)
    out = layer(x)
    expect = F.relu(F.conv2d(F.pad(x, [1, 1, 1, 1], mode="reflect"), layer.conv2d.weight, layer.conv2d.bias))
    assert out.shape == (1, 3, 5, 6) and torch.allclose(out, expect, atol=1e-6)
    linear = ConvLayer(2, 3, 3, activation=False)
    linear.load_state_dict(layer.state_dict())
    assert (linear(x) < 0).any() and torch.allclose(F.relu(linear(x)), out, atol=1e-6)
    assert set(layer.state_dict()) == {"conv2d.weight", "conv2d.bias"}


def test_dense_block_light_layout():
    block = DenseBlockLight(64, 112)
    assert [tuple(v.shape) for v in block.state_dict().values()] == [(32, 64, 3, 3), (32,), (112, 32, 1, 1), (112,)]
    assert list(block.state_dict())[0] == "denseblock.0.conv2d.weight"
    assert block(torch.rand(1, 64, 9, 10)).shape == (1, 112, 9, 10)


def test_rfn_parameter_count():
    assert sum(_count(RFNBlock(c)) for c in (64, 112, 160, 208)) == 4_791_488
    for c in (8, 64):
        assert _count(RFNBlock(c)) == 56 * c * c + 6 * c


def test_fusion_convs_is_residual_over_concat():
    torch.manual_seed(0)
    convs = FusionConvs(4, depth=1, activation=False)
    a, b = torch.randn(2, 4, 6, 6), torch.randn(2, 4, 6, 6)
    expect = convs.conv_fusion(torch.cat([a, b], 1)) + convs.bottleneck(torch.cat([convs.conv_a(a), convs.conv_b(b)], 1))
    assert torch.allclose(convs(a, b), expect)
    assert len(convs.bottleneck) == 2 and not torch.allclose(convs(a, b), convs(b, a))


def test_upsample_to_pads_odd_sizes():
    small = torch.arange(6.0).reshape(1, 1, 2, 3)
    like = torch.zeros(1, 1, 5, 7)
    out = upsample_to(small, like)
    assert out.shape == (1, 1, 5, 7)
    up = F.interpolate(small, scale_factor=2)
    assert torch.equal(out[..., :4, :6], up)  # diff 1: nothing on the left/top, one on the right/bottom
    assert torch.equal(upsample_to(small, torch.zeros(1, 1, 4, 6)), up)
