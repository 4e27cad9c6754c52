"""report.html: one self-contained page rendered from an AuditResult (Jinja2, autoescaped).

This module only assembles: it turns the result (metrics.json v1 and its artifacts) into the
template's context and asks :mod:`auditor.report.plots` for inline SVG. It never recomputes a
metric, so ``auditor report metrics.json`` re-renders any past run identically.

Every string from the data (generation names, words, reasons, sources) reaches the page through
Jinja2's autoescaping; the only markup passed as safe is the SVG that ``plots`` re-serialised.
Autoescaping leaves control characters alone, so every value is first passed through
:func:`auditor.text.terminal.visible_controls` (the environment's ``finalize``): a file name
holding ESC shows as ``\x1b`` instead of reaching the page (and a terminal that cats it) raw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from auditor.report import plots
from auditor.result import AuditResult, MetricResult, format_number
from auditor.text.terminal import visible_controls

if TYPE_CHECKING:
    from auditor.metrics.base import MetricSpec

FAMILY_INFO: dict[str, tuple[str, str]] = {
    "vocabulary": ("Vocabulary", "Does the vocabulary shrink when every generation is measured at the same size?"),
    "tail": ("Rare words", "Do the reference's rare words survive in later generations?"),
    "embedding": (
        "Meaning spread",
        "Do documents still cover the reference's space of meanings (sentence embeddings)?",
    ),
    "topics": ("Topics", "Do later generations still cover the reference's topics?"),
    "voice": ("Voice", "Do styles and writers stay distinct, or do voices merge?"),
    "paired": ("Paired rewrites", "Where documents are linked across generations: what does each rewrite lose?"),
}
SURVIVAL_BANDS = {
    "tail.rare_survival_hapax": "hapax (1)",
    "tail.rare_survival_rare": "rare (2-4)",
    "tail.rare_survival_uncommon": "uncommon (5-16)",
}
SURVIVAL_PHRASE = {
    "tail.rare_survival_hapax": "hapax types (seen once in a draw)",
    "tail.rare_survival_rare": "rare types (2-4 occurrences)",
    "tail.rare_survival_uncommon": "uncommon types (5-16 occurrences)",
}
SEPARABILITY = "voice.author_separability"
CHANCE = "voice.author_separability_chance"
STATUS_RANK = {"n/a": 0, "ok": 1, "watch": 2, "degraded": 3}
LOST_ROWS = 30


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


@dataclass
class Definition:
    """A metric's stated formula from the registry (what each chart links to)."""

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
        loader=jinja2.PackageLoader("auditor.report", "templates"),
        autoescape=True,  # corpus text and generation names can contain anything
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_visible,
    )
    env.filters["num"] = format_number
    env.filters["pct"] = _pct
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
    """Everything the template shows, derived from the result only."""
    families = [_family(result, f) for f in dict.fromkeys(v.family for v in result.verdicts)]
    return {
        "result": result,
        "names": result.generation_names,
        "families": families,
        "overall": _overall(result, families),
        "grid": _grid(result, families),
        "lost_words": result.artifacts.get("lost_words") or {},
        "lost_rows": LOST_ROWS,
        "topics": _topic_rows(result),
        "topics_info": result.artifacts.get("topics") or {},
        "embedding_info": result.artifacts.get("embedding") or {},
        "paired_info": result.artifacts.get("paired") or {},
        "paired_examples": _paired_examples(result),
        "definitions": _definitions(result, {f.key: f.anchor for f in families if f.status == "n/a"}),
        "config": [(k, _setting(v)) for k, v in sorted(result.config.items())],
    }


PAIRED_EXAMPLES = 5


def _paired_examples(result: AuditResult) -> dict[str, list[dict[str, Any]]]:
    """The worst-hit pairs per generation, the original cut into (text, lost word?) segments.

    Segments are plain strings: the template escapes each and wraps the lost rare words in
    <mark>, so corpus text never becomes markup.
    """
    worst = (result.artifacts.get("paired") or {}).get("worst") or {}
    out = {}
    for generation, rows in worst.items():
        examples = []
        for row in rows[:PAIRED_EXAMPLES]:
            lost = {w.lower() for w in row.get("lost", [])}
            parts = re.split(r"([^\W\d_]+(?:['\u2019][^\W\d_]+)*)", row.get("original", ""))
            segments = [(part, part.lower() in lost) for part in parts if part]
            examples.append({**row, "segments": segments})
        out[generation] = examples
    return out


# ---------------------------------------------------------------------------------------------
# summary: the 30-second answer


