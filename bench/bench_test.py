"""``rgbt-track test`` throughput: frames/s over a LasHeR-layout fixture, 1 process against 2 under
``torchrun``, per architecture (fused mode), printed as a table.

The fixture (:func:`rgbt_track.one_pass.synthetic.build_lasher_layout`) has real LasHeR sequence names
and ground truth with synthetic frames. ``tiny`` runs its shipped weights and RFN; ``mobilev2`` and
``r50`` run random weights of pysot's shapes (seed 0, saved as a checkpoint) with the l1-norm
fusion (no trained RFN ships for them). Every process uses ``--threads`` torch threads. Two rates per
row: ``wall`` = all frames / the command's wall time (start-up, model build, frame reading and
scoring included) and ``tracker`` = all frames / the sum of the per-frame times the command writes
(what one process spends in ``init`` / ``track``). The estimate for LasHeR's test set is 220,703 frames
at the tracker rate times the processes (start-up, which is paid once, and reading the JPEG frames
are left out).

    python bench/bench_test.py                                   # tiny, mobilev2, r50; 1 and 2 processes
    python bench/bench_test.py --archs tiny --frames 60 --sequences 4 --device cuda
    python bench/bench_test.py --splits 2 4 8 16 32     # how evenly the ranks share LasHeR's test set
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LASHER_TEST_FRAMES = 220_703
NAMES = ("10runone", "1blackteacher", "11leftboy", "1boycoming", "1stcol4thboy", "1strowleftboyturning")
DEFAULT_FRAMES = {"tiny": 60, "mobilev2": 12, "r50": 4}


def random_checkpoint(arch: str, path: Path) -> Path:
    """pysot-shaped random weights (seed 0) as a checkpoint file ``rgbt-track`` reads.

    The last layer of each box-regression head is zeroed: random regression outputs blow the box
    up to NaN within a few frames, while zero offsets keep it on an anchor, so every frame does a
    trained tracker's work (same crops, same layers)."""
    import re

    import torch

    from trackers.model import build_model

    torch.manual_seed(0)
    state = build_model(arch).state_dict()
    last: dict[str, int] = {}
    for key in state:
        match = re.search(r"^(.*\.loc\.head)\.(\d+)\.weight$", key)
        if match:
            last[match.group(1)] = max(last.get(match.group(1), -1), int(match.group(2)))
    for prefix, index in last.items():
        for name in ("weight", "bias"):
            if f"{prefix}.{index}.{name}" in state:
                state[f"{prefix}.{index}.{name}"].zero_()
    torch.save(state, path)
    return path


def run(arch: str, root: Path, out: Path, processes: int, threads: int, device: str, checkpoint: Path | None
        ) -> tuple[float, float, int]:
    """(wall seconds, summed tracker seconds, frames) of one ``rgbt-track test lasher`` run."""
    binary = Path(sys.executable).parent
    command = ["-m", "rgbt_track.cli", "test", "lasher", "--root", str(root), "--out", str(out), "--name", arch,
               "--arch", arch, "--device", device, "--threads", str(threads)]
    if checkpoint is not None:
        command += ["--checkpoint", str(checkpoint), "--fusion", "l1"]
    if processes == 1:
        command = [sys.executable, *command]
    else:
        command = [str(binary / "torchrun"), "--nproc_per_node", str(processes), "--master_port", "29561", *command]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONPATH": os.getcwd()}
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    times = [np.loadtxt(p, ndmin=1) for p in (out / f"{arch}_tracking_result" / "times").glob("*_time.txt")]
    return wall, float(sum(t.sum() for t in times)), int(sum(len(t) for t in times))


class _Lengths:
    """A sequence as :func:`shard` sees it: a name and a frame count."""

    def __init__(self, name: str, frames: int):
        self.name, self.frames = name, frames

    def __len__(self) -> int:
        return self.frames


def split_table(shared: Path, ranks: list[int]) -> None:
    """Frames per rank of the 245 LasHeR test sequences (real lengths) under ``shard``."""
    from rgbt_track.one_pass.sequences import shard

    root = shared / "rgbt/LasHeR"
    names = (root / "test_list.txt").read_text().split()
    sequences = [_Lengths(n, sum(1 for line in (root / f"annos/{n}.txt").open() if line.strip())) for n in names]
    total = sum(len(s) for s in sequences)
    print(f"{len(sequences)} sequences, {total} frames, longest {max(len(s) for s in sequences)}")
    print("| ranks | most frames on a rank | fewest | ideal | slowest rank / ideal |")
    print("|---:|---:|---:|---:|---:|")
    for world in ranks:
        loads = [sum(len(s) for s in shard(sequences, rank, world)) for rank in range(world)]
        print(f"| {world} | {max(loads)} | {min(loads)} | {total / world:.0f} | {max(loads) / (total / world):.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=["tiny", "mobilev2", "r50"])
    parser.add_argument("--processes", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--sequences", type=int, default=4, help="fixture sequences (of the six names)")
    parser.add_argument("--frames", type=int, default=None, help="frames per sequence (default per arch)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/data")
    parser.add_argument("--splits", nargs="+", type=int, help="only print the LasHeR split for these rank counts")
    args = parser.parse_args()
    if args.splits:
        split_table(args.shared, args.splits)
        return
    from rgbt_track.one_pass.synthetic import build_lasher_layout

    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("Model name")), "?")
    print(f"CPU: {model}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, device {args.device}, "
          f"{args.threads} torch thread(s) per process")
    print("| arch (fused) | processes | frames | wall s | wall frames/s | tracker frames/s per process "
          "| LasHeR test set at the tracker rate |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for arch in args.archs:
            frames = args.frames or DEFAULT_FRAMES[arch]
            root = build_lasher_layout(args.shared, tmp / f"data_{arch}", frames, NAMES[:args.sequences])
            checkpoint = None if arch == "tiny" else random_checkpoint(arch, tmp / f"{arch}.pth")
            for processes in args.processes:
                out = tmp / f"out_{arch}_{processes}"
                wall, tracker, count = run(arch, root, out, processes, args.threads, args.device, checkpoint)
                hours = LASHER_TEST_FRAMES / (count / tracker * processes) / 3600
                print(f"| {arch} | {processes} | {count} | {wall:.1f} | {count / wall:.2f} | "
                      f"{count / tracker:.2f} | {hours:.1f} h |", flush=True)
                shutil.rmtree(out)


if __name__ == "__main__":
    main()
