"""``auditor diff``: compare two audits, and fail on a worse verdict when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from auditor.cli.console import _guarded


@_guarded
def diff_cli(
    metrics_a: Path = typer.Argument(..., metavar="A", help="The earlier (baseline) run: metrics.json or its folder."),
    metrics_b: Path = typer.Argument(..., metavar="B", help="The later run: metrics.json or its folder."),
    match: Optional[list[str]] = typer.Option(
        None,
        "--match",
        metavar="A_NAME=B_NAME",
        help="Pair generation A_NAME of run A with B_NAME of run B (repeatable).",
    ),
    markdown: Optional[Path] = typer.Option(
        None, metavar="FILE", help="Write the diff as Markdown (a pull-request comment)."
    ),
    json_out: Optional[str] = typer.Option(
        None, "--json", metavar="FILE", help="Write the diff as JSON to FILE ('-': to stdout, instead of the table)."
    ),
    fail_on_worse: bool = typer.Option(
        False,
        "--fail-on-worse",
        help="Exit 1 when any verdict got worse, or B lacks a family or headline metric that A measured.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No table on the terminal (the summary line stays)."),
) -> None:
    """Compare two audits: per metric and generation both values, the change and the verdicts; worse families first."""
    from auditor.diff import diff_files, format_markdown, format_table, run_file
    from auditor.outputs import atomic_write, check_output_target

    inputs = [run_file(p) for p in (metrics_a, metrics_b)]  # a diff.md may go beside
    targets = [markdown, None if json_out in (None, "-") else Path(json_out)]
    for target in targets:
        if target is not None:
            check_output_target(target, inputs, directory=False)
    diff = diff_files(metrics_a, metrics_b, matches=match or [])
    if markdown is not None:
        atomic_write(markdown, format_markdown(diff))
    if json_out == "-":
        typer.echo(diff.to_json(ascii_only=True), nl=False)  # a name's control characters stay inert
    elif json_out is not None:
        atomic_write(Path(json_out), diff.to_json())
    if json_out != "-" and not quiet:
        typer.echo(format_table(diff), nl=False)
    else:
        typer.echo(f"auditor diff: {diff.summary()}", err=True)
    if fail_on_worse and diff.any_worse:
        what = "a verdict got worse"
        if not (diff.worse or diff.worse_metrics):
            what = "B lacks a family or headline metric that A measured"
        typer.echo(f"auditor diff: FAILED: {what} (--fail-on-worse)", err=True)
        raise typer.Exit(1)
