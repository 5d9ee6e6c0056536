"""A paper user's path end to end, through the CLI, at the real network shapes.

pysot model-zoo files for mobilev2 and r50 (seeded random weights, flat state dicts with pysot's
keys), GTOT / VT821 / VT1000 laid out with real sequence names (GTOT: the real ground truth and
frame names, black frames as large as the annotations need), then

    train-rfn (mobilev2, 2 steps) -> train-qpn (with that RFN) -> track (fused + RFN; AFAT with an
    r50 correction tracker) -> evaluate (a VOT workspace) -> report

and the bad inputs of this path: an RFN / QPN for another arch, a pysot file of another
architecture, training sequences that are evaluation sequences (one line naming the file, exit 2).
Small settings keep it short: batch 1, 2 validation frames, 5 recorded frames per sequence, a
2-response QPN history, 4-frame tracks, a 45-frame sequence (as long as VOT-RGBT's ``dog``) to
evaluate on. The last conv of each RPN head (classification and box
regression outputs) is zeroed in the random networks: random deltas grow boxes to infinity within
a few frames and random scores throw the box around, while neutral outputs keep it where it is, so
the recorded runs hold success windows (slow targets) and lost ones (a fast one), as a QPN needs. The evaluate step runs the workspace's three default trackers (the embedded
``tiny`` ones: a mobilev2 + r50 AFAT over TraX costs minutes even on 45 frames) and checks that the
workspace's AFAT-paired entry, pointed at this path's files, loads as its TraX server would.
"""
from __future__ import annotations

import configparser
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from rgbt_track.cli import main
from trackers.checkpoint import read_checkpoint, save_pysot_checkpoint
from trackers.model import build_model

from test_datasets_gtot import _frame_names, _naming_table
from test_trackers_model import MOBILEV2_SAMPLE_KEYS, R50_SAMPLE_KEYS

pytestmark = pytest.mark.slow
# 85, 111 and 65 frames; the first two move slowly, FastMotorNig leaves its first box within 3 frames
GTOT_NAMES = ("BusScale1", "DarkNig", "FastMotorNig")
_BLACK: dict[tuple[int, int, str], bytes] = {}


def _black(width: int, height: int, ext: str) -> bytes:
    if (width, height, ext) not in _BLACK:
        _BLACK[width, height, ext] = cv2.imencode(ext, np.zeros((height, width), np.uint8))[1].tobytes()
    return _BLACK[width, height, ext]


def _gtot(shared: Path, root: Path) -> Path:
    table = _naming_table(shared)
    for name in GTOT_NAMES:
        annotations = shared / "rgbt/GTOT_annotations" / name
        corners = np.loadtxt(annotations / "groundTruth_v.txt")
        width, height = int(corners[:, 2].max()) + 16, int(corners[:, 3].max()) + 16
        for modality in ("v", "i"):
            (root / name / modality).mkdir(parents=True)
            for file_name in _frame_names(shared, name, table[name], modality):
                (root / name / modality / file_name).write_bytes(_black(width, height, Path(file_name).suffix))
        for file_name in ("groundTruth_v.txt", "groundTruth_i.txt", "init.txt"):
            shutil.copyfile(annotations / file_name, root / name / file_name)
    return root


def _vt(root: Path, stems: tuple[str, ...]) -> Path:
    for kind in ("RGB", "T", "GT"):
        (root / kind).mkdir(parents=True)
    for k, stem in enumerate(stems):
        cv2.imwrite(str(root / "RGB" / f"{stem}.jpg"), np.full((48, 64, 3), 60 + 40 * k, np.uint8))
        cv2.imwrite(str(root / "T" / f"{stem}.jpg"), np.full((48, 64), 120, np.uint8))
        mask = np.zeros((48, 64), np.uint8)
        mask[12:30, 20:44] = 255
        cv2.imwrite(str(root / "GT" / f"{stem}.png"), mask)
    return root


