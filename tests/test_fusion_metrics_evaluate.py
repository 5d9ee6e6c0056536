"""Pair discovery, fused-file matching, ranking and the ``rfn-nest evaluate`` command."""
from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest

from fusion.cli import main
from rgbt_runtime.image_files import pair_images
from fusion.metrics.evaluate import find_fused, format_markdown, rank_marks, read_gray
from fusion.metrics.registry import get_metrics
from rgbt_runtime.errors import InputError

SIZE = (72, 80)  # the smallest VIF accepts (4-level pyramid)


def _write(path, image):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), image)


@pytest.fixture()
def tno_like(tmp_path):
    """Three TNO-style pairs (IRn/VISn) and two methods' fused folders with official-style names."""
    rng = np.random.default_rng(0)
    for i in (1, 2, 11):
        ir, vis = (rng.integers(0, 256, SIZE, dtype=np.uint8) for _ in range(2))
        _write(tmp_path / "ir" / f"IR{i}.png", ir)
        _write(tmp_path / "vis" / f"VIS{i}.png", vis)
        _write(tmp_path / "a" / f"fused_rfnnest_700_wir_6.0_wvi_3.0_IR{i}.png", np.maximum(ir, vis))
        _write(tmp_path / "b" / f"IR{i}.png", ((ir.astype(int) + vis) // 2).astype(np.uint8))
    return tmp_path


def test_pair_images_natural_order_and_missing_counterparts(tno_like):
    pairs = pair_images(tno_like / "ir", tno_like / "vis")
    assert [p.name for p in pairs] == ["IR1", "IR2", "IR11"]
    assert pairs[2].vis.name == "VIS11.png"
    (tno_like / "vis" / "VIS2.png").unlink()
    with pytest.raises(InputError, match="no visible counterpart .* IR2.png"):
        pair_images(tno_like / "ir", tno_like / "vis")


def test_same_stem_pairs_and_unpaired_visible(tmp_path):
    image = np.zeros(SIZE, np.uint8)
    for name in ("ir/0001.png", "vis/0001.png", "vis/0002.png"):
        _write(tmp_path / name, image)
    with pytest.raises(InputError, match="no infrared counterpart .* 0002.png"):
        pair_images(tmp_path / "ir", tmp_path / "vis")


def test_find_fused_matches_the_pair_token_at_the_end(tno_like):
    assert find_fused(tno_like / "a", "IR1").name == "fused_rfnnest_700_wir_6.0_wvi_3.0_IR1.png"
    assert find_fused(tno_like / "a", "IR11").name.endswith("_IR11.png")
    with pytest.raises(InputError, match="no fused image for pair IR3"):
        find_fused(tno_like / "a", "IR3")


def test_read_gray_converts_colour_like_matlab(tmp_path):
    bgr = np.zeros((4, 4, 3), np.uint8)
    bgr[..., 2] = 255  # pure red
    _write(tmp_path / "red.png", bgr)
    assert np.all(read_gray(tmp_path / "red.png") == 76)  # round(0.298936 * 255)
    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(InputError, match="cannot read"):
        read_gray(tmp_path / "junk.png")


def test_rank_marks_dense_and_direction():
    metrics = get_metrics(["En", "Nabf"])
    rows = [{"method": "x", "En": 7.0, "Nabf": 0.3}, {"method": "y", "En": 6.0, "Nabf": 0.1},
            {"method": "z", "En": 7.0, "Nabf": 0.2}, {"method": "w", "En": 5.0, "Nabf": 0.4}]
    marks = rank_marks(rows, metrics)
    assert [marks.get((i, "En")) for i in range(4)] == [1, 2, 1, 3]
    assert [marks.get((i, "Nabf")) for i in range(4)] == [3, 1, 2, None]
    table = format_markdown(rows, metrics)
    assert "**7.00000**" in table and "*0.20000*" in table and "<u>0.30000</u>" in table


def _run(tno_like, *extra):
    return main(["evaluate", "--ir-dir", str(tno_like / "ir"), "--vis-dir", str(tno_like / "vis"),
                 "--fused-dir", f"max={tno_like / 'a'}", f"avg={tno_like / 'b'}", "--no-progress", *extra])


@pytest.mark.slow
def test_cli_writes_mean_and_per_image_tables(tno_like, capsys):
    out = tno_like / "out"
    assert _run(tno_like, "--metrics", "En,SD", "MI", "Nabf", "--csv", str(out / "mean.csv"),
                "--markdown", str(out / "mean.md")) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].split() == ["method", "En", "SD", "MI", "Nabf"]
    with open(out / "mean.csv") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["method", "En", "SD", "MI", "Nabf"]
    assert [r[0] for r in rows[1:]] == ["max", "avg"]
    assert float(rows[1][3]) == pytest.approx(2 * float(rows[1][1]))
    assert "| max |" in (out / "mean.md").read_text()

    assert _run(tno_like, "--per-image", "--csv", str(out / "per.csv")) == 0
    with open(out / "per.csv") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["method", "image", "En", "SD", "MI", "Nabf", "SCD", "MS_SSIM", "Qabf", "FMI_pixel",
                       "FMI_dct", "FMI_w", "SSIM_a", "VIF"]
    assert [(r[0], r[1]) for r in rows[1:]] == [("max", "IR1"), ("avg", "IR1"), ("max", "IR2"), ("avg", "IR2"),
                                                ("max", "IR11"), ("avg", "IR11")]
    assert all(np.isfinite(float(v)) for r in rows[1:] for v in r[2:])


def test_cli_user_errors_are_one_line_and_write_nothing(tno_like, capsys):
    out = tno_like / "out.csv"
    (tno_like / "b" / "IR2.png").unlink()
    assert _run(tno_like, "--metrics", "En", "--csv", str(out)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no fused image for pair IR2" in err
    assert not out.exists()

    _write(tno_like / "b" / "IR2.png", np.zeros((10, 10), np.uint8))
    assert _run(tno_like, "--metrics", "En", "--csv", str(out)) == 2
    assert "image sizes differ" in capsys.readouterr().err
    assert not out.exists()

    assert _run(tno_like, "--metrics", "PSNR") == 2
    assert "unknown metric" in capsys.readouterr().err
    assert main(["evaluate", "--ir-dir", "x", "--vis-dir", "y", "--fused-dir", "noequals"]) == 2
