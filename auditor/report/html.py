"""report.html: a single self-contained page rendered from an AuditResult (Jinja2, autoescaped)."""

from __future__ import annotations

import jinja2

from auditor.result import AuditResult, format_number


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("auditor.report", "templates"),
        autoescape=True,  # corpus text and generation names can contain anything
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = format_number
    return env


def format_html(result: AuditResult) -> str:
    """The HTML report of a run."""
    families = list(dict.fromkeys(v.family for v in result.verdicts))
    lost = result.artifacts.get("lost_words", {})
    template = _environment().get_template("report.html.j2")
    return template.render(
        result=result,
        names=result.generation_names,
        families=families,
        lost_words=lost,
        lost_rows=min(25, max((len(v) for v in lost.values()), default=0)),
    )
