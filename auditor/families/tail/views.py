"""The tail family's pictures: survival per rare band, and the table of lost words."""

from __future__ import annotations

from markupsafe import Markup

from auditor.families.rarity import RARE_BANDS, span
from auditor.report import plots
from auditor.report.views import Chart, FamilyView, band, has
from auditor.result import AuditResult

SURVIVAL_BANDS = {f"tail.rare_survival_{name}": f"{name} ({span(edges)})" for name, edges in RARE_BANDS.items()}
SURVIVAL_PHRASE = {
    **{f"tail.rare_survival_{name}": f"{name} types ({span(edges)} occurrences)" for name, edges in RARE_BANDS.items()},
    "tail.rare_survival_hapax": "hapax types (seen once in a draw)",  # a hapax is seen once, by definition
}
SURVIVAL_CAPTION = (
    "Share of the reference's types in each rare band (by count in a budget draw) that occur in the "
    "generation's draw of the same size. Grey band: the reference's split-half null range; whiskers: "
    "2.5-97.5% over draws. The reference's own bar is half against half."
)
LOST_ROWS = 30


def views(result: AuditResult) -> FamilyView:
    """Survival bars per band, and the lost-words section."""
    charts = []
    bands = [band(result.metric(i), label, result) for i, label in SURVIVAL_BANDS.items() if has(result, i)]
    if any(v is not None for b in bands for v in b.values):
        svg = plots.survival_chart(bands, result.generation_names, result.reference, "survival")
        charts.append(Chart("view-survival", "Rare-word survival per band", Markup(svg), SURVIVAL_CAPTION))
    lost_words = result.artifacts.get("lost_words") or {}
    return FamilyView(
        charts,
        section="tail/section.html.j2" if lost_words else None,
        context={"lost_words": lost_words, "lost_rows": LOST_ROWS},
        phrases=SURVIVAL_PHRASE,
    )
