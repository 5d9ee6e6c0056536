"""The house rules, read from the source: which package may import which, and file sizes.

``rgbt_runtime`` is the floor (imports none of ours); ``fusion`` and ``trackers`` stand on it
and never import each other; ``rgbt_track`` composes all three. ``bench/`` may import anything.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OURS = ("rgbt_runtime", "fusion", "trackers", "rgbt_track")
ALLOWED = {
    "rgbt_runtime": set(),
    "fusion": {"rgbt_runtime"},
    "trackers": {"rgbt_runtime"},
    "rgbt_track": {"rgbt_runtime", "fusion", "trackers"},
}
MAX_LINES = 340


def imported_packages(path: Path) -> set[str]:
    """The top-level names of our packages that ``path`` imports (absolute imports, any depth)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names if name.split(".")[0] in OURS)
    return found


def package_files(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", OURS)
def test_package_imports_only_what_it_may(package):
    files = package_files(package)
    assert files, f"no sources under {package}/"
    wrong = {str(f.relative_to(REPO)): sorted(imported_packages(f) - ALLOWED[package] - {package})
             for f in files}
    assert {f: names for f, names in wrong.items() if names} == {}


def test_imported_packages_sees_each_import_form(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import fusion.ssim\nfrom trackers import tracker\n"
                      "def f():\n    from rgbt_track.frames import read_frame\nfrom . import x\nimport numpy\n")
    assert imported_packages(source) == {"fusion", "trackers", "rgbt_track"}


@pytest.mark.parametrize("package", OURS)
def test_no_source_file_over_the_line_limit(package):
    long_files = {str(f.relative_to(REPO)): n for f in package_files(package)
                  if (n := len(f.read_text().splitlines())) > MAX_LINES}
    assert long_files == {}
