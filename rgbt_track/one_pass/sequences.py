"""The sequences ``rgbt-track test`` runs: a dataset's readers, a ``--list`` selection, and each
``torchrun`` rank's share.

Every selected sequence is read (frame lists, annotation files, counts) before anything runs, so
missing frames or a bad annotation stop the run before a file is written.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from rgbt_runtime.errors import InputError
from rgbt_track.datasets.sequence import RGBTSequence


def load_sequences(dataset: str, root: Path, names: list[str] | None = None,
                   list_file: Path | None = None) -> list[RGBTSequence]:
    """The sequences of ``dataset`` under ``root``: all, or ``names`` (read from ``list_file``) in that order."""
    from rgbt_track.datasets.gtot import load_gtot
    from rgbt_track.datasets.lasher import load_lasher
    from rgbt_track.datasets.rgbt234 import load_rgbt234

    if not Path(root).is_dir():
        raise InputError(f"{dataset} root folder not found: {root}")
    if dataset == "lasher":
        if names is not None:
            missing = [n for n in names if not (Path(root) / n).is_dir()]
            if missing:
                raise InputError(f"{list_file or 'list'}: sequence {missing[0]!r} not found in {root}")
        sequences = load_lasher(root, names)
    else:
        loaded = {s.name: s for s in (load_gtot(root) if dataset == "gtot" else load_rgbt234(root))}
        if names is None:
            sequences = list(loaded.values())
        else:
            missing = [n for n in names if n not in loaded]
            if missing:
                raise InputError(f"{list_file or 'list'}: sequence {missing[0]!r} not found in {root}")
            sequences = [loaded[n] for n in names]
    for sequence in sequences:
        if not np.isfinite(sequence.groundtruth[0]).all():
            raise InputError(f"{root / sequence.name}: the first frame has no target box to start from")
    return sequences


def shard(sequences: list[RGBTSequence], rank: int, world_size: int) -> list[RGBTSequence]:
    """Rank ``rank``'s share of ``sequences``: longest first, each to the least-loaded rank (by frames;
    ties to the lower rank), so every rank computes the same split and the loads stay even."""
    loads = [0] * world_size
    owner = {}
    for sequence in sorted(sequences, key=lambda s: (-len(s), s.name)):
        target = min(range(world_size), key=lambda r: (loads[r], r))
        loads[target] += len(sequence)
        owner[sequence.name] = target
    return [s for s in sequences if owner[s.name] == rank]
