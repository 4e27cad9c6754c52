"""The CI gate: a policy of rules over an AuditResult -> pass/fail checks, JUnit XML, Markdown.

A policy is data (TOML): per metric id, absolute ``min``/``max`` and ``max_relative_drop`` (the
largest tolerated relative change in the metric's worse direction against the reference of the
same run), plus ``no_degraded = [families]``. Checks are data too: one :class:`CheckResult` per
rule and generation, like Evidently's test results. The gate never recomputes a metric: it reads
the AuditResult, as the report does.

The gate fails closed: a rule that measured nothing (its value is ``n/a``: too little text, a
family not run) fails unless the policy says ``allow_na = true`` for that rule or globally, and a
policy with no rules at all is a usage error, never a pass.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from auditor.errors import Errors, UsageError
from auditor.metrics.registry import all_specs
from auditor.result import AuditResult, format_number
from auditor.sampling import MIN_REFERENCE_DOCS
from auditor.text.terminal import terminal_safe, visible_controls
from auditor.tomlfile import read_toml

RULE_KEYS = ("min", "max", "max_relative_drop", "allow_na")
POLICY_KEYS = ("rules", "no_degraded", "allow_na", "fail_on_na")


@dataclass(frozen=True)
class Rule:
    """Thresholds for one metric, applied to every generation but the reference."""

    metric: str
    min: float | None = None
    max: float | None = None
    max_relative_drop: float | None = None
    allow_na: bool = False
    """A generation where the metric is ``n/a`` passes this rule instead of failing it."""


@dataclass(frozen=True)
class Policy:
    """What a build tolerates."""

    rules: tuple[Rule, ...] = ()
    no_degraded: tuple[str, ...] = ()
    allow_na: bool = False
    """Every rule and family check that is ``n/a`` passes instead of failing (off: fail closed)."""
    source: str = "policy"

    @property
    def empty(self) -> bool:
        """True when the policy checks nothing (a usage error: it would pass whatever was measured)."""
        return not self.rules and not self.no_degraded


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
    data = read_toml(path)
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
        rules.append(_parse_rule(metric_id, raw, specs, source))
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
    allow_na = _flag(table, "allow_na", source)
    if "fail_on_na" in table and not _flag(table, "fail_on_na", source):
        raise UsageError(
            Errors.E021.format(
                path=source,
                key="fail_on_na",
                detail="false is no longer supported: the gate fails closed on n/a; write allow_na = true to let "
                "n/a pass, or delete the line",
            )
        )
    policy = Policy(tuple(rules), tuple(dict.fromkeys(no_degraded)), allow_na, source)
    if policy.empty:
        raise UsageError(Errors.E024.format(path=source))
    return policy


def _flag(table: dict[str, Any], key: str, source: str, prefix: str = "") -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise UsageError(Errors.E021.format(path=source, key=prefix + key, detail="must be true or false"))
    return value


def _parse_rule(metric_id: str, raw: Any, specs: dict[str, Any], source: str) -> Rule:
    key = f"rules.{metric_id}"
    if metric_id not in specs:
        raise UsageError(Errors.E021.format(path=source, key=key, detail="unknown metric id (see `auditor metrics`)"))
    thresholds = ", ".join(RULE_KEYS[:3])
    if not isinstance(raw, dict) or not set(raw) - {"allow_na"}:
        raise UsageError(Errors.E021.format(path=source, key=key, detail=f"must set one of {thresholds}"))
    for name, value in raw.items():
        if name not in RULE_KEYS:
            raise UsageError(
                Errors.E021.format(path=source, key=f"{key}.{name}", detail=f"allowed: {', '.join(RULE_KEYS)}")
            )
        if name == "allow_na":
            continue
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
    allow_na = _flag(raw, "allow_na", source, prefix=f"{key}.")
    return Rule(metric_id, raw.get("min"), raw.get("max"), raw.get("max_relative_drop"), allow_na)


# ---------------------------------------------------------------------------------------------
# Evaluating
# ---------------------------------------------------------------------------------------------


def evaluate(result: AuditResult, policy: Policy) -> GateOutcome:
    """Apply every rule to every generation but the reference.

    Fails closed: a check whose value is ``n/a`` fails unless the rule or the policy allows it,
    and a policy none of whose rules this run measured at all is a usage error.
    """
    if policy.empty:
        raise UsageError(Errors.E024.format(path=policy.source))
    generations = [g for g in result.generation_names if g != result.reference]
    outcome = GateOutcome()
    computed = {m.id for m in result.metrics}
    run_families = {v.family for v in result.verdicts}
    if not any(r.metric in computed for r in policy.rules) and not any(f in run_families for f in policy.no_degraded):
        raise UsageError(
            Errors.E025.format(
                path=policy.source,
                needs=", ".join(families_in(policy)),
                run=", ".join(sorted(run_families)) or "none",
            )
        )
    for rule in policy.rules:
        allowed = rule.allow_na or policy.allow_na
        if rule.metric not in computed:
            for g in generations:
                outcome.checks.append(_na(rule.metric, g, "metric not computed in this run (family not run?)", allowed))
            continue
        metric = result.metric(rule.metric)
        ref_value = metric.values[result.reference].value
        for g in generations:
            outcome.checks.extend(
                _check_rule(rule, metric.better, metric.values[g].value, ref_value, g, metric.values[g].reason, allowed)
            )
    verdicts = {(v.family, v.generation): v for v in result.verdicts}
    for family in policy.no_degraded:
        for g in generations:
            v = verdicts.get((family, g))
            check_id = f"verdict.{family}"
            if v is None or v.status == "n/a":
                reason = "family not run" if v is None else "; ".join(v.reasons) or "n/a"
                outcome.checks.append(_na(check_id, g, reason, policy.allow_na))
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


def _na(check_id: str, generation: str, reason: str, allowed: bool) -> CheckResult:
    """A check that measured nothing: it fails (the gate fails closed) unless n/a is allowed."""
    if allowed:
        description = f"{check_id} is n/a: {reason} (allowed by allow_na)"
        return CheckResult(check_id, generation, "n/a", "n/a", "-", description)
    return CheckResult(
        check_id,
        generation,
        "fail",
        "n/a",
        "measured",
        f"{check_id} is n/a: {reason}; nothing was measured, so the check fails (allow_na = true accepts it)",
    )


def _check_rule(
    rule: Rule, better: str, value: float | None, ref: float | None, generation: str, reason: str | None, allowed: bool
) -> list[CheckResult]:
    if value is None:
        return [_na(rule.metric, generation, reason or "undefined", allowed)]
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
            reason = "the reference value is " + ("missing" if ref is None else "zero, so no relative change exists")
            out.append(_na(rule.metric, generation, reason, allowed))
        else:
            worse = (ref - value) if better == "higher" else (value - ref)
            drop = worse / abs(ref)
            ok = drop <= rule.max_relative_drop
            moved = "worse than" if drop > 0 else "better than" if drop < 0 else "the same as"
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


# ---------------------------------------------------------------------------------------------
# A starting policy from the reference's own null
# ---------------------------------------------------------------------------------------------


def initial_policy(calibration: AuditResult) -> str:
    """TOML for a starting policy: one ``max_relative_drop`` per headline metric, from the null.

    Each threshold is the null's worst split-half value, as a relative drop from the reference's
    value, widened by the metric's tolerance. Relative rules stay valid when a later run's budget
    differs (an absolute floor on a size-sensitive metric would not). Headlines only, so rules do
    not multiply false alarms. A reference too small to give any rule is refused (a usage error
    saying how large a reference is needed): an empty policy would pass anything.
    """
    specs = {s.id: s for s in all_specs()}
    config = calibration.config
    tolerance_default = config.get("tolerance", 0.05)
    ref_info = next(g for g in calibration.generations if g.name == calibration.reference)
    rules: list[str] = []
    uncalibrated: dict[str, str] = {}
    for m in calibration.metrics:
        if not m.headline:
            continue
        ref = m.values[calibration.reference].value
        if m.null is None or ref is None or ref == 0:
            fallback = "the reference value is zero" if ref == 0 else "no null distribution"
            uncalibrated.setdefault(m.family, m.values[calibration.reference].reason or fallback)
            continue
        spec = specs[m.id]
        worst = m.null.range[0] if m.better == "higher" else m.null.range[1]
        null_drop = max(0.0, (ref - worst) if m.better == "higher" else (worst - ref))
        tol = tolerance_default if spec.tolerance is None else spec.tolerance
        kind = spec.tolerance_kind if spec.tolerance is not None else "relative"
        margin = tol * abs(ref) if kind == "relative" else tol
        drop = (null_drop + margin) / abs(ref)
        rules += [
            f'[check.rules."{m.id}"]',
            f"# reference {format_number(ref)}; worst null value {format_number(worst)} "
            f"({null_drop / abs(ref):.1%} worse); tolerance {tol:g} ({kind})",
            f"max_relative_drop = {drop:.4f}",
            "",
        ]
    if not rules:
        reason = "; ".join(f"{family}: {why}" for family, why in uncalibrated.items()) or "no headline metric ran"
        sampled = any(f in ("embedding", "topics", "voice") for f in uncalibrated)
        raise UsageError(
            Errors.E026.format(
                name=calibration.reference,
                reason=reason,
                docs=max(MIN_REFERENCE_DOCS, 2 * int(config.get("min_docs", 50)) if sampled else 0),
                tokens=int(config.get("min_tokens", 1_000)),
            )
        )
    lines = [
        "# Starting policy written by `auditor init-policy` from the reference's own split-half null.",
        f"# Reference: {_comment(ref_info.source)} ({ref_info.documents} documents, {ref_info.tokens} word tokens); "
        f"seed {config.get('seed')}, {config.get('splits')} splits.",
        "# Each rule: the worst of the null's values as a relative drop from the reference's value, widened by the",
        "# metric's tolerance. Tighten or loosen as your pipeline needs; `auditor metrics` explains each id.",
        "# The gate fails closed: a rule whose metric is n/a fails unless allow_na = true (per rule or here).",
    ]
    lines += [f"# Not calibrated: {family} ({_comment(why)})." for family, why in uncalibrated.items()]
    return "\n".join([*lines, "[check]", "allow_na = false", "", *rules])


def _comment(text: str) -> str:
    """User text made safe for one TOML comment line (no line breaks or control characters)."""
    return "".join(c if c.isprintable() else " " for c in text)


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------


def format_table(outcome: GateOutcome) -> str:
    """One row per check: rule, generation, value, threshold, status."""
    rows = [("check", "generation", "value", "threshold", "status")]
    for c in outcome.checks:
        cells = [terminal_safe(cell) for cell in (c.id, c.generation, c.value, c.threshold)]
        rows.append((*cells, c.status.upper() if c.failed else c.status))
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
        case = ET.SubElement(suite, "testcase", classname=_xml_text(c.id), name=_xml_text(c.generation))
        if c.failed:
            kind = "not-measured" if c.value == "n/a" else "threshold"
            failure = ET.SubElement(case, "failure", message=_xml_text(c.description), type=kind)
            failure.text = _xml_text(f"{c.description} (threshold {c.threshold})")
        elif c.status == "n/a":
            ET.SubElement(case, "skipped", message=_xml_text(c.description))
    return _junit_document(suite)


def format_junit_error(message: str, *, kind: str, name: str = "auditor check") -> str:
    """JUnit XML for a check that could not run (usage, input or internal error): one error case.

    CI systems read a missing or empty JUnit file as "no tests", which some count as a pass; one
    ``<error>`` case makes the broken run visible as broken.
    """
    suite = ET.Element("testsuite", name=name, tests="1", failures="0", errors="1", skipped="0")
    case = ET.SubElement(suite, "testcase", classname="auditor.check", name="run")
    error = ET.SubElement(case, "error", message=_xml_text(message), type=kind)
    error.text = _xml_text(message)
    return _junit_document(suite)


def _junit_document(suite: ET.Element) -> str:
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


def _xml_text(text: str) -> str:
    """XML 1.0 cannot hold most control characters, even escaped: show them as visible escapes."""
    return visible_controls(text, keep="\t\n\r")


def format_markdown(outcome: GateOutcome) -> str:
    """A Markdown summary for ``$GITHUB_STEP_SUMMARY``."""
    from auditor.report.markdown import code_span
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
        cells = [code_span(c.id, table=True), cell(c.generation), cell(c.value), cell(c.threshold), status]
        lines.append("| " + " | ".join(cells) + " |")
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
