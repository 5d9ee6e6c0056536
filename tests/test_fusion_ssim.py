"""SSIM / MS-SSIM against an independent transcription of the reference's pytorch_msssim."""
import math

import pytest
import torch
import torch.nn.functional as F

from fusion.ssim import gaussian_window, guess_data_range, ms_ssim, ms_ssim_loss, ssim, ssim_loss


def _ref_ssim(img1, img2, window_size=11, val_range=None):
    """Line-by-line transcription of the reference ``ssim(..., full=True)``."""
    if val_range is None:
        max_val = 255 if torch.max(img1) > 128 else 1
        min_val = -1 if torch.min(img1) < -0.5 else 0
        L = max_val - min_val
    else:
        L = val_range
    _, channel, height, width = img1.size()
    real = min(window_size, height, width)
    g = torch.tensor([math.exp(-(x - real // 2) ** 2 / float(2 * 1.5 ** 2)) for x in range(real)])
    g = (g / g.sum()).unsqueeze(1)
    window = g.mm(g.t()).float().unsqueeze(0).unsqueeze(0).expand(channel, 1, real, real).contiguous()
    mu1 = F.conv2d(img1, window, groups=channel)
    mu2 = F.conv2d(img2, window, groups=channel)
    s1 = F.conv2d(img1 * img1, window, groups=channel) - mu1 ** 2
    s2 = F.conv2d(img2 * img2, window, groups=channel) - mu2 ** 2
    s12 = F.conv2d(img1 * img2, window, groups=channel) - mu1 * mu2
    C1, C2 = (0.01 * L) ** 2, (0.03 * L) ** 2
    v1, v2 = 2.0 * s12 + C2, s1 + s2 + C2
    cs = torch.mean(v1 / v2)
    return (((2 * mu1 * mu2 + C1) * v1) / ((mu1 ** 2 + mu2 ** 2 + C1) * v2)).mean(), cs


def _ref_msssim(img1, img2, normalize=False):
    weights = torch.tensor([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
    mssim, mcs = [], []
    for _ in range(5):
        sim, cs = _ref_ssim(img1, img2)
        mssim.append(sim)
        mcs.append(cs)
        img1, img2 = F.avg_pool2d(img1, (2, 2)), F.avg_pool2d(img2, (2, 2))
    mssim, mcs = torch.stack(mssim), torch.stack(mcs)
    if normalize:
        mssim, mcs = (mssim + 1) / 2, (mcs + 1) / 2
    pow1, pow2 = mcs ** weights, mssim ** weights
    return torch.prod(pow1[:-1] * pow2[-1])


@pytest.fixture
def images():
    g = torch.Generator().manual_seed(1)
    x = torch.rand(2, 1, 64, 72, generator=g) * 255
    y = (x + torch.randn(2, 1, 64, 72, generator=g) * 20).clamp(0, 255)
    return x, y


def test_ssim_matches_reference(images):
    x, y = images
    assert torch.allclose(ssim(x, y), _ref_ssim(x, y)[0], atol=1e-5)
    assert torch.allclose(ssim(x / 255, y / 255), _ref_ssim(x / 255, y / 255)[0], atol=1e-5)
    assert torch.allclose(ssim(x, x), torch.tensor(1.0), atol=1e-5)
    assert ssim(x, y) < 0.99


def test_data_range_guess_and_overrides(images):
    x, y = images
    assert guess_data_range(x) == 255 and guess_data_range(x / 255) == 1 and guess_data_range(x / 128 - 1) == 2
    assert torch.allclose(ssim(x, y, data_range=255.0), ssim(x, y))
    per_sample = ssim(x, y, data_range=torch.tensor([255.0, 1.0]), reduction="none")
    assert per_sample.shape == (2,)
    assert torch.allclose(per_sample[0], ssim(x[:1], y[:1], data_range=255.0), atol=1e-6)
    assert torch.allclose(per_sample[1], ssim(x[1:], y[1:], data_range=1.0), atol=1e-6)
    assert torch.allclose(ssim(x, y, reduction="none").mean(), ssim(x, y), atol=1e-6)


def test_small_maps_and_channels():
    g = torch.Generator().manual_seed(2)
    x, y = torch.rand(3, 7, 5, 9, generator=g), torch.rand(3, 7, 5, 9, generator=g)
    assert torch.allclose(ssim(x, y), _ref_ssim(x, y)[0], atol=1e-5)  # window shrunk to 5
    same = ssim(x, y, valid=False, reduction="none")
    assert same.shape == (3,) and torch.isfinite(same).all()
    assert gaussian_window(5).sum().item() == pytest.approx(1.0)


def test_ms_ssim_reference_form_matches_reference(images):
    x, y = images
    x, y = F.interpolate(x, size=(256, 256)), F.interpolate(y, size=(256, 256))
    for normalize in (False, True):
        got = ms_ssim(x, y, form="reference", normalize=normalize)
        assert torch.allclose(got, _ref_msssim(x, y, normalize), atol=1e-5)


def test_ms_ssim_standard_form(images):
    x, y = images
    x, y = F.interpolate(x, size=(128, 128)), F.interpolate(y, size=(128, 128))
    std = ms_ssim(x, y, data_range=255.0)
    ref = ms_ssim(x, y, data_range=255.0, form="reference")
    # the reference form multiplies the last SSIM term in four times instead of once
    last = ssim(F.avg_pool2d(x, 16), F.avg_pool2d(y, 16), data_range=255.0)
    assert torch.allclose(ref, std * last ** (3 * 0.1333), atol=1e-5)
    assert torch.allclose(ms_ssim(x, x), torch.tensor(1.0), atol=1e-5)
    assert torch.allclose(ms_ssim_loss(x, y), 1 - std)
    assert torch.allclose(ssim_loss(x, y), 1 - ssim(x, y))
    assert ms_ssim(x, y, reduction="none").shape == (2,)
    with pytest.raises(ValueError):
        ms_ssim(x[..., :8, :8], y[..., :8, :8])
    with pytest.raises(ValueError):
        ms_ssim(x, y, form="other")
