"""The CI gate: policies, checks as data, exit codes, JUnit XML, calibrated starting policies."""

from __future__ import annotations

import json
import random
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.gate import Policy, Rule, evaluate, format_junit, parse_policy
from auditor.metrics.registry import all_specs
from auditor.result import AuditResult, Delta, FamilyVerdict, GenerationInfo, GenerationValue, MetricResult
from tests.conftest import ROOT, write_jsonl

runner = CliRunner()
DEMO = ROOT / "corpora" / "demo"
LEXICAL = "vocabulary,tail"


def one_metric_result(
    metric_id: str, ref: float | None, gen: float | None, status: str = "ok", name: str = "gen"
) -> AuditResult:
    """A hand-made AuditResult with one metric over a reference and one generation."""
    spec = next(s for s in all_specs() if s.id == metric_id)
    values = {"ref": GenerationValue(ref), name: GenerationValue(gen, None, None if gen is not None else "too small")}
    metric = MetricResult(
        metric_id,
        spec.family,
        spec.title,
        spec.unit,
        spec.better,
        spec.headline,
        values,
        None,
        {g: Delta(None, None) for g in values},
        {g: Delta(None, None) for g in values},
        {"ref": "ok", "gen": status},
    )
    info = [GenerationInfo(g, g, 10, 100, 50) for g in values]
    verdicts = [FamilyVerdict(spec.family, g, s, []) for g, s in (("ref", "ok"), (name, status))]
    return AuditResult("test", {}, {}, "ref", info, [metric], verdicts, {})


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
    per_rule = Policy((Rule("tail.rare_survival_hapax", min=0.3, allow_na=True),))
    assert [c.status for c in evaluate(na, per_rule).checks] == ["n/a"]
    globally = Policy((Rule("tail.rare_survival_hapax", min=0.3),), allow_na=True)
    assert evaluate(na, globally).passed


def test_a_rule_of_a_family_not_run_fails_closed_and_no_applicable_rule_is_a_usage_error() -> None:
    from auditor.errors import UsageError

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


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"rules": {"tail.no_such_metric": {"min": 1}}}, "rules.tail.no_such_metric"),
        ({"rules": {"tail.rare_survival_hapax": {"minimum": 1}}}, "rules.tail.rare_survival_hapax.minimum"),
        ({"rules": {"tail.rare_survival_hapax": {"min": "high"}}}, "rules.tail.rare_survival_hapax.min"),
        (
            {"rules": {"tail.novel_type_rate": {"max_relative_drop": 0.1}}},
            "rules.tail.novel_type_rate.max_relative_drop",
        ),
        ({"no_degraded": ["vibes"]}, "no_degraded"),
        ({"fail_on_na": "yes"}, "fail_on_na"),
        ({"rules": {"tail.rare_survival_hapax": {"min": 0.1}}, "fail_on_na": False}, "fail_on_na"),
        ({"allow_na": 1}, "allow_na"),
        ({"rules": {"tail.rare_survival_hapax": {"min": 0.1, "allow_na": "yes"}}}, "rules.tail.rare_survival_hapax"),
        ({"rules": {"tail.rare_survival_hapax": {"allow_na": True}}}, "rules.tail.rare_survival_hapax"),
        ({"rulez": {}}, "rulez"),
    ],
)
def test_malformed_policy_names_the_key(table: dict, key: str) -> None:
    from auditor.errors import UsageError

    with pytest.raises(UsageError, match=f"policy key '{key}"):
        parse_policy(table)


def test_malformed_policy_file_exits_2_naming_the_key(tmp_path: Path) -> None:
    policy = tmp_path / "auditor.toml"
    policy.write_text('[check.rules."vocabulary.typos"]\nmin = 3\n')
    result = runner.invoke(app, ["check", str(DEMO / "gen0.jsonl"), str(DEMO / "gen1.jsonl"), "--policy", str(policy)])
    assert result.exit_code == 2
    assert "rules.vocabulary.typos" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def demo_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("policy") / "auditor.toml"
    result = runner.invoke(
        app, ["init-policy", str(DEMO / "gen0.jsonl"), "--out", str(out), "--families", LEXICAL, "-q"]
    )
    assert result.exit_code == 0, result.output
    return out


