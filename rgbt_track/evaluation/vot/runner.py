"""Driving vot-toolkit 0.7.4 in-process: evaluation, fresh analysis, HTML report.

This does what ``vot evaluate``, ``vot analysis`` and ``vot report`` do, through the same toolkit
functions (``Experiment.transform/execute`` as in ``vot.experiment.run_experiment``,
``process_stack_analyses`` + ``generate_serialized``, ``generate_document``), with three of the
toolkit's traps closed:

* ``vot evaluate`` logs a tracker crash or timeout and exits 0. Here it raises
  :class:`TrackerFailure` carrying the tracker's own output; :func:`check_complete` does the same
  check for results produced elsewhere (e.g. by the ``vot`` CLI), pointing at the newest log.
* The persistent analysis cache (``<workspace>/cache``) is keyed by the results' location, not
  their content, so it returns old numbers after a re-evaluation. Analyses here use an in-memory
  cache only (``VOT_PERSISTENT_CACHE=0``) and evaluation deletes ``cache/`` so that a later ``vot``
  CLI run starts fresh too.
* Sequences or checkpoints that would fail late are rejected up front by
  :func:`rgbt_track.evaluation.vot.workspace.validate_workspace` (the callers do that first).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import os
import re
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rgbt_runtime.errors import InputError

ANALYSIS_PREFIX = "rgbt-track"


class TrackerFailure(RuntimeError):
    """A tracker crashed or timed out inside the toolkit; ``log`` is its stdout/stderr."""

    def __init__(self, tracker: str, where: str, message: str, log: str) -> None:
        super().__init__(f"tracker {tracker} failed on {where}: {message}")
        self.tracker, self.log = tracker, log

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the tracker's log, framed, for printing before the error."""
        tail = self.log.rstrip().splitlines()[-lines:]
        return "\n".join([f"---- log of {self.tracker} (last {len(tail)} lines) ----", *tail, "----"])


@dataclass(frozen=True)
class Run:
    """One unit of evaluation work: a tracker on a sequence in one experiment of a workspace."""

    workspace: Path
    tracker: str
    experiment: str
    sequence: str


def quiet_toolkit() -> None:
    """Turn off the persistent analysis cache and the toolkit's INFO chatter.

    The toolkit reads ``VOT_PERSISTENT_CACHE`` once, when ``vot`` is first imported, so the flag
    is also set on its live ``vot.config`` (the report generator consults it).
    """
    os.environ["VOT_PERSISTENT_CACHE"] = "0"
    import vot

    vot.config.persistent_cache = False
    logging.getLogger("vot").setLevel(logging.WARNING)


@contextlib.contextmanager
def undefined_eao_quiet():
    """Silence numpy's two warnings for the toolkit's mean over an empty EAO window (its reset-based
    EAO when no run reaches the window: NaN, reported as ``n/a``, see rgbt_track.evaluation.vot.eao_window)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "invalid value encountered in scalar divide", RuntimeWarning)
        yield


def load_workspace(directory: Path):
    """The toolkit's ``Workspace`` for ``directory`` (sequences are indexed, nothing is downloaded)."""
    quiet_toolkit()
    from vot.workspace import Workspace, WorkspaceException

    try:
        return Workspace.load(str(directory))
    except WorkspaceException as error:
        raise InputError(f"cannot load VOT workspace {directory}: {error}") from None


def resolve_trackers(workspace, names: list[str] | None):
    """Toolkit ``Tracker`` objects for ``names`` (all trackers with results when None)."""
    from vot import ToolkitException

    storage = workspace.storage.substorage("results")
    if names is None:
        trackers = workspace.list_results(workspace.registry)
        if not trackers:
            raise InputError(f"no tracker results in {workspace.directory}/results")
        return trackers
    try:
        return workspace.registry.resolve(*names, storage=storage, skip_unknown=False)
    except ToolkitException as error:
        raise InputError(f"{error} in {workspace.directory}") from None


def plan(directories: list[Path], trackers: list[str]) -> list[Run]:
    """Every (workspace, tracker, experiment, sequence) run, in execution order."""
    runs = []
    for directory in directories:
        workspace = load_workspace(directory)
        for tracker in trackers:
            for experiment in workspace.stack:
                for sequence in experiment.transform(workspace.dataset):
                    runs.append(Run(directory, tracker, experiment.identifier, sequence.name))
    return runs


def evaluate(directory: Path, trackers: list[str], on_run: Callable[[Run, float], None] | None = None) -> None:
    """Run every experiment of the workspace's stack for ``trackers`` (like ``vot evaluate``).

    Existing complete results are kept, as the toolkit does. ``on_run(run, fraction)`` reports
    progress within each run. Raises :class:`TrackerFailure` with the tracker's log (also written
    to ``<workspace>/logs/``) when a tracker crashes or times out.
    """
    from vot.tracker import TrackerException

    workspace = load_workspace(directory)
    for tracker in resolve_trackers(workspace, trackers):
        for experiment in workspace.stack:
            for sequence in experiment.transform(workspace.dataset):
                run = Run(directory, tracker.identifier, experiment.identifier, sequence.name)
                # the toolkit's own fraction reaches 1.0 for some experiment types and not for others;
                # the run is reported complete (1.0) once below, after execute() returns
                callback = (lambda fraction, run=run: on_run(run, min(fraction, 0.999))) if on_run else None
                try:
                    experiment.execute(tracker, sequence, force=False, callback=callback)
                except TrackerException as error:
                    log = error.log or ""
                    with experiment.log(tracker.identifier) as handle:
                        handle.write(log)
                    raise TrackerFailure(tracker.identifier, f"{sequence.name} ({directory.name}/"
                                         f"{experiment.identifier})", str(error), log) from None
                if on_run:
                    on_run(run, 1.0)
    clear_cache(directory)


