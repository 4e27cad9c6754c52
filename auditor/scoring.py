"""Run registered metrics over the draws and turn their values into calibrated results.

For each metric: the values of every draw (R per generation), the null (the reference's
split-half values), the per-generation value (mean over draws), interval (2.5-97.5 percentiles),
change vs the reference, step vs the previous generation, and status by the verdict rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from auditor.aspects import Reading, sort_aspects
from auditor.draws import DrawSet
from auditor.families.base import Metric, MetricData
from auditor.result import (
    COMPARISON,
    SINGLE,
    Delta,
    FamilyVerdict,
    GenerationValue,
    MetricResult,
    NullSummary,
    clean_float,
    format_number,
)
from auditor.stats import Status, change, metric_change_words, percentile_interval, verdict, worst_status


def compute_metrics(
    metrics: Sequence[Metric],
    drawset: DrawSet,
    data: MetricData,
    *,
    default_tolerance: float,
    executor: Executor | None = None,
    nulls: Mapping[str, np.ndarray] | None = None,
    draws: dict[str, dict[str, np.ndarray]] | None = None,
) -> list[MetricResult]:
    """Evaluate each metric on the draw set and summarise it (see module docstring).

    Metrics that share a computation (``Metric.output``) are evaluated together, with one call of
    their shared function. With a thread ``executor`` the computations run side by side: their
    heavy parts (sorts, bincounts, matrix products) are NumPy calls that release the GIL. Each
    metric seeds its own randomness, so the results do not depend on the order threads finish in.

    ``nulls``: null values already computed on these null pairs (by metric id, as
    :func:`null_values` returns them, e.g. from a reference profile); a computation whose every
    metric has one is evaluated on the generations' draws only. ``draws``, when given, receives each
    metric's values per draw and generation (the null's for a comparison's reference), for trends.
    """
    groups = _groups(metrics)

    def run(group: list[Metric]) -> list[MetricResult]:
        known = nulls is not None and all(m.spec.id in nulls for m in group)
        raw = _raw_values(group[0], drawset, data, with_null=not known)
        by_metric = {m.spec.id: nulls[m.spec.id] for m in group} if known else _null_by_metric(group, raw[1])
        return [
            _compute_one(m, drawset, data, default_tolerance, raw[0], by_metric[m.spec.id], draws) for m in group
        ]

    if executor is None:
        done = [run(group) for group in groups]
    else:
        done = [f.result() for f in [executor.submit(run, group) for group in groups]]
    by_id = {r.id: r for results in done for r in results}
    return [by_id[m.spec.id] for m in metrics]


def null_values(metrics: Sequence[Metric], drawset: DrawSet, data: MetricData) -> dict[str, np.ndarray]:
    """Each metric's values on the reference's null pairs alone (what a reference profile stores)."""
    out: dict[str, np.ndarray] = {}
    for group in _groups(metrics):
        batch = _null_batch(group[0], drawset)
        computed = group[0].fn(batch, data) if batch else None
        out.update(_null_by_metric(group, _part(computed, slice(0, None))))
    return out


def _groups(metrics: Sequence[Metric]) -> list[list[Metric]]:
    """Metrics grouped by computation: one group per shared function (``Metric.output``), else alone."""
    groups: dict[object, list[Metric]] = {}
    for m in metrics:
        groups.setdefault((m.fn, m.kind) if m.output is not None else m, []).append(m)
    return list(groups.values())


def _null_by_metric(group: list[Metric], null: Any) -> dict[str, np.ndarray]:
    return {m.spec.id: _select(null, m) for m in group}


RawValues = tuple[dict[str, Any], Any]
"""Per-generation draw values and the null values: arrays, or dicts of arrays for a shared computation."""


def _null_batch(metric: Metric, ds: DrawSet) -> list[Any]:
    """The metric function's inputs for the null: each split's halves (both orders for a comparison)."""
    if metric.kind == SINGLE:
        return [d for pair in ds.null_pairs for d in pair]
    if ds.draws.get(ds.reference) is None:
        return []
    return [p for a, b in ds.null_pairs for p in ((a, b), (b, a))]


def _raw_values(metric: Metric, ds: DrawSet, data: MetricData, *, with_null: bool = True) -> RawValues:
    """Per-generation draw values and (``with_null``) the null values, from one batched call of ``metric.fn``."""
    ref_draws = ds.draws.get(ds.reference)
    if metric.kind == SINGLE:
        gens = [g for g in ds.names if g in ds.draws]
        batch = [d for g in gens for d in ds.draws[g]]
    else:
        # a comparison needs reference draws; without them every generation stays n/a
        gens = [g for g in ds.names if g in ds.draws and g != ds.reference] if ref_draws is not None else []
        batch = [(r, d) for g in gens for r, d in zip(ref_draws, ds.draws[g], strict=True)]
    if with_null:
        batch += _null_batch(metric, ds)
    computed = metric.fn(batch, data) if batch else None
    out: dict[str, Any] = {}
    pos = 0
    for g in gens:
        n = len(ds.draws[g])
        out[g] = _part(computed, slice(pos, pos + n))
        pos += n
    null = _part(computed, slice(pos, None)) if with_null else None
    return out, null


def _part(computed: Any, rows: slice) -> Any:
    """Rows of an array, or of every array of a shared computation's dict."""
    if isinstance(computed, dict):
        return {key: np.asarray(values, dtype=float)[rows] for key, values in computed.items()}
    return np.asarray(computed if computed is not None else np.zeros(0), dtype=float)[rows]


