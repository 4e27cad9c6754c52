"""The vocabulary family's pictures: the Zipf plot and the rarefaction curves."""

from __future__ import annotations

from markupsafe import Markup

from auditor.report import plots
from auditor.report.views import Chart, FamilyView, slug
from auditor.result import AuditResult

ZIPF_CAPTION = (
    "Share of tokens against frequency rank, log-log, from each generation's full counts (log-binned). "
    "Collapse shows as a curve that ends early (fewer types) and a steeper head."
)
RAREFACTION_CAPTION = (
    "Distinct word types against tokens drawn (whole documents, one seeded draw per point). "
    "Curves compare generations at any common size; a lower curve is a poorer vocabulary."
)

WORD_SHIFT_CAPTION = (
    "Words the generation over-uses (right) and under-uses (left) against the reference: weighted "
    "log-odds z with an informative Dirichlet prior (Monroe et al. 2008) on one equal-size budget draw "
    "each. |z| > 3.29 is significant at p = 0.001; two halves of the same human text stay below about 4."
)


def views(result: AuditResult) -> FamilyView:
    """Zipf and rarefaction charts from the lexical artifacts."""
    art, ref = result.artifacts, result.reference
    charts = []
    if any((art.get("rank_frequency") or {}).values()):
        svg = plots.rank_frequency_chart(art["rank_frequency"], ref, "zipf")
        charts.append(Chart("view-zipf", "Rank-frequency (Zipf) plot", Markup(svg), ZIPF_CAPTION))
    if any((art.get("type_curve") or {}).values()):
        svg = plots.type_curve_chart(art["type_curve"], ref, "rarefaction")
        charts.append(Chart("view-rarefaction", "Rarefaction curves", Markup(svg), RAREFACTION_CAPTION))
    for name, shift in (art.get("word_shift") or {}).items():
        if shift.get("over") or shift.get("under"):
            from auditor.families.vocabulary.plots import word_shift_chart

            svg = word_shift_chart(shift, name, f"wordshift-{slug(name)}")
            anchor = f"view-wordshift-{slug(name)}"
            charts.append(Chart(anchor, f"Word shift: {name}", Markup(svg), WORD_SHIFT_CAPTION, generation=name))
    return FamilyView(charts)
