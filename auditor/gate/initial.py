"""A starting policy, calibrated on the reference's own split-half null (``auditor init-policy``).

The reference is split in halves again and again; how far those halves differ from the whole is
how far a metric moves by chance alone. A starting rule tolerates that much, widened by the
metric's tolerance, so a fresh half of the same text passes its own policy.
"""

from __future__ import annotations

from auditor.draws import MIN_REFERENCE_DOCS
from auditor.errors import Errors, UsageError
from auditor.families import find_family
from auditor.result import AuditResult, format_number
from auditor.upgrade import upgrade


def initial_policy(calibration: AuditResult) -> str:
    """TOML for a starting policy: one ``max_relative_drop`` per headline metric, from the null.

    Each threshold is the null's worst split-half value, as a relative drop from the reference's
    value, widened by the metric's tolerance. Relative rules stay valid when a later run's budget
    differs (an absolute floor on a size-sensitive metric would not). Headlines only, so rules do
    not multiply false alarms; the measures papers report (``MetricSpec.cited``) follow as
    commented-out rules, calibrated the same way. A reference too small to give any rule is
    refused (a usage error saying how large a reference is needed): an empty policy would pass anything. Each metric's
    tolerance is the one its result states (:func:`auditor.upgrade.upgrade` fills it in for a
    result of a 1.0 file).
    """
    calibration = upgrade(calibration)
    config = calibration.config
    ref_info = next(g for g in calibration.generations if g.name == calibration.reference)
    rules: list[str] = []
    cited: list[str] = []
    uncalibrated: dict[str, str] = {}
    for m in calibration.metrics:
        offered = _cited(m.family, m.id)
        if not m.headline and not offered:
            continue
        ref = m.values[calibration.reference].value
        if m.null is None or ref is None or ref == 0:
            if m.headline:
                fallback = "the reference value is zero" if ref == 0 else "no null distribution"
                uncalibrated.setdefault(m.family, m.values[calibration.reference].reason or fallback)
            continue
        tol = m.tolerance
        if tol is None:  # only a metric this version does not know, from a 1.0 file
            if m.headline:
                uncalibrated.setdefault(m.family, f"{m.id} states no tolerance")
            continue
        worst = m.null.range[0] if m.better == "higher" else m.null.range[1]
        null_drop = max(0.0, (ref - worst) if m.better == "higher" else (worst - ref))
        margin = tol.value * abs(ref) if tol.relative else tol.value
        drop = (null_drop + margin) / abs(ref)
        lines = [
            f'[check.rules."{m.id}"]',
            f"# reference {format_number(ref)}; worst null value {format_number(worst)} "
            f"({null_drop / abs(ref):.1%} worse); tolerance {tol.value:g} ({tol.kind})",
            f"max_relative_drop = {drop:.4f}",
            "",
        ]
        if m.headline:
            rules += lines
        else:
            cited += [f"# {line}" if line else "" for line in lines]
    if not rules:
        reason = "; ".join(f"{family}: {why}" for family, why in uncalibrated.items()) or "no headline metric ran"
        sampled = any((record := find_family(f)) is not None and record.sampled for f in uncalibrated)
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
        "# The gate fails closed: a rule whose metric is n/a fails unless allow_na = true (per rule or here),",
        "# and a generation that no rule measured fails whatever allow_na says.",
    ]
    lines += [f"# Not calibrated: {family} ({_comment(why)})." for family, why in uncalibrated.items()]
    aspects = [
        "# Uncomment to fail a build whose generation narrowed or lost the reference's content in any family",
        "# (a degraded headline metric of that aspect; drift alone then passes). See README, 'How it degraded'.",
        '# no_degraded_aspects = ["narrowing", "loss"]',
    ]
    if cited:
        cited = [
            "# The measures papers report (MAUVE, syntactic diversity...), calibrated alike but not headlines:",
            "# uncomment a rule to gate on it too.",
            "",
            *cited,
        ]
    return "\n".join([*lines, "[check]", "allow_na = false", *aspects, "", *rules, *cited])


def _cited(family: str, metric_id: str) -> bool:
    """Whether the registry marks the metric as a measure papers report (``MetricSpec.cited``)."""
    record = find_family(family)
    return record is not None and any(spec.cited for spec in record.specs if spec.id == metric_id)


def _comment(text: str) -> str:
    """User text made safe for one TOML comment line (no line breaks or control characters)."""
    return "".join(c if c.isprintable() else " " for c in text)
