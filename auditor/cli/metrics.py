"""``auditor metrics``: list the metric catalogue, as text or JSON."""

from __future__ import annotations

import json

import typer

from auditor.cli.console import _guarded


@_guarded
def metrics_cli(
    as_json: bool = typer.Option(False, "--json", help="Print the catalogue as JSON."),
) -> None:
    """List every metric: id, definition, aspect, direction, unit, tolerance and citation.

    A headline drives its family's verdict; a cited metric is a measure papers report (MAUVE,
    syntactic diversity), which ``init-policy`` offers as a commented-out rule.
    """
    from auditor.families import all_specs

    specs = all_specs()
    if as_json:
        typer.echo(json.dumps([s.to_dict() for s in specs], indent=2))
        return
    for s in specs:
        tol = "run default (relative)" if s.tolerance is None else f"{s.tolerance:g} ({s.tolerance_kind})"
        head = " [headline]" if s.headline else " [cited: init-policy writes its rule commented out]" if s.cited else ""
        mixes = f" (mixes {', '.join(s.mixes)})" if s.mixes else ""
        typer.echo(
            f"{s.id}{head}\n  {s.definition}\n  aspect: {s.aspect}{mixes}; better: {s.better}; "
            f"unit: {s.unit or '-'}; tolerance: {tol}\n  source: {s.citation}\n"
        )
