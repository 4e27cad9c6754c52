"""The CI gate: a policy of rules over an AuditResult -> pass/fail checks, JUnit XML, Markdown.

A policy is data (TOML): per metric id, absolute ``min``/``max`` and ``max_relative_drop`` (the
largest tolerated relative change in the metric's worse direction against the reference of the
same run), plus ``no_degraded = [families]`` and ``fail_on_na``. Checks are data too:
one :class:`CheckResult` per rule and generation, like Evidently's test results. The gate never
recomputes a metric: it reads the AuditResult, as the report does.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from auditor.errors import Errors, UsageError
from auditor.metrics.registry import all_specs
from auditor.result import AuditResult, format_number

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RULE_KEYS = ("min", "max", "max_relative_drop")
POLICY_KEYS = ("rules", "no_degraded", "fail_on_na")


@dataclass(frozen=True)
class Rule:
    """Thresholds for one metric, applied to every generation but the reference."""

    metric: str
    min: float | None = None
    max: float | None = None
    max_relative_drop: float | None = None


@dataclass(frozen=True)
class Policy:
    """What a build tolerates."""

    rules: tuple[Rule, ...] = ()
    no_degraded: tuple[str, ...] = ()
    fail_on_na: bool = False
    source: str = "policy"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one rule (or one family verdict) for one generation."""

    id: str
    """The metric id, or ``verdict.FAMILY`` for a no_degraded family."""
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


@dataclass
class GateOutcome:
    """All checks of a run and whether the build passes."""

    checks: list[CheckResult] = field(default_factory=list)

    @property
    def failures(self) -> list[CheckResult]:
        """The failed checks."""
        return [c for c in self.checks if c.failed]

    @property
    def passed(self) -> bool:
        """True when no check failed."""
        return not self.failures


# ---------------------------------------------------------------------------------------------
# Reading a policy
# ---------------------------------------------------------------------------------------------


