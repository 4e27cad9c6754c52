"""The gate's ``no_degraded_aspects`` (issue 21): fail on a degraded aspect, fail closed on n/a."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from auditor.cli import app
from auditor.errors import UsageError
from auditor.families import get_spec
from auditor.gate import GateFormat, evaluate, parse_policy
from auditor.result import AuditResult
from tests.gate.conftest import DEMO, one_metric_result, runner


def _with_aspects(result: AuditResult) -> AuditResult:
    """The hand-made result as schema 1.2 writes it: each metric's aspect, each verdict's aspects."""
    metrics = [dataclasses.replace(m, aspect=get_spec(m.id).aspect, mixes=()) for m in result.metrics]
    verdicts = []
    for v in result.verdicts:
        degraded = sorted({m.aspect for m in metrics if m.headline and m.status[v.generation] == "degraded"})
        verdicts.append(dataclasses.replace(v, aspects=degraded, watch_aspects=[]))
    return dataclasses.replace(result, metrics=metrics, verdicts=verdicts)


def test_unknown_aspects_are_usage_errors_naming_the_value_and_the_allowed_ones() -> None:
    message = r"auditor\.toml: policy key 'no_degraded_aspects': unknown aspect 'shrinkage'; allowed: narrowing, drift"
    with pytest.raises(UsageError, match=message):
        parse_policy({"no_degraded_aspects": ["narrowing", "shrinkage"]}, source="auditor.toml")
    with pytest.raises(UsageError, match="'no_degraded_aspects': must be a list of aspects"):
        parse_policy({"no_degraded_aspects": "narrowing"})
    policy = parse_policy({"no_degraded_aspects": ["loss", "narrowing", "loss"]})
    assert policy.no_degraded_aspects == ("loss", "narrowing") and not policy.empty


def test_a_degraded_aspect_fails_and_a_measured_clean_one_passes() -> None:
    lost = _with_aspects(one_metric_result("tail.rare_survival_hapax", 0.4, 0.1, "degraded"))
    outcome = evaluate(lost, parse_policy({"no_degraded_aspects": ["loss"]}))
    (check,) = outcome.checks
    assert (check.id, check.status, check.value) == ("aspect.loss", "fail", "tail")
    assert "loss degraded in tail (tail.rare_survival_hapax)" in check.description
    kept = _with_aspects(one_metric_result("tail.rare_survival_hapax", 0.4, 0.39, "ok"))
    assert evaluate(kept, parse_policy({"no_degraded_aspects": ["loss"]})).passed
    # a degraded drift does not fail a policy that only forbids narrowing and loss
    drifted = _with_aspects(one_metric_result("voice.style_drift", 0.5, 0.9, "degraded"))
    outcome = evaluate(drifted, parse_policy({"no_degraded_aspects": ["drift"], "allow_na": True}))
    assert not outcome.passed
    # (a rule on the drift metric measures the generation: allow_na never passes one where nothing was)
    narrowing_only = parse_policy(
        {"no_degraded_aspects": ["narrowing"], "allow_na": True, "rules": {"voice.style_drift": {"max": 10}}}
    )
    assert evaluate(drifted, narrowing_only).passed


def test_an_aspect_nothing_measured_fails_closed_unless_allowed() -> None:
    lost = _with_aspects(one_metric_result("tail.rare_survival_hapax", 0.4, 0.39, "ok"))
    (check,) = evaluate(lost, parse_policy({"no_degraded_aspects": ["narrowing"]})).checks
    assert check.failed and check.value == "n/a"
    assert "no headline metric of aspect narrowing was measured (families run: tail)" in check.description
    allowed = evaluate(lost, parse_policy({"no_degraded_aspects": ["narrowing", "loss"], "allow_na": True}))
    assert allowed.passed and [c.status for c in allowed.checks] == ["n/a", "pass"]
    # allow_na lets some checks of a generation be n/a, never all of them
    blind = evaluate(lost, parse_policy({"no_degraded_aspects": ["narrowing"], "allow_na": True}))
    assert not blind.passed and "nothing was measured for gen" in blind.checks[0].description
    # a headline that is n/a measured nothing either
    undefined = _with_aspects(one_metric_result("tail.rare_survival_hapax", 0.4, None, "n/a"))
    assert evaluate(undefined, parse_policy({"no_degraded_aspects": ["loss"]})).checks[0].value == "n/a"


def test_a_metrics_json_without_aspects_cannot_prove_an_aspect_absent() -> None:
    old = one_metric_result("tail.rare_survival_hapax", 0.4, 0.1, "degraded")  # schema 1.1: no aspects
    (check,) = evaluate(old, parse_policy({"no_degraded_aspects": ["loss"]})).checks
    assert check.failed and "predates aspects (schema 1.2)" in check.description


def test_the_formats_show_the_aspect_rule() -> None:
    lost = _with_aspects(one_metric_result("tail.rare_survival_hapax", 0.4, 0.1, "degraded"))
    outcome = evaluate(lost, parse_policy({"no_degraded_aspects": ["loss"]}))
    junit = GateFormat.JUNIT.format(outcome)
    assert 'classname="aspect.loss"' in junit and "loss degraded in tail" in junit
    markdown = GateFormat.MARKDOWN.format(outcome)
    assert "| `aspect.loss` | gen | tail | no loss | **FAIL** |" in markdown


def test_check_cli_exits_2_on_an_unknown_aspect(tmp_path: Path) -> None:
    policy = tmp_path / "auditor.toml"
    policy.write_text('[check]\nno_degraded_aspects = ["narowing"]\n')
    corpora = [str(DEMO / "gen0.jsonl"), str(DEMO / "gen1.jsonl")]
    result = runner.invoke(app, ["check", *corpora, "--policy", str(policy), "--families", "vocabulary", "-q"])
    assert result.exit_code == 2, result.output
    assert "unknown aspect 'narowing'; allowed: narrowing, drift, loss" in result.output


def test_init_policy_offers_the_aspect_rule_commented(demo_policy: Path) -> None:
    text = demo_policy.read_text()
    assert '# no_degraded_aspects = ["narrowing", "loss"]' in text
    from auditor.gate.policy import load_policy

    uncommented = demo_policy.with_name("aspects.toml")
    line = 'no_degraded_aspects = ["narrowing", "loss"]'
    uncommented.write_text(text.replace(f"# {line}", line))
    assert load_policy(uncommented).no_degraded_aspects == ("narrowing", "loss")
