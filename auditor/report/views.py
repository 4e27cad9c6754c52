"""What a report section is made of: charts, and the views a family contributes.

A family's ``views`` (``auditor/families/<name>/views.py``) turn a finished AuditResult into a
:class:`FamilyView`: its own pictures (Zipf plot, survival bars, embedding map...), an optional
section template of its own (lost words, topic heatmap, linked documents) and method notes. The
report loops over the registered families and never branches on a family's name. Views read
metrics.json only, so ``auditor report`` re-renders any past run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from auditor.report import plots
from auditor.result import AuditResult, MetricResult


@dataclass
class Chart:
    """One figure on the page: an inline SVG (or an n/a note) with its caption and definition link."""

    anchor: str
    title: str
    svg: Markup | None
    caption: str = ""
    definition: str | None = None
    """Anchor of the metric's definition in Methods."""
    also: list[tuple[str, str]] = field(default_factory=list)
    """Further (label, definition anchor) pairs, for metrics drawn inside this chart."""
    notes: list[str] = field(default_factory=list)
    statuses: dict[str, list[str]] = field(default_factory=dict)
    """Generations per non-ok status (watch, degraded), for the caption's badges."""
    headline: bool = False
    generation: str | None = None
    """Set on one of a series of per-generation charts (word shift...): the page shows them in one block
    with a generation selector instead of one after another."""


def has(result: AuditResult, metric_id: str) -> bool:
    """Whether the run computed ``metric_id``."""
    return any(m.id == metric_id for m in result.metrics)


def band(m: MetricResult, label: str, result: AuditResult) -> plots.Band:
    """One bar group of a per-band chart: a metric's values, intervals and null over the series."""
    names = result.generation_names
    return plots.Band(
        label=label,
        values=[m.values[g].value for g in names],
        intervals=[m.values[g].interval for g in names],
        null=tuple(m.null.range) if m.null else None,
    )


def trend_data(result: AuditResult, m: MetricResult) -> plots.Trend:
    """A metric over the series, as the trend plot takes it."""
    names = result.generation_names
    return plots.Trend(
        title=m.title,
        unit=m.unit,
        names=names,
        values=[m.values[g].value for g in names],
        intervals=[m.values[g].interval for g in names],
        statuses=[m.status[g] for g in names],
        null=(m.null.center, *m.null.range) if m.null else None,
        projection=_projection(result, m),
    )


def _projection(result: AuditResult, m: MetricResult) -> plots.Projection | None:
    """The stored projection of a metric's trend, placed on the chart's generation axis: one gap
    between the last two generations' positions is one step of the axis."""
    positions = [g.position for g in result.generations]
    drawn = m.trend.projection if m.trend is not None else None
    if not drawn or len(positions) < 2 or any(p is None for p in positions[-2:]):
        return None
    last, step = float(positions[-1]), float(positions[-1] - positions[-2])  # type: ignore[operator]
    if step <= 0:
        return None
    x = [len(positions) - 1 + (float(p) - last) / step for p in drawn["positions"] if p is not None]
    return plots.Projection(x, drawn["centre"], drawn["low"], drawn["high"])


def flagged(m: MetricResult) -> dict[str, list[str]]:
    """The generations flagged watch or degraded on a metric, by status."""
    out: dict[str, list[str]] = {}
    for status in ("degraded", "watch"):
        gens = [g for g, s in m.status.items() if s == status]
        if gens:
            out[status] = gens
    return out


def caption(m: MetricResult) -> str:
    """The unit and direction line under a metric's chart."""
    direction = {"higher": "higher is better", "lower": "lower is better"}.get(m.better, "descriptive")
    unit = f"{m.unit}; " if m.unit else ""
    return f"{unit}{direction}."


def na_notes(result: AuditResult, m: MetricResult) -> list[str]:
    """'n/a' with its reason per missing value, merged when every generation has the same reason."""
    missing = [(g, m.values[g].reason or "undefined") for g in result.generation_names if m.values[g].value is None]
    if missing and len(missing) == len(result.generation_names) and len({r for _, r in missing}) == 1:
        return [f"n/a in every generation: {missing[0][1]}"]
    return [f"{g}: n/a ({reason})" for g, reason in missing]


def anchor(metric_id: str) -> str:
    """The id of a metric's chart on the page."""
    return f"m-{slug(metric_id)}"


def slug(text: str) -> str:
    """``text`` made safe as an HTML id."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)


@dataclass
class FamilyView:
    """A family's contribution to its report section beyond the per-metric trend charts."""

    charts: list[Chart] = field(default_factory=list)
    section: str | None = None
    """A template (``<family>/section.html.j2`` under ``auditor/families``) rendered after the charts;
    it reads ``view.context``."""
    methods: str | None = None
    """A template for the family's line in "Settings and versions" (model, k, n...)."""
    context: dict[str, Any] = field(default_factory=dict)
    drawn_in: dict[str, str] = field(default_factory=dict)
    """Metric id -> the anchor of the chart it is drawn in (such metrics get no trend chart of their own)."""
    phrases: dict[str, str] = field(default_factory=dict)
    """Metric id -> plain words for a share metric in summary sentences ("hapax types")."""
