"""report.html: one self-contained page rendered from an AuditResult (Jinja2, autoescaped).

This module only assembles: it turns the result (metrics.json v1 and its artifacts) into the
template's context and asks :mod:`auditor.report.plots` for inline SVG. It never recomputes a
metric, so ``auditor report metrics.json`` re-renders any past run identically. Labels, questions
and metric definitions come from the result (:func:`auditor.upgrade.upgrade` fills them in for a
file older than schema 1.3); each family's pictures come from its registered ``views``.

Every string from the data (generation names, words, reasons, sources) reaches the page through
Jinja2's autoescaping; the only markup passed as safe is the SVG that ``plots`` re-serialised.
Autoescaping leaves control characters alone, so every value is first passed through
:func:`auditor.text.terminal.visible_controls` (the environment's ``finalize``): a file name
holding ESC shows as ``\x1b`` instead of reaching the page (and a terminal that cats it) raw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup

from auditor.report import plots
from auditor.report.documents import documents_context
from auditor.report.reading import aspect_sentence, reading_line
from auditor.report.series import SeriesVerdict, first_degraded, forecast_sentence, series_verdicts
from auditor.report.views import Chart, FamilyView, anchor, caption, flagged, na_notes, slug, trend_data
from auditor.result import AuditResult, MetricResult, format_number
from auditor.stats import Status, metric_change_words
from auditor.text.terminal import visible_controls
from auditor.upgrade import upgrade


@dataclass
class Row:
    """One metric in a family's table of values."""

    id: str
    title: str
    anchor: str
    definition: str
    unit: str
    better: str
    headline: bool
    cells: list[dict[str, Any]]
    null: str


@dataclass
class Family:
    """A family's section: verdict, headline sentence, charts and values."""

    key: str
    label: str
    question: str
    anchor: str
    status: str
    verdict: str
    """E.g. "degraded since gen2"."""
    detail: str
    """The headline metric's numbers behind the verdict."""
    views: list[Chart]
    charts: list[Chart]
    rows: list[Row]
    view: FamilyView
    """The family's own view (its section template and context)."""


@dataclass
class Definition:
    """A metric's stated formula, from metrics.json (the registry's, upgraded, for a 1.0 file); what charts link to."""

    id: str
    family: str
    anchor: str
    chart: str
    title: str
    definition: str
    better: str
    unit: str
    tolerance: str
    citation: str
    headline: bool


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        # the page's templates, and each family's section templates (``<family>/section.html.j2``)
        loader=jinja2.ChoiceLoader(
            [jinja2.PackageLoader("auditor.report", "templates"), jinja2.PackageLoader("auditor", "families")]
        ),
        autoescape=True,  # corpus text and generation names can contain anything
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_visible,
    )
    env.filters["num"] = format_number
    env.filters["pct"] = _pct
    env.filters["by_generation"] = lambda charts: [(c.generation, c) for c in charts]
    return env


def _visible(value: Any) -> Any:
    """Control characters in a template value as visible escapes (markup, numbers and tabs/newlines kept)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible_controls(value, keep="\t\n")
    return value


def format_html(result: AuditResult) -> str:
    """The HTML report of a run."""
    return _environment().get_template("report.html.j2").render(**report_context(result))


def report_context(result: AuditResult) -> dict[str, Any]:
    """Everything the template shows, derived from the result only (upgraded first, if read from an older file)."""
    result = upgrade(result)
    series = series_verdicts(result)
    families = [_family(result, s, _family_view(result, s.family)) for s in series]
    return {
        "result": result,
        "names": result.generation_names,
        "families": families,
        "overall": _overall(result, families, series),
        "overview": _overview(result, families),
        "grid": _grid(result, families),
        "readings": _readings(result),
        "definitions": _definitions(result, families),
        "documents": documents_context(result),
        "config": [(k, _setting(v)) for k, v in sorted(result.config.items())],
    }


# ---------------------------------------------------------------------------------------------
# summary: the 30-second answer


def _overall(result: AuditResult, families: list[Family], series: list[SeriesVerdict]) -> dict[str, str]:
    """The page's first sentence: did it collapse, in which respects, since when."""
    measured = [f for f in families if f.status != "n/a"]
    bad = [f for f in measured if f.status == "degraded"]
    watch = [f for f in measured if f.status == "watch"]
    of = f"of {len(measured)} {'measured ' if len(measured) < len(families) else ''}families"
    if bad:
        first = first_degraded(result, [s for s in series if s.status == Status.DEGRADED])
        text = f"Collapse detected in {len(bad)} {of} ({_labels(bad)}), first at {first}."
        return {"status": "degraded", "text": text}
    if watch:
        return {"status": "watch", "text": f"No family is degraded; {len(watch)} {of} to watch ({_labels(watch)})."}
    if not measured:
        return {"status": "n/a", "text": "Nothing could be measured; see the reasons below."}
    every = "every measured family" if len(measured) < len(families) else "every family"
    text = f"No sign of collapse: {every} is within the reference's own sampling noise in every generation."
    return {"status": "ok", "text": text}