def _overall(result: AuditResult, families: list[Family]) -> dict[str, str]:
    """The page's first sentence: did it collapse, in which respects, since when."""
    later = [g for g in result.generation_names if g != result.reference]
    measured = [f for f in families if f.status != "n/a"]
    bad = [f for f in measured if f.status == "degraded"]
    watch = [f for f in measured if f.status == "watch"]
    of = f"of {len(measured)} {'measured ' if len(measured) < len(families) else ''}families"
    if bad:
        first = min(later.index(_first(result, f.key, "degraded")) for f in bad)
        text = f"Collapse detected in {len(bad)} {of} ({_labels(bad)}), first at {later[first]}."
        return {"status": "degraded", "text": text}
    if watch:
        return {"status": "watch", "text": f"No family is degraded; {len(watch)} {of} to watch ({_labels(watch)})."}
    if not measured:
        return {"status": "n/a", "text": "Nothing could be measured; see the reasons below."}
    every = "every measured family" if len(measured) < len(families) else "every family"
    text = f"No sign of collapse: {every} is within the reference's own sampling noise in every generation."
    return {"status": "ok", "text": text}


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
            cells.append({"family": f.key, "status": v.status, "reasons": reasons})
        rows.append({"name": g, "reference": g == result.reference, "cells": cells})
    return rows


def _first(result: AuditResult, family: str, status: str) -> str | None:
    """The first later generation whose family verdict is ``status``."""
    for g in result.generation_names:
        if g != result.reference and result.verdict(family, g).status == status:
            return g
    return None


def family_sentence(result: AuditResult, family: str) -> tuple[str, str, str]:
    """The family's worst status over the series, since when (e.g. "degraded since gen2") and by how much."""
    later = [g for g in result.generation_names if g != result.reference]
    status = {g: result.verdict(family, g).status for g in later}
    worst = max(status.values(), key=STATUS_RANK.__getitem__, default="n/a")
    if worst in ("degraded", "watch"):
        hits = [g for g in later if status[g] == worst]
        rest = later[later.index(hits[0]) :]
        when = f"since {hits[0]}" if len(rest) > 1 and hits == rest else f"at {', '.join(hits)}"
        metric = _headline_at(result, family, hits[0], worst)
        detail = _metric_phrase(result, metric, hits[0], later[-1]) if metric else ""
        verdict = f"degraded {when}" if worst == "degraded" else f"not degraded; watch {when}"
        return worst, verdict, detail
    if worst == "ok":
        return worst, "ok in every generation", "Every value is within the reference's own sampling noise."
    heads = [m for m in result.metrics if m.family == family and m.headline] or [
        m for m in result.metrics if m.family == family
    ]
    gens = [result.reference] if any(m.values[result.reference].reason for m in heads) else later
    reasons = list(dict.fromkeys(m.values[g].reason for m in heads for g in gens if m.values[g].reason))
    return worst, "not measured", " ".join(r[:1].upper() + r[1:] + ("" if r.endswith(".") else ".") for r in reasons)


def _headline_at(result: AuditResult, family: str, gen: str, status: str) -> MetricResult | None:
    """The family's first headline metric with ``status`` at ``gen`` (the one to quote)."""
    heads = [m for m in result.metrics if m.family == family and m.headline]
    return next((m for m in heads if m.status.get(gen) == status), heads[0] if heads else None)


def _metric_phrase(result: AuditResult, m: MetricResult, gen: str, last: str) -> str:
    """The headline metric at the first bad generation and the last one, against the reference's null."""
    ref = result.reference
    value = _fmt(m, m.values[gen].value)
    null = f"; two halves of {ref}: {_fmt(m, m.null.range[0])} to {_fmt(m, m.null.range[1])}" if m.null else ""
    if m.id in SURVIVAL_PHRASE:
        then = f", {_fmt(m, m.values[last].value)} by {last}" if last != gen else ""
        return f"By {gen} only {value} of {ref}'s {SURVIVAL_PHRASE[m.id]} survive{then}{null}."
    change = m.change.get(gen)
    rel = f" ({change.relative:+.0%} vs {ref})" if change and change.relative is not None else ""
    then = f", {_fmt(m, m.values[last].value)} at {last}" if last != gen else ""
    return f"{m.title}: {value} at {gen}{rel}{then}{null}."


# ---------------------------------------------------------------------------------------------
# family sections


def _family(result: AuditResult, family: str) -> Family:
    label, question = FAMILY_INFO.get(family, (family.replace("_", " ").capitalize(), ""))
    status, verdict, detail = family_sentence(result, family)
    metrics = [m for m in result.metrics if m.family == family]
    views = _views(result, family)
    taken = {SEPARABILITY, CHANCE} if any(c.anchor == anchor(SEPARABILITY) for c in views) else set()
    ordered = [m for m in metrics if m.headline] + [m for m in metrics if not m.headline]
    charts = [_trend(result, m) for m in ordered if m.id not in taken]
    return Family(
        key=family,
        label=label,
        question=question,
        anchor=f"family-{_slug(family)}",
        status=status,
        verdict=verdict,
        detail=detail,
        views=views,
        charts=charts,
        rows=[_row(result, m) for m in ordered],
    )


