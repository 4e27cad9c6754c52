"""Evaluating a policy: one :class:`CheckResult` per rule and generation, read from an AuditResult.

Checks are data, like Evidently's test results: the formats render them and the CLI picks the exit
code from them. Evaluation never recomputes a metric; it reads the AuditResult, as the report does.

The gate fails closed: a rule that measured nothing (its value is ``n/a``: too little text, a
family not run) fails unless the policy says ``allow_na = true`` for that rule or globally, and a
policy none of whose rules this run measured at all is a usage error, never a pass. ``allow_na``
lets some checks of a generation be ``n/a``, never all of them: a generation of which no check
measured anything fails every check, whatever ``allow_na`` says ("nothing was measured").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.errors import Errors, UsageError
from auditor.gate.policy import ForecastRule, Policy, Rule
from auditor.result import AuditResult, MetricResult, format_number
from auditor.stats import change, is_worse
from auditor.trends import crossing, degraded_threshold, line_of


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one rule (or one family verdict) for one generation."""

    id: str
    """The metric id, ``verdict.FAMILY`` for a no_degraded family, or ``aspect.ASPECT`` for a
    no_degraded_aspects entry."""
    generation: str
    status: str
    """``pass``, ``fail`` or ``n/a``."""
    value: str
    threshold: str
    description: str

    @property
    def failed(self) -> bool:
        """Whether this check fails the build."""
        return self.status == "fail"

    @property
    def measured(self) -> bool:
        """Whether this check read a value (a failed or allowed ``n/a`` check did not)."""
        return self.value != "n/a"


@dataclass
class GateOutcome:
    """All checks of a run and whether the build passes."""

    checks: list[CheckResult] = field(default_factory=list)
    result: AuditResult | None = field(default=None, repr=False, compare=False)
    """The AuditResult the checks read (set by :func:`evaluate`), e.g. to write the run's report."""
    policy: Policy | None = field(default=None, repr=False, compare=False)
    """The policy that was applied (set by :func:`evaluate`)."""

    @property
    def failures(self) -> list[CheckResult]:
        """The failed checks."""
        return [c for c in self.checks if c.failed]

    @property
    def passed(self) -> bool:
        """True when no check failed."""
        return not self.failures


def evaluate(result: AuditResult, policy: Policy) -> GateOutcome:
    """Apply every rule to every generation but the reference.

    Fails closed: a check whose value is ``n/a`` fails unless the rule or the policy allows it,
    a generation of which no check measured anything fails all its checks even where ``n/a`` is
    allowed, and a policy none of whose rules this run measured at all is a usage error.
    """
    if policy.empty:
        raise UsageError(Errors.E024.format(path=policy.source))
    generations = [g for g in result.generation_names if g != result.reference]
    computed = {m.id for m in result.metrics}
    run_families = {v.family for v in result.verdicts}
    if (
        not any(r.metric in computed for r in policy.rules)
        and not any(f in run_families for f in policy.no_degraded)
        and not policy.no_degraded_aspects
        and not any(f.metric in computed for f in policy.forecasts)
    ):
        raise UsageError(
            Errors.E025.format(
                path=policy.source,
                needs=", ".join(families_in(policy)),
                run=", ".join(sorted(run_families)) or "none",
            )
        )
    checks = _checks(result, policy, generations, blind=frozenset())
    blind = frozenset(g for g in generations if not any(c.measured for c in checks if c.generation == g))
    if blind:  # again, with n/a refused for the generations of which nothing was measured
        checks = _checks(result, policy, generations, blind=blind)
    return GateOutcome(checks, result=result, policy=policy)


