"""``auditor.check()``: the library gate audits, narrows families, evaluates; it never prints or exits."""

from __future__ import annotations

from pathlib import Path

import pytest

import auditor
from auditor.config import Settings
from auditor.errors import UsageError
from auditor.gate import Policy, Rule, as_policy
from auditor.result import AuditResult
from tests.gate.conftest import DEMO

FAST = {"draws": 4, "splits": 4}
HAND_WRITTEN = """\
[check]
no_degraded = ["tail"]

[check.rules."tail.rare_survival_hapax"]
max_relative_drop = 0.2
"""
LOOSE = {
    "rules": {
        "tail.rare_survival_hapax": {"max_relative_drop": 0.5},
        "vocabulary.types_at_budget": {"max_relative_drop": 0.5},
    }
}


def test_check_fails_the_collapsed_demo_generation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "auditor.toml"
    policy.write_text(HAND_WRITTEN)
    outcome = auditor.check([str(DEMO / "gen0.jsonl"), str(DEMO / "gen5.jsonl")], policy, **FAST)
    assert not outcome.passed
    assert {(c.id, c.generation) for c in outcome.failures} == {
        ("tail.rare_survival_hapax", "gen5"),
        ("verdict.tail", "gen5"),
    }
    assert isinstance(outcome.result, AuditResult) and outcome.policy is not None
    assert outcome.policy.source == str(policy)
    assert {v.family for v in outcome.result.verdicts} == {"tail"}  # only the family the policy reads ran
    assert outcome.result.config["draws"] == 4
    assert capsys.readouterr() == ("", "")  # the library never prints


def test_check_passes_an_early_generation_under_a_loose_policy() -> None:
    outcome = auditor.check([str(DEMO / "gen0.jsonl"), str(DEMO / "gen1.jsonl")], LOOSE, **FAST)
    assert outcome.passed and not outcome.failures
    assert [(c.id, c.generation, c.status) for c in outcome.checks] == [
        ("tail.rare_survival_hapax", "gen1", "pass"),
        ("vocabulary.types_at_budget", "gen1", "pass"),
    ]
    assert outcome.result is not None and outcome.result.config["families"] == ["vocabulary", "tail"]


def test_families_given_explicitly_are_run_as_given() -> None:
    """Without the narrowing, a policy about tail cannot read a vocabulary-only run: a usage error."""
    policy = Policy((Rule("tail.rare_survival_hapax", max_relative_drop=0.2),), source="tail-only")
    with pytest.raises(UsageError, match="tail-only: none of the policy's rules applies to this run"):
        auditor.check([str(DEMO / "gen0.jsonl"), str(DEMO / "gen1.jsonl")], policy, families="vocabulary", **FAST)


def test_a_bad_policy_is_refused_before_any_audit(tmp_path: Path) -> None:
    missing = [str(tmp_path / "no-such-corpus.jsonl")] * 2  # never read: the policy is checked first
    with pytest.raises(UsageError, match="policy key 'rulez'"):
        auditor.check(missing, {"rulez": {}})
    with pytest.raises(UsageError, match="the policy has no rules"):
        auditor.check(missing, {"check": {}})
    with pytest.raises(UsageError, match="`policy` must be a Policy, the path of a TOML file or a policy table"):
        auditor.check(missing, 3)  # type: ignore[arg-type]


def test_as_policy_accepts_a_policy_a_path_or_a_table(tmp_path: Path) -> None:
    policy = Policy((Rule("tail.rare_survival_hapax", max_relative_drop=0.2),), ("tail",), source="policy")
    path = tmp_path / "auditor.toml"
    path.write_text(HAND_WRITTEN)
    assert as_policy(policy) is policy
    assert as_policy(path) == as_policy(str(path)) == Policy(policy.rules, policy.no_degraded, source=str(path))
    table = {"no_degraded": ["tail"], "rules": {"tail.rare_survival_hapax": {"max_relative_drop": 0.2}}}
    assert as_policy(table) == as_policy({"check": table}) == as_policy({"tool": {"auditor": {"check": table}}})
    assert as_policy(table) == policy


@pytest.fixture
def settings_seen(monkeypatch: pytest.MonkeyPatch) -> list:
    """The settings check() hands the audit, which then stops with a usage error (no corpus is read)."""
    import auditor.pipeline

    seen: list = []

    def stop(corpora, *, settings, **kwargs):
        seen.append(settings)
        raise UsageError("stopped before the audit")

    monkeypatch.setattr(auditor.pipeline, "audit", stop)
    return seen


POLICY_WITH_SETTINGS = 'seed = 5\ndraws = 3\n[check.rules."vocabulary.types_at_budget"]\nmax_relative_drop = 0.5\n'


def test_a_policy_files_settings_apply_over_settings_and_under_overrides(tmp_path: Path, settings_seen) -> None:
    path = tmp_path / "p.toml"
    path.write_text(POLICY_WITH_SETTINGS)
    corpora = [str(DEMO / "gen0.jsonl"), str(DEMO / "gen1.jsonl")]
    for kwargs in ({}, {"settings": Settings(seed=9, splits=3)}, {"seed": 7}):
        with pytest.raises(UsageError, match="stopped before the audit"):
            auditor.check(corpora, path, **kwargs)
    assert [(s.seed, s.draws, s.splits) for s in settings_seen] == [(5, 3, 20), (5, 3, 3), (7, 3, 20)]
    with pytest.raises(UsageError, match="policy: unknown setting 'bogus'"):
        auditor.check(corpora, {"bogus": 1, "check": {"no_degraded": ["tail"]}})  # a document holding a policy


def test_check_cli_layers_flags_over_the_policy_files_settings_over_the_config_file(
    tmp_path: Path, settings_seen
) -> None:
    from auditor.cli import app
    from tests.gate.conftest import runner

    policy, config = tmp_path / "p.toml", tmp_path / "c.toml"
    policy.write_text(POLICY_WITH_SETTINGS)
    config.write_text("seed = 9\nsplits = 3\ndraws = 4\n")
    corpora = [str(DEMO / "gen0.jsonl"), str(DEMO / "gen1.jsonl")]
    common = ["check", *corpora, "--policy", str(policy), "--config", str(config), "-q"]
    for flags in ([], ["--draws", "2"]):
        result = runner.invoke(app, [*common, *flags])
        assert result.exit_code == 2 and "stopped before the audit" in result.stderr, result.output
    assert [(s.seed, s.draws, s.splits) for s in settings_seen] == [(5, 3, 3), (5, 2, 3)]
