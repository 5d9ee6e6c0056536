"""``rfn-nest``: RFN-Nest infrared/visible image fusion from the command line."""
from __future__ import annotations

import sys
from typing import Sequence

from rgbt_runtime.cli import discover_commands, run_cli


def main(argv: Sequence[str] | None = None) -> int:
    import fusion.commands
    return run_cli("rfn-nest", "RFN-Nest infrared/visible image fusion (Li, Wu, Kittler).",
                   discover_commands(fusion.commands), argv)


if __name__ == "__main__":
    sys.exit(main())
