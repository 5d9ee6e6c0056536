"""The demo's tracker clips: one playable MP4 per tracker of the workspace, linked from the summary page."""
from __future__ import annotations

import cv2

from rgbt_track.generator import generate_sequences
from rgbt_track.evaluation.vot import TRACKERS
from rgbt_track.evaluation.vot.clips import write_clips
from rgbt_track.evaluation.vot.report import clip_links, html_page
from rgbt_track.evaluation.vot.workspace import copy_template, find_workspaces


def test_one_clip_per_tracker_linked_from_the_summary(tmp_path, one_torch_thread):
    copy_template(tmp_path)
    generate_sequences(tmp_path / "sequences", count=1, length=6, seed=0)
    clips = write_clips(find_workspaces(tmp_path)[0], TRACKERS, tmp_path / "summary/clips")
    assert sorted(clips) == sorted(TRACKERS)
    for path in clips.values():
        assert cv2.VideoCapture(str(path)).get(cv2.CAP_PROP_FRAME_COUNT) == 6
    page = html_page([], {}, [], clip_links(tmp_path / "summary"))
    assert all(f"<video controls src='clips/{name}.mp4'" in page for name in TRACKERS)
