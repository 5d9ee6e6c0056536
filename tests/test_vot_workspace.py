"""Workspace checks before the VOT toolkit runs: one-line errors naming the file, for each kind of damage."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from rgbt_runtime.errors import InputError
from rgbt_track.cli import main
from rgbt_track.generator import generate_sequences
from rgbt_track.evaluation.vot import TRACKERS
from rgbt_track.evaluation.vot.workspace import (TEMPLATE_DIR, copy_template, find_workspaces, read_workspace,
                                      sequence_fps, server_config, tracker_sections, validate_workspace)

LENGTH = 120  # the EAO window of both stacks starts at frame 115


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ws")
    copy_template(root)
    generate_sequences(root / "sequences", count=1, length=LENGTH, seed=3, size=(96, 72))
    return root


@pytest.fixture()
def workspace(pristine, tmp_path) -> Path:
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(pristine, root)
    return root


def _evaluate_error(root: Path, capsys) -> str:
    code = main(["evaluate", str(root)])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("rgbt-track: error:")]
    assert code == 2 and len(errors) == 1, err
    assert not (root / "results").exists()  # nothing ran
    return errors[0]


def test_template_has_both_protocols_and_the_three_trackers(pristine):
    workspaces = find_workspaces(pristine)
    assert [w.name for w in workspaces] == [pristine.name, "vot2019"]
    anchor, reset = (read_workspace(w) for w in workspaces)
    assert (anchor.stack_name, anchor.protocol) == ("vot2020/rgbtir", "anchor")
    assert anchor.experiments[0].realtime_grace == 3 and anchor.experiments[0].eao_window == (115, 755)
    assert reset.protocol == "reset" and reset.experiments[0].eao_window == (115, 755)
    assert reset.sequences == anchor.sequences and sequence_fps(anchor) == 30
    sections = tracker_sections(anchor)
    assert sorted(sections) == sorted([*TRACKERS, *(f"{name}-paired" for name in TRACKERS)])
    configs = {name: server_config(registry, name, section) for name, (registry, section) in sections.items()}
    assert {name: configs[name].mode for name in TRACKERS} == {"RFN-AFAT": "fused", "AFAT-RGB": "rgb", "AFAT-IR": "ir"}
    assert not any(configs[name].afat for name in TRACKERS) and configs["RFN-AFAT"].fusion == "rfn"
    assert all(configs[f"{name}-paired"].afat for name in TRACKERS)  # AFAT's pairing, run only when named


def test_copied_registry_points_at_the_installed_package(pristine):
    import rgbt_track

    text = (pristine / "trackers.ini").read_text(encoding="utf-8")
    paths = set(re.findall(r"(?m)^paths\s*=\s*(.*)$", text))
    assert paths == {str(Path(rgbt_track.__file__).resolve().parents[1])}
    assert "paths = .." in (TEMPLATE_DIR / "trackers.ini").read_text(encoding="utf-8")


def test_pristine_workspace_validates_and_loads_all_trackers(pristine):
    info, lengths = validate_workspace(pristine, list(TRACKERS), load=True)
    assert lengths == {"synth-000": LENGTH} and info.label == "vot2020/rgbtir"


def test_fit_eao_window_cuts_only_the_anchor_based_window_at_the_longest_run(workspace):
    from rgbt_track.evaluation.vot.eao_window import fit_eao_window, longest_run_warning

    info, lengths = validate_workspace(workspace, list(TRACKERS), load=False)
    assert "fewer than the EAO window's high end (755)" in longest_run_warning(info, lengths)
    with pytest.raises(InputError, match="do not reach the EAO window's low end"):
        fit_eao_window(workspace, 116)
    assert (workspace / "config.yaml").read_text().count("stack: vot2020/rgbtir") == 1  # untouched
    note = fit_eao_window(workspace, LENGTH)
    assert "cut at 119" in note and "stacks/vot2020_rgbtir_fitted.yaml" in note
    fitted, lengths = validate_workspace(workspace, list(TRACKERS), load=False)
    assert fitted.stack_name == "stacks/vot2020_rgbtir_fitted.yaml" and fitted.protocol == "anchor"
    assert fitted.experiments[0].eao_window == (115, LENGTH - 1) and fitted.experiments[0].realtime_grace == 3
    assert longest_run_warning(fitted, lengths) is None
    assert "# VOT2020-RGBT protocol" in (workspace / "config.yaml").read_text()  # comments kept
    assert fit_eao_window(workspace, LENGTH) is None and fit_eao_window(workspace / "vot2019", LENGTH) is None
    assert read_workspace(workspace / "vot2019").experiments[0].eao_window == (115, 755)


def test_missing_ir_channel(workspace, capsys):
    import shutil

    shutil.rmtree(workspace / "sequences" / "synth-000" / "ir")
    error = _evaluate_error(workspace, capsys)
    assert "missing ir channel" in error and str(workspace / "sequences" / "synth-000" / "ir" / "00000001.jpg") in error


def test_channels_of_different_length(workspace, capsys):
    (workspace / "sequences" / "synth-000" / "ir" / f"{LENGTH:08d}.jpg").unlink()
    error = _evaluate_error(workspace, capsys)
    assert f"{LENGTH} color vs {LENGTH - 1} ir frames" in error and "synth-000" in error


def test_missing_anchor_file(workspace, capsys):
    anchors = workspace / "sequences" / "synth-000" / "anchor.value"
    anchors.unlink()
    assert str(anchors) in _evaluate_error(workspace, capsys)


def test_malformed_groundtruth(workspace, capsys):
    groundtruth = workspace / "sequences" / "synth-000" / "groundtruth.txt"
    lines = groundtruth.read_text().splitlines()
    lines[2] = "12,abc,30"
    groundtruth.write_text("\n".join(lines) + "\n")
    error = _evaluate_error(workspace, capsys)
    assert f"{groundtruth}:3: not a region: '12,abc,30'" in error


def test_groundtruth_shorter_than_the_sequence(workspace, capsys):
    groundtruth = workspace / "sequences" / "synth-000" / "groundtruth.txt"
    groundtruth.write_text("\n".join(groundtruth.read_text().splitlines()[:-5]) + "\n")
    assert f"{groundtruth} has {LENGTH - 5} lines for {LENGTH} frames" in _evaluate_error(workspace, capsys)


def test_missing_checkpoint(workspace, capsys):
    ini = workspace / "trackers.ini"
    missing = workspace / "no-such-weights.pth"
    ini.write_text(ini.read_text().replace("env_RGBT_MODE = rgb", f"env_RGBT_MODE = rgb\nenv_RGBT_CHECKPOINT = {missing}", 1))
    assert f"checkpoint not found: {missing}" in _evaluate_error(workspace, capsys)


def test_relative_checkpoint_is_refused(workspace, capsys):
    ini = workspace / "trackers.ini"
    ini.write_text(ini.read_text().replace("env_RGBT_MODE = ir", "env_RGBT_MODE = ir\nenv_RGBT_CHECKPOINT = q.pth", 1))
    error = _evaluate_error(workspace, capsys)
    assert "must be absolute" in error and "[AFAT-IR]" in error and str(ini) in error


def test_sequences_shorter_than_the_eao_window_are_accepted_with_a_note(tmp_path):
    from rgbt_track.evaluation.vot.eao_window import short_sequence_note

    copy_template(tmp_path)
    generate_sequences(tmp_path / "sequences", count=2, length=40, seed=3, size=(96, 72))
    for directory in find_workspaces(tmp_path):
        info, lengths = validate_workspace(directory, list(TRACKERS), load=False)
        assert lengths == {"synth-000": 40, "synth-001": 40}
        note = short_sequence_note(info, lengths)
        assert "2 of 2 sequences are shorter than the EAO window's low end (115)" in note
        assert ("reset-based EAO is undefined" in note) == (info.protocol == "reset")


def test_unknown_tracker_and_missing_list(workspace, capsys):
    assert main(["evaluate", str(workspace), "--trackers", "NoSuchTracker"]) == 2
    assert "'NoSuchTracker' is not defined in" in capsys.readouterr().err
    (workspace / "sequences" / "list.txt").unlink()
    with pytest.raises(InputError, match="sequence list not found"):
        validate_workspace(workspace, ["AFAT-RGB"], load=False)


def test_not_a_workspace(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path)]) == 2
    assert "no VOT workspace (config.yaml)" in capsys.readouterr().err
