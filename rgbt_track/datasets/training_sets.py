"""The training data of ``train-rfn`` and ``train-qpn``: options, loading, and the evaluation-set check.

Both commands train on any subset of GTOT (``--gtot``), VT821 / VT1000 (``--vt821``,
``--vt1000``; still image pairs, so ``train-rfn`` only: a QPN learns from a tracker's runs over
videos) and VOT-layout sequence folders (``--sequences``, repeatable).

**No training sequence may be an evaluation sequence.** A network trained on the sequences it is
then evaluated on reports a score it has not earned; RGBT234, for one, contains all 60
VOT-RGBT2019/2020 sequences. Training sequences are therefore compared by name (exactly, case
included: GTOT's ``BlueCar`` is not RGBT234's ``blueCar``) with the evaluation set: the 60
VOT-RGBT sequences (:data:`VOT_RGBT_SEQUENCES`) and every sequence of each ``--eval-workspace``
(its ``sequences/list.txt``). A match is a one-line error naming the sequence folder.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.sequence import RGBTSequence

# The VOT-RGBT2019 sequences (VOT-RGBT2020 evaluates the same 60), as named in the toolkit's list.txt.
VOT_RGBT_SEQUENCES = frozenset("""
afterrain aftertree baby baginhand baketballwaliking balancebike basketball2 bicyclecity bike bikeman
bikemove1 biketwo blueCar bluebike bus6 car car10 car20 car3 car37 car4 car41 car66 carLight caraftertree
carnotfar carred child child1 crossroad crouch cycle1 cycle3 diamond dog dog11 elecbike elecbikechange2
face1 floor-1 flower2 fog fog6 green greyman greywoman hotkettle man4 man88 mandrivecar maninblack
manwithbasketball redcar supbus takeout tricycle twoelecbike1 twowoman walkingnight woman89
""".split())
VOT_RGBT_LABEL = "the VOT-RGBT2019/2020 evaluation set"


@dataclass(frozen=True)
class TrainingData:
    """Where the training sequences come from (any subset) and what they must not overlap.

    Attributes:
        gtot: GTOT root (one folder per sequence).
        vt821, vt1000: VT821 / VT1000 roots (``RGB/``, ``T/``, ``GT/``), still pairs.
        sequences: VOT-layout folders (each with ``list.txt``).
        eval_workspaces: VOT workspaces whose sequences are excluded from training.
    """

    gtot: str | None = None
    vt821: str | None = None
    vt1000: str | None = None
    sequences: tuple[str, ...] = ()
    eval_workspaces: tuple[str, ...] = ()

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser, stills: bool = True) -> None:
        """``--gtot --sequences [--vt821 --vt1000] --eval-workspace`` (``stills``: offer the still-pair sets)."""
        data = parser.add_argument_group("training data (at least one; never an evaluation sequence)")
        data.add_argument("--gtot", metavar="DIR", help="GTOT root (one folder per sequence)")
        if stills:
            data.add_argument("--vt821", metavar="DIR", help="VT821 root (RGB/, T/, GT/)")
            data.add_argument("--vt1000", metavar="DIR", help="VT1000 root (RGB/, T/, GT/)")
        data.add_argument("--sequences", action="append", default=[], metavar="DIR",
                          help="VOT-layout sequence folder (with list.txt); repeatable")
        data.add_argument("--eval-workspace", action="append", default=[], metavar="WS", dest="eval_workspaces",
                          help="VOT workspace the result will be evaluated on: a training sequence of the same "
                               "name is refused (always refused: the 60 VOT-RGBT2019/2020 names); repeatable")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "TrainingData":
        data = cls(gtot=args.gtot, vt821=getattr(args, "vt821", None), vt1000=getattr(args, "vt1000", None),
                   sequences=tuple(args.sequences or ()), eval_workspaces=tuple(args.eval_workspaces or ()))
        if not (data.gtot or data.vt821 or data.vt1000 or data.sequences):
            options = "--gtot, --vt821, --vt1000, --sequences" if hasattr(args, "vt821") else "--gtot, --sequences"
            raise InputError(f"no training data: give at least one of {options}")
        return data

    def load_videos(self) -> dict[str, list[RGBTSequence]]:
        """The video sequences, per source (``"sequences"`` first, then ``"gtot"``), checked against
        the evaluation set."""
        from rgbt_track.datasets.vot import load_vot_sequences

        videos: dict[str, list[RGBTSequence]] = {}
        if self.sequences:
            videos["sequences"] = [s for folder in self.sequences for s in load_vot_sequences(folder)]
        if self.gtot:
            from rgbt_track.datasets.gtot import load_gtot

            videos["gtot"] = load_gtot(self.gtot)
        self.check_disjoint([s for group in videos.values() for s in group])
        return videos

    def load_stills(self) -> list[RGBTSequence]:
        """The VT821 / VT1000 still pairs as one-frame sequences."""
        from rgbt_track.datasets.vt_saliency import load_vt_saliency

        return [s for root in (self.vt821, self.vt1000) if root for s in load_vt_saliency(root)]

    def evaluation_names(self) -> dict[str, str]:
        """Sequence name -> where it is evaluated (:data:`VOT_RGBT_LABEL` or a workspace's list file)."""
        names = {name: VOT_RGBT_LABEL for name in VOT_RGBT_SEQUENCES}
        for workspace in self.eval_workspaces:
            list_file = workspace_list(workspace)
            for line in list_file.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    names[line.strip()] = f"the evaluation workspace {workspace} ({list_file})"
        return names

    def check_disjoint(self, sequences: list[RGBTSequence]) -> None:
        """One-line :class:`InputError` naming the first training sequence that is also evaluated."""
        evaluated = self.evaluation_names()
        for sequence in sequences:
            if sequence.name in evaluated:
                folder = Path(sequence.color[0]).parent.parent if sequence.color else sequence.name
                raise InputError(f"{folder}: training sequence '{sequence.name}' is also in {evaluated[sequence.name]}; "
                                 f"remove it from the training data")


def first_frames(sequence: RGBTSequence, count: int) -> RGBTSequence:
    """``sequence`` cut to its first ``count`` frames (faster validation and QPN recording)."""
    gt_ir = sequence.groundtruth_ir[:count] if sequence.groundtruth_ir is not None else None
    return dataclasses.replace(sequence, color=sequence.color[:count], ir=sequence.ir[:count],
                               groundtruth=sequence.groundtruth[:count], groundtruth_ir=gt_ir)


def workspace_list(workspace: str | os.PathLike) -> Path:
    """The ``list.txt`` of a VOT workspace's sequences (``config.yaml``'s ``sequences``, default
    ``sequences/``); a sequences folder itself is accepted too."""
    root = Path(workspace)
    if (root / "config.yaml").is_file():
        from rgbt_track.evaluation.vot.workspace import read_workspace

        root = read_workspace(root).sequences
    elif (root / "sequences" / "list.txt").is_file():
        root = root / "sequences"
    list_file = root / "list.txt"
    if not list_file.is_file():
        raise InputError(f"--eval-workspace {workspace}: sequence list not found: {list_file}")
    return list_file
