"""``rgbt-track``: RGB-T tracking with the RFN-fused Siamese tracker from the command line."""
from __future__ import annotations

import sys
from typing import Sequence

from fusion.runtime.cli import discover_commands, run_cli
from trackers.errors import InputError as TrackerInputError


def main(argv: Sequence[str] | None = None) -> int:
    import rgbt_track.commands
    return run_cli("rgbt-track", "RGB-T object tracking with a residual fusion network (RFN-Nest, Sec. 5).",
                   discover_commands(rgbt_track.commands), argv, user_errors=(TrackerInputError,))


if __name__ == "__main__":
    sys.exit(main())
