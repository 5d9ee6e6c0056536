"""Score tables: CSV (values in percent, two decimals) and a Markdown or LaTeX table by suffix.

``rows`` are ``(tracker, [score in [0, 1], ...])``; the best value of each column is bold in the
Markdown / LaTeX forms. Files are written atomically.
"""
from __future__ import annotations

import csv
from pathlib import Path

from rgbt_runtime.atomic import atomic_path

Rows = list[tuple[str, list[float]]]


def write_csv(path: Path, columns: list[str], rows: Rows) -> Path:
    """``tracker,<columns>`` with each score as a percentage, two decimals."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tracker", *columns])
        for tracker, values in rows:
            writer.writerow([tracker, *(f"{100 * v:.2f}" for v in values)])
    return path


def format_table(columns: list[str], rows: Rows, latex: bool, caption: str = "") -> str:
    """The table text: a LaTeX ``tabular`` (in a ``table``) or a Markdown pipe table."""
    best = [max(values[i] for _, values in rows) for i in range(len(columns))] if rows else []

    def cell(value: float, i: int) -> str:
        text = f"{100 * value:.1f}"
        if value == best[i]:
            return f"\\textbf{{{text}}}" if latex else f"**{text}**"
        return text

    if latex:
        escape = str.maketrans({"_": r"\_", "&": r"\&", "%": r"\%", "#": r"\#"})
        lines = ["\\begin{table}[t]", "\\centering", f"\\caption{{{caption.translate(escape)}}}",
                 f"\\begin{{tabular}}{{l{'c' * len(columns)}}}", "\\hline",
                 " & ".join(["Tracker", *columns]) + " \\\\", "\\hline"]
        lines += [" & ".join([t.translate(escape), *(cell(v, i) for i, v in enumerate(values))]) + " \\\\"
                  for t, values in rows]
        lines += ["\\hline", "\\end{tabular}", "\\end{table}"]
    else:
        lines = [f"| Tracker | {' | '.join(columns)} |", "|---" + "|---:" * len(columns) + "|"]
        lines += [f"| {t} | {' | '.join(cell(v, i) for i, v in enumerate(values))} |" for t, values in rows]
        if caption:
            lines = [caption, ""] + lines
    return "\n".join(lines) + "\n"


def write_table(path: Path, columns: list[str], rows: Rows, caption: str = "") -> Path:
    """LaTeX when ``path`` ends in ``.tex``, else Markdown (scores in percent, one decimal)."""
    text = format_table(columns, rows, latex=path.suffix.lower() == ".tex", caption=caption)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
