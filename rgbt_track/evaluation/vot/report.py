"""Table 7/8-style summaries of toolkit analyses: Markdown, CSV, A-R plot, EAO curves, HTML page.

Every file is written through :func:`rgbt_runtime.atomic_path`; matplotlib runs on the Agg
backend (no display needed). With ``paper=True`` the published rows of
:mod:`rgbt_track.evaluation.vot.paper_numbers` are added (``source = paper``) and drawn as hollow markers.
"""
from __future__ import annotations

import csv
import html
import io
import math
from dataclasses import dataclass
from pathlib import Path

from rgbt_runtime.atomic import atomic_path
from rgbt_track.evaluation.vot.paper_numbers import PROTOCOL_TITLES, PUBLISHED
from rgbt_track.evaluation.vot.results import Score

CSV_COLUMNS = ("protocol", "stack", "experiment", "tracker", "source", "eao", "accuracy", "robustness", "failures")
TRACKER_ORDER = ("RFN-AFAT", "AFAT-RGB", "AFAT-IR")


@dataclass(frozen=True)
class Row:
    """One table line: ours (``source = "ours"``) or published (``source = "paper"``)."""

    protocol: str
    stack: str
    experiment: str
    tracker: str
    source: str
    eao: float
    accuracy: float
    robustness: float
    failures: float | None = None


def _eao(value: float, digits: int = 4) -> str:
    """The EAO as text; ``n/a`` where it is undefined (NaN: no run reaches the EAO window)."""
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def _order(tracker: str) -> tuple[int, str]:
    return (TRACKER_ORDER.index(tracker) if tracker in TRACKER_ORDER else len(TRACKER_ORDER), tracker)


def build_rows(scores: list[Score], paper: bool = False) -> list[Row]:
    """Our rows grouped by protocol (reset first, as Table 7 precedes Table 8), then published ones."""
    rows = []
    for protocol in ("reset", "anchor"):
        ours = sorted((s for s in scores if s.protocol == protocol), key=lambda s: (s.stack, _order(s.tracker)))
        rows += [Row(s.protocol, s.stack, s.experiment, s.tracker, "ours", s.eao, s.accuracy, s.robustness,
                     s.failures) for s in ours]
        if paper and ours:
            rows += [Row(protocol, PROTOCOL_TITLES[protocol].split(" ")[0], "baseline", p.tracker, "paper",
                         p.eao, p.accuracy, p.robustness) for p in PUBLISHED[protocol]]
    return rows


def markdown_table(rows: list[Row]) -> str:
    """One Markdown table per protocol, with a heading naming it."""
    parts = []
    for protocol in ("reset", "anchor"):
        group = [r for r in rows if r.protocol == protocol]
        if not group:
            continue
        parts.append(f"### {PROTOCOL_TITLES[protocol]}\n")
        parts.append("| tracker | source | stack / experiment | EAO | A | R |")
        parts.append("|---|---|---|---:|---:|---:|")
        for r in group:
            parts.append(f"| {r.tracker} | {r.source} | {r.stack} / {r.experiment} | "
                         f"{_eao(r.eao)} | {r.accuracy:.4f} | {r.robustness:.4f} |")
        parts.append("")
    return "\n".join(parts)


def csv_text(rows: list[Row]) -> str:
    """The rows as CSV with :data:`CSV_COLUMNS` (numbers with 6 decimals, empty failures if unknown)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([r.protocol, r.stack, r.experiment, r.tracker, r.source, "" if math.isnan(r.eao) else f"{r.eao:.6f}",
                         f"{r.accuracy:.6f}", f"{r.robustness:.6f}", "" if r.failures is None else f"{r.failures:.6f}"])
    return buffer.getvalue()


def _figure(count: int, width: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, count, figsize=(width * count, 4.6), squeeze=False)
    return plt, figure, axes[0]


def _colours(trackers: list[str]) -> dict[str, str]:
    palette = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    names = sorted(set(trackers), key=_order)
    return {name: palette[i % len(palette)] for i, name in enumerate(names)}


def plot_ar(rows: list[Row], path: Path) -> None:
    """Accuracy (y) against robustness (x), one panel per protocol; published rows hollow."""
    from rgbt_track.evaluation.vot.paper_numbers import PUBLISHED

    protocols = [p for p in ("reset", "anchor") if any(r.protocol == p for r in rows)]
    aliases = {p.tracker: p.ours for group in PUBLISHED.values() for p in group if p.ours}
    colours = _colours([aliases.get(r.tracker, r.tracker) if r.source == "paper" else r.tracker for r in rows])
    plt, figure, axes = _figure(len(protocols), 5.2)
    for ax, protocol in zip(axes, protocols):
        for r in (r for r in rows if r.protocol == protocol):
            colour = colours[aliases.get(r.tracker, r.tracker) if r.source == "paper" else r.tracker]
            hollow = r.source == "paper"
            ax.scatter([r.robustness], [r.accuracy], s=70, marker="s" if hollow else "o",
                       facecolors="none" if hollow else colour, edgecolors=colour, linewidths=1.8,
                       label=f"{r.tracker} ({r.source})")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        _label_panel(ax, protocol, "Robustness (higher is better)", "Accuracy")
        ax.legend(fontsize=7, loc="lower right")
    _save(plt, figure, path)


def plot_eao_curves(scores: list[Score], path: Path) -> None:
    """EAO curves (expected average overlap against sequence length), window shaded, one panel per protocol."""
    protocols = [p for p in ("reset", "anchor") if any(s.protocol == p and s.eao_curve for s in scores)]
    colours = _colours([s.tracker for s in scores])
    plt, figure, axes = _figure(max(len(protocols), 1), 6.0)
    for ax, protocol in zip(axes, protocols):
        group = sorted((s for s in scores if s.protocol == protocol and s.eao_curve), key=lambda s: _order(s.tracker))
        for s in group:
            ax.plot(range(len(s.eao_curve)), s.eao_curve, color=colours[s.tracker], linewidth=1.6,
                    label=f"{s.tracker} (EAO {_eao(s.eao, 3)})")
        if group and group[0].eao_window:
            low, high = group[0].eao_window
            ax.axvspan(low, high, color="0.85", zorder=0, label=f"EAO window {low}-{high}")
        ax.set_ylim(0, 1)
        _label_panel(ax, protocol, "sequence length (frames)", "expected average overlap")
        ax.legend(fontsize=8, loc="lower left")  # the curves of good trackers run along the top
    _save(plt, figure, path)


def _label_panel(ax, protocol: str, xlabel: str, ylabel: str) -> None:
    """Axis labels, the protocol's short title and a light grid on one panel."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(PROTOCOL_TITLES[protocol].split(",")[0] + ")", fontsize=10)
    ax.grid(alpha=0.3)


