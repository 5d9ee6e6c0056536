"""The embedded default checkpoint (``fusion/weights/``) ships, loads and fuses real TNO pairs."""
import hashlib

import cv2
import numpy as np
import pytest
import torch

from fusion.cli import main
from fusion.images import min_max_to_uint8
from fusion.inference import DEFAULT_CHECKPOINT, fuse_arrays, load_model


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_shipped_file_is_small_fp16_and_documented():
    assert DEFAULT_CHECKPOINT.is_file() and DEFAULT_CHECKPOINT.stat().st_size < 5 * 2**20
    state = torch.load(DEFAULT_CHECKPOINT, weights_only=True)
    assert {v.dtype for v in state["model"].values() if v.is_floating_point()} == {torch.float16}
    manifest = (DEFAULT_CHECKPOINT.parent / "MANIFEST.md").read_text()
    assert DEFAULT_CHECKPOINT.name in manifest
    assert hashlib.sha256(DEFAULT_CHECKPOINT.read_bytes()).hexdigest() in manifest


def test_default_model_fuses_a_tno_pair(shared_data):
    model = load_model()
    assert not model.training and next(model.parameters()).dtype == torch.float32
    ir = cv2.imread(str(shared_data / "tno21" / "ir" / "IR1.png"), cv2.IMREAD_GRAYSCALE)
    vis = cv2.imread(str(shared_data / "tno21" / "vis" / "VIS1.png"), cv2.IMREAD_GRAYSCALE)
    raw = fuse_arrays(model, ir.astype(np.float32), vis.astype(np.float32))
    assert raw.shape == ir.shape and np.isfinite(raw).all() and raw.std() > 1
    fused = min_max_to_uint8(raw)
    for source in (ir, vis):
        assert np.abs(fused.astype(int) - source.astype(int)).mean() > 5


def test_fuse_command_needs_no_checkpoint(shared_data, tmp_path):
    tno = shared_data / "tno21"
    out = tmp_path / "fused.png"
    assert main(["fuse", "--ir", str(tno / "ir" / "IR8.png"), "--vis", str(tno / "vis" / "VIS8.png"),
                 "--out", str(out), "--device", "cpu"]) == 0
    fused = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert fused.shape == (280, 280) and fused.min() == 0 and fused.max() >= 254
