"""TrackerSpec, the one tracker specification: options, RGBT_* variables, defaults, one-line errors."""
from __future__ import annotations

import argparse
from dataclasses import fields

import pytest

from rgbt_runtime.errors import InputError
from rgbt_track.tracker_spec import ENV_PREFIX, TrackerSpec

FULL = TrackerSpec(arch="mobilev2", checkpoint="/m/mv2.pth", mode="fused", fusion="rfn", rfn_checkpoint="/o/rfn.pth",
                   afat=True, qpn_checkpoint="/o/qpn.pth", correction_arch="r50", correction_checkpoint="/m/r50.pth",
                   correction_rfn_checkpoint="/o/rfn_r50.pth", precision="bf16", device="cpu", threads=3)
ARGV = ["--arch", "mobilev2", "--checkpoint", "/m/mv2.pth", "--mode", "fused", "--fusion", "rfn",
        "--rfn-checkpoint", "/o/rfn.pth", "--afat", "--qpn-checkpoint", "/o/qpn.pth", "--correction-arch", "r50",
        "--correction-checkpoint", "/m/r50.pth", "--correction-rfn-checkpoint", "/o/rfn_r50.pth",
        "--precision", "bf16", "--device", "cpu", "--threads", "3"]


def _parser(**kwargs) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    TrackerSpec.add_arguments(parser, **kwargs)
    return parser


def test_defaults_are_the_embedded_tracker_on_the_best_device():
    spec = TrackerSpec()
    assert (spec.arch, spec.mode, spec.fusion, spec.afat, spec.precision, spec.device) == \
           ("tiny", "fused", "rfn", False, "fp32", "auto")
    assert TrackerSpec.from_args(_parser().parse_args([])) == spec == TrackerSpec.from_env({})


