"""Write files so that a reader never sees a half-written one.

Everything is written to a temporary file in the destination folder and moved into place with
``os.replace`` (atomic on POSIX) only once it is complete; on any error the temporary file is
removed and the destination is left as it was.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from rgbt_runtime.errors import InputError


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; move it onto ``dest`` when the block succeeds.

    ``suffix`` defaults to ``dest``'s own suffix so that writers that look at the extension
    (``cv2.imwrite``, matplotlib) pick the right format.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=suffix if suffix is not None else dest.suffix,
                               dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def save_torch_atomic(obj: object, dest: str | os.PathLike) -> None:
    """``torch.save`` ``obj`` to ``dest`` atomically."""
    import torch  # here, so that the torch-free users of atomic_path do not load it

    with atomic_path(dest) as tmp:
        torch.save(obj, tmp)


def ensure_output_folder(folder: str | os.PathLike) -> Path:
    """Create ``folder`` (and its parents) when missing; :class:`InputError` naming it when it
    cannot hold outputs (a file in its place, not creatable, not writable)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"cannot create output folder {folder}: it exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder {folder}: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"output folder {folder} is not writable")
    return folder
