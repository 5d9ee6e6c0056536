"""``rgbt-track``: RGB-T tracking with the RFN-fused Siamese tracker from the command line."""
from __future__ import annotations

import sys
from typing import Sequence

from rgbt_runtime.cli import discover_commands, run_cli


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; user errors exit 2 with one line, a crashed tracker under the VOT
    toolkit exits 1 after the tail of that tracker's log."""
    from rgbt_track.evaluation.vot.runner import TrackerFailure

    try:
        return _run(argv)
    except TrackerFailure as failure:
        print(failure.log_tail(), file=sys.stderr)
        print(f"rgbt-track: error: {failure}", file=sys.stderr)
        return 1


def _run(argv: Sequence[str] | None) -> int:
    import rgbt_track.commands
    return run_cli("rgbt-track", "RGB-T object tracking with a residual fusion network (RFN-Nest, Sec. 5).",
                   discover_commands(rgbt_track.commands), argv)


if __name__ == "__main__":
    sys.exit(main())
