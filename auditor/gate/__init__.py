"""The CI gate: a policy of rules over an AuditResult -> pass/fail checks, JUnit XML, Markdown.

A policy is data (TOML, :mod:`auditor.gate.policy`): per metric id, absolute ``min``/``max`` and
``max_relative_drop`` (the largest tolerated relative change in the metric's worse direction
against the reference of the same run), plus ``no_degraded = [families]`` and ``no_degraded_aspects``
(narrowing, drift, loss: how a generation may not degrade). Checks are data too
(:mod:`auditor.gate.evaluate`): one :class:`CheckResult` per rule and generation, like Evidently's
test results. The gate never recomputes a metric: it reads the AuditResult, as the report does.
:mod:`auditor.gate.initial` writes a starting policy from the reference's own null, and
:mod:`auditor.gate.formats` renders an outcome (:class:`GateFormat`). :func:`check` (also
``auditor.check``) runs an audit and the gate in one call.

The gate fails closed: a rule that measured nothing (its value is ``n/a``: too little text, a
family not run) fails unless the policy says ``allow_na = true`` for that rule or globally, a
generation of which no check measured anything fails whatever ``allow_na`` says, and a policy with
no rules at all is a usage error, never a pass.
"""

from __future__ import annotations

from auditor.gate.evaluate import CheckResult, GateOutcome, evaluate, families_in
from auditor.gate.formats import (
    GateFormat,
    format_json,
    format_junit,
    format_junit_error,
    format_markdown,
    format_table,
)
from auditor.gate.initial import initial_policy
from auditor.gate.policy import (
    POLICY_KEYS,
    RULE_KEYS,
    Policy,
    Rule,
    find_policy,
    load_policy,
    parse_policy,
    policy_table,
)
from auditor.gate.run import PolicyLike, as_policy, check

__all__ = [
    "POLICY_KEYS",
    "RULE_KEYS",
    "CheckResult",
    "GateFormat",
    "GateOutcome",
    "Policy",
    "PolicyLike",
    "Rule",
    "as_policy",
    "check",
    "evaluate",
    "families_in",
    "find_policy",
    "format_json",
    "format_junit",
    "format_junit_error",
    "format_markdown",
    "format_table",
    "initial_policy",
    "load_policy",
    "parse_policy",
    "policy_table",
]
