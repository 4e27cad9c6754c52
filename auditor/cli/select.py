"""``auditor select``: write a cleaned copy of one generation, without the documents the rules drop."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from auditor.cli.console import _guarded, _progress
from auditor.cli.options import SettingsOptions, settings_options
from auditor.text.terminal import terminal_safe

SELECT_OPTIONS = (
    "text_field",
    "format",
    "turns",
    "txt_mode",
    "seed",
    "tokenizer",
    "language",
    "strict",
    "workers",
    "config",
    "quiet",
    "reference_profile",
)
"""The shared settings flags of `select`: how documents are read and tokenized, and the profile."""


@_guarded
@settings_options(*SELECT_OPTIONS)
def select_cli(
    generation: str = typer.Argument(..., help="The generation to clean: one file, PATH or NAME=PATH."),
    reference: Optional[str] = typer.Option(
        None, "--reference", help="The human reference (generation 0), PATH or NAME=PATH; or --reference-profile."
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", help="The cleaned copy, in the input's format (a .gz, .zst, .bz2 or .xz suffix compresses)."
    ),
    drop_duplicates: bool = typer.Option(
        False, "--drop-duplicates", help="Drop every near-duplicate but the one its group keeps (duplicate_rank >= 1)."
    ),
    drop_copies: Optional[float] = typer.Option(
        None, "--drop-copies", metavar="SHARE", help="Drop documents with copy_rate >= SHARE (of their 8-grams)."
    ),
    drop_typical: Optional[float] = typer.Option(
        None,
        "--drop-typical",
        metavar="SHARE",
        help="Drop the most typical SHARE of the documents (lowest log-perplexity under the reference's model).",
    ),
    keep_rare: bool = typer.Option(
        False, "--keep-rare", help="Never drop a document that uses a rare reference word (rare_kept > 0)."
    ),
    selection: Optional[Path] = typer.Option(
        None, "--selection", help="Where to write selection.json (default: beside --out)."
    ),
    *,
    options: SettingsOptions,
) -> None:
    """Write a cleaned copy of GENERATION: every record but those the rules drop, in its own format.

    The documents are scored against the reference as `audit --documents` scores them; at least
    one drop rule is needed. selection.json lists every dropped document with its source and
    reasons, and the counts (read, kept, dropped by rule, protected, passed through unscored).
    """
    from auditor.curation import Rules, select

    rules = Rules(drop_duplicates, drop_copies, drop_typical, keep_rare).require_drop("auditor select")
    settings = options.settings()
    with _progress(options.quiet) as progress:
        result = select(
            generation,
            reference=reference,
            reference_profile=options.reference_profile,
            out=out,
            rules=rules,
            settings=settings,
            selection=selection,
            progress=progress,
        )
    counts = result.counts
    by_rule = ", ".join(f"{rule} {n:,}" for rule, n in counts["dropped_by_rule"].items())
    line = f"Kept {counts['kept']:,} of {counts['read']:,} records, dropped {counts['dropped']:,} ({by_rule})"
    if rules.keep_rare:
        line += f"; {counts['protected']:,} protected by --keep-rare"
    if counts["passed_through"]:
        line += f"; {counts['passed_through']:,} passed through unscored"
    typer.echo(terminal_safe(line + "."))
    typer.echo(f"Output: {terminal_safe(result.out)}")
    typer.echo(f"Selection: {terminal_safe(result.record)}")
