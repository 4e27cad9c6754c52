"""The embedding family's pictures: the map of every generation on the reference's principal axes."""

from __future__ import annotations

from markupsafe import Markup

from auditor.report import plots
from auditor.report.views import Chart, FamilyView
from auditor.result import AuditResult

SCATTER_CAPTION = (
    "Up to {n} documents per generation, projected on the reference's two principal axes; the reference "
    "is grey behind each panel. A collapsing generation huddles in part of the reference's cloud."
)


def views(result: AuditResult) -> FamilyView:
    """The embedding map, and the model line of the methods."""
    info = result.artifacts.get("embedding") or {}
    projection = info.get("projection") or {}
    charts = []
    if any(projection.get("points", {}).values()):
        svg = plots.embedding_scatter(
            projection["points"], result.reference, projection.get("explained_variance", []), "embedding-scatter"
        )
        most = max(len(p) for p in projection["points"].values())
        charts.append(Chart("view-embedding", "Embedding map", Markup(svg), SCATTER_CAPTION.format(n=most)))
    return FamilyView(charts, methods="embedding/methods.html.j2" if info else None, context={"info": info})
