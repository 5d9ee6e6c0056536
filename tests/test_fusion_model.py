"""RFN-Nest network: parameter counts, shapes, strategies, checkpoints."""
import pytest
import torch

from fusion.model import RFNNest, RFNNestConfig, checkpoint_dict, model_from_checkpoint
from rgbt_runtime.errors import InputError
from fusion.strategies import l1_norm

TINY = RFNNestConfig(channels=(4, 6, 8, 10), stem_channels=4)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_parameter_counts_match_the_reference():
    model = RFNNest()
    assert _count(model.rfn) == 4_791_488
    assert _count(model.encoder) + _count(model.decoder) == 2_732_761


@pytest.mark.parametrize("config", [TINY, RFNNestConfig((4, 6, 8, 10), 4, nest=False),
                                    RFNNestConfig((4, 6, 8, 10), 4, deep_supervision=True)])
def test_any_size_and_variants(config):
    torch.manual_seed(0)
    model = RFNNest(config).eval()
    ir, vi = torch.rand(2, 1, 37, 45) * 255, torch.rand(2, 1, 37, 45) * 255
    with torch.no_grad():
        outs = model(ir, vi)
        assert len(outs) == (3 if config.deep_supervision else 1)
        assert all(o.shape == (2, 1, 37, 45) and (o >= 0).all() for o in outs)
        assert torch.equal(model.fuse(ir, vi), outs[-1])
        assert model.reconstruct(ir)[-1].shape == (2, 1, 37, 45)


def test_handcrafted_strategies_replace_the_rfn():
    torch.manual_seed(0)
    model = RFNNest(TINY).eval()
    ir, vi = torch.rand(1, 1, 24, 20) * 255, torch.rand(1, 1, 24, 20) * 255
    with torch.no_grad():
        manual = model.decode([l1_norm(a, b) for a, b in zip(model.encode(ir), model.encode(vi))])[-1]
        assert torch.allclose(model.fuse(ir, vi, "l1"), manual, atol=1e-4)
        assert torch.allclose(model.fuse(ir, vi, l1_norm), manual, atol=1e-4)
        assert not torch.allclose(model.fuse(ir, vi, "rfn"), manual)
    with pytest.raises(InputError):
        model.fuse(ir, vi, "median")
    with pytest.raises(InputError):
        model.fuse(ir, vi[..., :10])


def test_checkpoint_round_trip_including_fp16():
    torch.manual_seed(0)
    model = RFNNest(RFNNestConfig((4, 6, 8, 10), 4, nest=False)).eval()
    ckpt = checkpoint_dict(model, step=3)
    again = model_from_checkpoint(ckpt)
    assert again.config == model.config and again.config.channels == (4, 6, 8, 10)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    half = {**ckpt, "model": {k: v.half() for k, v in ckpt["model"].items()}}
    assert model_from_checkpoint(half).encoder.stem.conv2d.weight.dtype == torch.float32
    with pytest.raises(InputError, match="not an rfn-nest checkpoint"):
        model_from_checkpoint({"weights": {}})
    with pytest.raises(InputError, match="does not match"):
        model_from_checkpoint({**ckpt, "config": {"channels": [4, 6, 8, 12], "stem_channels": 4}})
