"""The gate's outputs: JUnit XML CI can read, JSON, Markdown, and one Enum that names every format."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from auditor.cli import app
from auditor.gate import (
    GateFormat,
    Policy,
    Rule,
    evaluate,
    format_json,
    format_junit,
    format_markdown,
    format_table,
)
from tests.gate.conftest import DEMO, one_metric_result, runner


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


def test_junit_escapes_hostile_names() -> None:
    result = one_metric_result("tail.rare_survival_hapax", 0.4, 0.1, name='<x y="z">&</testcase>')
    outcome = evaluate(result, Policy((Rule("tail.rare_survival_hapax", min=0.3),)))
    case = ET.fromstring(format_junit(outcome).split("\n", 1)[1]).find("testcase")  # still well-formed XML
    assert case.get("name") == '<x y="z">&</testcase>' and case.find("failure") is not None


def _outcome():
    result = one_metric_result("tail.rare_survival_hapax", 0.4, 0.1)
    return evaluate(result, Policy((Rule("tail.rare_survival_hapax", min=0.3),), source="p.toml"))


def test_format_is_exhaustive() -> None:
    """Every GateFormat renders (none falls through to assert_never), and what falls through fails loudly."""
    outcome = _outcome()
    for fmt in GateFormat:
        text = fmt.format(outcome)
        assert isinstance(text, str) and text.strip(), fmt
    with pytest.raises(AssertionError, match="unhandled value"):
        GateFormat.format("yaml", outcome)  # type: ignore[arg-type]  # a member without a renderer


def test_each_format_renders_what_its_function_renders() -> None:
    outcome = _outcome()
    assert GateFormat.TABLE.format(outcome) == format_table(outcome)
    assert GateFormat.JUNIT.format(outcome) == format_junit(outcome)
    assert GateFormat.MARKDOWN.format(outcome) == format_markdown(outcome)
    assert GateFormat.JSON.format(outcome) == json.dumps(format_json(outcome, outcome.policy), indent=2) + "\n"
    assert json.loads(GateFormat.JSON.format(outcome))["policy"] == "p.toml"  # the policy the outcome read
