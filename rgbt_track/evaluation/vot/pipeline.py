"""Check, evaluate, analyse and report a folder of VOT workspaces in one go.

What ``rgbt-track evaluate`` and ``rgbt-track demo`` do after the workspaces exist:
:func:`validate_workspace` on each (one-line errors before the toolkit starts), ``vot evaluate``
for every tracker (:func:`rgbt_track.evaluation.vot.runner.evaluate`, with a progress bar over the runs),
fresh analyses, the toolkit's HTML reports, and the Table 7/8-style summary with the realtime
check of anchor-based stacks. ``rgbt-track report`` (:func:`report_workspaces`) checks each
workspace with the same :func:`validate_workspace` (without loading models), so it never reaches
the toolkit with a workspace that would make it fail obscurely or download a dataset.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable, Sequence

Stage = Callable[[str], None]


def stage_printer() -> Stage:
    """A ``stage(text)`` callback printing ``[  12.3 s] text`` to stderr, timed from its creation."""
    start = time.perf_counter()

    def stage(text: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f} s] {text}", file=sys.stderr, flush=True)

    return stage


def _evaluate_with_progress(workspaces: list[Path], trackers: list[str], labels: dict[Path, str]) -> dict[str, float]:
    """``vot evaluate`` of every workspace under one progress bar; returns seconds per workspace label."""
    from tqdm import tqdm

    from rgbt_track.evaluation.vot.runner import evaluate, plan

    runs = plan(workspaces, trackers)
    timings = {}
    with tqdm(total=len(runs), unit="run", desc="vot evaluate", file=sys.stderr, dynamic_ncols=True) as bar:
        done = [0]

        def on_run(run, fraction: float) -> None:
            bar.set_postfix_str(f"{labels[run.workspace]} {run.tracker} {run.sequence}", refresh=False)
            if fraction >= 1.0:
                done[0] += 1
            bar.n = done[0] if fraction >= 1.0 else round(done[0] + fraction, 3)
            bar.refresh()

        for directory in workspaces:
            began = time.perf_counter()
            evaluate(directory, trackers, on_run)
            timings[labels[directory]] = time.perf_counter() - began
    return timings


def _realtime_notes(infos: dict, trackers: list[str]) -> list[str]:
    from rgbt_track.evaluation.vot.results import realtime_stats

    notes = []
    for directory, (info, fps) in infos.items():
        for experiment in info.experiments:
            if experiment.realtime_grace is None:
                continue
            for tracker in trackers:
                stats = realtime_stats(directory / "results", tracker, experiment.name, fps)
                notes.append(f"realtime ({info.label}, {fps:g} fps = {1000 / fps:.1f} ms per frame): {tracker} "
                             f"replied in {stats.mean_reply_ms:.1f} ms on average; the toolkit skipped "
                             f"{stats.skipped} of {stats.frames} frames ({100 * stats.skipped_fraction:.1f} %), "
                             f"repeating the previous box")
    return notes


def evaluate_workspaces(root: Path, trackers: Sequence[str], summary_dir: Path, paper: bool = True,
                        stage: Stage | None = None) -> str:
    """Run everything on the workspaces in ``root``; write the summary into ``summary_dir``.

    Returns the text to print: the EAO / A / R table (with the published rows when ``paper``), the
    realtime notes and the evaluation time per stack. Raises
    :class:`~rgbt_track.evaluation.vot.runner.TrackerFailure` when a tracker crashes or times out and
    ``InputError`` for a bad workspace.
    """
    from rgbt_track.evaluation.vot.report import build_rows, markdown_table, write_report
    from rgbt_track.evaluation.vot.runner import html_report, summarise
    from rgbt_track.evaluation.vot.eao_window import longest_run_warning, short_sequence_note
    from rgbt_track.evaluation.vot.workspace import find_workspaces, sequence_fps, validate_workspace

    stage = stage or (lambda text: None)
    trackers = list(trackers)
    workspaces = find_workspaces(root)
    infos = {}
    for index, directory in enumerate(workspaces):
        stage(f"checking workspace {directory}" + (f" and loading {', '.join(trackers)}" if index == 0 else ""))
        info, lengths = validate_workspace(directory, trackers, load=index == 0)
        infos[directory] = (info, sequence_fps(info))
        for note in (short_sequence_note(info, lengths), longest_run_warning(info, lengths)):
            if note:
                print(note, file=sys.stderr)
    labels = {directory: info.label for directory, (info, _) in infos.items()}
    stage(f"vot evaluate: {len(trackers)} trackers on {len(workspaces)} stacks")
    timings = _evaluate_with_progress(workspaces, trackers, labels)
    stage("vot analysis (fresh, no persistent cache)")
    scores = summarise(workspaces, trackers)
    stage("vot report (toolkit HTML)")
    for directory in workspaces:
        html_report(directory, trackers)
    notes = _realtime_notes(infos, trackers)
    notes += [f"evaluation time {label}: {seconds:.0f} s" for label, seconds in timings.items()]
    write_report(scores, summary_dir, paper=paper, notes=notes)
    return "\n".join([markdown_table(build_rows(scores, paper=paper)), *notes])


def result_trackers(directory: Path) -> list[str]:
    """Names of the trackers with a results folder in the workspace ``directory``."""
    results = directory / "results"
    return sorted(p.name for p in results.iterdir() if p.is_dir()) if results.is_dir() else []


def no_results_error(directory: Path, workspaces: list[Path]) -> Exception:
    """Why a workspace has no results: the newest tracker log of any of ``workspaces`` (a crashed run
    stops the evaluation of the workspaces after it), or a one-line error."""
    from rgbt_runtime.errors import InputError
    from rgbt_track.evaluation.vot.runner import TrackerFailure

    logs = sorted((log for w in workspaces for log in (w / "logs").glob("*.log")), key=lambda p: p.stat().st_mtime)
    if logs:
        return TrackerFailure(logs[-1].name.rsplit("_", 1)[0], f"{directory} (no results; last log {logs[-1]})",
                              "the run crashed", logs[-1].read_text(encoding="utf-8", errors="replace"))
    return InputError(f"no tracker results in {directory / 'results'} (run `rgbt-track evaluate` first)")


def report_workspaces(root: Path, summary_dir: Path, paper: bool = False) -> tuple[str, dict[str, Path]]:
    """Re-analyse the results of every workspace in ``root`` (checked as ``evaluate`` checks them) and
    write the summary into ``summary_dir``; returns the table text and the written files."""
    from rgbt_track.evaluation.vot.report import build_rows, markdown_table, write_report
    from rgbt_track.evaluation.vot.runner import summarise
    from rgbt_track.evaluation.vot.workspace import find_workspaces, validate_workspace

    scores = []
    workspaces = find_workspaces(root)
    for directory in workspaces:
        trackers = result_trackers(directory)
        validate_workspace(directory, trackers, load=False)
        if not trackers:
            raise no_results_error(directory, workspaces)
        scores += summarise([directory], trackers)
    files = write_report(scores, summary_dir, paper=paper)
    return markdown_table(build_rows(scores, paper=paper)), files
