"""``auditor profile``: write a reference profile, what every audit reads from the reference."""

from __future__ import annotations

from pathlib import Path

import typer

from auditor.cli.console import _guarded, _progress
from auditor.cli.options import PROFILE_OPTIONS, SettingsOptions, settings_options
from auditor.text.terminal import terminal_safe


@_guarded
@settings_options(*PROFILE_OPTIONS)
def profile_cli(
    reference: str = typer.Argument(..., help="The reference corpus (human text): PATH or NAME=PATH."),
    out: Path = typer.Option(..., "--out", "-o", help="The profile file to write (e.g. human.auditor-profile)."),
    *,
    options: SettingsOptions,
) -> None:
    """Write a reference profile: what every audit reads from REFERENCE, computed once.

    Pass it to `audit`, `check` or `init-policy` with --reference-profile FILE instead of the
    reference corpus: the results are those of the raw reference with the same settings. The
    settings that shape the profile (seed, tokenizer, sample size, embedding model...) must then
    match; the others (draws, splits, budget, tolerance, outputs) are free.
    """
    from auditor.outputs import atomic_write, check_output_target
    from auditor.refprofile import build_profile
    from auditor.refprofile.nulls import describe_stored

    check_output_target(out, [reference], directory=False)
    settings = options.settings()
    with _progress(options.quiet) as progress:
        built = build_profile(reference, settings=settings, progress=progress)
    atomic_write(out, built.data)
    p = built.profile
    typer.echo(f"Profile: {terminal_safe(out)}")
    typer.echo(
        f"Size: {built.size:,} bytes ({built.size / 1e6:.1f} MB); reference '{terminal_safe(p.name)}': "
        f"{p.documents:,} documents, {p.tokens:,} tokens, {len(p.texts):,} sampled texts"
    )
    typer.echo(f"Nulls: {describe_stored(p.derived.get('nulls'))} (reused by runs drawn at these sizes)")
    stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in built.seconds.items())
    typer.echo(f"Time: {stages} (total {sum(built.seconds.values()):.1f} s)")
