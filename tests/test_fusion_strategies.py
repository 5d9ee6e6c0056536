"""The handcrafted fusion strategies (``docs/fusion_network.md``)."""
import pytest
import torch

from fusion import strategies as S
from rgbt_runtime.errors import InputError


@pytest.fixture
def pair():
    g = torch.Generator().manual_seed(0)
    return torch.rand(2, 5, 6, 7, generator=g), torch.rand(2, 5, 6, 7, generator=g)


def test_elementwise_strategies(pair):
    a, b = pair
    assert torch.equal(S.add(a, b), a + b)
    assert torch.allclose(S.avg(a, b), (a + b) / 2)
    assert torch.equal(S.max(a, b), torch.where(a > b, a, b))
    assert S.STRATEGIES["max"] is S.maximum


def test_l1_norm_weights_follow_activity(pair):
    a, b = pair
    out = S.l1_norm(a, b)
    ca, cb = a.abs().sum(1, keepdim=True), b.abs().sum(1, keepdim=True)
    assert torch.allclose(out, ca / (ca + cb) * a + cb / (ca + cb) * b, atol=1e-6)
    assert torch.allclose(S.l1_norm(a, a), a, atol=1e-6)
    # a zero feature map gets no weight, and all-zero input stays finite
    assert torch.allclose(S.l1_norm(a, torch.zeros_like(a)), a, atol=1e-6)
    assert torch.equal(S.l1_norm(torch.zeros_like(a), torch.zeros_like(a)), torch.zeros_like(a))


def test_l1_norm_window_box_averages_activity(pair):
    a, b = pair
    out = S.l1_norm(a, b, window_radius=1)
    ca, cb = a.abs().sum(1), b.abs().sum(1)
    # interior pixel (2, 3) of sample 1: plain 3x3 mean
    ma, mb = ca[1, 1:4, 2:5].mean(), cb[1, 1:4, 2:5].mean()
    expect = ma / (ma + mb) * a[1, :, 2, 3] + mb / (ma + mb) * b[1, :, 2, 3]
    assert torch.allclose(out[1, :, 2, 3], expect, atol=1e-6)
    # corner: mean over the 2x2 pixels inside the map
    ma, mb = ca[0, :2, :2].mean(), cb[0, :2, :2].mean()
    assert torch.allclose(out[0, :, 0, 0], ma / (ma + mb) * a[0, :, 0, 0] + mb / (ma + mb) * b[0, :, 0, 0], atol=1e-6)
    assert not torch.allclose(out, S.l1_norm(a, b))
    with pytest.raises(ValueError):
        S.l1_norm(a, b, window_radius=-1)


def test_spatial_matches_formula_and_survives_large_activations(pair):
    a, b = pair
    sa, sb = a.mean(1, keepdim=True), b.mean(1, keepdim=True)
    wa = torch.exp(sa) / (torch.exp(sa) + torch.exp(sb) + 1e-10)
    wb = torch.exp(sb) / (torch.exp(sa) + torch.exp(sb) + 1e-10)
    assert torch.allclose(S.spatial(a, b), wa * a + wb * b, atol=1e-6)
    big = S.spatial(a * 1000, b * 1000)
    assert torch.isfinite(big).all()
    decided = ((sa - sb).abs() > 0.03).expand_as(a)  # exp(30) makes the weights 0/1 there
    assert decided.any()
    assert torch.allclose(big[decided], (torch.where(sa > sb, a, b) * 1000)[decided], rtol=1e-3, atol=1e-2)


def test_nuclear_is_batched_and_per_channel(pair):
    a, b = pair
    out = S.nuclear(a, b)
    for i in range(2):
        for c in range(5):
            na = torch.linalg.matrix_norm(a[i, c], ord="nuc")
            nb = torch.linalg.matrix_norm(b[i, c], ord="nuc")
            expect = na / (na + nb + 1e-10) * a[i, c] + nb / (na + nb + 1e-10) * b[i, c]
            assert torch.allclose(out[i, c], expect, atol=1e-5)
    half = S.nuclear(a.half(), b.half())
    assert half.dtype == torch.float16


def test_sca_and_channel_poolings(pair):
    a, b = pair
    for pooling in S.CHANNEL_POOLINGS:
        assert torch.allclose(S.sca(a, b, pooling), (S.channel(a, b, pooling) + S.spatial(a, b)) / 2)
    ga, gb = a.amax((2, 3), keepdim=True), b.amax((2, 3), keepdim=True)
    assert torch.allclose(S.channel(a, b, "max"), ga / (ga + gb) * a + gb / (ga + gb) * b, atol=1e-6)
    with pytest.raises(InputError):
        S.channel(a, b, "median")


def test_selection_by_name(pair):
    assert set(S.STRATEGIES) == {"add", "avg", "max", "l1", "spatial", "nuclear", "sca"}
    for name, fn in S.STRATEGIES.items():
        assert S.get_strategy(name) is fn
        assert fn(*pair).shape == pair[0].shape
    with pytest.raises(InputError, match="unknown fusion strategy 'median'"):
        S.get_strategy("median")
