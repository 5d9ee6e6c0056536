"""Write files and folders so that a reader never sees a half-written one.

Everything is written to a temporary file (or folder) in the destination folder and moved into
place with ``os.replace`` (atomic on POSIX) only once it is complete; on any error the temporary
is removed and the destination is left as it was.

* **Modes.** Temporary files are created ``0600`` (``tempfile``); before the move they get the
  mode a plain ``open(dest, "w")`` would give, ``0666`` minus the process umask (folders ``0777``
  minus the umask), so outputs are as readable as any other file the user writes.
* **Destinations.** Only a missing path or an existing regular file is replaced. A symbolic link,
  FIFO, device, socket or folder at the destination is refused with :class:`InputError`
  (:func:`check_destination`), as is a destination below a regular file (``out.txt/x.csv``).
* **Killed writers.** Temporary names carry the writer's process id (``.out.txt.1234.x8ab.txt``).
  A process killed with SIGKILL cannot clean up, so before writing ``dest`` the writer removes
  the temporaries of ``dest`` left by processes that no longer run (:func:`remove_stale`): a rerun
  leaves only complete files behind.
* **Messages.** An ``OSError`` about the temporary file is re-raised as :class:`InputError` naming
  the user's path (``cannot write out.txt: No space left on device``), never the temporary name.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Iterator

from rgbt_runtime.errors import InputError


def current_umask() -> int:
    """The process umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: ``0o666`` minus the umask."""
    return 0o666 & ~current_umask()


def folder_mode() -> int:
    """The mode ``mkdir`` gives a new folder: ``0o777`` minus the umask."""
    return 0o777 & ~current_umask()


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def check_destination(dest: str | os.PathLike, what: str = "output") -> Path:
    """Raise :class:`InputError` unless ``dest`` can be (re)written as a regular file.

    ``dest`` may be missing or an existing regular file; anything else there (symlink, FIFO,
    device, socket, folder) is refused, and so is a path whose existing ancestor is not a folder.
    Nothing is created. Returns ``dest`` as a :class:`Path`.
    """
    dest = Path(dest)
    try:
        mode = os.lstat(dest).st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        mode = None  # an ancestor is a file: reported below
    except OSError as error:
        raise InputError(f"cannot use {what} {dest}: {error.strerror}") from None
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise InputError(f"{what} is a folder, expected a file path: {dest}")
        if not stat.S_ISREG(mode):
            raise InputError(f"{what} {dest} exists and is {_kind(mode)}; refusing to replace it "
                             f"(only a regular file is overwritten)")
        return dest
    _check_ancestors(dest, what)
    return dest


def _check_ancestors(path: Path, what: str) -> None:
    """InputError when the nearest existing ancestor of ``path`` is not a folder."""
    for parent in path.absolute().parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                raise InputError(f"cannot create {what} {path}: {parent} is a file, not a folder")
            return


def check_folder_destination(folder: str | os.PathLike, what: str = "output folder") -> Path:
    """:class:`InputError` unless ``folder`` is an existing folder or can be created as one
    (its nearest existing ancestor is a folder). Nothing is created."""
    folder = Path(folder)
    if os.path.lexists(folder) and not folder.is_dir():
        raise InputError(f"{what} {folder} exists and is not a folder")
    _check_ancestors(folder, what)
    return folder


def ensure_output_folder(folder: str | os.PathLike, what: str = "output folder") -> Path:
    """Create ``folder`` (and its parents, umask modes) when missing; :class:`InputError` naming it
    (as ``what``) when it cannot hold outputs (a file in its place or above it, not creatable, not
    writable)."""
    folder = Path(folder)
    if os.path.lexists(folder) and not folder.is_dir():
        raise InputError(f"cannot create {what} {folder}: it exists and is not a folder")
    _check_ancestors(folder, what)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create {what} {folder}: {error.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{what} {folder} is not writable")
    return folder


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_stale(dest: str | os.PathLike, partial: str = "") -> None:
    """Remove ``.<dest name>.<partial><pid>.*`` temporaries beside ``dest`` whose process is gone."""
    dest = Path(dest)
    prefix = f".{dest.name}.{partial}"
    try:
        entries = [e for e in os.scandir(dest.parent) if e.name.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        pid = entry.name[len(prefix):].split(".", 1)[0].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _user_error(error: OSError, dest: Path, temporaries: tuple[Path, ...]) -> InputError | None:
    """The InputError naming ``dest`` for an OSError about one of ``temporaries`` or about no file
    (a failed ``write``: disk full, file too large); None for an error about another file."""
    names = {str(t) for t in temporaries}
    if error.filename is None or str(error.filename) in names or \
            str(getattr(error, "filename2", None)) in names or any(name in str(error) for name in names):
        return InputError(f"cannot write {dest}: {error.strerror or type(error).__name__}")
    return None


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; move it onto ``dest`` when the block succeeds.

    ``suffix`` defaults to ``dest``'s own suffix so that writers that look at the extension
    (``cv2.imwrite``, matplotlib) pick the right format. See the module docstring for the modes,
    the destinations refused and the error messages.
    """
    dest = check_destination(dest)
    ensure_output_folder(dest.parent)
    remove_stale(dest)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.{os.getpid()}.",
                                   suffix=suffix if suffix is not None else dest.suffix, dir=dest.parent)
    except OSError as error:
        raise InputError(f"cannot write {dest}: {error.strerror}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        try:
            yield tmp_path
            os.chmod(tmp_path, file_mode())
            check_destination(dest)  # again: something may have appeared there meanwhile
            os.replace(tmp_path, dest)
        except OSError as error:
            translated = _user_error(error, dest, (tmp_path,))
            if translated is None:
                raise
            raise translated from None
    finally:
        if os.path.lexists(tmp_path):
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_folder(dest: str | os.PathLike, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``dest``; it becomes ``dest`` when the block succeeds.

    ``dest`` must be missing or an empty folder, or any folder when ``replace`` is true (its old
    content is then removed after the new one is in place: a reader sees the old folder or the
    new one, never a mix). The folder gets the umask mode. On error the temporary is removed.
    """
    dest = Path(dest)
    if os.path.lexists(dest) and (dest.is_symlink() or not dest.is_dir()):
        raise InputError(f"output folder {dest} exists and is not a folder")
    parent = ensure_output_folder(dest.parent)
    remove_stale(dest, "partial-")
    remove_stale(dest, "old-")
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-{os.getpid()}.", dir=parent))
    try:
        os.chmod(tmp, folder_mode())
        yield tmp
        if dest.is_dir():
            if not replace and any(dest.iterdir()):
                raise InputError(f"output folder {dest} is not empty")
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-{os.getpid()}.", dir=parent))
            os.replace(dest, old / dest.name)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def save_torch_atomic(obj: object, dest: str | os.PathLike) -> None:
    """``torch.save`` ``obj`` to ``dest`` atomically."""
    import torch  # here, so that the torch-free users of atomic_path do not load it

    with atomic_path(dest) as tmp:
        try:
            torch.save(obj, tmp)
        except RuntimeError as error:  # torch's own write errors name the archive's inner record
            if not any(word in str(error) for word in ("PytorchStreamWriter", "inline_container", "write")):
                raise
            raise InputError(f"cannot write {dest}: the write failed (disk full or a file size limit?)") from None
