"""The voice family's pictures: author separability against its chance level."""

from __future__ import annotations

from markupsafe import Markup

from auditor.report import plots
from auditor.report.views import Chart, FamilyView, anchor, caption, flagged, has, na_notes, slug, trend_data
from auditor.result import AuditResult

SEPARABILITY = "voice.author_separability"
CHANCE = "voice.author_separability_chance"


def views(result: AuditResult) -> FamilyView:
    """Separability with its chance line, when the run had a label field (both are drawn there), the
    register sentences, and the table of style features that moved most per generation."""
    from auditor.families.register_shift import register_sentences

    shift = {g: rows for g, rows in (result.artifacts.get("style_shift") or {}).items() if rows}
    register = register_sentences(result)
    context = {"style_shift": shift, "register": register}
    section = {"section": "voice/section.html.j2", "context": context} if shift or register else {}
    if not has(result, SEPARABILITY):
        return FamilyView(**section)
    drawn_in = {SEPARABILITY: anchor(SEPARABILITY), CHANCE: anchor(SEPARABILITY)}
    return FamilyView([separability(result)], drawn_in=drawn_in, **section)


def separability(result: AuditResult) -> Chart:
    """Author separability with its chance line (the chance metric has no chart of its own)."""
    m = result.metric(SEPARABILITY)
    names = result.generation_names
    chance = result.metric(CHANCE) if has(result, CHANCE) else None
    data = trend_data(result, m)
    svg = None
    if any(v is not None for v in data.values):
        chance_values = [chance.values[g].value if chance else None for g in names]
        svg = Markup(plots.separability_chart(data, chance_values, f"m-{m.id}"))
    return Chart(
        anchor=anchor(m.id),
        title="Author separability against chance",
        svg=svg,
        caption=caption(m) + " Dashed: the same classifier on permuted labels (chance).",
        definition=f"def-{slug(m.id)}",
        also=[("Chance", f"def-{slug(CHANCE)}")] if chance else [],
        notes=na_notes(result, m),
        statuses=flagged(m),
    )