ASPECT_GLYPHS = {"narrowing": "▼", "drift": "➚", "loss": "∅"}
"""The overview's mark per degraded aspect (narrowing: less variety; drift: farther; loss: content gone)."""


def _overview(result: AuditResult, families: list[Family]) -> dict[str, Any]:
    """The top of the page: a generation x family heatmap with a glyph per degraded aspect, a few key
    numbers and what is new at each generation (read from the verdicts and readings, nothing recomputed)."""
    later = [g for g in result.generation_names if g != result.reference]
    rows = []
    for g in result.generation_names:
        cells = []
        for f in families:
            v = result.verdict(f.key, g)
            shown = v.aspects if v.status == "degraded" else v.watch_aspects if v.status == "watch" else None
            aspects = [a for a in ASPECT_GLYPHS if a in (shown or [])]
            cells.append(
                {
                    "family": f.key,
                    "label": f.label,
                    "anchor": f.anchor,
                    "status": v.status,
                    "aspects": [(a, ASPECT_GLYPHS[a]) for a in aspects],
                }
            )
        new = _new_at(result, families, later, g)
        rows.append({"name": g, "reference": g == result.reference, "cells": cells, "new": new})
    measured = [f for f in families if f.status != "n/a"]
    degraded_gens = [g for g in later if any(result.verdict(f.key, g).status == "degraded" for f in families)]
    numbers = [
        (f"{sum(f.status == 'degraded' for f in measured)} of {len(measured)}", "families degraded"),
        (f"{len(degraded_gens)} of {len(later)}", "later generations degraded somewhere"),
        (degraded_gens[0] if degraded_gens else "none", "first degraded generation"),
    ]
    if later:
        last = later[-1]
        judged = [m for m in result.metrics if m.status.get(last) not in (None, "n/a") and m.better != "none"]
        bad = [m for m in judged if m.status.get(last) == "degraded"]
        numbers.append((f"{len(bad)} of {len(judged)}", f"metrics degraded at {last}"))
    return {"rows": rows, "numbers": numbers, "glyphs": list(ASPECT_GLYPHS.items())}


def _new_at(result: AuditResult, families: list[Family], later: list[str], g: str) -> str:
    """What changed at ``g`` against the generation before it, e.g. "+ loss; newly degraded: rare words"
    (aspects and families newly degraded, or no longer). Empty for the reference and when nothing changed."""
    if g not in later:
        return ""
    i = later.index(g)

    def state(gen: str | None) -> tuple[list[str], list[str]]:
        if gen is None:
            return [], []
        reading = result.reading(gen)
        aspects = [a for a in ASPECT_GLYPHS if reading is not None and a in reading.aspects]
        return aspects, [f.label.lower() for f in families if result.verdict(f.key, gen).status == "degraded"]

    (was_a, was_f), (now_a, now_f) = state(later[i - 1] if i else None), state(g)
    parts = []
    if gained := [a for a in now_a if a not in was_a]:
        parts.append("+ " + ", ".join(gained))
    if worse := [f for f in now_f if f not in was_f]:
        parts.append("newly degraded: " + ", ".join(worse))
    if gone := [a for a in was_a if a not in now_a]:
        parts.append("\u2212 " + ", ".join(gone))
    if better := [f for f in was_f if f not in now_f]:
        parts.append("no longer degraded: " + ", ".join(better))
    return "; ".join(parts)


