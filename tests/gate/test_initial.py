"""Starting policies calibrated on the reference's own null: every headline, and halves pass them."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from auditor.cli import app
from auditor.families import all_specs
from auditor.gate import parse_policy
from tests.conftest import write_jsonl
from tests.gate.conftest import LEXICAL, runner


def test_init_policy_covers_headlines_with_comments(demo_policy: Path) -> None:
    text = demo_policy.read_text()
    headline_ids = [s.id for s in all_specs() if s.headline and s.family in ("vocabulary", "tail")]
    for metric_id in headline_ids:
        assert f'[check.rules."{metric_id}"]' in text
    assert text.count("max_relative_drop") == len(headline_ids)
    assert text.count("# reference ") == len(headline_ids)  # each threshold says where it came from
    parse_policy(__import__("tomllib").loads(text)["check"])


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


def test_starting_policy_reads_the_tolerance_from_metrics_json(small_result) -> None:
    """The tolerance metrics.json states is the one applied; a 1.0 file (none stated) gets the registry's."""
    from auditor.gate.initial import initial_policy
    from auditor.result import AuditResult
    from tests.test_result import as_version_1_0

    data = json.loads(small_result.to_json())
    policy = initial_policy(small_result)
    assert "tolerance 0.05 (relative)" in policy and "(absolute)" in policy
    assert initial_policy(AuditResult.from_dict(as_version_1_0(data))) == policy
    for m in data["metrics"]:
        m["tolerance"] = {"value": 0.5, "relative": False}
    stated = initial_policy(AuditResult.from_dict(data))
    assert "tolerance 0.5 (absolute)" in stated and "(relative)" not in stated


def test_the_measures_papers_report_are_offered_as_commented_rules() -> None:
    """MAUVE and syntactic diversity are not headlines: their calibrated rules come commented out, beside
    a headline's live one, and uncommented they parse as rules."""
    import dataclasses

    from auditor.gate.initial import initial_policy
    from auditor.result import NullSummary, Tolerance
    from tests.gate.conftest import one_metric_result

    cited = [s.id for s in all_specs() if s.cited]
    assert cited == ["embedding.mauve", "voice.syntactic_diversity"]
    headline = one_metric_result("embedding.coverage", 0.9, 0.9)
    metrics = []
    for metric_id in ["embedding.coverage", *cited]:
        m = one_metric_result(metric_id, 0.9, 0.9).metrics[0]
        metrics.append(dataclasses.replace(m, null=NullSummary(0.9, (0.85, 0.95)), tolerance=Tolerance(0.05, False)))
    policy = initial_policy(dataclasses.replace(headline, metrics=metrics))
    assert '\n[check.rules."embedding.coverage"]' in policy
    for metric_id in cited:
        assert f'\n# [check.rules."{metric_id}"]' in policy
        assert f'\n[check.rules."{metric_id}"]' not in policy
    uncommented = policy.replace("\n# [check.rules", "\n[check.rules").replace(
        "\n# max_relative_drop", "\nmax_relative_drop"
    )
    rules = parse_policy(__import__("tomllib").loads(uncommented)["check"]).rules
    assert {r.metric for r in rules} == {"embedding.coverage", *cited}
