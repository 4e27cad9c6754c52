"""``auditor audit``: audit a series of corpora, write the run's outputs, print the verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from auditor.cli.console import _guarded, _progress
from auditor.cli.options import CORPORA_HELP, SettingsOptions, _profile_input, settings_options
from auditor.text.terminal import terminal_safe


@_guarded
@settings_options()
def audit_cli(
    corpora: list[str] = typer.Argument(..., help=CORPORA_HELP),
    out: Path = typer.Option(Path("reports"), "--out", "-o", help="Folder for metrics.json, summary.md, report.html."),
    documents: Path | None = typer.Option(
        None,
        "--documents",
        help="Also score every document of every later generation and write the rows to this .jsonl or "
        ".parquet file (columns: README, 'Per-document scores').",
    ),
    positions: Optional[str] = typer.Option(
        None,
        "--positions",
        help="Each generation's position in the series, comma-separated (0,1,5,20,50), for the trends; default: "
        "NAME@X=PATH, else the number ending each name (gen3), else the order.",
    ),
    *,
    options: SettingsOptions,
) -> None:
    """Audit CORPORA (generation 0 first) and write metrics.json, summary.md and report.html.

    With --reference-profile FILE, the profile is generation 0 and the reference, and every corpus
    given is a later generation (generation 1 first). With --documents FILE, every document of every
    later generation gets a row of scores (typical, copied, duplicated, register...) in FILE, and the
    report a documents section.
    """
    from auditor.outputs import OutputFormat, check_output_target, write_outputs
    from auditor.pipeline import audit

    check_output_target(out, [*corpora, *_profile_input(options)])
    if documents is not None:
        check_output_target(documents, [*corpora, *_profile_input(options)], directory=False)
    settings = options.settings()
    with _progress(options.quiet) as progress:
        result = audit(
            corpora,
            settings=settings,
            progress=progress,
            reference_profile=options.reference_profile,
            documents=documents,
            positions=positions,
        )
    paths = write_outputs(result, out)
    if not options.quiet:
        typer.echo(_verdict_table(result), err=True)
    typer.echo(f"Report: {terminal_safe(paths[OutputFormat.HTML])}")
    typer.echo(f"Metrics: {terminal_safe(paths[OutputFormat.JSON])}")
    if documents is not None:
        typer.echo(f"Documents: {terminal_safe(documents)}")


def _verdict_table(result) -> str:
    """Generations by families: each status with its degraded aspects, then the overall reading; under
    it, how each later generation degraded in each family, with the measured changes (the summary's
    Reading sentences: ``+16 pp`` for a share, see :func:`auditor.stats.change_words`)."""
    from auditor.report.reading import aspect_sentence, verdict_cell

    families = list(dict.fromkeys(v.family for v in result.verdicts))
    shown = {g: terminal_safe(g) for g in result.generation_names}
    cells = {(f, g): verdict_cell(result.verdict(f, g)) for f in families for g in result.generation_names}
    widths = {f: max(len(f), *(len(cells[f, g]) for g in result.generation_names)) + 2 for f in families}
    width = max(len("generation"), *(len(name) for name in shown.values())) + 2
    lines = ["generation".ljust(width) + "".join(f.ljust(widths[f]) for f in families) + "reading"]
    for g in result.generation_names:
        reading = result.reading(g)
        lines.append(
            shown[g].ljust(width)
            + "".join(cells[f, g].ljust(widths[f]) for f in families)
            + (reading.text if reading is not None else "-")
        )
    lines += [
        terminal_safe(f"{g} / {f}: {sentence}")
        for g in result.generation_names
        if g != result.reference
        for f in families
        if (sentence := aspect_sentence(result, f, g))
    ]
    from auditor.families.register_shift import register_sentences
    from auditor.report.series import forecast_sentence, series_verdicts

    series = series_verdicts(result)
    if series:
        lines.append(terminal_safe("over the series: " + "; ".join(f"{s.family} {s.text}" for s in series)))
    lines += [terminal_safe(f"{s.family}: {ahead}") for s in series if (ahead := forecast_sentence(result, s.family))]
    lines += [terminal_safe(sentence) for sentence in register_sentences(result).values()]
    return "\n".join(lines)
