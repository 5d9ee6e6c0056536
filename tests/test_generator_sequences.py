"""The procedural RGB-T generator: VOT layout read back by the real toolkit, determinism, trouble design."""
from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from rgbt_runtime.errors import InputError
from rgbt_track.cli import main
from rgbt_track.generator import generate_sequences
from rgbt_track.generator.render import render_frame, target_box
from rgbt_track.generator.scene import build_scene
from rgbt_track.generator.trouble import IR_KINDS, RGB_KINDS, schedule_trouble

SMALL = (96, 80)


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path):
    a = generate_sequences(tmp_path / "a", count=2, length=12, seed=5, size=SMALL)
    generate_sequences(tmp_path / "b", count=2, length=12, seed=5, size=SMALL)
    generate_sequences(tmp_path / "c", count=2, length=12, seed=6, size=SMALL)
    assert [p.name for p in a] == ["synth-000", "synth-001"]
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")
    one = generate_sequences(tmp_path / "one", count=1, length=12, seed=5, size=SMALL)
    assert _digest(one[0]) == _digest(a[0])  # a larger count extends a smaller one


def test_vot_toolkit_reads_the_generated_sequence(tmp_path):
    from vot.dataset.common import list_sequences, read_sequence
    from vot.experiment.multistart import find_anchors

    length = 120
    generate_sequences(tmp_path, count=1, length=length, seed=1, size=SMALL)
    assert list_sequences(str(tmp_path)) == ["synth-000"]
    folder = tmp_path / "synth-000"
    assert (folder / "sequence").read_bytes().startswith(b"channel.default=color\r\nchannels.color=color/%08d.jpg\r\n")
    assert sorted(p.name for p in (folder / "color").iterdir())[0] == "00000001.jpg"
    sequence = read_sequence(str(folder))
    assert len(sequence) == length
    assert set(sequence.channels()) == {"color", "ir"}
    assert sequence.frame(0).image("ir").shape == (SMALL[1], SMALL[0], 3)
    assert cv2.imread(str(folder / "ir" / "00000001.jpg"), cv2.IMREAD_UNCHANGED).ndim == 2
    boxes = np.loadtxt(folder / "groundtruth.txt", delimiter=",")
    assert boxes.shape == (length, 4)
    region = sequence.groundtruth(10)
    assert (region.x, region.y, region.width, region.height) == tuple(boxes[10])
    assert (boxes[:, 0] >= 0).all() and (boxes[:, 0] + boxes[:, 2] <= SMALL[0]).all()
    assert (boxes[:, 1] >= 0).all() and (boxes[:, 1] + boxes[:, 3] <= SMALL[1]).all()
    forward, backward = find_anchors(sequence)
    assert forward == [0, 50] and backward == [100]
    for tag_file in folder.glob("*.tag"):
        flags = [line == "1" for line in tag_file.read_text().splitlines()]
        assert len(flags) == length
        assert sum(flags) == sum(tag_file.stem in sequence.tags(i) for i in range(length))


def test_rgb_and_ir_trouble_alternate_and_never_overlap():
    for seed in range(40):
        segments = schedule_trouble(np.random.default_rng(seed), 200)
        kinds = [s.kind for s in segments]
        assert any(k in RGB_KINDS for k in kinds) and any(k in IR_KINDS for k in kinds), kinds
        assert segments[0].start >= 20
        for first, second in zip(segments, segments[1:]):
            assert first.end < second.start
        groups = [k in RGB_KINDS for k in kinds if k != "occlusion"]
        assert all(a != b for a, b in zip(groups, groups[1:]))


def _contrast(image: np.ndarray, box) -> float:
    """Norm over channels of (mean inside the box - mean of an 8 px ring around it)."""
    x, y, w, h = box
    image = image.reshape(image.shape[0], image.shape[1], -1).astype(float)
    inside = image[y:y + h, x:x + w].reshape(-1, image.shape[2])
    ring = image[max(y - 8, 0):y + h + 8, max(x - 8, 0):x + w + 8].reshape(-1, image.shape[2])
    outside = (ring.sum(0) - inside.sum(0)) / max(len(ring) - len(inside), 1)
    return float(np.linalg.norm(inside.mean(0) - outside))


@pytest.mark.parametrize("kind, modality", [("night", "color"), ("glare", "color"), ("crossover", "ir")])
def test_trouble_hides_the_target_in_one_modality_only(kind, modality):
    for seed in range(200):
        scene = build_scene(np.random.default_rng(seed), 200, (160, 120))
        segment = next((s for s in scene.segments if s.kind == kind), None)
        if segment is not None:
            break
    clean = render_frame(scene, 2)
    middle = (segment.start + segment.end) // 2
    troubled = render_frame(scene, middle)
    other = "ir" if modality == "color" else "color"
    assert _contrast(getattr(troubled, modality), troubled.box) < 0.25 * _contrast(getattr(clean, modality), clean.box)
    assert _contrast(getattr(troubled, other), troubled.box) > 0.5 * _contrast(getattr(clean, other), clean.box)
    assert troubled.box == target_box(scene, middle)


def test_real_textures_from_tno(tmp_path, shared_data):
    folders = generate_sequences(tmp_path, count=1, length=4, seed=0, size=SMALL,
                                 textures=shared_data / "tno21")
    assert len(list((folders[0] / "color").iterdir())) == 4


def test_bad_input_is_one_line_error(tmp_path):
    with pytest.raises(InputError, match="length"):
        generate_sequences(tmp_path, length=1)
    (tmp_path / "tex").mkdir()
    (tmp_path / "tex" / "photo.png").write_bytes(b"")
    with pytest.raises(InputError, match="no aligned IR/visible pairs"):
        generate_sequences(tmp_path / "out", length=5, textures=tmp_path / "tex")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        generate_sequences(tmp_path / "file", length=5)


def test_cli_writes_sequences_and_reports_errors(tmp_path, capsys):
    assert main(["make-sequences", str(tmp_path / "seqs"), "--count", "1", "--length", "3", "--size", "80x64"]) == 0
    assert (tmp_path / "seqs" / "list.txt").read_text() == "synth-000\n"
    assert cv2.imread(str(tmp_path / "seqs" / "synth-000" / "color" / "00000003.jpg")).shape == (64, 80, 3)
    capsys.readouterr()
    assert main(["make-sequences", str(tmp_path / "bad"), "--length", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["rgbt-track: error: length must be at least 2 frames, got 1"]
    assert not (tmp_path / "bad" / "list.txt").exists()