def clear_cache(directory: Path) -> None:
    """Delete the workspace's persistent cache (stale once results change)."""
    shutil.rmtree(directory / "cache", ignore_errors=True)


def newest_log(directory: Path, tracker: str) -> Path | None:
    """The most recent ``logs/<tracker>_*.log`` the toolkit wrote for a failed run, if any."""
    logs = sorted((directory / "logs").glob(f"{tracker}_*.log"), key=lambda p: p.stat().st_mtime)
    return logs[-1] if logs else None


def check_complete(directory: Path, trackers: list[str] | None = None) -> list[str]:
    """Tracker names whose results cover every experiment and sequence; raise if any is incomplete.

    The error names the first missing run and, when the toolkit logged a crash for that tracker,
    includes the log (``vot evaluate`` exits 0 after a crash, leaving exactly this situation).
    """
    workspace = load_workspace(directory)
    resolved = resolve_trackers(workspace, trackers)
    for tracker in resolved:
        for experiment in workspace.stack:
            for sequence in experiment.transform(workspace.dataset):
                complete, _, _ = experiment.scan(tracker, sequence)
                if complete:
                    continue
                where = f"{sequence.name} in {directory}/results ({experiment.identifier})"
                log = newest_log(directory, tracker.identifier)
                if log is not None:
                    raise TrackerFailure(tracker.identifier, where, f"results incomplete, last log {log}",
                                         log.read_text(encoding="utf-8", errors="replace"))
                raise InputError(f"results of {tracker.identifier} incomplete: no results for {where}")
    return [t.identifier for t in resolved]


class _FailedTasks(logging.Handler):
    """Stands in for the toolkit logger's handlers during an analysis: keeps the "Failed task (...):
    cause" lines it logs at INFO level only (as "analysis, experiment: cause") and passes warnings
    on to the handlers it replaced."""

    PATTERN = re.compile(r"Failed task \('([^@']+)@[^']*', '([^']*)'.*?\): (.*)")

    def __init__(self, forward: list[logging.Handler]) -> None:
        super().__init__(logging.INFO)
        self.forward = forward
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        match = self.PATTERN.match(" ".join(record.getMessage().split()))
        if match:
            self.messages.append(f"{match.group(1)} of experiment {match.group(2)!r}: {match.group(3)}")
        elif record.levelno >= logging.WARNING:
            for handler in self.forward:
                handler.handle(record)


def analyse(directory: Path, trackers: list[str] | None = None) -> Path:
    """Run the stack's analyses afresh (like ``vot analysis``); returns the written JSON file.

    The file is ``<workspace>/analysis/rgbt-track-<timestamp>.json`` in the toolkit's own format
    (``vot.report.generate_serialized``), written under a temporary name and renamed when complete.
    """
    from cachetools import LRUCache
    from vot.analysis import AnalysisProcessor, process_stack_analyses
    from vot.report import generate_serialized
    from vot.utilities import ThreadPoolExecutor

    names = check_complete(directory, trackers)
    workspace = load_workspace(directory)
    resolved = resolve_trackers(workspace, names)
    executor = ThreadPoolExecutor(1)
    toolkit_log = logging.getLogger("vot")
    saved = toolkit_log.level, toolkit_log.handlers, toolkit_log.propagate
    failures = _FailedTasks(saved[1] or logging.getLogger().handlers)
    toolkit_log.setLevel(logging.INFO)
    toolkit_log.handlers, toolkit_log.propagate = [failures], False
    try:
        with AnalysisProcessor(executor, LRUCache(1000)), undefined_eao_quiet():
            results = process_stack_analyses(workspace, resolved)
    finally:
        toolkit_log.setLevel(saved[0])
        toolkit_log.handlers, toolkit_log.propagate = saved[1], saved[2]
        executor.shutdown(wait=True)
    if results is None:
        cause = failures.messages[0] if failures.messages else "no reason given"
        raise InputError(f"the toolkit's analysis of {directory} failed in {cause}")
    name = f"{ANALYSIS_PREFIX}-{_dt.datetime.now():%Y-%m-%dT%H-%M-%S.%f}"
    storage = workspace.storage.substorage("analysis")
    generate_serialized(resolved, workspace.dataset, results, storage, "json", f".{name}.partial")
    final = directory / "analysis" / f"{name}.json"
    os.replace(directory / "analysis" / f".{name}.partial.json", final)
    return final


def html_report(directory: Path, trackers: list[str] | None = None, name: str = "rgbt-track") -> Path:
    """The toolkit's HTML report (like ``vot report``) in ``<workspace>/reports/<name>/``, replaced whole."""
    from vot.report import generate_document

    workspace = load_workspace(directory)
    resolved = resolve_trackers(workspace, check_complete(directory, trackers))
    final = directory / "reports" / name
    partial = f".{name}.partial"
    shutil.rmtree(directory / "reports" / partial, ignore_errors=True)
    with undefined_eao_quiet():
        generate_document(workspace, resolved, "html", partial)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(directory / "reports" / partial, final)
    return final / "report.html"


def summarise(directories: list[Path], trackers: list[str] | None = None) -> list:
    """Fresh analysis of every workspace, read back as :class:`~rgbt_track.evaluation.vot.results.Score` rows."""
    from rgbt_track.evaluation.vot.results import read_analysis
    from rgbt_track.evaluation.vot.workspace import read_workspace

    scores = []
    for directory in directories:
        scores += read_analysis(analyse(directory, trackers), stack=read_workspace(directory).label)
    return scores