def _views(result: AuditResult, family: str) -> list[Chart]:
    """The family's own pictures beyond the per-metric trends."""
    art = result.artifacts
    ref = result.reference
    out: list[Chart] = []
    if family == "vocabulary":
        if any((art.get("rank_frequency") or {}).values()):
            svg = plots.rank_frequency_chart(art["rank_frequency"], ref, "zipf")
            out.append(Chart("view-zipf", "Rank-frequency (Zipf) plot", Markup(svg), _ZIPF_CAPTION))
        if any((art.get("type_curve") or {}).values()):
            svg = plots.type_curve_chart(art["type_curve"], ref, "rarefaction")
            out.append(Chart("view-rarefaction", "Rarefaction curves", Markup(svg), _RAREFACTION_CAPTION))
    elif family == "tail":
        bands = [_band(result.metric(i), label, result) for i, label in SURVIVAL_BANDS.items() if _has(result, i)]
        if any(v is not None for band in bands for v in band.values):
            svg = plots.survival_chart(bands, result.generation_names, ref, "survival")
            out.append(Chart("view-survival", "Rare-word survival per band", Markup(svg), _SURVIVAL_CAPTION))
    elif family == "embedding":
        projection = (art.get("embedding") or {}).get("projection") or {}
        if any(projection.get("points", {}).values()):
            svg = plots.embedding_scatter(
                projection["points"], ref, projection.get("explained_variance", []), "embedding-scatter"
            )
            most = max(len(p) for p in projection["points"].values())
            out.append(Chart("view-embedding", "Embedding map", Markup(svg), _SCATTER_CAPTION.format(n=most)))
    elif family == "voice" and _has(result, SEPARABILITY):
        out.append(_separability(result))
    return out


_ZIPF_CAPTION = (
    "Share of tokens against frequency rank, log-log, from each generation's full counts (log-binned). "
    "Collapse shows as a curve that ends early (fewer types) and a steeper head."
)
_RAREFACTION_CAPTION = (
    "Distinct word types against tokens drawn (whole documents, one seeded draw per point). "
    "Curves compare generations at any common size; a lower curve is a poorer vocabulary."
)
_SURVIVAL_CAPTION = (
    "Share of the reference's types in each rare band (by count in a budget draw) that occur in the "
    "generation's draw of the same size. Grey band: the reference's split-half null range; whiskers: "
    "2.5-97.5% over draws. The reference's own bar is half against half."
)
_SCATTER_CAPTION = (
    "Up to {n} documents per generation, projected on the reference's two principal axes; the reference "
    "is grey behind each panel. A collapsing generation huddles in part of the reference's cloud."
)


def _has(result: AuditResult, metric_id: str) -> bool:
    return any(m.id == metric_id for m in result.metrics)


def _band(m: MetricResult, label: str, result: AuditResult) -> plots.Band:
    names = result.generation_names
    return plots.Band(
        label=label,
        values=[m.values[g].value for g in names],
        intervals=[m.values[g].interval for g in names],
        null=tuple(m.null.range) if m.null else None,
    )


def _trend_data(result: AuditResult, m: MetricResult) -> plots.Trend:
    names = result.generation_names
    return plots.Trend(
        title=m.title,
        unit=m.unit,
        names=names,
        values=[m.values[g].value for g in names],
        intervals=[m.values[g].interval for g in names],
        statuses=[m.status[g] for g in names],
        null=(m.null.center, *m.null.range) if m.null else None,
    )


def _trend(result: AuditResult, m: MetricResult) -> Chart:
    """A metric's trend chart, or its n/a note when no generation has a value."""
    data = _trend_data(result, m)
    has_value = any(v is not None for v in data.values)
    svg = Markup(plots.trend_chart(data, f"m-{m.id}")) if has_value else None
    return Chart(
        anchor=anchor(m.id),
        title=m.title,
        svg=svg,
        caption=_caption(m),
        definition=f"def-{_slug(m.id)}",
        notes=_na_notes(result, m),
        statuses=_flagged(m),
        headline=m.headline,
    )


