"""What a non-editable install gets: the workspace configuration inside the wheel, the declared
dependencies equal to what the sources import.

The end-to-end check (the wheel installed into a fresh venv outside the repository, then
``rgbt-track demo --quick`` from another folder) is too slow for CI; docs/architecture.md
("Packaging") gives the commands and their result.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from source_imports import OURS, REPO, package_files, top_level_imports

from rgbt_track.evaluation.vot.workspace import TEMPLATE_DIR, TEMPLATE_FILES

DISTRIBUTION = {"cv2": "opencv-python", "yaml": "pyyaml", "vot": "vot-toolkit", "trax": "vot-trax", "PIL": "pillow"}
CONSTRAINTS_ONLY = {"attributee"}  # pinned for vot-toolkit's sake, never imported by us


def _requirement_name(spec: str) -> str:
    return spec.split(";")[0].split("[")[0].split("=")[0].split("<")[0].split(">")[0].strip().lower()


def third_party_imports() -> set[str]:
    """Distribution names of every non-stdlib, non-package module imported by the four packages."""
    found = set().union(*(top_level_imports(f) for package in OURS for f in package_files(package)))
    found -= set(sys.stdlib_module_names) | set(OURS) | {"__future__"}
    return {DISTRIBUTION.get(name, name).lower() for name in found}


def test_declared_dependencies_are_exactly_the_imported_ones():
    declared = {_requirement_name(spec) for spec in
                tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]}
    assert declared - CONSTRAINTS_ONLY == third_party_imports()


def test_template_is_found_inside_the_package():
    import rgbt_track

    assert TEMPLATE_DIR == Path(rgbt_track.__file__).resolve().parent / "vot_workspace"
    for name in TEMPLATE_FILES:
        assert (TEMPLATE_DIR / name).read_bytes() == (REPO / "vot_workspace" / name).read_bytes()


def test_wheel_ships_the_workspace_configuration(tmp_path):
    # build from a copy: setuptools writes build/ and *.egg-info into the source tree it builds
    source = tmp_path / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "work", "runs"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path), str(source)], capture_output=True, text=True, timeout=300)
    if build.returncode != 0 and "No module named pip" in build.stderr:
        pytest.skip("pip is not installed in this interpreter")
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("rgbt_track-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in (*TEMPLATE_FILES, "README.md"):
            member = f"rgbt_track/vot_workspace/{name}"
            assert member in names, f"{member} missing from {wheel.name}"
            assert archive.read(member) == (REPO / "vot_workspace" / name).read_bytes()
        assert not any("/sequences/" in n or "/results/" in n for n in names)
        assert "rgbt_track/weights/MANIFEST.md" in names
