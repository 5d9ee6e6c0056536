"""``track --video`` writes a playable MP4 (visible | thermal, box, frame number, fps); ``--show``
without a display and a bad video name are one-line errors that leave nothing behind."""
from __future__ import annotations

import cv2
import numpy as np

from rgbt_track.cli import main
from rgbt_track.one_pass.synthetic import build_lasher_layout
from rgbt_track.visualize import compose


def test_track_video_is_playable(tmp_path, shared_data, one_torch_thread, capsys, monkeypatch):
    root = build_lasher_layout(shared_data, tmp_path / "data", frames=5, names=("10runone",))
    seq = root / "10runone"
    args = ["track", "--color", str(seq / "visible"), "--ir", str(seq / "infrared"), "--device", "cpu",
            "--out", str(tmp_path / "boxes.txt")]
    assert main(args + ["--init", "698,377,48,87", "--video", str(tmp_path / "v.mp4")]) == 0
    video = cv2.VideoCapture(str(tmp_path / "v.mp4"))
    assert video.get(cv2.CAP_PROP_FRAME_COUNT) == 5
    assert int(video.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little") in (b"mp4v", b"FMP4")   # MPEG-4 part 2
    ok, frame = video.read()
    height, width = cv2.imread(str(seq / "visible/v000000.jpg")).shape[:2]
    assert ok and frame.shape[:2] == (height // 2 * 2, 2 * width)          # visible | thermal
    assert not list(tmp_path.glob(".*"))                       # no partial files left
    (tmp_path / "boxes.txt").unlink()
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    capsys.readouterr()
    assert main(args + ["--show"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("rgbt-track")]
    assert len(err) == 1 and "--show needs a display" in err[0]
    assert main(args) == 2 and "--init is required" in capsys.readouterr().err
    assert main(args + ["--init", "698,377,48,87", "--video", str(tmp_path / "v.avi")]) == 2
    assert not (tmp_path / "boxes.txt").exists() and not (tmp_path / "v.avi").exists()


def test_compose_draws_both_halves_and_the_truth():
    color = np.zeros((40, 60, 3), np.uint8)
    panel = compose(color, color, (10, 10, 20, 10), (30, 20, 10, 10), index=3, fps=12.5)
    assert panel.shape == (40, 120, 3)
    assert (panel[10, 15] == (0, 255, 255)).all() and (panel[10, 75] == (0, 255, 255)).all()   # tracker box
    assert (panel[30, 35] == (0, 255, 0)).all()                                                 # ground truth
