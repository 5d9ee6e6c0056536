"""The shared runtime helpers: atomic writes, checkpoint reading, the CLI scaffolding."""
from __future__ import annotations

import platform
import subprocess
import sys

import pytest
import torch

from rgbt_runtime import InputError, atomic_path, load_state_file, save_torch_atomic


def test_atomic_path_leaves_nothing_on_error(tmp_path):
    dest = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_path(dest) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_replaces_on_success(tmp_path):
    dest = tmp_path / "out.txt"
    dest.write_text("old")
    with atomic_path(dest) as tmp:
        tmp.write_text("new")
    assert dest.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_load_state_file_round_trip_and_errors(tmp_path):
    good = tmp_path / "good.pth"
    save_torch_atomic({"w": torch.ones(2)}, good)
    assert torch.equal(load_state_file(good)["w"], torch.ones(2))

    nan = tmp_path / "nan.pth"
    save_torch_atomic({"state_dict": {"layer.w": torch.tensor([1.0, float("nan")])}}, nan)
    with pytest.raises(InputError, match="state_dict.layer.w"):
        load_state_file(nan)

    corrupt = tmp_path / "corrupt.pth"
    corrupt.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="corrupt.pth"):
        load_state_file(corrupt)

    with pytest.raises(InputError, match="missing.pth"):
        load_state_file(tmp_path / "missing.pth")


def test_console_scripts_show_help():
    from fusion.cli import main as fusion_main
    from rgbt_track.cli import main as track_main
    for main in (fusion_main, track_main):
        with pytest.raises(SystemExit) as exc:
            main(["--help"])
        assert exc.value.code == 0


FAULTS_ON_REUSE = """
import ctypes, ctypes.util, resource, sys
from rgbt_runtime.allocator import keep_freed_memory
applied = keep_freed_memory() if sys.argv[1] == "keep" else None
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
def faults_of_touching_256_mib():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = libc.malloc(2**28)  # as torch's CPU allocator does (numpy would ask for huge pages)
    ctypes.memset(block, 1, 2**28)
    libc.free(block)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
faults_of_touching_256_mib()
print(applied, faults_of_touching_256_mib())
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_keep_freed_memory_reuses_pages_instead_of_faulting_them_again():
    def second_touch(mode):
        out = subprocess.run([sys.executable, "-c", FAULTS_ON_REUSE, mode], capture_output=True, text=True, check=True)
        applied, faults = out.stdout.split()
        return applied, int(faults)

    applied, kept = second_touch("keep")
    assert applied == "True"
    applied, default = second_touch("default")
    assert applied == "None"
    # By default glibc unmaps the freed block and the kernel zero-fills it again on the next touch
    # (65536 faults of 4 KiB pages, 128 where transparent huge pages are always on); kept, the
    # block is served again from the heap without faults.
    assert default > 100 and kept * 10 < default, (kept, default)


@pytest.mark.parametrize("content", [b"hi\n", b""])
def test_a_file_that_is_no_torch_file_is_named_as_such(tmp_path, content):
    from rgbt_runtime.checkpoint_file import read_weights_file

    path = tmp_path / "notes.pth"
    path.write_bytes(content)
    with pytest.raises(InputError, match=f"cannot read checkpoint {path}: not a PyTorch checkpoint file"):
        read_weights_file(path)
