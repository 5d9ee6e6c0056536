"""VOT-RGBT reader: generated sequences, polygon / special ground truth, tags, anchors, bad workspaces."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.vot import load_vot_sequence, load_vot_sequences
from rgbt_track.generator import generate_sequences


@pytest.fixture()
def generated(tmp_path) -> Path:
    generate_sequences(tmp_path / "sequences", count=2, length=8, seed=0, size=(80, 64))
    return tmp_path


def test_reads_generated_sequences_like_the_toolkit(generated):
    from vot.dataset.common import read_sequence

    sequences = load_vot_sequences(generated)      # a workspace: finds sequences/list.txt
    assert [s.name for s in sequences] == ["synth-000", "synth-001"]
    ours = sequences[0]
    theirs = read_sequence(str(generated / "sequences" / "synth-000"))
    assert len(ours) == len(theirs) == 8
    assert [str(p) for p in ours.color] == [theirs.channel("color").filename(i) for i in range(8)]
    assert [str(p) for p in ours.ir] == [theirs.channel("ir").filename(i) for i in range(8)]
    for i in range(8):
        region = theirs.groundtruth(i)
        assert ours.groundtruth[i].tolist() == [region.x, region.y, region.width, region.height]
    assert ours.attributes["values"]["anchor"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert ours.attributes["properties"]["channels.ir"] == "ir/%08d.jpg"
    assert ours.read(3, "ir").shape == (64, 80, 3)


def test_polygons_masks_special_codes_and_short_tag_files(generated):
    from vot.region.io import parse_region
    from vot.region.shapes import Rectangle
    from vot.region import RegionType

    folder = generated / "sequences" / "synth-001"
    lines = ["10,20,50,20,50,60,10,60", "0", "1.5,2.5,30,40", "m3,4,5,3,6,3,5",
             "12.5,3,20,9,14,17,7,10", "4,5,0,9", "m0,0,2,2,4", "nan,1,2,3"]
    (folder / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    (folder / "camera_motion.tag").write_text("1\n0\n1\n")
    (folder / "anchor.value").write_text("1\n0\n")
    sequence = load_vot_sequence(folder)
    boxes = sequence.groundtruth
    assert boxes[0].tolist() == [10, 20, 40, 40] and boxes[2].tolist() == [1.5, 2.5, 30, 40]
    # mask 5 x 3 at (3, 4): runs 6 zeros, 3 ones -> row 1, columns 1..3
    assert boxes[3].tolist() == [4, 5, 3, 1]
    # a rotated polygon: the bounds the toolkit gives a rectangle tracker
    theirs = parse_region(lines[4]).convert(RegionType.RECTANGLE)
    assert isinstance(theirs, Rectangle) and boxes[4].tolist() == [theirs.x, theirs.y, theirs.width, theirs.height]
    for row in (1, 5, 6, 7):                      # special code, zero width, empty mask, NaN: no target
        assert np.isnan(boxes[row]).all()
    assert sequence.attributes["tags"]["camera_motion"].tolist() == [True, False, True] + [False] * 5
    assert sequence.attributes["values"]["anchor"].tolist() == [1] + [0] * 7  # padded as the toolkit pads


@pytest.mark.parametrize("lines, message", [
    (["1,2,3,4"] * 7, "has 7 lines for 8 frames"),
    (["1,2,3,4"] * 7 + ["", "1,2,3,4"], "has 9 lines for 8 frames"),
    (["1,2,3,4"] * 3 + [""] + ["1,2,3,4"] * 4, ":4: blank line"),
    (["1,2,3,4"] * 7 + ["1 2 3 4"], ":8: not a region"),
    (["1,2,3,4"] * 7 + ["1,2,-3,4"], ":8: region has negative size"),
    (["1,2,3,4"] * 7 + ["m0,0,2,2,3,3"], ":8: mask run lengths do not fit its 2 x 2 bitmap"),
    (["1,2,3,4"] * 7 + ["m0,0"], ":8: a mask row needs x0,y0,w,h"),
])
def test_groundtruth_the_toolkit_would_misread_is_refused(generated, lines, message):
    folder = generated / "sequences" / "synth-001"
    (folder / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=re.escape(message)):
        load_vot_sequence(folder)


def test_bad_workspaces_give_one_line_errors_naming_the_file(generated):
    folder = generated / "sequences" / "synth-000"
    sequence_file = folder / "sequence"
    original = sequence_file.read_bytes()
    sequence_file.write_bytes(original.replace(b"channels.ir=ir/%08d.jpg\r\n", b""))
    with pytest.raises(InputError, match=r"synth-000/sequence: no channels.ir entry"):
        load_vot_sequence(folder)
    sequence_file.write_bytes(original)
    (folder / "ir" / "00000008.jpg").unlink()
    with pytest.raises(InputError, match=r"synth-000: channel lengths differ: 8 color vs 7 ir frames"):
        load_vot_sequence(folder)
    (folder / "color" / "00000008.jpg").unlink()
    (folder / "groundtruth.txt").write_text("1,2,3,4\n1,2,3\n" + "1,2,3,4\n" * 5)
    with pytest.raises(InputError, match=r"groundtruth.txt:2: expected 4 numbers"):
        load_vot_sequence(folder)
    (folder / "groundtruth.txt").unlink()
    with pytest.raises(InputError, match="ground truth not found: .*synth-000/groundtruth.txt"):
        load_vot_sequence(folder)
    with pytest.raises(InputError, match="VOT sequence list not found"):
        load_vot_sequences(folder)
    (generated / "sequences" / "list.txt").write_text("synth-000\nmissing\n")
    with pytest.raises(InputError, match="sequence folder not found: .*sequences/missing"):
        load_vot_sequences(generated / "sequences")


def test_real_vot_rgbt2019_list_is_read(tmp_path, shared_data):
    names = (shared_data / "rgbt/VOT-RGBT2019/list.txt").read_text().split()
    assert len(names) == 60
    generate_sequences(tmp_path, count=1, length=3, size=(64, 64))
    (tmp_path / "synth-000").rename(tmp_path / names[0])
    (tmp_path / "list.txt").write_text(f"{names[0]}\n")
    assert [s.name for s in load_vot_sequences(tmp_path)] == [names[0]]
