"""Every command of ``rgbt-track`` and ``rfn-nest`` answers a bad input with one line, exit 2 and
nothing left on disk.

One table row per case: (console script, arguments with ``{name}`` placeholders for the fixture's
files, a fragment the one error line must hold). Each case runs in-process (``main([...])``); the
test then checks stderr is exactly one ``<prog>: error:`` line holding the fragment, stdout printed
no results, and the fixture folder is exactly as before (same paths, same kinds: the FIFO is still
a FIFO, the symlink still a symlink). Checks that happen before a model is loaded keep it fast.
"""
from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import cv2
import numpy as np
import pytest

from fusion.cli import main as fusion_main
from rgbt_track.cli import main as track_main

MAINS = {"rgbt-track": track_main, "rfn-nest": fusion_main}


class _Evil:  # a pickle that would run a shell command if it were ever unpickled
    def __reduce__(self):
        return (os.system, ("echo PWNED > pwned.txt",))


def _frames(folder: Path, count: int = 3, size=(48, 64), gray=False, ext=".png") -> Path:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(len(str(folder)))
    for i in range(count):
        shape = size if gray else (*size, 3)
        cv2.imwrite(str(folder / f"{i + 1:08d}{ext}"), rng.integers(0, 255, shape, dtype=np.uint8))
    return folder


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _gtot(root: Path, v_size=(48, 64), i_size=(48, 64), box="5 5 20 20") -> Path:
    seq = root / "seq1"
    _frames(seq / "v", size=v_size)
    _frames(seq / "i", size=i_size, gray=True)
    for m in ("v", "i"):
        (seq / f"groundTruth_{m}.txt").write_text(f"{box}\n" * 3)
    return root


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("bad")
    color, ir = _frames(root / "color"), _frames(root / "ir", gray=True)
    trunc = _frames(root / "trunc", ext=".jpg")
    _truncate(trunc / "00000002.jpg")
    (root / "file.txt").write_text("a regular file\n")
    os.mkfifo(root / "fifo")
    os.mkfifo(root / "fifo.png")
    os.symlink(root / "file.txt", root / "link.txt")
    (root / "empty.txt").write_text("")
    with open(root / "evil.pth", "wb") as handle:
        pickle.dump({"state_dict": _Evil()}, handle, protocol=4)
    (root / "full").mkdir()
    (root / "full" / "keep.txt").write_text("keep\n")
    _gtot(root / "gtot_sizes", i_size=(40, 64))
    _gtot(root / "gtot_outside", box="500 500 520 520")
    _gtot(root / "gtot_ok")
    vt = root / "vt821"
    _frames(vt / "RGB", count=1)
    _frames(vt / "T", count=1, size=(40, 40), gray=True)
    (vt / "GT").mkdir()
    cv2.imwrite(str(vt / "GT" / "00000001.png"), np.full((48, 64), 255, np.uint8))
    gt = root / "score_gt" / "seq1"
    gt.mkdir(parents=True)
    for name in ("groundTruth_v.txt", "groundTruth_i.txt"):
        (gt / name).write_text("1 1 20 20\n" * 3)
    (root / "score_res" / "T").mkdir(parents=True)
    (root / "score_res" / "T" / "T_seq1.txt").write_text("")
    return {"root": root, "color": color, "ir": ir, "trunc": trunc}