def _readings(result: AuditResult) -> list[dict[str, str]]:
    """The overall reading of each later generation (none for a file older than schema 1.2)."""
    rows = []
    for g in result.generation_names:
        reading = result.reading(g)
        if g != result.reference and reading is not None:
            rows.append({"name": g, "reading": reading.text, "line": reading_line(result, g)})
    return rows


def _labels(families: list[Family]) -> str:
    return ", ".join(f.label.lower() for f in families)


def _grid(result: AuditResult, families: list[Family]) -> list[dict[str, Any]]:
    """Verdict grid rows: one per generation, one cell per family, each with its one-line reasons.

    A family measured nowhere gives its reason once, in the summary and its section, not in every cell.
    """
    rows = []
    for g in result.generation_names:
        cells = []
        for f in families:
            v = result.verdict(f.key, g)
            # the status is in the cell already: "...: degraded" at the end of a reason says it twice
            reasons = [r.removesuffix(f": {v.status}") for r in v.reasons] if f.status != "n/a" else []
            shown = v.aspects if v.status == "degraded" else v.watch_aspects if v.status == "watch" else None
            aspects = ", ".join(shown or [])
            cells.append({"family": f.key, "status": v.status, "reasons": reasons, "aspects": aspects})
        reading = result.reading(g)
        rows.append(
            {
                "name": g,
                "reference": g == result.reference,
                "cells": cells,
                "reading": None if reading is None else reading.text,
            }
        )
    return rows


def family_sentence(
    result: AuditResult, series: SeriesVerdict, phrases: dict[str, str] | None = None
) -> tuple[str, str, str]:
    """The family's verdict over the series (e.g. "degraded since gen2") and the numbers behind it."""
    family, hits = series.family, series.hits
    later = [g for g in result.generation_names if g != result.reference]
    if hits:
        metric = _headline_at(result, family, hits[0], series.status)
        detail = _metric_phrase(result, metric, hits[0], later[-1], phrases or {}) if metric else ""
        how = aspect_sentence(result, family, hits[-1])
        if how:
            detail = f"At {hits[-1]} it {how}. {detail}"
        return series.status, series.text, detail
    if series.status == Status.OK:
        return series.status, series.text, "Every value is within the reference's own sampling noise."
    heads = [m for m in result.metrics if m.family == family and m.headline] or [
        m for m in result.metrics if m.family == family
    ]
    gens = [result.reference] if any(m.values[result.reference].reason for m in heads) else later
    reasons = list(dict.fromkeys(m.values[g].reason for m in heads for g in gens if m.values[g].reason))
    detail = " ".join(r[:1].upper() + r[1:] + ("" if r.endswith(".") else ".") for r in reasons)
    return series.status, series.text, detail


def _headline_at(result: AuditResult, family: str, gen: str, status: str) -> MetricResult | None:
    """The family's first headline metric with ``status`` at ``gen`` (the one to quote)."""
    heads = [m for m in result.metrics if m.family == family and m.headline]
    return next((m for m in heads if m.status.get(gen) == status), heads[0] if heads else None)


def _metric_phrase(result: AuditResult, m: MetricResult, gen: str, last: str, phrases: dict[str, str]) -> str:
    """The headline metric at the first bad generation and the last one, against the reference's null."""
    ref = result.reference
    value = _fmt(m, m.values[gen].value)
    null = f"; two halves of {ref}: {_fmt(m, m.null.range[0])} to {_fmt(m, m.null.range[1])}" if m.null else ""
    if m.id in phrases:  # a share of the reference's own content, in the family's plain words
        then = f", {_fmt(m, m.values[last].value)} by {last}" if last != gen else ""
        return f"By {gen} only {value} of {ref}'s {phrases[m.id]} survive{then}{null}."
    change = m.change.get(gen)
    rel = f" ({metric_change_words(m, gen, ref)} vs {ref})" if change and change.absolute is not None else ""
    then = f", {_fmt(m, m.values[last].value)} at {last}" if last != gen else ""
    return f"{m.title}: {value} at {gen}{rel}{then}{null}."


# ---------------------------------------------------------------------------------------------
# family sections