def test_init_policy_covers_headlines_with_comments(demo_policy: Path) -> None:
    text = demo_policy.read_text()
    headline_ids = [s.id for s in all_specs() if s.headline and s.family in ("vocabulary", "tail")]
    for metric_id in headline_ids:
        assert f'[check.rules."{metric_id}"]' in text
    assert text.count("max_relative_drop") == len(headline_ids)
    assert text.count("# reference ") == len(headline_ids)  # each threshold says where it came from
    parse_policy(__import__("tomllib").loads(text)["check"])


def test_demo_last_generation_fails_and_junit_says_why(demo_policy: Path, tmp_path: Path) -> None:
    junit, md, js = tmp_path / "j.xml", tmp_path / "s.md", tmp_path / "c.json"
    args = ["check", str(DEMO / "gen0.jsonl"), str(DEMO / "gen5.jsonl"), "--policy", str(demo_policy)]
    result = runner.invoke(app, [*args, "--junit", str(junit), "--markdown", str(md), "--json", str(js), "-q"])
    assert result.exit_code == 1, result.output
    suite = ET.parse(junit).getroot()
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("tests")) == len(cases) == 4 and int(suite.get("failures")) == len(failures) >= 2
    for case in failures:
        message = case.find("failure").get("message")
        metric, generation = case.get("classname"), case.get("name")
        assert generation == "gen5" and message.startswith(metric)
        assert "vs reference" in message and "allowed" in message  # value, reference and threshold
    data = json.loads(js.read_text())
    assert data["passed"] is False and data["failures"] == len(failures)
    assert "FAILED" in md.read_text()


@pytest.mark.slow
def test_fresh_halves_pass_their_own_policy(paragraphs: list[dict], tmp_path: Path) -> None:
    passed = 0
    for split in range(20):
        rows = list(paragraphs)
        random.Random(2000 + split).shuffle(rows)
        half = len(rows) // 2
        a = write_jsonl(tmp_path / f"{split}" / "a.jsonl", rows[:half])
        b = write_jsonl(tmp_path / f"{split}" / "b.jsonl", rows[half:])
        policy = tmp_path / f"{split}" / "auditor.toml"
        init = runner.invoke(
            app, ["init-policy", str(a), "--out", str(policy), "--families", LEXICAL, "-q", "--seed", str(split)]
        )
        assert init.exit_code == 0, init.output
        check = runner.invoke(app, ["check", str(a), str(b), "--policy", str(policy), "-q", "--seed", str(split)])
        assert check.exit_code in (0, 1), check.output
        passed += check.exit_code == 0
    assert passed >= 19


def test_policy_found_in_pyproject(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.auditor]\ndraws = 4\nsplits = 4\nfamilies = ["vocabulary", "tail"]\n\n'
        '[tool.auditor.check]\nno_degraded = ["tail"]\n'
    )
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", str(DEMO / "gen0.jsonl"), str(DEMO / "gen5.jsonl"), "-q"])
    assert result.exit_code == 1 and "verdict.tail" in result.stdout
    result = runner.invoke(app, ["check", str(DEMO / "gen0.jsonl"), str(DEMO / "gen1.jsonl"), "-q"])
    assert result.exit_code == 0, result.output


def test_junit_escapes_hostile_names() -> None:
    result = one_metric_result("tail.rare_survival_hapax", 0.4, 0.1, name='<x y="z">&</testcase>')
    outcome = evaluate(result, Policy((Rule("tail.rare_survival_hapax", min=0.3),)))
    case = ET.fromstring(format_junit(outcome).split("\n", 1)[1]).find("testcase")  # still well-formed XML
    assert case.get("name") == '<x y="z">&</testcase>' and case.find("failure") is not None
