"""Training commands: losses, resume gives identical weights, stage-2 freezing, one-stage ablation."""
import cv2
import numpy as np
import pytest
import torch

from fusion.cli import main
from fusion.model import RFNNest, RFNNestConfig
from fusion.ssim import ms_ssim
from fusion.training.losses import AutoencoderLossConfig, RFNLossConfig, autoencoder_loss, min_max_255, rfn_loss

TINY = ["--channels", "4", "6", "8", "10"]
FAST = ["--image-size", "32", "--batch-size", "2", "--workers", "0", "--epochs", "50", "--lr", "1e-3"]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    for i in range(1, 4):
        for name, sub in ((f"IR{i}.png", "ir"), (f"VIS{i}.png", "vis")):
            (root / sub).mkdir(exist_ok=True)
            cv2.imwrite(str(root / sub / name), cv2.GaussianBlur(rng.integers(0, 256, (40, 48), dtype=np.uint8), (5, 5), 0))
    return root


def _state(path):
    return torch.load(path, weights_only=True)


def _train(*args):
    assert main([*map(str, args)]) == 0


def test_loss_terms_follow_the_paper():
    g = torch.Generator().manual_seed(0)
    target = torch.rand(2, 1, 32, 32, generator=g) * 255
    out = target + torch.randn(2, 1, 32, 32, generator=g) * 10
    loss, terms = autoencoder_loss([out], target, AutoencoderLossConfig())
    ssim_term = 1 - ms_ssim(out, target, data_range=255.0, normalize=True)
    assert torch.allclose(loss, torch.nn.functional.mse_loss(out, target) + 100 * ssim_term)
    assert set(terms) == {"pixel", "ssim", "total"}
    feats = [torch.rand(2, c, 4, 4, generator=g) for c in (3, 3, 3, 3)]
    fused = [f * 2 for f in feats]
    loss, terms = rfn_loss([out], fused, feats, feats, target, RFNLossConfig())
    detail = 1 - ms_ssim(min_max_255(out), target, data_range=255.0, normalize=True)
    feature = sum(w * torch.nn.functional.mse_loss(f * 2, 9 * f) for w, f in zip((1, 10, 100, 1000), feats))
    assert torch.allclose(loss, 700 * detail + feature)
    assert min_max_255(out).max() <= 255 and min_max_255(out).min() == 0


def test_resume_reproduces_an_uninterrupted_run(folders, tmp_path):
    common = ["train-autoencoder", folders / "ir", folders / "vis", *TINY, *FAST, "--sampling", "crop"]
    _train(*common, "--out", tmp_path / "straight.pth", "--max-steps", "5")
    _train(*common, "--out", tmp_path / "resumed.pth", "--max-steps", "2")
    _train(*common, "--out", tmp_path / "resumed.pth", "--max-steps", "5", "--resume")
    a, b = _state(tmp_path / "straight.pth"), _state(tmp_path / "resumed.pth")
    assert a["step"] == b["step"] == 5 and a["stage"] == "autoencoder"
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    c = _state(tmp_path / "resumed.pth")
    _train(*common, "--out", tmp_path / "other.pth", "--max-steps", "5", "--seed", "1")
    assert not torch.equal(_state(tmp_path / "other.pth")["model"]["encoder.stem.conv2d.weight"],
                           c["model"]["encoder.stem.conv2d.weight"])


def test_stage_two_trains_only_the_rfn_and_the_result_fuses(folders, tmp_path, capsys):
    _train("train-autoencoder", folders / "ir", *TINY, *FAST, "--out", tmp_path / "ae.pth", "--max-steps", "2")
    _train("train-rfn", "--ir", folders / "ir", "--vis", folders / "vis", "--autoencoder", tmp_path / "ae.pth",
           *FAST, "--out", tmp_path / "rfn.pth", "--max-steps", "2")
    ae, rfn = _state(tmp_path / "ae.pth"), _state(tmp_path / "rfn.pth")
    assert rfn["stage"] == "rfn" and rfn["config"]["channels"] == [4, 6, 8, 10]
    for key, value in ae["model"].items():
        if not key.startswith("rfn."):
            assert torch.equal(value, rfn["model"][key]), key
    torch.manual_seed(0)
    fresh = RFNNest(RFNNestConfig((4, 6, 8, 10), 4)).rfn.state_dict()  # stage 2 seeds the RFN with --seed 0
    assert not torch.equal(fresh["blocks.0.conv_a.conv2d.weight"], rfn["model"]["rfn.blocks.0.conv_a.conv2d.weight"])
    assert main(["fuse", "--ir", str(folders / "ir" / "IR1.png"), "--vis", str(folders / "vis" / "VIS1.png"),
                 "--out", str(tmp_path / "f.png"), "--checkpoint", str(tmp_path / "rfn.pth")]) == 0
    capsys.readouterr()
    assert main(["train-rfn", "--ir", str(folders / "ir"), "--vis", str(folders / "vis"), "--autoencoder",
                 str(tmp_path / "ae.pth"), *FAST, "--out", str(tmp_path / "ae.pth"), "--resume"]) == 2
    assert "is a 'autoencoder' checkpoint, not 'rfn'" in capsys.readouterr().err


def test_one_stage_trains_everything(folders, tmp_path):
    _train("train-one-stage", "--ir", folders / "ir", "--vis", folders / "vis", *TINY, *FAST, "--no-nest",
           "--deep-supervision", "--out", tmp_path / "one.pth", "--max-steps", "1")
    state = _state(tmp_path / "one.pth")
    torch.manual_seed(0)
    init = RFNNest(RFNNestConfig((4, 6, 8, 10), 4, nest=False, deep_supervision=True)).state_dict()
    assert state["stage"] == "one-stage" and state["config"]["nest"] is False
    for key in ("encoder.stem.conv2d.weight", "rfn.blocks.0.conv_a.conv2d.weight", "decoder.heads.conv3.conv2d.weight"):
        assert not torch.equal(init[key], state["model"][key]), key


@pytest.mark.slow
def test_worker_processes_give_the_same_run(folders, tmp_path):
    common = ["train-autoencoder", folders / "ir", *TINY, *FAST, "--sampling", "crop", "--max-steps", "2"]
    _train(*common, "--out", tmp_path / "w0.pth")
    _train(*common, "--out", tmp_path / "w1.pth", "--workers", "1")
    a, b = _state(tmp_path / "w0.pth"), _state(tmp_path / "w1.pth")
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])


@pytest.mark.parametrize("stage", ["train-rfn", "train-one-stage"])
def test_stage_two_and_one_stage_resume_bit_for_bit(folders, tmp_path, stage):
    from fusion.model import checkpoint_dict

    torch.manual_seed(0)
    torch.save(checkpoint_dict(RFNNest(RFNNestConfig((4, 6, 8, 10), 4))), tmp_path / "ae.pth")
    data = ["--ir", folders / "ir", "--vis", folders / "vis", *FAST]
    common = [stage, *data, *(["--autoencoder", tmp_path / "ae.pth"] if stage == "train-rfn" else TINY)]
    _train(*common, "--out", tmp_path / "straight.pth", "--max-steps", "4")
    _train(*common, "--out", tmp_path / "resumed.pth", "--max-steps", "2")
    _train(*common, "--out", tmp_path / "resumed.pth", "--max-steps", "4", "--resume")
    a, b = _state(tmp_path / "straight.pth"), _state(tmp_path / "resumed.pth")
    assert a["step"] == b["step"] == 4
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert main([*map(str, common), "--out", str(tmp_path / "resumed.pth"), "--max-steps", "5", "--resume",
                 "--lr", "1e-2"]) == 2
