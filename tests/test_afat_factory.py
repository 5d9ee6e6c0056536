"""AFAT assembled from the shipped weights: one QPN per mode, the re-detecting correction tracker, CLI."""
from __future__ import annotations

import numpy as np
import pytest

from rgbt_runtime import InputError, save_torch_atomic
from rgbt_track.cli import main
from rgbt_track.tracker_spec import TrackerSpec, build_tracker
from rgbt_track.weights import shipped_weights
from trackers.afat import REDETECT_INSTANCE_SIZE, FailureAwareTracker
from trackers.qpn import QPNConfig, QualityPredictionNetwork, load_qpn, qpn_file_dict


def _frames(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"color": rng.integers(0, 255, (120, 160, 3), dtype=np.uint8),
            "ir": rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)}


@pytest.mark.parametrize("mode", ["rgb", "ir", "fused"])
def test_each_mode_gets_its_own_shipped_qpn_and_a_wider_correction_search(mode):
    qpn, meta = load_qpn(shipped_weights("tiny", "qpn", mode))
    assert meta["mode"] == mode and meta["arch"] == "tiny" and meta["lost"] > 0
    tracker = build_tracker(TrackerSpec(mode=mode, afat=True))
    assert isinstance(tracker, FailureAwareTracker) and tracker.history_length == qpn.config.history == 20
    assert tracker.base.hp.instance_size == 255 and tracker.correction.hp.instance_size == REDETECT_INSTANCE_SIZE
    assert tracker.correction.hp.window_influence == pytest.approx(tracker.base.hp.window_influence / 2)
    tracker.init(_frames(), (60, 40, 30, 24))
    results = [tracker.track(_frames(i)) for i in range(1, 22)]
    assert all(np.isfinite(r.box).all() for r in results)
    # no decision while the 20-frame history fills, then P(lost) (a correction would clear the history)
    assert all(np.isnan(r.lost_probability) for r in results[:19]) and 0.0 <= results[19].lost_probability <= 1.0


def test_qpn_of_another_mode_or_shape_is_refused(tmp_path):
    with pytest.raises(InputError, match="trained on rgb-mode responses, not on those of this ir-mode"):
        build_tracker(TrackerSpec(mode="ir", afat=True, qpn_checkpoint=str(shipped_weights("tiny", "qpn", "rgb"))))
    other = tmp_path / "qpn17.pth"
    save_torch_atomic(qpn_file_dict(QualityPredictionNetwork(QPNConfig(score_size=17)), {"mode": "ir"}), other)
    with pytest.raises(InputError, match="the QPN reads 5x17x17 responses"):
        build_tracker(TrackerSpec(mode="ir", afat=True, qpn_checkpoint=str(other)))
    with pytest.raises(ValueError, match="pass mode"):
        shipped_weights("tiny", "qpn")


def test_track_command_with_afat(tmp_path, capsys):
    import cv2

    for name in ("color", "ir"):
        (tmp_path / name).mkdir()
        for i in range(6):
            cv2.imwrite(str(tmp_path / name / f"{i:05d}.png"), _frames(i)[name])
    out = tmp_path / "boxes.txt"
    assert main(["track", "--color", str(tmp_path / "color"), "--ir", str(tmp_path / "ir"), "--init", "60,40,30,24",
                 "--afat", "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 6
    assert main(["track", "--color", str(tmp_path / "color"), "--init", "60,40,30,24", "--out", str(out),
                 "--qpn-checkpoint", str(shipped_weights("tiny", "qpn", "rgb"))]) == 2
    assert "--qpn-checkpoint is only used with --afat" in capsys.readouterr().err


def test_trax_server_settings_switch_afat_on_and_off():
    from rgbt_track.evaluation.vot.trax_server import build_tracker, parse_config
    from trackers.tracker import SiameseTracker

    assert isinstance(build_tracker(parse_config([], {"RGBT_MODE": "ir"})), SiameseTracker)
    on = build_tracker(parse_config(["--afat", "1"], {"RGBT_MODE": "ir"}))
    assert isinstance(on, FailureAwareTracker) and on.base.mode == "ir"


def test_trax_server_precision_setting_reaches_both_trackers():
    from rgbt_track.evaluation.vot.trax_server import build_tracker, parse_config

    on = build_tracker(parse_config(["--afat", "1"], {"RGBT_MODE": "ir", "RGBT_PRECISION": "bf16"}))
    assert on.base.precision == on.correction.precision == "bf16"
    assert build_tracker(parse_config([], {"RGBT_MODE": "ir"})).precision == "fp32"
    with pytest.raises(InputError, match="unknown RGBT_PRECISION 'fp8' \\(choose from fp32, bf16, fp16, int8\\)"):
        parse_config([], {"RGBT_PRECISION": "fp8"})
