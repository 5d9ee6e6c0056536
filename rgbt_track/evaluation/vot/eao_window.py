"""The anchor-based EAO window against the lengths of the sequences at hand.

vot-toolkit 0.7.4's multistart EAO curve (``vot.analysis.multistart.compute_eao_partial``) is
``high`` frames long: a run that never fails counts only up to its own length, a failed run is
padded with zero overlap to every length, and where no run is active the curve is 0. The score
is the curve's mean over ``low..high``. On sequences much shorter than ``high`` (the generated
ones: 200 frames against VOT-RGBT's window 115..755) the tail of the window is then zero for a
tracker that never fails and positive for one that fails, so failing scores *higher*: a tracker
with A 0.88 and no failure gets EAO ~0.12. The supervised (reset-based) analysis does not have
this: its curve ends at the longest run, so its window is cut there.

Sequences shorter than the window's low end (VOT-RGBT has five: 45 to 89 frames, against 115) are
accepted, as the toolkit accepts them. In both analyses a run that does not fail counts only at
lengths below its own, and a failed run counts at every length with zero overlap after its failure
(``vot.analysis.multistart.compute_eao_partial``, ``vot.analysis.supervised.compute_eao_curve``).
So a short sequence enters the EAO score only through its failed runs, which lower it; its runs
that do not fail carry no weight in the window, while its accuracy and robustness count as any
other sequence's. When no run of a workspace reaches the low end, the reset-based EAO is undefined
(the toolkit's curve ends before the window: NaN, shown as ``n/a``) and the anchor-based one is 0
unless a run fails. :func:`short_sequence_note` says which sequences this concerns.

:func:`longest_run_warning` says so whenever sequences are shorter than the window's high end.
:func:`fit_eao_window` gives a workspace the cut the supervised analysis makes implicitly: its
stack, unchanged except ``high = min(high, longest run - 1)``, written beside it
(``stacks/<stack>_fitted.yaml``) and named in ``config.yaml``. The demo uses it on its generated
sequences; on the real VOT-RGBT sequences the workspace keeps the official stack.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from rgbt_runtime.atomic import atomic_path
from rgbt_runtime.errors import InputError
from rgbt_track.evaluation.vot.workspace import WorkspaceInfo, read_workspace

FITTED_SUFFIX = "_fitted"


def longest_run_warning(info: WorkspaceInfo, lengths: dict[str, int]) -> str | None:
    """A note when no anchor-based run can reach the EAO window's high end (module docstring)."""
    longest = max(lengths.values())
    for experiment in info.experiments:
        if experiment.anchor_based and experiment.eao_window and longest < experiment.eao_window[1]:
            return (f"note: the longest sequence has {longest} frames, fewer than the EAO window's high end "
                    f"({experiment.eao_window[1]}) of {info.stack_name}; beyond frame {longest} the EAO curve "
                    f"only averages failed runs")
    return None


def short_sequence_note(info: WorkspaceInfo, lengths: dict[str, int]) -> str | None:
    """A note naming the sequences shorter than the EAO window's low end (module docstring)."""
    windows = [e.eao_window for e in info.experiments if e.eao_window]
    if not windows:
        return None
    low = min(window[0] for window in windows)
    short = sorted((length, name) for name, length in lengths.items() if length < low)
    if not short:
        return None
    listed = ", ".join(f"{name} {length}" for length, name in short)
    undefined = ("; no sequence reaches it, so the reset-based EAO is undefined (n/a)"
                 if len(short) == len(lengths) and info.protocol == "reset" else "")
    return (f"note: {len(short)} of {len(lengths)} sequences are shorter than the EAO window's low end ({low}) "
            f"of {info.stack_name} ({listed} frames): their runs count in accuracy and robustness, and in "
            f"the EAO only where they fail (vot-toolkit 0.7.4){undefined}")


def fit_eao_window(directory: str | os.PathLike, longest: int) -> str | None:
    """Cut the anchor-based EAO window of the workspace at ``directory`` to runs of ``longest`` frames.

    Writes ``stacks/<stack>_fitted.yaml`` (the workspace's stack with every multistart analysis's
    ``high`` lowered to ``longest - 1`` and no ``dataset`` to download) and points ``config.yaml``
    at it. Returns a one-line note saying what changed, or None when nothing needed to (a
    reset-based stack, or sequences long enough). Raises :class:`InputError` when ``longest`` does
    not reach the window's low end.
    """
    directory = Path(directory)
    info = read_workspace(directory)
    if info.protocol != "anchor" or info.stack_name.endswith(f"{FITTED_SUFFIX}.yaml"):
        return None
    stack = yaml.safe_load(info.stack_file.read_text(encoding="utf-8"))
    high = longest - 1
    changed = []
    for name, experiment in (stack.get("experiments") or {}).items():
        if (experiment or {}).get("type") != "multistart":
            continue
        for analysis in experiment.get("analyses") or []:
            if "high" in analysis and analysis["high"] > high:
                if "low" in analysis and analysis["low"] >= high:
                    raise InputError(f"sequences of {longest} frames do not reach the EAO window's low end "
                                     f"({analysis['low']}) of {info.stack_name}")
                changed.append((name, analysis["high"]))
                analysis["high"] = high
    if not changed:
        return None
    stack.pop("dataset", None)
    stack["title"] = f"{stack.get('title', info.stack_name)} (EAO window cut at {high} frames)"
    fitted = directory / "stacks" / f"{info.label.replace('/', '_')}{FITTED_SUFFIX}.yaml"
    with atomic_path(fitted) as tmp:
        tmp.write_text(f"# {info.stack_name} with the EAO window's high end cut at the longest run "
                       f"(rgbt_track.evaluation.vot.eao_window)\n" + yaml.safe_dump(stack, sort_keys=False), encoding="utf-8")
    config_file = directory / "config.yaml"
    text = config_file.read_text(encoding="utf-8")
    relative = fitted.relative_to(directory).as_posix()
    with atomic_path(config_file) as tmp:
        tmp.write_text(re.sub(r"(?m)^stack:.*$", f"stack: {relative}", text, count=1), encoding="utf-8")
    return (f"note: {info.stack_name}'s EAO window ends at frame {changed[0][1]}, the sequences at {longest}; "
            f"the stack is evaluated as {relative} with the window cut at {high} (rgbt_track.evaluation.vot.eao_window)")
