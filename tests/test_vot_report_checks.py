"""``rgbt-track report`` on broken workspaces: the check ``evaluate`` makes, one line naming the file.

Nothing here runs a tracker: the workspaces are checked before the toolkit sees them, so a broken
one never reaches its YAML parser, its dataset download or its results listing.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rgbt_track.cli import main
from rgbt_track.generator import generate_sequences
from rgbt_track.evaluation.vot.workspace import copy_template


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ws")
    copy_template(root)
    generate_sequences(root / "sequences", count=1, length=20, seed=1, size=(64, 64))
    return root


@pytest.fixture()
def workspace(pristine, tmp_path, monkeypatch) -> Path:
    import vot.dataset.common

    def no_download(*args, **kwargs):
        raise AssertionError("the toolkit tried to download a dataset")

    monkeypatch.setattr(vot.dataset.common, "download_dataset_meta", no_download)
    root = tmp_path / "ws"
    shutil.copytree(pristine, root)
    return root


def _report_error(root: Path, capsys, code: int = 2) -> str:
    assert main(["report", str(root)]) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err
    assert not (root / "reports").exists()
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("text, message", [
    ("stack: [vot2020/rgbtir\nregistry: - ./trackers.ini\n", "malformed YAML in {file}"),
    ("- stack\n- registry\n", "expected a mapping in {file}"),
    ("registry:\n- ./trackers.ini\n", "no 'stack' in {file}"),
    ("stack: vot2020/rgbtir\nregistry: 5\n", "'registry' in {file} must be a file name"),
])
def test_broken_config_yaml(workspace, capsys, text, message):
    (workspace / "config.yaml").write_text(text)
    assert message.format(file=workspace / "config.yaml") in _report_error(workspace, capsys)


def test_malformed_trackers_ini(workspace, capsys):
    ini = workspace / "trackers.ini"
    ini.write_text("[RFN-AFAT]\nlabel = x\n[RFN-AFAT]\nlabel = y\n")
    assert f"malformed {ini}" in _report_error(workspace, capsys)


def test_missing_sequence_list_is_an_error_not_a_download(workspace, capsys):
    (workspace / "sequences" / "list.txt").unlink()
    error = _report_error(workspace, capsys)
    assert f"sequence list not found: {workspace / 'sequences' / 'list.txt'}" in error


def test_sequences_without_an_ir_channel(workspace, capsys):
    sequence = workspace / "sequences" / "synth-000" / "sequence"
    sequence.write_bytes(sequence.read_bytes().replace(b"channels.ir=ir/%08d.jpg\r\n", b""))
    assert f"{sequence}: no channels.ir entry" in _report_error(workspace, capsys)


def test_no_results_yet(workspace, capsys):
    assert f"no tracker results in {workspace / 'results'}" in _report_error(workspace, capsys)


def test_a_crashed_run_without_results_shows_the_tracker_log(workspace, capsys):
    (workspace / "logs").mkdir()
    log = workspace / "logs" / "AFAT-RGB_2026-01-02T03-04-05.678901.log"
    log.write_text("Traceback (most recent call last):\nInputError: frame 00000007.jpg cannot be read\n")
    assert main(["report", str(workspace)]) == 1
    err = capsys.readouterr().err
    assert "---- log of AFAT-RGB" in err and "frame 00000007.jpg cannot be read" in err
    assert err.rstrip().splitlines()[-1].startswith(f"rgbt-track: error: tracker AFAT-RGB failed on {workspace}")
    assert str(log) in err.rstrip().splitlines()[-1]

