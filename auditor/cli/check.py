"""``auditor check``: audit the corpora and apply a policy, the command CI gates on (exit 0 or 1)."""

from __future__ import annotations

import dataclasses
from contextlib import suppress
from pathlib import Path
from typing import Optional

import typer

from auditor.cli.console import _guarded, _progress
from auditor.cli.options import CORPORA_HELP, SettingsOptions, _profile_input, settings_options
from auditor.errors import AuditorError
from auditor.text.terminal import terminal_safe


@_guarded
@settings_options()
def check_cli(
    corpora: list[str] = typer.Argument(..., help=CORPORA_HELP),
    policy: Optional[Path] = typer.Option(
        None,
        help="Policy TOML ([check] or [tool.auditor.check]); default: ./auditor.toml or ./pyproject.toml. Settings "
        "beside the policy apply over the config file's, under the flags.",
    ),
    junit: Optional[Path] = typer.Option(None, help="Write JUnit XML: one testcase per rule and generation."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the checks as JSON."),
    markdown: Optional[Path] = typer.Option(None, help="Write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)."),
    report: Optional[Path] = typer.Option(None, help="Also write metrics.json, summary.md and report.html here."),
    positions: Optional[str] = typer.Option(
        None,
        "--positions",
        help="Each generation's position in the series, comma-separated (0,1,5,20,50), for the trends; default: "
        "NAME@X=PATH, else the number ending each name (gen3), else the order.",
    ),
    *,
    options: SettingsOptions,
) -> None:
    """Audit CORPORA and apply a policy: exit 0 when every rule passes, 1 when one fails, 2 on bad input.

    With --reference-profile FILE, the profile is the reference and every corpus given is a
    generation checked against it.
    """
    from auditor.gate import GateFormat, check, find_policy
    from auditor.outputs import atomic_write, check_output_target, write_outputs

    try:
        if report is not None:
            check_output_target(report, [*corpora, *_profile_input(options)])
        the_policy = find_policy(policy)
        inputs = [*corpora, the_policy.source, *_profile_input(options)]
        for target in (junit, json_out, markdown):
            if target is not None:
                check_output_target(target, inputs, directory=False)
        # flags over the policy file's own settings over the config file; check() must not apply
        # the policy's settings again, over the flags
        settings = options.settings(policy=the_policy)
        # --families runs exactly those; otherwise check() runs only the families the policy reads
        families = None if options.families is None else settings.families
        with _progress(options.quiet) as progress:
            outcome = check(
                corpora,
                dataclasses.replace(the_policy, settings={}),
                families=families,
                settings=settings,
                progress=progress,
                reference_profile=options.reference_profile,
                positions=positions,
            )
        if report is not None:
            write_outputs(outcome.result, report)
        for fmt, target in ((GateFormat.JUNIT, junit), (GateFormat.JSON, json_out), (GateFormat.MARKDOWN, markdown)):
            if target is not None:
                atomic_write(target, fmt.format(outcome))
    except (KeyboardInterrupt, Exception) as exc:
        if junit is not None:  # best effort: a folder or an unwritable path is left alone
            _junit_error(junit, exc)
        raise
    typer.echo(GateFormat.TABLE.format(outcome))
    source = terminal_safe(the_policy.source)
    if outcome.passed:
        typer.echo(f"auditor check: passed ({len(outcome.checks)} checks, policy {source})", err=True)
        return
    failed = f"{len(outcome.failures)} of {len(outcome.checks)} checks"
    typer.echo(f"auditor check: FAILED: {failed} (policy {source})", err=True)
    for c in outcome.failures:
        typer.echo(f"  {terminal_safe(c.generation)}: {terminal_safe(c.description)}", err=True)
    raise typer.Exit(1)


def _junit_error(junit: Path, exc: BaseException) -> None:
    """Best effort: a JUnit file with one error case, so CI shows a check that could not run."""
    from auditor.gate import format_junit_error
    from auditor.outputs import atomic_write

    if isinstance(exc, AuditorError):
        kind, message = "usage-or-input", str(exc)
    elif isinstance(exc, KeyboardInterrupt):
        kind, message = "interrupted", "the check was interrupted"
    else:
        kind, message = "internal", f"internal error: {type(exc).__name__}: {exc}"
    with suppress(AuditorError, OSError):
        atomic_write(junit, format_junit_error(message, kind=kind))
