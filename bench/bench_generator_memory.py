"""Peak memory of ``rgbt-track make-sequences`` per frame pixel, the basis of its size limit.

For each frame size, one 3-frame sequence is generated into a temporary folder under
``tracemalloc`` (which traces NumPy's buffers); the peak traced bytes divided by the frame's pixel
count is printed. ``rgbt_track.generator.BYTES_PER_PIXEL`` is this figure rounded up, and sizes
whose estimate passes ``MAX_BYTES`` are refused before anything is allocated.

    python bench/bench_generator_memory.py [--sizes 320x240 640x480 1280x720]
"""
from __future__ import annotations

import argparse
import tempfile
import tracemalloc
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["320x240", "640x480", "1280x720"])
    args = parser.parse_args()
    from rgbt_track.generator import BYTES_PER_PIXEL, generate_sequences

    print(f"{'size':>10}  {'peak MiB':>9}  {'bytes/pixel':>11}   (limit uses {BYTES_PER_PIXEL})")
    for text in args.sizes:
        width, height = (int(v) for v in text.split("x"))
        with tempfile.TemporaryDirectory() as root:
            tracemalloc.start()
            generate_sequences(Path(root) / "seqs", count=1, length=3, seed=0, size=(width, height))
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        print(f"{text:>10}  {peak / 2**20:9.1f}  {peak / (width * height):11.1f}")


if __name__ == "__main__":
    main()