TRACK = ["track", "--color", "{color}", "--ir", "{ir}", "--out", "{root}/o.txt"]
FUSE = ["fuse", "--ir", "{ir}/00000001.png", "--vis", "{color}/00000001.png"]
CASES = [
    # rgbt-track track: memory estimates, frames, output paths, checkpoints
    ("rgbt-track", [*TRACK, "--init", "0,0,40000,40000"], "GiB (limit 2 GiB); boxes up to about"),
    ("rgbt-track", [*TRACK, "--init", "10,12,1e9,1e9"], "search window"),
    ("rgbt-track", ["track", "--color", "{trunc}", "--init", "5,5,20,20", "--out", "{root}/o.txt"],
     "truncated JPEG"),
    ("rgbt-track", ["track", "--color", "{color}", "--init", "5,5,20,20", "--out", "{root}/fifo"], "is a FIFO"),
    ("rgbt-track", ["track", "--color", "{color}", "--init", "5,5,20,20", "--out", "{root}/link.txt"],
     "symbolic link"),
    ("rgbt-track", ["track", "--color", "{color}", "--init", "5,5,20,20", "--out", "{root}/file.txt/o.txt"],
     "file.txt is a file, not a folder"),
    ("rgbt-track", ["track", "--color", "{color}", "--init", "5,5,20,20", "--out", "{root}"], "is a folder"),
    ("rgbt-track", [*TRACK, "--init", "5,5,20,20", "--checkpoint", "{root}"], "is a folder, expected a file"),
    ("rgbt-track", [*TRACK, "--init", "5,5,20,20", "--checkpoint", "{root}/evil.pth"], "not a weights-only"),
    ("rgbt-track", [*TRACK, "--init", "5,5,20"], "--init expects x,y,w,h"),
    # make-sequences
    ("rgbt-track", ["make-sequences", "{root}/seqs", "--seed", "-1"], "seed must be 0 or more"),
    ("rgbt-track", ["make-sequences", "{root}/seqs", "--fps", "0"], "fps must be positive"),
    ("rgbt-track", ["make-sequences", "{root}/seqs", "--fps", "-5"], "fps must be positive"),
    ("rgbt-track", ["make-sequences", "{root}/seqs", "--size", "100000x100000"], "fits"),
    ("rgbt-track", ["make-sequences", "{root}/full", "--count", "1", "--length", "2"], "use --force"),
    ("rgbt-track", ["make-sequences", "{root}/file.txt"], "not a folder"),
    # score: outputs checked before any result is printed; result files named as such
    ("rgbt-track", ["score", "gtot", "--gt", "{root}/score_gt", "--results", "{root}/score_res", "--csv", "{root}"],
     "--csv is a folder"),
    ("rgbt-track", ["score", "gtot", "--gt", "{root}/score_gt", "--results", "{root}/score_res", "--csv",
                    "{root}/fifo"], "is a FIFO"),
    ("rgbt-track", ["score", "gtot", "--gt", "{root}/score_gt", "--results", "{root}/score_res"],
     "result file is empty"),
    ("rgbt-track", ["score", "gtot", "--gt", "{root}/score_gt", "--results", "{root}/score_res", "--exclude-absent"],
     "--exclude-absent applies to lasher only"),
    ("rgbt-track", ["score", "lasher", "--gt", "{root}/score_gt", "--results", "{root}/score_res", "--round"],
     "--round / --no-round apply to gtot and rgbt234"),
    # training data and outputs
    ("rgbt-track", ["train-rfn", "--gtot", "{root}/gtot_sizes", "--out", "{root}/rfn_out"], "is 64x48 but"),
    ("rgbt-track", ["train-rfn", "--gtot", "{root}/gtot_outside", "--out", "{root}/rfn_out"],
     "lies entirely outside the 64x48 image"),
    ("rgbt-track", ["train-rfn", "--vt821", "{root}/vt821", "--out", "{root}/rfn_out"], "is 40x40"),
    ("rgbt-track", ["train-rfn", "--gtot", "{root}/gtot_sizes", "--out", "{root}/file.txt"], "not a folder"),
    ("rgbt-track", ["train-base", "--sequences", "{root}/nope", "--out", "{root}/file.txt"], "not a folder"),
    ("rgbt-track", ["train-qpn", "--sequences", "{root}/nope", "--out", "{root}/fifo"], "is a FIFO"),
    # test: a dataset's sequences tracked once
    ("rgbt-track", ["test", "gtot", "--root", "{root}/gtot_outside", "--out", "{root}/res", "--name", "T"],
     "lies entirely outside"),
    ("rgbt-track", ["test", "gtot", "--root", "{root}/gtot_ok", "--out", "{root}/file.txt", "--name", "T"],
     "not a folder"),
    ("rgbt-track", ["test", "gtot", "--root", "{root}/gtot_ok", "--out", "{root}/res", "--name", "T",
                    "--checkpoint", "{root}/evil.pth"], "not a weights-only"),
    # VOT workspaces and the demo
    ("rgbt-track", ["evaluate", "{root}/no_workspace"], "no_workspace"),
    ("rgbt-track", ["report", "{root}/no_workspace"], "no_workspace"),
    ("rgbt-track", ["demo", "--workdir", "{root}/file.txt"], "not a folder"),
    ("rgbt-track", ["demo", "--workdir", "{root}/demo", "--length", "5"], "--length must be at least"),
    # rfn-nest
    ("rfn-nest", [*FUSE, "--out", "{root}/fifo.png"], "is a FIFO"),
    ("rfn-nest", [*FUSE, "--out", "{root}/f.png", "--preview", "{root}/link.txt"], "symbolic link"),
    ("rfn-nest", ["fuse", "--ir-dir", "{ir}", "--vis-dir", "{color}", "--out-dir", "{root}/file.txt"],
     "not a folder"),
    ("rfn-nest", ["fuse", "--ir", "{trunc}/00000002.jpg", "--vis", "{color}/00000001.png", "--out", "{root}/f.png"],
     "truncated JPEG"),
    ("rfn-nest", [*FUSE, "--out", "{root}/file.txt/f.png"], "file.txt is a file, not a folder"),
    ("rfn-nest", [*FUSE, "--out", "{root}/f.png", "--workers", "0"], "--workers must be at least 1"),
    ("rfn-nest", [*FUSE, "--out", "{root}/f.png", "--checkpoint", "{root}"], "is a folder"),
    ("rfn-nest", [*FUSE, "--out", "{root}/f.png", "--checkpoint", "{root}/evil.pth"], "not a weights-only"),
    ("rfn-nest", [*FUSE, "--out", "{root}/f.png", "--dtype", "int8", "--device", "cuda"], "int8 runs on the CPU only"),
    ("rfn-nest", ["evaluate", "--ir-dir", "{ir}", "--vis-dir", "{color}", "--fused-dir", "m={trunc}", "--csv",
                  "{root}/link.txt"], "symbolic link"),
    ("rfn-nest", ["benchmark-strategies", "--ir-dir", "{ir}", "--vis-dir", "{color}", "--markdown", "{root}/fifo"],
     "is a FIFO"),
    ("rfn-nest", ["train-autoencoder", "{color}", "--out", "{root}/fifo"], "is a FIFO"),
    ("rfn-nest", ["train-one-stage", "--ir", "{ir}", "--vis", "{color}", "--out", "{root}/link.txt"],
     "symbolic link"),
    ("rfn-nest", ["train-rfn", "--ir", "{ir}", "--vis", "{color}", "--autoencoder", "{root}/evil.pth",
                  "--out", "{root}/r.pth"], "not a weights-only"),
]