def _checks(result: AuditResult, policy: Policy, generations: list[str], *, blind: frozenset[str]) -> list[CheckResult]:
    """Every check of ``policy``; ``n/a`` is allowed where the policy allows it, except in ``blind``
    (the generations of which no check measured anything)."""

    def allow(flag: bool, generation: str) -> Allowance:
        return Allowance(flag and generation not in blind, generation in blind)

    checks: list[CheckResult] = []
    computed = {m.id for m in result.metrics}
    for rule in policy.rules:
        allowed = rule.allow_na or policy.allow_na
        if rule.metric not in computed:
            for g in generations:
                reason = "metric not computed in this run (family not run?)"
                checks.append(_na(rule.metric, g, reason, allow(allowed, g)))
            continue
        metric = result.metric(rule.metric)
        ref_value = metric.values[result.reference].value
        for g in generations:
            value = metric.values[g]
            checks.extend(_check_rule(rule, metric.better, value.value, ref_value, g, value.reason, allow(allowed, g)))
    verdicts = {(v.family, v.generation): v for v in result.verdicts}
    for family in policy.no_degraded:
        for g in generations:
            v = verdicts.get((family, g))
            check_id = f"verdict.{family}"
            if v is None or v.status == "n/a":
                reason = "family not run" if v is None else "; ".join(v.reasons) or "n/a"
                checks.append(_na(check_id, g, reason, allow(policy.allow_na, g)))
                continue
            failed = v.status == "degraded"
            checks.append(
                CheckResult(
                    check_id,
                    g,
                    "fail" if failed else "pass",
                    v.status,
                    "not degraded",
                    f"{family} is {v.status}" + (f": {'; '.join(v.reasons)}" if v.reasons else ""),
                )
            )
    for aspect in policy.no_degraded_aspects:
        checks.extend(_check_aspect(result, aspect, g, allow(policy.allow_na, g)) for g in generations)
    if generations:
        last = generations[-1]  # a forecast is about the series, read at its end
        for forecast in policy.forecasts:
            checks.append(
                _check_forecast(result, policy, forecast, last, allow(forecast.allow_na or policy.allow_na, last))
            )
    return checks


def _check_forecast(
    result: AuditResult, policy: Policy, forecast: ForecastRule, generation: str, allowed: Allowance
) -> CheckResult:
    """Fail when the metric's trend crosses its threshold within ``min_generations`` of the series' end.

    The threshold is the policy's own rule on the metric when it has one (``min`` for a
    higher-is-better metric, ``max`` for a lower-is-better one, else ``max_relative_drop``), else the
    verdict rule's (the tolerance and the null). No trend (too few generations) is ``n/a``.
    """
    check_id = f"forecast.{forecast.metric}"
    wanted = f">= {format_number(forecast.min_generations)} generations"
    if forecast.metric not in {m.id for m in result.metrics}:
        return _na(check_id, generation, "metric not computed in this run (family not run?)", allowed)
    metric = result.metric(forecast.metric)
    trend = metric.trend
    if trend is None or trend.shape is None:
        reason = trend.reason if trend is not None else "this metrics.json has no trends (schema before 1.4)"
        return _na(check_id, generation, reason or "no trend", allowed)
    threshold, source = _forecast_threshold(policy, metric, result.reference)
    measured = [g for g in result.generation_names if metric.values[g].value is not None]
    last_value = metric.values[measured[-1]].value
    assert last_value is not None
    cross = crossing(trend, line_of(trend), threshold, metric.better, last_value, source)
    if cross.generations is None:
        shown = cross.reason or "not projected to cross"
        return CheckResult(
            check_id,
            generation,
            "pass",
            shown,
            wanted,
            f"{forecast.metric}: {shown} (threshold {format_number(threshold)}, {source})",
        )
    ok = cross.generations >= forecast.min_generations
    low, high = cross.interval or (None, None)
    interval = f" ({format_number(low)} to {format_number(high) if high is not None else 'beyond'})"
    shown = f"{format_number(cross.generations)} generations"
    text = cross.reason or f"crosses {format_number(threshold)} ({source}) in about {shown}{interval}"
    return CheckResult(check_id, generation, "pass" if ok else "fail", shown, wanted, f"{forecast.metric}: {text}")


def _forecast_threshold(policy: Policy, metric: MetricResult, reference: str) -> tuple[float | None, str]:
    """The line a forecast is about: the policy's rule on the metric, else the verdict rule's."""
    rule = next((r for r in policy.rules if r.metric == metric.id), None)
    bound = None if rule is None else (rule.min if metric.better == "higher" else rule.max)
    if bound is not None:
        return bound, f"the policy's {'min' if metric.better == 'higher' else 'max'}"
    ref = metric.values[reference].value
    if rule is not None and rule.max_relative_drop is not None and ref is not None:
        sign = -1.0 if metric.better == "higher" else 1.0
        return ref + sign * rule.max_relative_drop * abs(ref), "the policy's max_relative_drop"
    return degraded_threshold(metric, reference), "verdict rule"