def _frames(root: Path, count: int) -> Path:
    rng = np.random.default_rng(0)
    for channel in ("color", "ir"):
        (root / channel).mkdir(parents=True)
        for i in range(count):
            cv2.imwrite(str(root / channel / f"{i:05d}.jpg"), rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    return root


def _cli(*argv) -> int:
    return main([str(a) for a in argv])


def _error(capsys, code: int, *needles: str) -> str:
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    line = err.splitlines()[-1]
    assert line.startswith("rgbt-track: error: ") and len(err.splitlines()) == 1, err
    assert all(n in line for n in needles), line
    return line


@pytest.fixture(scope="module")
def path(tmp_path_factory, shared_data):
    """Every artifact of the journey, made by the CLI in order."""
    threads = torch.get_num_threads()
    root = tmp_path_factory.mktemp("journey")
    files = {"root": root}
    for arch, seed in (("mobilev2", 0), ("r50", 1)):
        torch.manual_seed(seed)
        model = build_model(arch)
        with torch.no_grad():  # neutral head outputs: see the module docstring
            for name, value in model.named_parameters():
                if ".head.3." in name:
                    value.zero_()
        (root / arch).mkdir()
        files[arch] = save_pysot_checkpoint(model, root / arch / "model.pth")
    files["gtot"] = _gtot(shared_data, root / "GTOT")
    files["vt821"] = _vt(root / "VT821", ("1", "2"))
    files["vt1000"] = _vt(root / "VT1000", ("1", "1000"))
    files["frames"] = _frames(root / "seq", 4)
    mv2 = ("--arch", "mobilev2", "--checkpoint", files["mobilev2"], "--threads", 2)
    assert _cli("train-rfn", *mv2, "--gtot", files["gtot"], "--vt821", files["vt821"], "--vt1000", files["vt1000"],
                "--out", root / "rfn", "--max-steps", 2, "--batch-size", 1, "--checkpoint-every", 2,
                "--val-frames", 2) == 0
    files["rfn"] = root / "rfn" / "rfn.pth"
    assert _cli("train-qpn", *mv2, "--rfn-checkpoint", files["rfn"], "--gtot", files["gtot"], "--max-frames", 5,
                "--history", 2, "--epochs", 1, "--out", root / "qpn.pth") == 0
    files["qpn"] = root / "qpn.pth"
    track = ("track", "--color", files["frames"] / "color", "--ir", files["frames"] / "ir", "--init", "60,40,30,24")
    assert _cli(*track, *mv2, "--mode", "fused", "--fusion", "rfn", "--rfn-checkpoint", files["rfn"],
                "--out", root / "fused.txt") == 0
    assert _cli(*track, "--afat", *mv2, "--rfn-checkpoint", files["rfn"], "--qpn-checkpoint", files["qpn"],
                "--correction-arch", "r50", "--correction-checkpoint", files["r50"], "--out", root / "afat.txt") == 0
    torch.set_num_threads(threads)
    return files


def test_pysot_files_have_pysots_flat_key_sets(path):
    for arch, sample in (("mobilev2", MOBILEV2_SAMPLE_KEYS), ("r50", R50_SAMPLE_KEYS)):
        state = read_checkpoint(path[arch])
        assert set(sample) <= set(state) and not any(k.endswith("num_batches_tracked") for k in state)
        assert all(isinstance(v, torch.Tensor) for v in state.values())


def test_trained_files_record_what_they_are_for(path):
    from rgbt_runtime import load_state_file

    rfn, qpn = load_state_file(path["rfn"]), load_state_file(path["qpn"])
    assert rfn["meta"]["arch"] == "mobilev2" and rfn["meta"]["checkpoint"] == "model.pth" and rfn["channels"] == [256] * 3
    assert (qpn["meta"]["arch"], qpn["meta"]["mode"], qpn["meta"]["fusion"]) == ("mobilev2", "fused", "rfn")
    assert qpn["meta"]["rfn_checkpoint"] == "rfn.pth" and qpn["meta"]["sequences"] == len(GTOT_NAMES)
    validation = (path["root"] / "rfn" / "validation.json").read_text()
    assert all(key in validation for key in ("rgb", "ir", "fused_l1", "fused_rfn"))


def test_track_writes_one_box_per_frame(path):
    for name in ("fused.txt", "afat.txt"):
        boxes = np.loadtxt(path["root"] / name, delimiter=",")
        assert boxes.shape == (4, 4) and np.isfinite(boxes).all()


def test_track_with_an_rfn_file_works_for_every_arch(path, tmp_path):
    """`track --arch A --checkpoint F --mode fused --fusion rfn --rfn-checkpoint R` for tiny (its
    shipped files), mobilev2 (above) and r50 (an RFN file as train-rfn writes it, before any step)."""
    from rgbt_track.rfn.model import ReducedRFNFusion, save_rfn
    from rgbt_track.weights import shipped_weights

    frames = _frames(tmp_path / "seq", 2)
    save_rfn(ReducedRFNFusion([256, 256, 256]), tmp_path / "rfn_r50.pth", arch="r50")
    for arch, checkpoint, rfn in (("tiny", shipped_weights("tiny", "tracker"), shipped_weights("tiny", "rfn")),
                                  ("r50", path["r50"], tmp_path / "rfn_r50.pth")):
        assert _cli("track", "--color", frames / "color", "--ir", frames / "ir", "--init", "60,40,30,24",
                    "--arch", arch, "--checkpoint", checkpoint, "--mode", "fused", "--fusion", "rfn",
                    "--rfn-checkpoint", rfn, "--out", tmp_path / f"{arch}.txt") == 0
        assert np.isfinite(np.loadtxt(tmp_path / f"{arch}.txt", delimiter=",")).all()


def test_afat_pairing_corrects_with_the_r50_tracker(path):
    """The spec `track --afat ... --correction-arch r50` builds, with the QPN forced to call for
    corrections (threshold below any probability), so the r50 tracker re-tracks frames."""
    from rgbt_track import TrackerSpec, build_tracker, read_frame

    spec = TrackerSpec(arch="mobilev2", checkpoint=str(path["mobilev2"]), rfn_checkpoint=str(path["rfn"]), afat=True,
                       qpn_checkpoint=str(path["qpn"]), correction_arch="r50", correction_checkpoint=str(path["r50"]),
                       device="cpu")
    tracker = build_tracker(spec)
    assert tracker.correction.model.spec.name == "r50" and type(tracker.correction.fusion).__name__ == "L1NormFeatureFusion"
    frames = [{c: read_frame(sorted((path["frames"] / c).iterdir())[i]) for c in ("color", "ir")} for i in range(3)]
    tracker.threshold = -1.0
    tracker.init(frames[0], (60, 40, 30, 24))
    results = [tracker.track(f) for f in frames[1:]]
    assert tracker.corrections >= 1 and any(r.corrected for r in results)
    assert all(np.isfinite(r.box).all() for r in results)


def test_another_arch_is_refused_before_any_frame_is_read(path, capsys):
    track = ("track", "--color", path["frames"] / "color", "--ir", path["frames"] / "ir", "--init", "60,40,30,24",
             "--out", path["root"] / "refused.txt")
    r50 = ("--arch", "r50", "--checkpoint", path["r50"])
    _error(capsys, _cli(*track, *r50, "--rfn-checkpoint", path["rfn"]), str(path["rfn"]), "'mobilev2'", "'r50'")
    _error(capsys, _cli(*track, *r50, "--fusion", "l1", "--afat", "--qpn-checkpoint", path["qpn"]),
           str(path["qpn"]), "'mobilev2'")
    _error(capsys, _cli(*track, "--arch", "mobilev2", "--checkpoint", path["mobilev2"], "--mode", "ir",
                        "--afat", "--qpn-checkpoint", path["qpn"]), str(path["qpn"]), "fused-mode")
    _error(capsys, _cli(*track, "--arch", "r50", "--checkpoint", path["mobilev2"], "--fusion", "l1"),
           str(path["mobilev2"]), "'r50' model")
    _error(capsys, _cli("train-rfn", "--arch", "r50", "--checkpoint", path["mobilev2"], "--gtot", path["gtot"],
                        "--out", path["root"] / "rfn_r50"), str(path["mobilev2"]))
    assert not (path["root"] / "refused.txt").exists() and not (path["root"] / "rfn_r50" / "rfn.pth").exists()


def test_qpn_training_refuses_evaluation_sequences(path, tmp_path, capsys):
    from rgbt_track.generator import generate_sequences

    mv2 = ("--arch", "mobilev2", "--checkpoint", path["mobilev2"], "--rfn-checkpoint", path["rfn"])
    generate_sequences(tmp_path / "vot", count=1, length=3, seed=0, size=(64, 64))
    (tmp_path / "vot" / "synth-000").rename(tmp_path / "vot" / "dog")  # a VOT-RGBT2019 name
    (tmp_path / "vot" / "list.txt").write_text("dog\n")
    _error(capsys, _cli("train-qpn", *mv2, "--sequences", tmp_path / "vot", "--out", tmp_path / "q.pth"),
           str(tmp_path / "vot" / "dog"), "VOT-RGBT2019")
    workspace = tmp_path / "ws"
    (workspace / "sequences").mkdir(parents=True)
    (workspace / "sequences" / "list.txt").write_text("DarkNig\n")
    _error(capsys, _cli("train-qpn", *mv2, "--gtot", path["gtot"], "--eval-workspace", workspace,
                        "--out", tmp_path / "q.pth"), str(path["gtot"] / "DarkNig"), str(workspace))
    assert not (tmp_path / "q.pth").exists()


def test_evaluate_and_report_on_a_vot_workspace(path, tmp_path):
    from rgbt_track.generator import generate_sequences
    from rgbt_track.evaluation.vot.workspace import check_trackers, copy_template, read_workspace, server_config

    workspace = copy_template(tmp_path / "ws")
    shutil.rmtree(workspace / "vot2019")  # the anchor-based workspace alone
    generate_sequences(workspace / "sequences", count=1, length=45, seed=5, size=(96, 72))
    ini = configparser.ConfigParser()
    ini.read(workspace / "trackers.ini")
    paired = ini["RFN-AFAT-paired"]
    for key, file in (("env_rgbt_checkpoint", "mobilev2"), ("env_rgbt_rfn_checkpoint", "rfn"),
                      ("env_rgbt_qpn_checkpoint", "qpn"), ("env_rgbt_correction_checkpoint", "r50")):
        paired[key] = str(Path(path[file]).resolve())
    with open(workspace / "trackers.ini", "w", encoding="utf-8") as handle:
        ini.write(handle)
    info = read_workspace(workspace)
    spec = server_config(info.registries[0], "RFN-AFAT-paired", paired)
    assert (spec.arch, spec.correction_arch, spec.afat, spec.rfn_checkpoint) == \
           ("mobilev2", "r50", True, str(Path(path["rfn"]).resolve()))
    check_trackers(info, ["RFN-AFAT-paired"], load=True)  # what its TraX server loads first
    assert _cli("evaluate", workspace, "--out", workspace / "summary") == 0
    assert _cli("report", workspace, "--out", tmp_path / "report") == 0
    table = (tmp_path / "report" / "results.md").read_text()
    assert all(name in table for name in ("RFN-AFAT", "AFAT-RGB", "AFAT-IR"))
