"""Evaluating a policy: checks as data, relative and absolute rules, failing closed on n/a."""

from __future__ import annotations

import dataclasses

import pytest

from auditor.errors import UsageError
from auditor.families import all_specs
from auditor.gate import GateOutcome, Policy, Rule, evaluate, families_in
from auditor.result import FamilyVerdict, GenerationInfo, GenerationValue
from tests.gate.conftest import one_metric_result


def _gate_cases() -> list[tuple[str, float, float, str]]:
    """Per directed metric: a generation 5% worse passes a 10% rule, one 50% worse fails it."""
    cases = []
    for spec in all_specs():
        if spec.better == "none":
            continue
        sign = -1 if spec.better == "higher" else 1
        cases.append((spec.id, 2.0, 2.0 * (1 + sign * 0.05), "pass"))
        cases.append((spec.id, 2.0, 2.0 * (1 + sign * 0.50), "fail"))
    return cases


GATE_CASES = _gate_cases()


@pytest.mark.parametrize(("metric_id", "ref", "gen", "expected"), GATE_CASES)
def test_relative_drop_rule(metric_id: str, ref: float, gen: float, expected: str) -> None:
    outcome = evaluate(one_metric_result(metric_id, ref, gen), Policy((Rule(metric_id, max_relative_drop=0.10),)))
    assert [c.status for c in outcome.checks] == [expected]


def test_every_directed_metric_has_a_pass_and_a_fail_row() -> None:
    covered = {(m, e) for m, _, _, e in GATE_CASES}
    for spec in all_specs():
        if spec.better != "none":
            assert (spec.id, "pass") in covered and (spec.id, "fail") in covered, spec.id


def test_min_max_and_na_rules() -> None:
    result = one_metric_result("tail.rare_survival_hapax", 0.4, 0.2)
    outcome = evaluate(result, Policy((Rule("tail.rare_survival_hapax", min=0.3, max=0.5),)))
    assert [(c.threshold, c.status) for c in outcome.checks] == [(">= 0.3", "fail"), ("<= 0.5", "pass")]
    na = one_metric_result("tail.rare_survival_hapax", 0.4, None)
    closed = evaluate(na, Policy((Rule("tail.rare_survival_hapax", min=0.3),)))
    assert [(c.status, c.value) for c in closed.checks] == [("fail", "n/a")] and not closed.passed
    assert "nothing was measured" in closed.checks[0].description
    # allow_na lets a check be n/a where another check of the generation measured something (the verdict)
    per_rule = Policy((Rule("tail.rare_survival_hapax", min=0.3, allow_na=True),), no_degraded=("tail",))
    assert [c.status for c in evaluate(na, per_rule).checks] == ["n/a", "pass"]
    globally = Policy((Rule("tail.rare_survival_hapax", min=0.3),), no_degraded=("tail",), allow_na=True)
    assert evaluate(na, globally).passed


def test_allow_na_never_passes_a_generation_of_which_nothing_was_measured() -> None:
    na = one_metric_result("tail.rare_survival_hapax", 0.4, None)
    for policy in (
        Policy((Rule("tail.rare_survival_hapax", min=0.3, allow_na=True),)),
        Policy((Rule("tail.rare_survival_hapax", min=0.3),), allow_na=True),
        Policy(no_degraded_aspects=("loss",), allow_na=True),
    ):
        outcome = evaluate(na, policy)
        assert not outcome.passed and [c.status for c in outcome.checks] == ["fail"]
        assert "nothing was measured for gen by any check" in outcome.checks[0].description
        assert "whatever allow_na says" in outcome.checks[0].description


def test_nothing_measured_is_judged_per_generation() -> None:
    """A measured generation keeps its allowed n/a; a generation of which nothing was measured fails."""
    one = one_metric_result("tail.rare_survival_hapax", 0.4, 0.4)
    [metric] = one.metrics
    values = {**metric.values, "tiny": GenerationValue(None, None, "too little text")}
    two = dataclasses.replace(
        one,
        generations=[*one.generations, GenerationInfo("tiny", "tiny", 1, 10, 5)],
        metrics=[dataclasses.replace(metric, values=values, status={**metric.status, "tiny": "n/a"})],
        verdicts=[*one.verdicts, FamilyVerdict("tail", "tiny", "n/a", ["too little text"])],
    )
    policy = Policy((Rule("tail.rare_survival_hapax", min=0.3),), no_degraded=("tail",), allow_na=True)
    outcome = evaluate(two, policy)
    assert [(c.id, c.generation, c.status) for c in outcome.checks] == [
        ("tail.rare_survival_hapax", "gen", "pass"),
        ("tail.rare_survival_hapax", "tiny", "fail"),
        ("verdict.tail", "gen", "pass"),
        ("verdict.tail", "tiny", "fail"),
    ]
    assert all("nothing was measured for tiny" in c.description for c in outcome.failures)


def test_a_rule_of_a_family_not_run_fails_closed_and_no_applicable_rule_is_a_usage_error() -> None:
    result = one_metric_result("tail.rare_survival_hapax", 0.4, 0.4)
    mixed = Policy((Rule("tail.rare_survival_hapax", min=0.3), Rule("embedding.coverage", min=0.5)))
    assert [(c.id, c.status) for c in evaluate(result, mixed).checks] == [
        ("tail.rare_survival_hapax", "pass"),
        ("embedding.coverage", "fail"),
    ]
    with pytest.raises(UsageError, match="none of the policy's rules applies to this run"):
        evaluate(result, Policy((Rule("embedding.coverage", min=0.5),)))
    with pytest.raises(UsageError, match="the policy has no rules"):
        evaluate(result, Policy())


def test_relative_rule_says_better_or_worse_in_plain_words() -> None:
    rule = Policy((Rule("vocabulary.types_at_budget", max_relative_drop=0.1),))
    worse = evaluate(one_metric_result("vocabulary.types_at_budget", 5000.0, 2320.0), rule).checks[0]
    assert "53.6% worse than the reference" in worse.description and worse.failed
    better = evaluate(one_metric_result("vocabulary.types_at_budget", 5000.0, 5500.0), rule).checks[0]
    assert "10.0% better than the reference" in better.description and not better.failed


def test_no_degraded_reads_the_family_verdict() -> None:
    bad = one_metric_result("tail.rare_survival_hapax", 0.4, 0.2, status="degraded")
    outcome = evaluate(bad, Policy(no_degraded=("tail",)))
    assert [(c.id, c.status) for c in outcome.checks] == [("verdict.tail", "fail")]


def test_the_outcome_carries_the_result_and_the_policy_it_read() -> None:
    result = one_metric_result("tail.rare_survival_hapax", 0.4, 0.2)
    policy = Policy((Rule("tail.rare_survival_hapax", min=0.3),), source="mine.toml")
    outcome = evaluate(result, policy)
    assert outcome.result is result and outcome.policy is policy
    assert outcome == GateOutcome(outcome.checks)  # both are context, not part of the checks' equality


def test_families_in_lists_rule_families_then_no_degraded_without_repeats() -> None:
    policy = Policy(
        (Rule("tail.rare_survival_hapax", min=0.3), Rule("vocabulary.mtld", min=1), Rule("tail.tail_mass", min=0)),
        no_degraded=("topics", "tail"),
    )
    assert list(families_in(policy)) == ["tail", "vocabulary", "topics"]
