"""The argparse scaffolding both console scripts (``rgbt-track``, ``rfn-nest``) share.

Each sub-command lives in its own module exposing ``register(subparsers)``, which adds a parser
and sets ``func`` (called with the parsed namespace, returning an exit code or None). User errors
become one line on stderr and exit code 2, argparse's own usage errors included; interruption
exits 130.
"""
from __future__ import annotations

import argparse
import errno
import importlib
import pkgutil
import sys
from types import ModuleType
from typing import Sequence

from rgbt_runtime.errors import InputError

USER_ERRORS: tuple[type[BaseException], ...] = (InputError, FileNotFoundError, NotADirectoryError,
                                                PermissionError, IsADirectoryError)


WRITE_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS)


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse whose own usage errors (a missing option, a bad number, an unknown choice) are one
    line too, ``prog sub: error: message (see prog sub --help)``, exit 2, like the commands' errors."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def discover_commands(package: ModuleType) -> list[ModuleType]:
    """Every module of ``package`` (a ``commands`` package) that defines ``register``, by name."""
    modules = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "register"):
            modules.append(module)
    return modules


def _close_progress_bars() -> None:
    """Close and erase the progress bars an error left open: the error message is the only line left."""
    from tqdm import tqdm

    for bar in list(getattr(tqdm, "_instances", ())):
        bar.leave = False
        bar.close()


def run_cli(prog: str, description: str, commands: Sequence[ModuleType], argv: Sequence[str] | None,
            user_errors: tuple[type[BaseException], ...] = ()) -> int:
    """Parse ``argv`` with one sub-command per module in ``commands`` and run it."""
    parser = OneLineErrorParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in commands:
        module.register(sub)
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except USER_ERRORS + tuple(user_errors) as exc:
        _close_progress_bars()
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in message:
            message = f"{message}: {exc.filename}"
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    except OSError as exc:  # disk full, quota, file-size limit, read-only file system: the user's to fix
        if exc.errno not in WRITE_ERRNOS:
            raise
        _close_progress_bars()
        where = f": {exc.filename}" if exc.filename else ""
        print(f"{prog}: error: cannot write{where}: {exc.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _close_progress_bars()
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)
