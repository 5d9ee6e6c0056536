"""VT821 / VT1000 reader: RGB/T/GT paired by stem, any extension, box from the mask."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.vt_saliency import load_vt_saliency


def _build(root: Path, thermal: str, exts: dict[str, str], stems=("1", "2", "10")) -> None:
    for kind in ("RGB", thermal, "GT"):
        (root / kind).mkdir(parents=True)
    for k, stem in enumerate(stems):
        cv2.imwrite(str(root / "RGB" / f"{stem}{exts['RGB']}"), np.full((20, 30, 3), 50 + k, np.uint8))
        cv2.imwrite(str(root / thermal / f"{stem}{exts['T']}"), np.full((20, 30), 90, np.uint8))
        mask = np.zeros((20, 30), np.uint8)
        mask[3 + k:9 + k, 5:17] = 255
        cv2.imwrite(str(root / "GT" / f"{stem}{exts['GT']}"), mask)


@pytest.mark.parametrize("thermal, exts", [("T", {"RGB": ".jpg", "T": ".jpg", "GT": ".png"}),        # VT821
                                           ("T", {"RGB": ".jpg", "T": ".bmp", "GT": ".jpg"}),
                                           ("thermal", {"RGB": ".png", "T": ".png", "GT": ".bmp"})])
def test_pairs_by_stem_with_mask_boxes(tmp_path, thermal, exts):
    _build(tmp_path / "VT1000", thermal, exts)
    pairs = load_vt_saliency(tmp_path / "VT1000")
    assert [p.name for p in pairs] == ["1", "2", "10"]
    assert all(len(p) == 1 and p.attributes["dataset"] == "VT1000" for p in pairs)
    assert pairs[2].groundtruth.tolist() == [[5, 5, 12, 6]]
    assert pairs[2].color[0].suffix == exts["RGB"] and pairs[2].ir[0].parent.name == thermal
    assert pairs[0].read(0, "ir").shape == (20, 30, 3)


def test_bad_layouts_name_the_file(tmp_path):
    _build(tmp_path / "VT821", "T", {"RGB": ".jpg", "T": ".jpg", "GT": ".png"})
    root = tmp_path / "VT821"
    (root / "T" / "2.jpg").rename(root / "T" / "3.jpg")
    with pytest.raises(InputError, match=r"no file for 2.jpg \(by stem\) in .*VT821/T"):
        load_vt_saliency(root)
    (root / "T" / "3.jpg").rename(root / "T" / "2.jpg")
    cv2.imwrite(str(root / "GT" / "1.png"), np.zeros((20, 30), np.uint8))
    with pytest.raises(InputError, match=r"mask has no foreground \(zero-size box\): .*GT/1.png"):
        load_vt_saliency(root)
    (root / "RGB" / "1.jpg").unlink()
    with pytest.raises(InputError, match="count mismatch: 2 images in .*RGB vs 3 in .*T"):
        load_vt_saliency(root)
    (root / "GT").rename(root / "masks")
    with pytest.raises(InputError, match="no ground-truth mask folder"):
        load_vt_saliency(root)