def _snapshot(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IFMT(os.lstat(p).st_mode) for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("prog, argv, fragment", CASES, ids=[f"{c[0]} {c[1][0]} {i}" for i, c in enumerate(CASES)])
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(env, capsys, monkeypatch, prog, argv, fragment):
    monkeypatch.chdir(env["root"])  # a pickle that ran would leave pwned.txt here
    before = _snapshot(env["root"])
    code = MAINS[prog]([a.format(**env) for a in argv])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, captured.err
    assert len(lines) == 1 and lines[0].startswith(f"{prog}: error: "), captured.err
    assert fragment in lines[0]
    assert "Traceback" not in captured.err and captured.out.strip() == ""
    assert _snapshot(env["root"]) == before


def test_the_table_covers_every_command():
    import argparse

    covered = {(prog, argv[0]) for prog, argv, _ in CASES}
    for prog, main in MAINS.items():
        commands = set()
        original = argparse.ArgumentParser.parse_args

        def capture(parser, *args, **kwargs):
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            commands.update(sub.choices)
            raise SystemExit(0)

        argparse.ArgumentParser.parse_args = capture
        try:
            with pytest.raises(SystemExit):
                main(["--help"])
        finally:
            argparse.ArgumentParser.parse_args = original
        assert commands and {(prog, c) for c in commands} <= covered, sorted(commands)


def test_force_replaces_the_output_folder_whole(tmp_path, capsys):
    out = tmp_path / "seqs"
    common = ["make-sequences", str(out), "--length", "2", "--size", "64x64"]
    assert track_main([*common, "--count", "2"]) == 0
    assert track_main([*common, "--count", "1"]) == 2 and "--force" in capsys.readouterr().err
    assert track_main([*common, "--count", "1", "--force"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["list.txt", "synth-000"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seqs"]


def test_outputs_get_the_umask_modes(tmp_path, capsys):
    from rgbt_runtime.atomic import atomic_folder, atomic_path

    old = os.umask(0o027)
    try:
        with atomic_path(tmp_path / "sub" / "a.txt") as tmp:
            tmp.write_text("x")
        with atomic_folder(tmp_path / "folder") as tmp:
            (tmp / "b.txt").write_text("y")
        assert track_main(["make-sequences", str(tmp_path / "seqs"), "--count", "1", "--length", "2",
                           "--size", "64x64"]) == 0
    finally:
        os.umask(old)
    mode = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in tmp_path.rglob("*")}
    assert mode["sub/a.txt"] == 0o640 and mode["folder"] == 0o750
    assert mode["seqs"] == mode["seqs/synth-000"] == 0o750 and mode["seqs/list.txt"] == 0o640


WRITE_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
"""


def _write_limited(code: str, *args: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", WRITE_LIMITED + code, *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})


def test_a_failed_write_names_the_users_path(tmp_path):
    """A file-size limit (as a full disk) fails the write: one line naming the output, nothing left."""
    done = _write_limited("from rgbt_track.cli import main\nsys.exit(main(sys.argv[1:]))",
                          "make-sequences", str(tmp_path / "seqs"), "--count", "1", "--length", "2")
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith("rgbt-track: error: cannot write") and str(tmp_path / "seqs" / "synth-000") in lines[0]
    assert list(tmp_path.iterdir()) == []
    for writer in ("with atomic_path(dest) as tmp, open(tmp, 'w') as handle:\n    handle.write('x' * 100000)",
                   "save_torch_atomic({'w': torch.zeros(10000)}, dest)"):
        dest = tmp_path / "out.bin"
        done = _write_limited("import torch\nfrom rgbt_runtime.atomic import atomic_path, save_torch_atomic\n"
                              f"dest = {str(dest)!r}\n{writer}")
        assert f"InputError: cannot write {dest}: " in done.stderr, done.stderr
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("prog, argv, fragment", [
    ("rfn-nest", ["fuse", "--workers", "abc"], "rfn-nest fuse: error: argument --workers: invalid int value: 'abc'"),
    ("rgbt-track", ["track", "--precision", "fp64"], "rgbt-track track: error: argument --precision: invalid choice"),
    ("rgbt-track", ["nosuch"], "rgbt-track: error: argument COMMAND: invalid choice: 'nosuch'"),
])
def test_argparse_usage_errors_are_one_line_too(capsys, prog, argv, fragment):
    with pytest.raises(SystemExit) as exc:
        MAINS[prog](argv)
    lines = capsys.readouterr().err.strip().splitlines()
    assert exc.value.code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(fragment) and lines[0].endswith("--help)")