def _family(result: AuditResult, series: SeriesVerdict, view: FamilyView) -> Family:
    family = series.family
    info = result.family(family)
    status, verdict, detail = family_sentence(result, series, view.phrases)
    detail = " ".join(part for part in (detail, forecast_sentence(result, family)) if part)
    metrics = [m for m in result.metrics if m.family == family]
    ordered = [m for m in metrics if m.headline] + [m for m in metrics if not m.headline]
    charts = [_trend(result, m) for m in ordered if m.id not in view.drawn_in]
    return Family(
        key=family,
        label=info.label,
        question=info.question,
        anchor=f"family-{slug(family)}",
        status=status,
        verdict=verdict,
        detail=detail,
        views=view.charts,
        charts=charts,
        rows=[_row(result, m, view.drawn_in) for m in ordered],
        view=view,
    )


def _family_view(result: AuditResult, family: str) -> FamilyView:
    """What the family draws beyond its trend charts (nothing for a family this version does not know)."""
    from auditor.families import find_family

    record = find_family(family)
    return record.views(result) if record is not None and record.views is not None else FamilyView()


def _trend(result: AuditResult, m: MetricResult) -> Chart:
    """A metric's trend chart, or its n/a note when no generation has a value."""
    data = trend_data(result, m)
    has_value = any(v is not None for v in data.values)
    svg = Markup(plots.trend_chart(data, f"m-{m.id}")) if has_value else None
    return Chart(
        anchor=anchor(m.id),
        title=m.title,
        svg=svg,
        caption=caption(m),
        definition=f"def-{slug(m.id)}",
        notes=na_notes(result, m),
        statuses=flagged(m),
        headline=m.headline,
    )


def _row(result: AuditResult, m: MetricResult, drawn_in: dict[str, str]) -> Row:
    cells = []
    for g in result.generation_names:
        v = m.values[g]
        cells.append(
            {
                "value": format_number(v.value),
                "interval": f"{format_number(v.interval[0])} to {format_number(v.interval[1])}" if v.interval else "",
                "reason": v.reason or "",
                "status": m.status[g],
            }
        )
    null = f"{format_number(m.null.range[0])} to {format_number(m.null.range[1])}" if m.null else "n/a"
    return Row(
        m.id, m.title, drawn_in.get(m.id, anchor(m.id)), f"def-{slug(m.id)}", m.unit, m.better, m.headline, cells, null
    )


# ---------------------------------------------------------------------------------------------
# topics and definitions


def _definitions(result: AuditResult, families: list[Family]) -> list[Definition]:
    """Each reported metric's stated definition, tolerance and source, as metrics.json states them.

    A 1.0 file states none of them: :func:`auditor.upgrade.upgrade` took them from this version's
    registry (the title only for a metric it does not know). A family without any value links its
    definitions to its section, which has no charts.
    """
    unmeasured = {f.key: f.anchor for f in families if f.status == "n/a"}
    drawn_in = {metric: target for f in families for metric, target in f.view.drawn_in.items()}
    labels = {f.key: f.label for f in families}
    out = []
    for m in result.metrics:
        out.append(
            Definition(
                id=m.id,
                family=labels.get(m.family, m.family),
                anchor=f"def-{slug(m.id)}",
                chart=unmeasured.get(m.family) or drawn_in.get(m.id, anchor(m.id)),
                title=m.title,
                definition=m.definition or "(not in this auditor version's registry)",
                better={"higher": "higher is better", "lower": "lower is better"}.get(m.better, "descriptive"),
                unit=m.unit,
                tolerance=m.tolerance.describe() if m.tolerance else "",
                citation=m.citation or "",
                headline=m.headline,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# small helpers


def _setting(value: Any) -> str:
    """A config value for people: lists joined, None as 'none'."""
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(_setting(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_setting(v)}" for k, v in value.items())
    return str(value)


def _fmt(m: MetricResult, x: float | None) -> str:
    """Shares as percentages (how people read survival), everything else as a number."""
    if x is None:
        return "n/a"
    return _pct(x) if m.unit == "share" else _number(x)


def _number(x: float) -> str:
    """Like format_number, with thousands separators from 1,000 (counts in sentences read better)."""
    return f"{x:,.0f}" if abs(x) >= 1000 else format_number(x)


def _pct(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{100 * x:.0f}%" if abs(x) >= 0.1 else f"{100 * x:.1f}%"
