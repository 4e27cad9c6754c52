"""The likelihood family's chart: per-document log-perplexity densities, Shumailov et al. style.

A pure function from plain numbers (metrics.json's ``artifacts.likelihood.histogram``) to an
inline SVG string, drawn with the report's machinery (:mod:`auditor.report.plots`), so it keeps
the report's guarantees: fixed rcParams and hash salt (``auditor report metrics.json`` redraws
it byte for byte), ink and colours rewritten to CSS (dark mode, print), labels drawn as plain
escaped text and the SVG re-serialised with only known elements kept (a generation name can hold
anything). matplotlib is imported inside the report helpers, never at import time.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.report import plots
from auditor.result import format_number


def density_chart(
    edges: Sequence[float],
    density: dict[str, Sequence[float]],
    reference: str,
    percentiles: Sequence[tuple[str, float]],
    key: str,
    model: str = "the reference's n-gram model",
) -> str:
    """Overlaid step densities, one per generation, with the reference's percentile lines (dashed).

    ``percentiles`` are (label, value) pairs, e.g. ("10th", 4.97), drawn as vertical lines; ``model``
    names what scored the documents, for the alt text.
    """
    names = list(density)
    colors = plots.generation_colors(names, reference)
    with plots._figure(4.8, 2.9) as fig:
        ax = fig.add_subplot()
        for name in names:
            width = 1.7 if name == reference else 1.2
            ax.stairs(list(density[name]), list(edges), color=colors[name], linewidth=width, label=plots._text(name))
        top = max((max(v) for v in density.values() if len(v)), default=1.0) or 1.0
        for label, value in percentiles:
            ax.axvline(value, color=plots.INK, linewidth=0.8, alpha=0.7, linestyle=(0, (3, 3)))
            ax.text(value, top * 1.04, plots._text(label), ha="center", va="bottom", fontsize=7.5)
        ax.set_ylim(0, top * 1.15)
        ax.set_xlabel("per-document log-perplexity (nats; lower = more probable)")
        ax.set_ylabel("density of documents")
        plots._legend(ax, len(names), outside=True)
        plots._y_grid(ax)
        plots._tight(fig, pad=0.4)
        lines = ", ".join(f"{label} {format_number(value)}" for label, value in percentiles)
        peaks = "; ".join(
            f"{plots._label(n)} densest near {format_number(_mode(edges, density[n]))}"
            for n in names
            if len(density[n])
        )
        alt = (
            f"Distribution of per-document log-perplexity under {plots._text(model)}, one line per "
            f"generation, with the reference's percentiles dashed ({lines}). {peaks}."
        )
        return plots._finish(fig, key, alt)


def _mode(edges: Sequence[float], density: Sequence[float]) -> float:
    """The centre of the densest bin."""
    i = max(range(len(density)), key=lambda j: (density[j], -j))
    return (edges[i] + edges[i + 1]) / 2
