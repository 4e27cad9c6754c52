"""``auditor report``: re-render the HTML report of a past run from its metrics.json."""

from __future__ import annotations

from pathlib import Path

import typer

from auditor.cli.console import _guarded
from auditor.text.terminal import terminal_safe


@_guarded
def report_cli(
    metrics_json: Path = typer.Argument(..., help="A metrics.json written by `auditor audit`."),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="The HTML file to write."),
) -> None:
    """Re-render the HTML report of a past run from its metrics.json."""
    from auditor.outputs import OutputFormat, atomic_write, check_output_target
    from auditor.upgrade import load_result

    check_output_target(out, [metrics_json], directory=False)
    result = load_result(metrics_json)
    atomic_write(out, OutputFormat.HTML.format(result))
    typer.echo(f"Report: {terminal_safe(out)}")
