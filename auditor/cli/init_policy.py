"""``auditor init-policy``: write a starting policy calibrated on the reference alone."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from auditor.cli.console import _fail, _guarded, _progress
from auditor.cli.options import CALIBRATION_OPTIONS, SettingsOptions, _profile_input, settings_options
from auditor.errors import stat_path
from auditor.text.terminal import terminal_safe


@_guarded
@settings_options(*CALIBRATION_OPTIONS)
def init_policy_cli(
    corpus: Optional[str] = typer.Argument(
        None, help="The reference corpus (human text) to calibrate on; leave out with --reference-profile."
    ),
    out: Path = typer.Option(Path("auditor.toml"), "--out", "-o", help="Where to write the policy."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    *,
    options: SettingsOptions,
) -> None:
    """Write a starting policy calibrated on the reference's own split-half null (headline metrics)."""
    from auditor.gate import initial_policy
    from auditor.outputs import atomic_write, check_output_target
    from auditor.pipeline import calibrate

    if stat_path(out) is not None and not force:
        _fail(f"{out} exists; pass --force to overwrite it, or --out another file.")
    check_output_target(out, [*([corpus] if corpus else []), *_profile_input(options)], directory=False)
    settings = options.settings()
    with _progress(options.quiet) as progress:
        calibration = calibrate(
            corpus, settings=settings, progress=progress, reference_profile=options.reference_profile
        )
    atomic_write(out, initial_policy(calibration))
    typer.echo(f"Policy: {terminal_safe(out)}")
