"""Run a tracker over sequences one pass each (init on frame 0 with its ground truth, no resets),
write each finished sequence atomically, skip finished ones, and score the whole run.

A crash in the middle of a sequence loses that sequence only: the files of the finished ones are
complete, and a rerun starts with the first unfinished sequence.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.sequence import RGBTSequence
from rgbt_track.evaluation.one_pass.layout import ResultLayout

FrameHook = Callable[[int, dict, tuple, float], None]


def track_sequence(tracker, sequence: RGBTSequence, channels: tuple[str, ...],
                   on_frame: FrameHook | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(N, 4)`` boxes (frame 0 = the ground truth) and ``(N,)`` tracker seconds per frame (reading
    the frames excluded). ``on_frame(index, frames, box, seconds)`` runs after every frame.

    The next frame is read and decoded on a second thread while the tracker works on this one
    (OpenCV releases the GIL), so JPEG decoding does not add to the time per frame on a GPU.
    """
    from concurrent.futures import ThreadPoolExecutor

    count = len(sequence)
    boxes, times = np.empty((count, 4)), np.empty(count)

    def read(index: int) -> dict:
        return {channel: sequence.read(index, channel) for channel in channels}

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="frames") as reader:
        upcoming = reader.submit(read, 0)
        for index in range(count):
            frames = upcoming.result()
            if index + 1 < count:
                upcoming = reader.submit(read, index + 1)
            start = time.perf_counter()
            if index == 0:
                box = tuple(float(v) for v in sequence.groundtruth[0])
                tracker.init(frames, box)
            else:
                box = tuple(float(v) for v in tracker.track(frames).box)
            times[index] = time.perf_counter() - start
            boxes[index] = box
            if on_frame is not None:
                on_frame(index, frames, box, times[index])
    return boxes, times


def run_sequences(make_tracker: Callable[[], object], sequences: list[RGBTSequence], layout: ResultLayout,
                  channels: tuple[str, ...], desc: str = "test", video_dir: Path | None = None,
                  progress: bool = True) -> int:
    """Track every unfinished sequence of ``sequences`` into ``layout``; the number tracked.

    One tqdm bar counts frames (its rate is frames/s) and shows the sequences done; the tracker is
    built only when there is something to do. ``video_dir`` gets one ``<seq>.mp4`` per sequence.
    """
    from tqdm import tqdm

    pending = [s for s in sequences if not layout.finished(s.name)]
    if not pending:
        return 0
    tracker = make_tracker()
    total = sum(len(s) for s in pending)
    with tqdm(total=total, desc=desc, unit="frame", disable=not progress or None, smoothing=0.1) as bar:
        for done, sequence in enumerate(pending):
            bar.set_postfix_str(f"sequence {done + 1}/{len(pending)} {sequence.name}")
            hook, video = _frame_hook(bar, sequence, video_dir)
            try:
                boxes, times = track_sequence(tracker, sequence, channels, hook)
            except BaseException as error:
                if video is not None:
                    video.close(ok=False)
                if isinstance(error, InputError) and sequence.name not in str(error):
                    folder = sequence.color[0].parent.parent if sequence.color else sequence.name
                    raise InputError(f"sequence {folder}: {error}") from None
                raise
            if video is not None:
                video.close()
            layout.write(sequence.name, boxes, times)
    return len(pending)


def _frame_hook(bar, sequence: RGBTSequence, video_dir: Path | None):
    video = None
    if video_dir is not None:
        from rgbt_track.visualize import SequenceVideo
        video = SequenceVideo(video_dir / f"{sequence.name}.mp4", sequence=sequence)

    def hook(index: int, frames: dict, box: tuple, seconds: float) -> None:
        bar.update(1)
        if video is not None:
            video.add(index, frames, box, seconds)
    return hook, video


def wait_for(layout: ResultLayout, sequences: list[RGBTSequence], poll_s: float = 2.0) -> None:
    """Block until every sequence's result file exists (the other ranks' shares)."""
    while not all(layout.finished(s.name) for s in sequences):
        time.sleep(poll_s)


def score_run(dataset: str, root: Path, layout: ResultLayout, sequences: list[RGBTSequence]
              ) -> tuple[list[str], list[float]]:
    """The run's scores with the dataset's official conventions: (column names, values in [0, 1])."""
    from rgbt_track.evaluation.scoring import DEFAULT_ROUNDING, SCORERS
    from rgbt_track.evaluation.scoring.lasher import score_lasher
    from rgbt_track.evaluation.scoring.results_io import (load_lasher_ground_truth, load_lasher_results,
                                               load_tracker_results)

    lengths = {s.name: len(s) for s in sequences}
    if dataset == "lasher":
        truth = load_lasher_ground_truth(Path(root), list(lengths))    # as annotated: absent rows kept
        score = score_lasher(layout.name, truth, load_lasher_results(layout.folder, lengths))
        return ["PR", "NPR", "SR"], [score.pr, score.npr, score.sr]
    truth = {s.name: (s.groundtruth, s.groundtruth if s.groundtruth_ir is None else s.groundtruth_ir)
             for s in sequences}
    results = load_tracker_results(layout.out, layout.name, lengths)
    score = SCORERS[dataset](layout.name, truth, results, round_results=DEFAULT_ROUNDING[dataset])
    return ["MPR", "MSR"], [score.mpr, score.msr]