def policy_table(data: dict[str, Any]) -> dict[str, Any] | None:
    """The policy inside a parsed TOML file: ``[tool.auditor.check]``, ``[check]``, or the top level."""
    if isinstance(data.get("tool"), dict) and isinstance(data["tool"].get("auditor"), dict):
        table = data["tool"]["auditor"].get("check")
        return table if isinstance(table, dict) else None
    if isinstance(data.get("check"), dict):
        return data["check"]
    if any(key in data for key in POLICY_KEYS):
        return data
    return None


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; every error names the offending key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(Errors.E001.format(path=path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(Errors.E014.format(path=path, detail=exc)) from None
    table = policy_table(data)
    if table is None:
        raise UsageError(Errors.E020.format(path=path))
    return parse_policy(table, source=str(path))


def parse_policy(table: dict[str, Any], *, source: str = "policy") -> Policy:
    """Validate a policy table (see module docstring)."""
    from auditor.config import FAMILIES

    unknown = sorted(set(table) - set(POLICY_KEYS))
    if unknown:
        raise UsageError(
            Errors.E021.format(path=source, key=unknown[0], detail=f"allowed keys: {', '.join(POLICY_KEYS)}")
        )
    specs = {s.id: s for s in all_specs()}
    rules = []
    raw_rules = table.get("rules", {})
    if not isinstance(raw_rules, dict):
        raise UsageError(Errors.E021.format(path=source, key="rules", detail="must be a table of metric ids"))
    for metric_id, raw in raw_rules.items():
        key = f"rules.{metric_id}"
        if metric_id not in specs:
            raise UsageError(
                Errors.E021.format(path=source, key=key, detail="unknown metric id (see `auditor metrics`)")
            )
        if not isinstance(raw, dict) or not raw:
            raise UsageError(Errors.E021.format(path=source, key=key, detail=f"must set one of {', '.join(RULE_KEYS)}"))
        for name, value in raw.items():
            if name not in RULE_KEYS:
                raise UsageError(
                    Errors.E021.format(path=source, key=f"{key}.{name}", detail=f"allowed: {', '.join(RULE_KEYS)}")
                )
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise UsageError(
                    Errors.E021.format(path=source, key=f"{key}.{name}", detail=f"must be a number, got {value!r}")
                )
        if "max_relative_drop" in raw:
            if specs[metric_id].better == "none":
                raise UsageError(
                    Errors.E021.format(
                        path=source,
                        key=f"{key}.max_relative_drop",
                        detail="this metric has no worse direction; use min or max",
                    )
                )
            if raw["max_relative_drop"] < 0:
                raise UsageError(Errors.E021.format(path=source, key=f"{key}.max_relative_drop", detail="must be >= 0"))
        rules.append(Rule(metric_id, raw.get("min"), raw.get("max"), raw.get("max_relative_drop")))
    no_degraded = table.get("no_degraded", [])
    if not isinstance(no_degraded, list) or not all(isinstance(f, str) for f in no_degraded):
        raise UsageError(Errors.E021.format(path=source, key="no_degraded", detail="must be a list of family names"))
    for family in no_degraded:
        if family not in FAMILIES:
            raise UsageError(
                Errors.E021.format(
                    path=source, key="no_degraded", detail=f"unknown family {family!r}; known: {', '.join(FAMILIES)}"
                )
            )
    fail_on_na = table.get("fail_on_na", False)
    if not isinstance(fail_on_na, bool):
        raise UsageError(Errors.E021.format(path=source, key="fail_on_na", detail="must be true or false"))
    return Policy(tuple(rules), tuple(no_degraded), fail_on_na, source)


# ---------------------------------------------------------------------------------------------
# Evaluating
# ---------------------------------------------------------------------------------------------


def evaluate(result: AuditResult, policy: Policy) -> GateOutcome:
    """Apply every rule to every generation but the reference."""
    generations = [g for g in result.generation_names if g != result.reference]
    outcome = GateOutcome()
    computed = {m.id for m in result.metrics}
    for rule in policy.rules:
        if rule.metric not in computed:
            for g in generations:
                outcome.checks.append(_na(rule.metric, g, "metric not computed in this run (family not run?)", policy))
            continue
        metric = result.metric(rule.metric)
        ref_value = metric.values[result.reference].value
        for g in generations:
            outcome.checks.extend(
                _check_rule(rule, metric.better, metric.values[g].value, ref_value, g, metric.values[g].reason, policy)
            )
    verdicts = {(v.family, v.generation): v for v in result.verdicts}
    for family in policy.no_degraded:
        for g in generations:
            v = verdicts.get((family, g))
            check_id = f"verdict.{family}"
            if v is None or v.status == "n/a":
                reason = "family not run" if v is None else "; ".join(v.reasons) or "n/a"
                outcome.checks.append(_na(check_id, g, reason, policy))
                continue
            failed = v.status == "degraded"
            outcome.checks.append(
                CheckResult(
                    check_id,
                    g,
                    "fail" if failed else "pass",
                    v.status,
                    "not degraded",
                    f"{family} is {v.status}" + (f": {'; '.join(v.reasons)}" if v.reasons else ""),
                )
            )
    return outcome


def _na(check_id: str, generation: str, reason: str, policy: Policy) -> CheckResult:
    status = "fail" if policy.fail_on_na else "n/a"
    return CheckResult(check_id, generation, status, "n/a", "-", f"{check_id} is n/a: {reason}")


def _check_rule(
    rule: Rule, better: str, value: float | None, ref: float | None, generation: str, reason: str | None, policy: Policy
) -> list[CheckResult]:
    if value is None:
        return [_na(rule.metric, generation, reason or "undefined", policy)]
    out = []
    shown = format_number(value)
    if rule.min is not None:
        ok = value >= rule.min
        out.append(
            CheckResult(
                rule.metric,
                generation,
                "pass" if ok else "fail",
                shown,
                f">= {format_number(rule.min)}",
                f"{rule.metric} = {shown} {'>=' if ok else '<'} min {format_number(rule.min)}",
            )
        )
    if rule.max is not None:
        ok = value <= rule.max
        out.append(
            CheckResult(
                rule.metric,
                generation,
                "pass" if ok else "fail",
                shown,
                f"<= {format_number(rule.max)}",
                f"{rule.metric} = {shown} {'<=' if ok else '>'} max {format_number(rule.max)}",
            )
        )
    if rule.max_relative_drop is not None:
        if ref is None or ref == 0:
            out.append(_na(rule.metric, generation, "the reference value is missing or zero", policy))
        else:
            worse = (ref - value) if better == "higher" else (value - ref)
            drop = worse / abs(ref)
            ok = drop <= rule.max_relative_drop
            out.append(
                CheckResult(
                    rule.metric,
                    generation,
                    "pass" if ok else "fail",
                    shown,
                    f"drop <= {rule.max_relative_drop:.1%}",
                    f"{rule.metric} = {shown} vs reference {format_number(ref)}: {drop:+.1%} in the worse direction "
                    f"({'within' if ok else 'beyond'} the allowed {rule.max_relative_drop:.1%})",
                )
            )
    return out


# ---------------------------------------------------------------------------------------------
# A starting policy from the reference's own null
# ---------------------------------------------------------------------------------------------


def initial_policy(calibration: AuditResult) -> str:
    """TOML for a starting policy: one ``max_relative_drop`` per headline metric, from the null.

    Each threshold is the null's worst split-half value, as a relative drop from the reference's
    value, widened by the metric's tolerance. Relative rules stay valid when a later run's budget
    differs (an absolute floor on a size-sensitive metric would not). Headlines only, so rules do
    not multiply false alarms.
    """
    specs = {s.id: s for s in all_specs()}
    tolerance_default = calibration.config.get("tolerance", 0.05)
    lines = [
        "# Starting policy written by `auditor init-policy` from the reference's own split-half null.",
        f"# Reference: {calibration.generations[0].source} ({calibration.generations[0].documents} documents, "
        f"{calibration.generations[0].tokens} word tokens); seed {calibration.config.get('seed')}, "
        f"{calibration.config.get('splits')} splits.",
        "# Each rule: the worst of the null's values as a relative drop from the reference's value, widened by the",
        "# metric's tolerance. Tighten or loosen as your pipeline needs; `auditor metrics` explains each id.",
        "[check]",
        "fail_on_na = false",
        "",
    ]
    for m in calibration.metrics:
        if not m.headline or m.null is None:
            continue
        ref = m.values[calibration.reference].value
        if ref is None or ref == 0:
            continue
        spec = specs[m.id]
        worst = m.null.range[0] if m.better == "higher" else m.null.range[1]
        null_drop = max(0.0, (ref - worst) if m.better == "higher" else (worst - ref))
        tol = tolerance_default if spec.tolerance is None else spec.tolerance
        kind = spec.tolerance_kind if spec.tolerance is not None else "relative"
        margin = tol * abs(ref) if kind == "relative" else tol
        drop = (null_drop + margin) / abs(ref)
        lines += [
            f'[check.rules."{m.id}"]',
            f"# reference {format_number(ref)}; worst null value {format_number(worst)} "
            f"({null_drop / abs(ref):.1%} worse); tolerance {tol:g} ({kind})",
            f"max_relative_drop = {drop:.4f}",
            "",
        ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------


def format_table(outcome: GateOutcome) -> str:
    """One row per check: rule, generation, value, threshold, status."""
    rows = [("check", "generation", "value", "threshold", "status")]
    rows += [
        (c.id, c.generation, c.value, c.threshold, c.status.upper() if c.failed else c.status) for c in outcome.checks
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)


def format_junit(outcome: GateOutcome, *, name: str = "auditor check") -> str:
    """JUnit XML: one testcase per check; failures carry the message with metric, value and threshold."""
    suite = ET.Element(
        "testsuite",
        name=name,
        tests=str(len(outcome.checks)),
        failures=str(len(outcome.failures)),
        errors="0",
        skipped=str(sum(c.status == "n/a" for c in outcome.checks)),
    )
    for c in outcome.checks:
        case = ET.SubElement(suite, "testcase", classname=c.id, name=c.generation)
        if c.failed:
            failure = ET.SubElement(case, "failure", message=c.description, type="threshold")
            failure.text = f"{c.description} (threshold {c.threshold})"
        elif c.status == "n/a":
            ET.SubElement(case, "skipped", message=c.description)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


def format_markdown(outcome: GateOutcome) -> str:
    """A Markdown summary for ``$GITHUB_STEP_SUMMARY``."""
    from auditor.report.markdown import escape_cell as cell

    head = "passed" if outcome.passed else f"FAILED ({len(outcome.failures)} of {len(outcome.checks)} checks)"
    lines = [
        f"# auditor check: {head}",
        "",
        "| check | generation | value | threshold | status |",
        "|---|---|---|---|---|",
    ]
    for c in outcome.checks:
        status = f"**{c.status.upper()}**" if c.failed else c.status
        lines.append(f"| `{cell(c.id)}` | {cell(c.generation)} | {cell(c.value)} | {cell(c.threshold)} | {status} |")
    if outcome.failures:
        lines += ["", "## Failures", ""] + [f"- {cell(c.generation)}: {cell(c.description)}" for c in outcome.failures]
    return "\n".join(lines) + "\n"


def format_json(outcome: GateOutcome, policy: Policy) -> dict[str, Any]:
    """The checks as JSON data."""
    return {
        "passed": outcome.passed,
        "policy": policy.source,
        "failures": len(outcome.failures),
        "checks": [c.__dict__ for c in outcome.checks],
    }


def families_in(policy: Policy) -> Iterable[str]:
    """Families a policy needs: those of its rules and of no_degraded."""
    return dict.fromkeys([r.metric.split(".")[0] for r in policy.rules] + list(policy.no_degraded))