def test_auto_device_is_cuda_when_available(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert TrackerSpec().resolved_device() == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert TrackerSpec().resolved_device() == "cpu" and TrackerSpec(device="cuda:1").resolved_device() == "cuda:1"


def test_every_field_is_one_option_and_one_variable():
    assert TrackerSpec.from_args(_parser().parse_args(ARGV)) == FULL
    env = FULL.to_env()
    # every field but the two left at their defaults (fused, rfn)
    assert set(env) == {ENV_PREFIX + f.name.upper() for f in fields(TrackerSpec)} - {"RGBT_MODE", "RGBT_FUSION"}
    assert env["RGBT_AFAT"] == "1" and env["RGBT_THREADS"] == "3"
    assert TrackerSpec.from_env(env) == FULL
    assert TrackerSpec.from_env(env, precision="fp32").precision == "fp32"  # an override beats its variable
    assert TrackerSpec().to_env() == {} and TrackerSpec.from_env({"RGBT_ARCH": " "}) == TrackerSpec()


def test_excluded_options_and_command_defaults():
    parser = _parser(exclude=("afat", "mode"), mode="ir")
    with pytest.raises(SystemExit):
        parser.parse_args(["--afat"])
    assert TrackerSpec.from_args(parser.parse_args([])).mode == "ir"
    assert TrackerSpec.from_args(parser.parse_args([]), mode="rgb").mode == "rgb"


@pytest.mark.parametrize("variable, value, message", [
    ("RGBT_ARCH", "vgg", "unknown RGBT_ARCH 'vgg' (choose from r50, mobilev2, tiny)"),
    ("RGBT_CORRECTION_ARCH", "r101", "unknown RGBT_CORRECTION_ARCH 'r101'"),
    ("RGBT_MODE", "rgbt", "unknown RGBT_MODE 'rgbt' (choose from rgb, ir, fused)"),
    ("RGBT_FUSION", "sum", "unknown RGBT_FUSION 'sum' (choose from rfn, l1)"),
    ("RGBT_PRECISION", "fp8", "unknown RGBT_PRECISION 'fp8'"),
    ("RGBT_DEVICE", "gpu", "unknown RGBT_DEVICE 'gpu'"),
    ("RGBT_DEVICE", "cuda:x", "unknown RGBT_DEVICE 'cuda:x'"),
    ("RGBT_AFAT", "maybe", "RGBT_AFAT='maybe' is not valid (1 or 0)"),
    ("RGBT_THREADS", "two", "RGBT_THREADS='two' is not valid (a whole number)"),
    ("RGBT_THREADS", "-1", "RGBT_THREADS must be >= 0, got -1"),
])
def test_a_bad_variable_is_one_line_naming_it(variable, value, message):
    with pytest.raises(InputError) as error:
        TrackerSpec.from_env({variable: value})
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("settings, message", [
    ({"qpn_checkpoint": "q.pth"}, "--qpn-checkpoint is only used with --afat"),
    ({"correction_arch": "r50"}, "--correction-arch is only used with --afat"),
    ({"mode": "rgb", "rfn_checkpoint": "r.pth"}, "--rfn-checkpoint is only used in fused mode with --fusion rfn"),
    ({"fusion": "l1", "rfn_checkpoint": "r.pth"}, "--rfn-checkpoint is only used in fused mode with --fusion rfn"),
    ({"threads": -2}, "threads must be >= 0"),
])
def test_settings_that_would_be_ignored_are_refused(settings, message):
    with pytest.raises(InputError, match=message.replace("-", r"\-")):
        TrackerSpec(**settings)
    with pytest.raises(InputError) as error:  # the same check through the variables
        TrackerSpec.from_env({ENV_PREFIX + k.upper(): str(v) for k, v in settings.items()})
    assert "RGBT_" in str(error.value) and "\n" not in str(error.value)


def test_every_front_end_offers_the_same_options_with_the_same_help():
    from rgbt_track.commands import track, train_qpn, train_rfn
    from rgbt_track.evaluation.vot.trax_server import _parser as trax_parser

    reference = {a.dest: a.help for a in _parser()._actions if a.dest != "help"}
    parsers = {"track": (track, ()), "train-qpn": (train_qpn, train_qpn.EXCLUDED),
               "train-rfn": (train_rfn, train_rfn.EXCLUDED)}
    for name, (module, excluded) in parsers.items():
        sub = argparse.ArgumentParser().add_subparsers()
        module.register(sub)
        actions = {a.dest: a.help for a in sub.choices[name]._actions}
        assert {k: v for k, v in reference.items() if k not in excluded}.items() <= actions.items(), name
        assert not set(excluded) & set(actions), name
    assert reference.items() <= {a.dest: a.help for a in trax_parser()._actions}.items()


def test_the_workspace_readme_lists_every_variable_and_the_paired_entries_parse():
    import configparser
    from pathlib import Path

    from rgbt_track.evaluation.vot import TRACKERS
    from rgbt_track.evaluation.vot.workspace import server_config

    root = Path(__file__).resolve().parents[1] / "vot_workspace"
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert all(f"`env_{ENV_PREFIX}{f.name.upper()}`" in readme for f in fields(TrackerSpec))
    ini = configparser.ConfigParser()
    ini.read(root / "trackers.ini", encoding="utf-8")
    paired = {name: server_config(root / "trackers.ini", name, ini[name])
              for name in ("RFN-AFAT-paired", "AFAT-RGB-paired", "AFAT-IR-paired")}
    assert {(s.arch, s.correction_arch, s.afat) for s in paired.values()} == {("mobilev2", "r50", True)}
    assert [s.mode for s in paired.values()] == ["fused", "rgb", "ir"]
    assert paired["RFN-AFAT-paired"].rfn_checkpoint.endswith("rfn.pth") and paired["RFN-AFAT-paired"].fusion == "rfn"
    assert not set(paired) & set(TRACKERS)  # `rgbt-track evaluate` runs them only when named


def test_missing_files_are_named_in_the_options_order(tmp_path):
    """The base tracker's missing weights are reported before the RFN's or the QPN's."""
    from rgbt_track.tracker_spec import build_tracker

    spec = TrackerSpec(arch="mobilev2", checkpoint=str(tmp_path / "base.pth"), mode="fused",
                       rfn_checkpoint=str(tmp_path / "rfn.pth"), afat=True, qpn_checkpoint=str(tmp_path / "qpn.pth"))
    for name in ("base", "rfn", "qpn"):
        with pytest.raises(InputError, match=f"checkpoint not found: .*{name}.pth"):
            build_tracker(spec)
        (tmp_path / f"{name}.pth").write_bytes(b"")
