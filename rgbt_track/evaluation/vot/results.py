"""Reading the toolkit's analysis output (``vot analysis`` JSON) into one score row per tracker.

The JSON (``vot.report.generate_serialized``) holds ``trackers`` (in analysis order) and, per
experiment, ``parameters.analyses`` (each with its ``type``) beside ``results``: one list per
analysis with one entry per tracker, laid out as the analysis' ``describe()`` says:

==============================================  ============================================
analysis type                                   entry per tracker
==============================================  ============================================
``vot.analysis.multistart.AverageAccuracyRobustness``  ``[A, R, [R, A], A weight, R weight]``
``vot.analysis.supervised.AverageAccuracyRobustness``  ``[A, failures, [exp(-S F / L), A], L]``
``vot.analysis.{multistart,supervised}.EAOScore``      ``[EAO]``
``vot.analysis.{multistart,supervised}.EAOCurve``      ``[[curve values per frame]]``
==============================================  ============================================

``R`` is reported as the toolkit's robustness, higher is better: for the anchor-based protocol
the fraction of frames tracked before failing, for the reset-based protocol the AR-plot
coordinate ``exp(-S * failures / length)`` with ``S = 30`` frames (the VOT2019 reports print
robustness on that scale; the failure count itself is kept in ``failures``).

The EAO is NaN (undefined) only where the toolkit's reset-based curve ends before the window's low
end, i.e. no run of the workspace is that long (:mod:`rgbt_track.evaluation.vot.eao_window`); any other
non-finite number is an error.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from rgbt_runtime.errors import InputError

AR_TYPES = {"vot.analysis.multistart.AverageAccuracyRobustness": "anchor",
            "vot.analysis.supervised.AverageAccuracyRobustness": "reset"}
EAO_SCORE_SUFFIX = ".EAOScore"
EAO_CURVE_SUFFIX = ".EAOCurve"


@dataclass(frozen=True)
class Score:
    """EAO / A / R of one tracker in one experiment of one workspace's analysis."""

    tracker: str
    stack: str
    experiment: str
    protocol: str
    eao: float
    accuracy: float
    robustness: float
    failures: float | None = None
    eao_window: tuple[int, int] | None = None
    eao_curve: tuple[float, ...] = field(default=(), repr=False)


def _entry(results: list, index: int, tracker: int, path: Path):
    try:
        return results[index][tracker]
    except (IndexError, TypeError):
        raise InputError(f"analysis file {path} has no result {index} for tracker {tracker}") from None


def _finite(value, what: str, path: Path) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise InputError(f"{what} is {number} in {path}")
    return number


def read_analysis(path: str | os.PathLike, stack: str | None = None) -> list[Score]:
    """Scores of every tracker and experiment in the toolkit analysis file ``path``.

    ``stack`` labels the rows (default: the parent workspace folder's name). Raises
    :class:`InputError` for a file that is missing, not JSON, or lacks the AR / EAO analyses.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"analysis file not found: {path}") from None
    except json.JSONDecodeError as error:
        raise InputError(f"analysis file {path} is not JSON: {error}") from None
    try:
        trackers = list(document["trackers"])
        experiments = document["results"]
    except (KeyError, TypeError):
        raise InputError(f"{path} is not a vot-toolkit analysis file (no trackers/results)") from None
    stack = stack or path.resolve().parent.parent.name
    scores = []
    for experiment, content in experiments.items():
        types = [a.get("type", "") for a in content["parameters"].get("analyses", [])]
        results = content["results"]
        ar = next((i for i, t in enumerate(types) if t in AR_TYPES), None)
        eao = next((i for i, t in enumerate(types) if t.endswith(EAO_SCORE_SUFFIX)), None)
        curve = next((i for i, t in enumerate(types) if t.endswith(EAO_CURVE_SUFFIX)), None)
        if ar is None or eao is None:
            raise InputError(f"experiment {experiment!r} in {path} lacks an AR or EAO score analysis")
        protocol = AR_TYPES[types[ar]]
        window = content["parameters"]["analyses"][eao]
        for t, tracker in enumerate(trackers):
            accuracy, second, point = _entry(results, ar, t, path)[:3]
            robustness = point[0] if protocol == "reset" else second
            eao_value = float(_entry(results, eao, t, path)[0])
            eao_curve = tuple(float(v) for v in _entry(results, curve, t, path)[0]) if curve is not None else ()
            if not (math.isnan(eao_value) and eao_curve and len(eao_curve) <= int(window["low"])):
                eao_value = _finite(eao_value, f"EAO of {tracker}", path)
            scores.append(Score(
                tracker=tracker, stack=stack, experiment=experiment, protocol=protocol, eao=eao_value,
                accuracy=_finite(accuracy, f"accuracy of {tracker}", path),
                robustness=_finite(robustness, f"robustness of {tracker}", path),
                failures=float(second) if protocol == "reset" else None,
                eao_window=(int(window["low"]), int(window["high"])),
                eao_curve=eao_curve))
    return scores


def newest_analysis(workspace: str | os.PathLike) -> Path:
    """The most recent ``*.json`` in ``<workspace>/analysis``."""
    folder = Path(workspace) / "analysis"
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    if not files:
        raise InputError(f"no analysis file in {folder}")
    return files[-1]


@dataclass(frozen=True)
class RealtimeStats:
    """How a tracker kept up with the realtime experiment's frame rate (from ``*_time.value``)."""

    tracker: str
    frames: int
    skipped: int
    mean_reply_ms: float
    fps: float

    @property
    def skipped_fraction(self) -> float:
        return self.skipped / self.frames if self.frames else 0.0


def realtime_stats(results: Path, tracker: str, experiment: str, fps: float) -> RealtimeStats:
    """Reply times the toolkit recorded for ``tracker`` in ``experiment`` (results folder ``results``).

    Frames after the first of each run with a recorded time of exactly 0 are those the realtime
    wrapper did not send to the tracker (it repeated the previous box instead).
    """
    frames = skipped = 0
    total = 0.0
    for file in sorted((results / tracker / experiment).glob("*/*_time.value")):
        times = [float(line) for line in file.read_text(encoding="utf-8").split()][1:]
        frames += len(times)
        skipped += sum(1 for t in times if t == 0.0)
        total += sum(times)
    answered = frames - skipped
    mean = total / answered * 1000 if answered else math.nan
    return RealtimeStats(tracker=tracker, frames=frames, skipped=skipped, mean_reply_ms=mean, fps=fps)
