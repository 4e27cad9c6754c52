"""Run registered metrics over the draws and turn their values into calibrated results.

For each metric: the values of every draw (R per generation), the null (the reference's
split-half values), the per-generation value (mean over draws), interval (2.5-97.5 percentiles),
change vs the reference, step vs the previous generation, and status by the verdict rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from auditor.metrics.base import Metric, MetricData
from auditor.result import (
    Delta,
    FamilyVerdict,
    GenerationValue,
    MetricResult,
    NullSummary,
    clean_float,
    format_number,
)
from auditor.stats import Draw, percentile_interval, verdict, worst_status


@dataclass
class DrawSet:
    """The draws a family is computed on."""

    names: list[str]
    """Every generation, in series order (including the reference)."""
    reference: str
    draws: dict[str, list[Draw]]
    """R draws per generation that is large enough; absent generations are ``n/a``."""
    null_pairs: list[tuple[Draw, Draw]]
    """One (half A, half B) pair of draws per split of the reference."""
    na_reasons: dict[str, str]
    """Why a generation has no draws."""


def compute_metrics(
    metrics: Sequence[Metric],
    drawset: DrawSet,
    data: MetricData,
    *,
    default_tolerance: float,
    executor: Executor | None = None,
) -> list[MetricResult]:
    """Evaluate each metric on the draw set and summarise it (see module docstring).

    With a thread ``executor`` the metrics run side by side: their heavy parts (sorts, bincounts,
    matrix products) are NumPy calls that release the GIL. Each metric seeds its own randomness,
    so the results do not depend on the order threads finish in.
    """
    if executor is None:
        return [_compute_one(m, drawset, data, default_tolerance) for m in metrics]
    futures = [executor.submit(_compute_one, m, drawset, data, default_tolerance) for m in metrics]
    return [f.result() for f in futures]


def _raw_values(metric: Metric, ds: DrawSet, data: MetricData) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per-generation draw values and the null values, from one batched call."""
    ref_draws = ds.draws.get(ds.reference)
    if metric.kind == "single":
        gens = [g for g in ds.names if g in ds.draws]
        batch = [d for g in gens for d in ds.draws[g]] + [d for pair in ds.null_pairs for d in pair]
    else:
        # a comparison needs reference draws; without them every generation stays n/a
        gens = [g for g in ds.names if g in ds.draws and g != ds.reference] if ref_draws is not None else []
        batch = [(r, d) for g in gens for r, d in zip(ref_draws, ds.draws[g], strict=True)]
        batch += [p for a, b in ds.null_pairs for p in ((a, b), (b, a))]
    values = np.asarray(metric.fn(batch, data), dtype=float) if batch else np.zeros(0)
    out: dict[str, np.ndarray] = {}
    pos = 0
    for g in gens:
        n = len(ds.draws[g])
        out[g] = values[pos : pos + n]
        pos += n
    null = values[pos:]
    if metric.kind == "paired" and ref_draws is not None:
        out[ds.reference] = null
    return out, null


def _mean(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return clean_float(finite.mean()) if len(finite) else None


def _delta(value: float | None, base: float | None) -> Delta:
    if value is None or base is None:
        return Delta(None, None)
    absolute = value - base
    return Delta(clean_float(absolute), clean_float(absolute / abs(base)) if base != 0 else None)


def _compute_one(metric: Metric, ds: DrawSet, data: MetricData, default_tolerance: float) -> MetricResult:
    spec = metric.spec
    raw, null = _raw_values(metric, ds, data)
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
    tolerance = default_tolerance if spec.tolerance is None else spec.tolerance
    kind = spec.tolerance_kind if spec.tolerance is not None else "relative"
    status = {
        g: "n/a"
        if v.value is None
        else (
            "ok"
            if spec.better == "none"
            else verdict(v.value, ref_value, finite_null, better=spec.better, tolerance=tolerance, kind=kind)
        )
        for g, v in values.items()
    }
    null_summary = (
        NullSummary(clean_float(finite_null.mean()), (clean_float(finite_null.min()), clean_float(finite_null.max())))
        if len(finite_null)
        else None
    )
    change = {g: _delta(values[g].value, ref_value) for g in ds.names}
    step = {
        g: _delta(values[g].value, values[ds.names[i - 1]].value) if i > 0 else Delta(None, None)
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
        change=change,
        step=step,
        status=status,
    )


def family_verdicts(results: Sequence[MetricResult], family: str, names: Sequence[str]) -> list[FamilyVerdict]:
    """Per generation: the worst status among the family's headline metrics, with reasons."""
    headlines = [r for r in results if r.family == family and r.headline]
    out = []
    for g in names:
        statuses = [r.status[g] for r in headlines]
        status = worst_status(statuses)
        reasons = []
        for r in headlines:
            s = r.status[g]
            v = r.values[g]
            if s in ("watch", "degraded"):
                reasons.append(_reason(r, g))
            elif s == "n/a" and status == "n/a" and v.reason:
                reasons.append(f"{r.title}: {v.reason}")
        out.append(FamilyVerdict(family, g, status, sorted(set(reasons), key=reasons.index)))
    return out


def _reason(r: MetricResult, g: str) -> str:
    """One line: the value, its change against the reference and the null's range."""
    value = r.values[g].value
    change = r.change[g].relative
    text = f"{r.title} {format_number(value)}"
    details = []
    if change is not None:
        details.append(f"{change:+.1%} vs reference")
    if r.null is not None:
        details.append(f"reference null {format_number(r.null.range[0])} to {format_number(r.null.range[1])}")
    if details:
        text += f" ({'; '.join(details)})"
    return f"{text}: {r.status[g]}"
