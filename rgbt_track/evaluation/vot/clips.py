"""One video per tracker of a workspace: the tracker as ``trackers.ini`` launches it, one pass over
the first sequence, visible | thermal with its box and the ground truth (``rgbt_track.visualize``).

The VOT stacks evaluate the same sequences with the same trackers, so one clip per tracker shows
what every stack's runs start from; the toolkit's resets are not replayed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence


def write_clips(workspace: Path, trackers: Sequence[str], out_dir: Path, frames: int | None = None) -> dict[str, Path]:
    """``{tracker: out_dir/<tracker>.mp4}`` on the workspace's first sequence (its first ``frames``)."""
    from dataclasses import replace

    from rgbt_track.datasets.vot import load_vot_sequence
    from rgbt_track.evaluation.one_pass.runner import track_sequence
    from rgbt_track.tracker_spec import build_tracker
    from rgbt_track.visualize import SequenceVideo
    from rgbt_track.evaluation.vot.workspace import read_workspace, sequence_fps, server_config, tracker_sections

    info = read_workspace(workspace)
    names = (info.sequences / "list.txt").read_text(encoding="utf-8").split()
    sequence = load_vot_sequence(info.sequences / names[0])
    if frames is not None:
        sequence = replace(sequence, color=sequence.color[:frames], ir=sequence.ir[:frames],
                           groundtruth=sequence.groundtruth[:frames])
    sections = tracker_sections(info)
    clips = {}
    for tracker in trackers:
        registry, section = sections[tracker]
        spec = server_config(registry, tracker, section)
        video = SequenceVideo(Path(out_dir) / f"{tracker}.mp4", sequence, fps=sequence_fps(info))
        try:
            track_sequence(build_tracker(spec), sequence, spec.channels,
                           lambda index, images, box, seconds: video.add(index, images, box, seconds))
        except BaseException:
            video.close(ok=False)
            raise
        video.close()
        clips[tracker] = video.video.path
    return clips