def _check_aspect(result: AuditResult, aspect: str, generation: str, allowed: Allowance) -> CheckResult:
    """Fail when a family verdict of ``generation`` carries ``aspect`` among its degraded aspects.

    Fails closed like the other checks: the aspect is measured when at least one headline metric of
    that aspect has a value here; when none has (no family measuring it was run, every one is
    ``n/a``, or the metrics.json predates aspects), nothing proves the aspect absent, so the check
    is ``n/a`` and fails unless ``allow_na``.
    """
    check_id = f"aspect.{aspect}"
    carriers = [m for m in result.metrics if m.headline and m.aspect == aspect]
    degraded = [m for m in carriers if m.status.get(generation) == "degraded"]
    if degraded:
        families = sorted({m.family for m in degraded})
        ids = ", ".join(m.id for m in degraded)
        return CheckResult(
            check_id,
            generation,
            "fail",
            ", ".join(families),
            f"no {aspect}",
            f"{aspect} degraded in {', '.join(families)} ({ids})",
        )
    measured = [m for m in carriers if m.status.get(generation) not in (None, "n/a")]
    if not measured:
        if any(v.aspects is None for v in result.verdicts):
            reason = "this metrics.json predates aspects (schema 1.2)"
        else:
            reason = (
                f"no headline metric of aspect {aspect} was measured (families run: "
                + (", ".join(sorted({v.family for v in result.verdicts})) or "none")
                + ")"
            )
        return _na(check_id, generation, reason, allowed)
    return CheckResult(
        check_id,
        generation,
        "pass",
        "none",
        f"no {aspect}",
        f"no {aspect}: {len(measured)} headline metrics of this aspect measured, none degraded",
    )


def families_in(policy: Policy) -> Iterable[str]:
    """Families a policy needs: those of its rules, of no_degraded, and those with a headline metric
    of an aspect in no_degraded_aspects."""
    from auditor.families import all_specs

    by_aspect = [s.family for s in all_specs() if s.headline and s.aspect in policy.no_degraded_aspects]
    metrics = [r.metric for r in policy.rules] + [f.metric for f in policy.forecasts]
    return dict.fromkeys([m.split(".")[0] for m in metrics] + list(policy.no_degraded) + by_aspect)


@dataclass(frozen=True)
class Allowance:
    """Whether a check of one generation may be ``n/a`` (``allowed`` by ``allow_na``), and whether
    that generation is ``blind``: no check measured anything there, so ``allow_na`` cannot apply."""

    allowed: bool
    blind: bool = False


def _na(check_id: str, generation: str, reason: str, allowance: Allowance) -> CheckResult:
    """A check that measured nothing: it fails (the gate fails closed) unless n/a is allowed."""
    if allowance.allowed:
        description = f"{check_id} is n/a: {reason} (allowed by allow_na)"
        return CheckResult(check_id, generation, "n/a", "n/a", "-", description)
    if allowance.blind:
        why = (
            f"nothing was measured for {generation} by any check, so the check fails whatever allow_na says "
            "(it lets some checks of a generation be n/a, never all)"
        )
    else:
        why = "nothing was measured, so the check fails (allow_na = true accepts it)"
    return CheckResult(check_id, generation, "fail", "n/a", "measured", f"{check_id} is n/a: {reason}; {why}")


def _check_rule(
    rule: Rule,
    better: str,
    value: float | None,
    ref: float | None,
    generation: str,
    reason: str | None,
    allowed: Allowance,
) -> list[CheckResult]:
    if value is None:
        return [_na(rule.metric, generation, reason or "undefined", allowed)]
    out = []
    shown = format_number(value)
    for name, bound, holds, breaks in (("min", rule.min, ">=", "<"), ("max", rule.max, "<=", ">")):
        if bound is None:
            continue
        ok = value >= bound if name == "min" else value <= bound
        out.append(
            CheckResult(
                rule.metric,
                generation,
                "pass" if ok else "fail",
                shown,
                f"{holds} {format_number(bound)}",
                f"{rule.metric} = {shown} {holds if ok else breaks} {name} {format_number(bound)}",
            )
        )
    if rule.max_relative_drop is not None:
        relative = change(value, ref).relative
        if ref is None or relative is None:
            reason = "the reference value is " + ("missing" if ref is None else "zero, so no relative change exists")
            out.append(_na(rule.metric, generation, reason, allowed))
        else:
            worse = is_worse(value, ref, better)
            drop = abs(relative) if worse else -abs(relative)  # the relative change, positive when worse
            ok = drop <= rule.max_relative_drop
            moved = "worse than" if worse else "better than" if is_worse(ref, value, better) else "the same as"
            out.append(
                CheckResult(
                    rule.metric,
                    generation,
                    "pass" if ok else "fail",
                    shown,
                    f"drop <= {rule.max_relative_drop:.1%}",
                    f"{rule.metric} = {shown} vs reference {format_number(ref)}: {abs(drop):.1%} {moved} the "
                    f"reference ({'within' if ok else 'beyond'} the allowed {rule.max_relative_drop:.1%} worse)",
                )
            )
    return out