def _select(values: Any, metric: Metric) -> np.ndarray:
    """This metric's values out of a (possibly shared) computation's result."""
    if metric.output is None:
        return values
    return values[metric.output] if isinstance(values, dict) else np.zeros(0)


def _mean(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return clean_float(finite.mean()) if len(finite) else None


def _compute_one(
    metric: Metric,
    ds: DrawSet,
    data: MetricData,
    default_tolerance: float,
    computed: dict[str, Any],
    null: np.ndarray,
    draws_out: dict[str, dict[str, np.ndarray]] | None = None,
) -> MetricResult:
    spec = metric.spec
    raw = {g: _select(values, metric) for g, values in computed.items()}
    if metric.kind == COMPARISON and ds.draws.get(ds.reference) is not None:
        raw[ds.reference] = null  # a comparison's reference row: the reference against itself, the null
    if draws_out is not None:
        draws_out[spec.id] = raw
    finite_null = null[np.isfinite(null)]
    values: dict[str, GenerationValue] = {}
    for g in ds.names:
        if g not in raw:
            values[g] = GenerationValue(None, None, ds.na_reasons.get(g, "no draws"))
            continue
        v = _mean(raw[g])
        interval = percentile_interval(raw[g])
        if v is None:
            reason = data.na_reasons.get(spec.id, "undefined on every draw (too little text for this metric)")
            values[g] = GenerationValue(None, None, reason)
        else:
            values[g] = GenerationValue(
                v, None if interval is None else (clean_float(interval[0]), clean_float(interval[1])), None
            )
    ref_value = values[ds.reference].value
    tolerance = spec.effective_tolerance(default_tolerance)
    status: dict[str, str] = {
        g: Status.NA
        if v.value is None
        else (
            Status.OK
            if spec.better == "none"
            else verdict(
                v.value, ref_value, finite_null, better=spec.better, tolerance=tolerance.value, kind=tolerance.kind
            )
        )
        for g, v in values.items()
    }
    null_summary = (
        NullSummary(clean_float(finite_null.mean()), (clean_float(finite_null.min()), clean_float(finite_null.max())))
        if len(finite_null)
        else None
    )
    changes = {g: change(values[g].value, ref_value) for g in ds.names}
    step = {
        g: change(values[g].value, values[ds.names[i - 1]].value) if i > 0 else Delta(None, None)
        for i, g in enumerate(ds.names)
    }
    return MetricResult(
        id=spec.id,
        family=spec.family,
        title=spec.title,
        unit=spec.unit,
        better=spec.better,
        headline=spec.headline,
        values=values,
        null=null_summary,
        change=changes,
        step=step,
        status=status,
        definition=spec.definition,
        kind=metric.kind,
        tolerance=tolerance,
        citation=spec.citation or None,
        aspect=spec.aspect,
        mixes=spec.mixes,
    )


def family_verdicts(
    results: Sequence[MetricResult], family: str, names: Sequence[str], reference: str
) -> list[FamilyVerdict]:
    """Per generation: the worst status among the family's headline metrics, with reasons and aspects.

    Each reason states the metric's change against ``reference`` in words (:func:`auditor.stats.change_words`).

    The aspects are those of the degraded headline metrics (a metric that mixes two counts for its
    primary one); ``watch_aspects`` those of headlines at watch that no degraded headline carries.
    """
    headlines = [r for r in results if r.family == family and r.headline]
    out = []
    for g in names:
        statuses = [r.status[g] for r in headlines]
        status = worst_status(statuses)
        reasons = []
        for r in headlines:
            s = r.status[g]
            v = r.values[g]
            if s in (Status.WATCH, Status.DEGRADED):
                reasons.append(_reason(r, g, reference))
            elif s == Status.NA and status == Status.NA and v.reason:
                reasons.append(f"{r.title}: {v.reason}")
        degraded = sort_aspects(r.aspect for r in headlines if r.status[g] == Status.DEGRADED and r.aspect)
        watched = sort_aspects(r.aspect for r in headlines if r.status[g] == Status.WATCH and r.aspect)
        out.append(
            FamilyVerdict(
                family,
                g,
                status,
                sorted(set(reasons), key=reasons.index),
                degraded,
                [a for a in watched if a not in degraded],
            )
        )
    return out


def generation_readings(results: Sequence[MetricResult], names: Sequence[str]) -> list[Reading]:
    """Per generation: the degraded aspects over every family's headline metrics, with the ids carrying them."""
    headlines = [r for r in results if r.headline and r.aspect]
    out = []
    for g in names:
        carriers: dict[str, list[str]] = {}
        watched: set[str] = set()
        for r in headlines:
            if r.status.get(g) == Status.DEGRADED:
                carriers.setdefault(r.aspect, []).append(r.id)
            elif r.status.get(g) == Status.WATCH:
                watched.add(r.aspect)
        aspects = sort_aspects(carriers)
        metrics = {a: carriers[a] for a in aspects}
        out.append(Reading(g, aspects, metrics, sort_aspects(watched - set(aspects))))
    return out


def _reason(r: MetricResult, g: str, reference: str) -> str:
    """One line: the value, its change against the reference and the null's range."""
    value = r.values[g].value
    text = f"{r.title} {format_number(value)}"
    details = []
    if r.change[g].absolute is not None:
        details.append(f"{metric_change_words(r, g, reference)} vs reference")
    if r.null is not None:
        details.append(f"reference null {format_number(r.null.range[0])} to {format_number(r.null.range[1])}")
    if details:
        text += f" ({'; '.join(details)})"
    return f"{text}: {r.status[g]}"
