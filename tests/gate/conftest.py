"""Shared by the gate tests: a hand-made one-metric AuditResult and a policy calibrated on the demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.families import all_specs
from auditor.result import AuditResult, Delta, FamilyVerdict, GenerationInfo, GenerationValue, MetricResult
from tests.conftest import ROOT, locked, shared_folder

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


@pytest.fixture(scope="session")
def demo_policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The starting policy `auditor init-policy` writes for the demo's gen0 (lexical families),
    written once per session by whichever worker asks first."""
    folder = shared_folder(tmp_path_factory) / "shared-demo-policy"
    folder.mkdir(exist_ok=True)
    out = folder / "auditor.toml"
    with locked(folder / "lock"):
        if not out.exists():
            result = runner.invoke(
                app, ["init-policy", str(DEMO / "gen0.jsonl"), "--out", str(out), "--families", LEXICAL, "-q"]
            )
            assert result.exit_code == 0, result.output
    return out
