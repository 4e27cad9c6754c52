"""The word-shift chart: diverging horizontal bars of the most over- and under-used words.

Built with :mod:`auditor.report.plots`' figure, sentinel colours and SVG cleaning, so it is
deterministic, theme-aware and safe like every other chart of the report.
"""

from __future__ import annotations

from auditor.report import plots
from auditor.text.terminal import visible_controls

CHART_WORDS = 12
"""Words per side drawn (the artifact keeps 30)."""


def word_shift_chart(shift: dict[str, list[dict]], generation: str, key: str, top: int = CHART_WORDS) -> str:
    """Over-used words (z > 0, right) above under-used words (z < 0, left), longest bar at the ends."""
    over = shift.get("over", [])[:top]
    under = shift.get("under", [])[:top]
    rows = under + list(reversed(over))  # bottom to top: most under-used ... most over-used
    labels = [plots._text(visible_controls(r["word"])) for r in rows]
    values = [float(r["z"]) for r in rows]
    height = max(1.6, 0.16 * len(rows) + 0.7)
    with plots._figure(4.4, height) as fig:
        ax = fig.add_subplot()
        ys = list(range(len(rows)))
        colors = [plots.DEGRADED if v > 0 else plots.ACCENT for v in values]
        ax.barh(ys, values, color=colors, height=0.7)
        ax.set_yticks(ys, labels)
        ax.axvline(0, color=plots.INK, linewidth=0.6)
        ax.set_xlabel(f"log-odds z, {plots._label(visible_controls(generation))} vs reference (right: over-used)")
        ax.tick_params(axis="y", labelsize=7)
        plots._tight(fig, pad=0.4)
        parts = [f"{r['word']} {r['z']:+.1f}" for r in over[:5]] + [f"{r['word']} {r['z']:+.1f}" for r in under[:5]]
        alt = f"Word shift of {generation} against the reference: most over- and under-used words with z. " + ", ".join(
            parts
        )
        return plots._finish(fig, key, visible_controls(alt))