def _separability(result: AuditResult) -> Chart:
    """Author separability with its chance line (the chance metric has no chart of its own)."""
    m = result.metric(SEPARABILITY)
    names = result.generation_names
    chance = result.metric(CHANCE) if _has(result, CHANCE) else None
    data = _trend_data(result, m)
    svg = None
    if any(v is not None for v in data.values):
        chance_values = [chance.values[g].value if chance else None for g in names]
        svg = Markup(plots.separability_chart(data, chance_values, f"m-{m.id}"))
    return Chart(
        anchor=anchor(m.id),
        title="Author separability against chance",
        svg=svg,
        caption=_caption(m) + " Dashed: the same classifier on permuted labels (chance).",
        definition=f"def-{_slug(m.id)}",
        also=[("Chance", f"def-{_slug(CHANCE)}")] if chance else [],
        notes=_na_notes(result, m),
        statuses=_flagged(m),
    )


def _flagged(m: MetricResult) -> dict[str, list[str]]:
    """The generations flagged watch or degraded on a metric, by status."""
    out: dict[str, list[str]] = {}
    for status in ("degraded", "watch"):
        gens = [g for g, s in m.status.items() if s == status]
        if gens:
            out[status] = gens
    return out


def _caption(m: MetricResult) -> str:
    direction = {"higher": "higher is better", "lower": "lower is better"}.get(m.better, "descriptive")
    unit = f"{m.unit}; " if m.unit else ""
    return f"{unit}{direction}."


def _na_notes(result: AuditResult, m: MetricResult) -> list[str]:
    """'n/a' with its reason per missing value, merged when every generation has the same reason."""
    missing = [(g, m.values[g].reason or "undefined") for g in result.generation_names if m.values[g].value is None]
    if missing and len(missing) == len(result.generation_names) and len({r for _, r in missing}) == 1:
        return [f"n/a in every generation: {missing[0][1]}"]
    return [f"{g}: n/a ({reason})" for g, reason in missing]


def _row(result: AuditResult, m: MetricResult) -> Row:
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
        m.id, m.title, chart_anchor(result, m.id), f"def-{_slug(m.id)}", m.unit, m.better, m.headline, cells, null
    )


# ---------------------------------------------------------------------------------------------
# topics and definitions


def _topic_rows(result: AuditResult) -> list[dict[str, Any]]:
    """Topic x generation shares for the heatmap table, biggest reference topics first."""
    topics = (result.artifacts.get("topics") or {}).get("topics") or []
    names = result.generation_names
    top = max((t["share"].get(g) or 0 for t in topics for g in names), default=0) or 1
    rows = []
    for t in topics:
        vanished = set(t.get("vanished_in") or [])
        cells = [
            {
                "generation": g,
                "share": t["share"].get(g),
                "level": round((t["share"].get(g) or 0) / top, 3),
                "vanished": g in vanished,
            }
            for g in names
        ]
        rows.append({"topic": t["topic"], "words": t.get("top_words") or [], "cells": cells})
    rows.sort(key=lambda r: (-(r["cells"][names.index(result.reference)]["share"] or 0), str(r["topic"])))
    return rows


def _definitions(result: AuditResult, unmeasured: dict[str, str]) -> list[Definition]:
    """Each reported metric's stated definition from the registry (the title only if unknown).

    ``unmeasured`` maps families without any value to their section, which has no charts to link back to.
    """
    from auditor.metrics.registry import all_specs

    specs = {s.id: s for s in all_specs()}
    out = []
    for m in result.metrics:
        s = specs.get(m.id)
        tolerance = _tolerance(s, result.config.get("tolerance")) if s else ""
        out.append(
            Definition(
                id=m.id,
                family=FAMILY_INFO.get(m.family, (m.family,))[0],
                anchor=f"def-{_slug(m.id)}",
                chart=unmeasured.get(m.family) or chart_anchor(result, m.id),
                title=m.title,
                definition=s.definition if s else "(not in this auditor version's registry)",
                better={"higher": "higher is better", "lower": "lower is better"}.get(m.better, "descriptive"),
                unit=m.unit,
                tolerance=tolerance,
                citation=s.citation if s else "",
                headline=m.headline,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# small helpers


def anchor(metric_id: str) -> str:
    """The id of a metric's chart on the page."""
    return f"m-{_slug(metric_id)}"


def _setting(value: Any) -> str:
    """A config value for people: lists joined, None as 'none'."""
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(_setting(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_setting(v)}" for k, v in value.items())
    return str(value)


def _tolerance(spec: MetricSpec, default: Any) -> str:
    """A spec's tolerance as stated; None means the run's relative default (``--tolerance``)."""
    if spec.tolerance is None:
        return f"{default} relative (the run's --tolerance)" if default is not None else "the run's default (relative)"
    return f"{spec.tolerance:g} {spec.tolerance_kind}"


def chart_anchor(result: AuditResult, metric_id: str) -> str:
    """Where a metric is drawn: its own chart, except chance, drawn as the separability chart's dashed line."""
    if metric_id == CHANCE and _has(result, SEPARABILITY):
        return anchor(SEPARABILITY)
    return anchor(metric_id)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)


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