def _save(plt, figure, path: Path) -> None:
    """Write ``figure`` as PNG to ``path`` atomically and free it."""
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=110)
    plt.close(figure)


def html_page(rows: list[Row], images: dict[str, str], notes: list[str], videos: dict[str, str] | None = None) -> str:
    """A self-contained page: the tables, the plots (``images``: title -> relative file name), then
    the tracker clips (``videos``: tracker -> relative file name), each playable and linked."""
    out = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'><title>rgbt-track VOT-RGBT results</title>",
           "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}"
           "td,th{border:1px solid #bbb;padding:4px 10px;text-align:right}td:first-child,th:first-child,"
           "td:nth-child(2){text-align:left}tr.paper{color:#666;font-style:italic}</style></head><body>",
           "<h1>VOT-RGBT evaluation</h1>"]
    for protocol in ("reset", "anchor"):
        group = [r for r in rows if r.protocol == protocol]
        if not group:
            continue
        out.append(f"<h2>{html.escape(PROTOCOL_TITLES[protocol])}</h2>")
        out.append("<table><tr><th>tracker</th><th>source</th><th>stack / experiment</th>"
                   "<th>EAO</th><th>A</th><th>R</th></tr>")
        for r in group:
            out.append(f"<tr class='{r.source}'><td>{html.escape(r.tracker)}</td><td>{r.source}</td>"
                       f"<td>{html.escape(r.stack)} / {html.escape(r.experiment)}</td><td>{_eao(r.eao)}</td>"
                       f"<td>{r.accuracy:.4f}</td><td>{r.robustness:.4f}</td></tr>")
        out.append("</table>")
    for title, name in images.items():
        out.append(f"<h2>{html.escape(title)}</h2><img src='{html.escape(name)}' alt='{html.escape(title)}'>")
    if videos:
        out.append("<h2>Tracker clips (visible | thermal; yellow: tracker, green: ground truth)</h2>")
        for tracker, name in videos.items():
            out.append(f"<h3><a href='{html.escape(name)}'>{html.escape(tracker)}</a></h3>"
                       f"<video controls src='{html.escape(name)}' width='640'></video>")
    if notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out)


def clip_links(out_dir: Path) -> dict[str, str]:
    """``{tracker: "clips/<tracker>.mp4"}`` for the clips in ``out_dir/clips`` (``rgbt_track.evaluation.vot.clips``)."""
    return {clip.stem: f"clips/{clip.name}" for clip in sorted((out_dir / "clips").glob("*.mp4"))}


def write_report(scores: list[Score], out_dir: Path, paper: bool = False, notes: list[str] | None = None) -> dict[str, Path]:
    """Write ``results.md``, ``results.csv``, ``ar_plot.png``, ``eao_curves.png`` and ``index.html``
    (which shows and links the tracker clips ``out_dir/clips/<tracker>.mp4`` there are)."""
    rows = build_rows(scores, paper=paper)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {name: out_dir / name for name in ("results.md", "results.csv", "ar_plot.png", "eao_curves.png",
                                                "index.html")}
    for name, text in (("results.md", markdown_table(rows)), ("results.csv", csv_text(rows))):
        with atomic_path(files[name]) as tmp:
            tmp.write_text(text, encoding="utf-8")
    plot_ar(rows, files["ar_plot.png"])
    plot_eao_curves(scores, files["eao_curves.png"])
    page = html_page(rows, {"Accuracy-robustness plot": "ar_plot.png", "EAO curves": "eao_curves.png"}, notes or [],
                     clip_links(out_dir))
    with atomic_path(files["index.html"]) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return files
