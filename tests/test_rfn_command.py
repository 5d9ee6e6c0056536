"""``rgbt-track train-rfn``: one-line user errors and an end-to-end run on generated sequences."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch

from rgbt_track.cli import main
from rgbt_track.rfn.model import load_rfn
from trackers.model import build_model


def _run(argv, capsys):
    code = main(argv)
    err = capsys.readouterr().err
    return code, err


def test_no_data_option_is_a_one_line_error(tmp_path, capsys):
    code, err = _run(["train-rfn", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "--gtot, --vt821, --vt1000, --sequences" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("extra, message", [
    (["--ssim-range", "wide"], "--ssim-range"),
    (["--val-fraction", "1.5"], "--val-fraction"),
    (["--w-vi", "-1"], "w_vi"),
])
def test_bad_options_are_one_line_errors(tmp_path, capsys, extra, message):
    code, err = _run(["train-rfn", "--sequences", str(tmp_path), "--out", str(tmp_path / "o"), *extra], capsys)
    assert code == 2 and err.count("\n") == 1 and message in err


def test_bad_tracker_checkpoint_names_the_file(tmp_path, capsys):
    bad = tmp_path / "broken.pth"
    bad.write_bytes(b"not a torch file")
    code, err = _run(["train-rfn", "--sequences", str(tmp_path), "--checkpoint", str(bad),
                      "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and err.count("\n") == 1 and str(bad) in err


def test_missing_sequence_folder_names_it(tmp_path, capsys):
    torch.save(build_model("tiny").state_dict(), tmp_path / "tiny.pth")
    missing = tmp_path / "nowhere"
    code, err = _run(["train-rfn", "--sequences", str(missing), "--checkpoint", str(tmp_path / "tiny.pth"),
                      "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and err.count("\n") == 1 and "nowhere" in err
    assert not (tmp_path / "o").exists()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("gen")
    assert main(["make-sequences", str(root / "seqs"), "--count", "3", "--length", "6", "--size", "128x96"]) == 0
    torch.manual_seed(0)
    torch.save(build_model("tiny").state_dict(), root / "tiny.pth")
    return root


def _copy_with(generated, tmp_path, damage):
    seqs = tmp_path / "seqs"
    shutil.copytree(generated / "seqs", seqs)
    damage(seqs)
    return ["train-rfn", "--sequences", str(seqs), "--checkpoint", str(generated / "tiny.pth"),
            "--out", str(tmp_path / "o"), "--max-steps", "1", "--batch-size", "1", "--val-fraction", "0"]


def test_unreadable_frame_is_a_one_line_error_naming_it(generated, tmp_path, capsys):
    def damage(seqs):
        for frame in seqs.glob("*/color/*.jpg"):
            frame.write_bytes(b"garbage")
    code, err = _run(_copy_with(generated, tmp_path, damage), capsys)
    errors = [line for line in err.splitlines() if "error" in line]
    assert code == 2 and errors == [err.splitlines()[-1]] and ".jpg" in errors[0]
    assert not (tmp_path / "o" / "rfn.pth").exists()


def test_mismatched_rgb_and_ir_counts_are_a_one_line_error(generated, tmp_path, capsys):
    def damage(seqs):
        sorted(seqs.glob("*/ir/*.jpg"))[-1].unlink()
    code, err = _run(_copy_with(generated, tmp_path, damage), capsys)
    assert code == 2 and err.count("\n") == 1 and "synth-" in err


@pytest.mark.slow
def test_end_to_end_train_validate_and_resume(generated, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train-rfn", "--sequences", str(generated / "seqs"), "--checkpoint", str(generated / "tiny.pth"),
            "--out", str(out), "--batch-size", "1", "--val-frames", "3"]
    assert main(argv + ["--max-steps", "1"]) == 0
    history = json.loads((out / "validation.json").read_text())
    assert [h["step"] for h in history] == [1]
    assert set(history[0]) == {"step", "rgb", "ir", "fused_l1", "fused_rfn"}
    assert all(0.0 <= history[0][k] <= 1.0 for k in ("rgb", "ir", "fused_l1", "fused_rfn"))
    code, err = _run(argv + ["--max-steps", "2"], capsys)  # existing run without --resume
    assert code == 2 and "--resume" in err
    assert main(argv + ["--max-steps", "2", "--resume"]) == 0
    fusion, meta = load_rfn(out / "rfn.pth")
    assert meta["step"] == 2 and meta["arch"] == "tiny"
    assert [h["step"] for h in json.loads((out / "validation.json").read_text())] == [1, 2]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("torchrun", path=os.path.dirname(sys.executable)) is None, reason="no torchrun")
def test_torchrun_two_processes_gloo_matches_one_process_with_twice_the_batch(generated, tmp_path):
    common = ["train-rfn", "--sequences", str(generated / "seqs"), "--checkpoint", str(generated / "tiny.pth"),
              "--max-steps", "2", "--val-fraction", "0"]
    # one intra-op thread as in each worker: a different thread count reorders float sums, and the
    # first Adam steps of a random RFN amplify that rounding past the tolerance
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert main(common + ["--out", str(tmp_path / "one"), "--batch-size", "2"]) == 0
    finally:
        torch.set_num_threads(threads)
    torchrun = os.path.join(os.path.dirname(sys.executable), "torchrun")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([torchrun, "--nproc_per_node", "2", "--master_port", "29531", "-m", "rgbt_track.cli",
                    *common, "--out", str(tmp_path / "two"), "--batch-size", "1"],
                   check=True, env=env, capture_output=True, timeout=600)
    one, _ = load_rfn(tmp_path / "one" / "rfn.pth")
    two, _ = load_rfn(tmp_path / "two" / "rfn.pth")
    for (name, a), b in zip(one.state_dict().items(), two.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6, msg=name)
