"""The likelihood family's pictures: log-perplexity densities per generation, and the copied spans."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from auditor.families.likelihood.plots import density_chart
from auditor.report.views import Chart, FamilyView, slug
from auditor.result import AuditResult

DENSITY_CAPTION = (
    "Per-document log-perplexity under {model}, for every scored document; the reference's line is {ref_line}. "
    "Dashed: the reference's {low} and {high} percentiles. A collapsing generation piles up left of the {low} "
    "(more typical than human text) or spreads right of the {high} (less coherent)."
)


def model_phrase(info: dict[str, Any]) -> tuple[str, str]:
    """What scored the documents, and what the reference's line is, in words for captions."""
    if info.get("scorer") == "neural":
        model = info.get("model") or {}
        return f"the causal language model {model.get('name', '?')}", "all its sampled documents"
    return "the n-gram model fitted on half of the reference", "its other half"


def views(result: AuditResult) -> FamilyView:
    """The density chart, the copied-spans section and the model's line of the methods."""
    info = result.artifacts.get("likelihood") or {}
    charts = []
    histogram = info.get("histogram") or {}
    density = {g: histogram["density"][g] for g in result.generation_names if g in histogram.get("density", {})}
    if density:
        percentiles = [(_ordinal(q), value) for q, value in (info.get("percentiles") or {}).values()]
        model, ref_line = model_phrase(info)
        svg = density_chart(histogram["edges"], density, result.reference, percentiles, "likelihood-density", model)
        labels = [label for label, _ in percentiles] or ["10th", "90th"]
        charts.append(
            Chart(
                "view-likelihood",
                "Per-document log-perplexity",
                Markup(svg),
                DENSITY_CAPTION.format(model=model, ref_line=ref_line, low=labels[0], high=labels[-1]),
                definition=f"def-{slug('likelihood.distribution_shift')}",
                also=[
                    ("typical mass", f"def-{slug('likelihood.typical_mass')}"),
                    ("incoherent mass", f"def-{slug('likelihood.incoherent_mass')}"),
                ],
            )
        )
    copied = info.get("copied_spans") or {}
    spans = {g: copied[g] for g in result.generation_names if g in copied and g != result.reference}
    return FamilyView(
        charts,
        section="likelihood/section.html.j2" if spans else None,
        methods="likelihood/methods.html.j2" if info else None,
        context={"info": info, "spans": spans, "generations": _generation_rows(result, info)},
    )


def _generation_rows(result: AuditResult, info: dict[str, Any]) -> list[dict[str, Any]]:
    """Per scored generation: documents scored, skipped as too short, and the out-of-vocabulary rate (the
    n-gram model) or the documents and tokens cut to the context (a neural model)."""
    per = info.get("generations") or {}
    return [{"name": g, **per[g]} for g in result.generation_names if g in per]


def _ordinal(q: float) -> str:
    """10.0 -> '10th'."""
    n = int(q) if float(q).is_integer() else q
    suffix = "th" if isinstance(n, float) or 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
