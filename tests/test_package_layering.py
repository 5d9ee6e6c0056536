"""The house rules, read from the source: which package may import which, and file sizes.

``rgbt_runtime`` is the floor (imports none of ours); ``fusion`` and ``trackers`` stand on it
and never import each other; ``rgbt_track`` composes all three. ``bench/`` may import anything.
The diagram in ``docs/architecture.md`` must show exactly these rules, and the source must use
each of them, so neither the picture nor the code can drift alone.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from source_imports import OURS, REPO, package_files, top_level_imports

ALLOWED = {
    "rgbt_runtime": set(),
    "fusion": {"rgbt_runtime"},
    "trackers": {"rgbt_runtime"},
    "rgbt_track": {"rgbt_runtime", "fusion", "trackers"},
}
MAX_LINES = 340
ARCHITECTURE = REPO / "docs" / "architecture.md"


def imported_packages(path: Path) -> set[str]:
    """The top-level names of our packages that ``path`` imports (absolute imports, any depth)."""
    return top_level_imports(path) & set(OURS)


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


def diagram_edges(markdown: str) -> set[tuple[str, str]]:
    """The ``A --> B`` arrows between our packages in the first ``mermaid`` block of ``markdown``."""
    block = re.search(r"^```mermaid\n(.*?)^```", markdown, flags=re.S | re.M)
    assert block, "no ```mermaid block with the package diagram"
    edges = set(re.findall(r"^\s*(\w+)\s*-->\s*(\w+)\s*$", block.group(1), flags=re.M))
    strangers = {name for edge in edges for name in edge} - set(OURS)
    assert not strangers, f"the diagram names packages that do not exist: {sorted(strangers)}"
    return edges


def allowed_edges() -> set[tuple[str, str]]:
    return {(package, dep) for package, deps in ALLOWED.items() for dep in deps}


def used_edges() -> set[tuple[str, str]]:
    return {(package, dep) for package in OURS for f in package_files(package)
            for dep in imported_packages(f) - {package}}


def test_architecture_diagram_shows_exactly_the_allowed_imports():
    assert diagram_edges(ARCHITECTURE.read_text()) == allowed_edges()


def test_every_allowed_import_is_used_by_the_source():
    assert used_edges() == allowed_edges()


def test_diagram_edges_reads_mermaid_arrows():
    doc = "text fusion --> trackers\n```mermaid\ngraph TD\n    rgbt_track --> fusion\n  fusion-->rgbt_runtime\n```\n"
    assert diagram_edges(doc) == {("rgbt_track", "fusion"), ("fusion", "rgbt_runtime")}
    assert diagram_edges(doc) != allowed_edges()
    with pytest.raises(AssertionError, match="do not exist"):
        diagram_edges("```mermaid\ngraph TD\n    fusion --> runtime\n```\n")


def test_architecture_names_only_existing_source_paths():
    paths = set(re.findall(r"\b((?:%s)/[\w/]*?\w+\.py)\b" % "|".join(OURS), ARCHITECTURE.read_text()))
    assert paths, "docs/architecture.md names no source file"
    assert sorted(p for p in paths if not (REPO / p).is_file()) == []
