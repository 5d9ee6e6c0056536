"""What the package sources import, read with ``ast``: shared by the layering and packaging tests."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OURS = ("rgbt_runtime", "fusion", "trackers", "rgbt_track")


def package_files(package: str) -> list[Path]:
    """Every ``*.py`` file of ``package``, sorted."""
    return sorted((REPO / package).rglob("*.py"))


def top_level_imports(path: Path) -> set[str]:
    """The top-level module names of every absolute import in ``path``, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names)
    return found
