"""The gate's outputs: a terminal table, JUnit XML, Markdown for CI job summaries, and JSON.

Each format renders a :class:`~auditor.gate.evaluate.GateOutcome` and nothing else; none of them
reads a metric. :class:`GateFormat` names them, and ``GateFormat.X.format(outcome)`` is how the
CLI picks one (it ends in ``assert_never``, so a new member without a renderer fails loudly).

Strings from the corpus (generation names) and from the policy file reach every format: the table
shows control characters as visible escapes, XML gets them escaped the same way (XML 1.0 cannot
hold most of them at all), and Markdown cells go through the report's escaping.
"""

from __future__ import annotations

import enum
import json
from typing import Any
from xml.etree import ElementTree as ET

from auditor.gate.evaluate import GateOutcome
from auditor.gate.policy import Policy
from auditor.outputs import assert_never
from auditor.text.terminal import terminal_safe, visible_controls


class GateFormat(str, enum.Enum):
    """The formats a gate outcome is written in."""

    TABLE = "table"
    """One row per check, for the terminal."""
    JUNIT = "junit"
    """JUnit XML, one testcase per check (``--junit``)."""
    JSON = "json"
    """The checks as JSON (``--json``)."""
    MARKDOWN = "markdown"
    """A Markdown summary, e.g. for ``$GITHUB_STEP_SUMMARY`` (``--markdown``)."""

    def format(self, outcome: GateOutcome) -> str:
        """Render ``outcome`` in this format."""
        if self is GateFormat.TABLE:
            return format_table(outcome)
        if self is GateFormat.JUNIT:
            return format_junit(outcome)
        if self is GateFormat.JSON:
            return json.dumps(format_json(outcome), indent=2) + "\n"
        if self is GateFormat.MARKDOWN:
            return format_markdown(outcome)
        assert_never(self)


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


def format_json(outcome: GateOutcome, policy: Policy | None = None) -> dict[str, Any]:
    """The checks as JSON data; ``policy`` defaults to the one the outcome was evaluated with."""
    policy = policy if policy is not None else outcome.policy
    return {
        "passed": outcome.passed,
        "policy": policy.source if policy is not None else None,
        "failures": len(outcome.failures),
        "checks": [c.__dict__ for c in outcome.checks],
    }
