"""The README's Python API block, run exactly as printed (shipped tiny weights, AFAT, trained RFN)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rgbt_track.generator import generate_sequences

README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = "<!-- python-api:"


def readme_block() -> str:
    """The ```python block right after the python-api marker."""
    text = README.read_text(encoding="utf-8")
    match = re.search(re.escape(MARKER) + r".*?-->\s*```python\n(.*?)```", text, re.S)
    assert match, f"no python block after {MARKER!r} in {README}"
    return match.group(1)


def test_the_readme_snippet_tracks_from_spec_to_boxes(tmp_path, monkeypatch, one_torch_thread):
    code = readme_block()
    assert code.count("build_tracker(") == 1 and ".init(" in code and ".track(" in code
    generate_sequences(tmp_path / "sequences", count=1, length=20, seed=3, size=(96, 72))
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - the documented snippet itself
    boxes = np.asarray(namespace["boxes"], dtype=float)
    assert boxes.shape == (19, 4) and np.isfinite(boxes).all() and (boxes[:, 2:] > 0).all()
    tracker = namespace["tracker"]
    assert type(tracker).__name__ == "FailureAwareTracker" and tracker.base.mode == "fused"
    assert type(tracker.base.fusion).__name__ == "ReducedRFNFusion"
    # the boxes follow the target: mean IoU with the generated ground truth well above a static box
    gt = np.loadtxt(tmp_path / "sequences" / "synth-000" / "groundtruth.txt", delimiter=",")[1:]
    from rgbt_track.evaluation.iou import frame_ious

    assert np.nanmean(frame_ious(boxes, gt)) > 0.3
