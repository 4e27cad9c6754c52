"""The root ``auditor`` command: the typer app, its help and epilog, and ``--version``.

Every command module of :mod:`auditor.cli` is put on this app by the package, in the order the
help lists them; this module knows no command, so any of them can import it.
"""

from __future__ import annotations

import typer

from auditor._version import __version__

FAMILIES_HELP = (
    "Families: vocabulary, tail, topics, voice, paired and likelihood run on the core install (pip install "
    "corpus-auditor); embedding needs the embedding extra (pip install torch, then pip install "
    "'corpus-auditor[embedding]') and is n/a without it; likelihood with --likelihood-model needs the "
    "likelihood-neural extra; --engine dask needs the dask extra."
)
EXIT_CODES_HELP = (
    "Exit codes: 0 ran (check: passed), 1 a gate failed (check: a rule; diff --fail-on-worse: a verdict got worse), "
    "2 usage or input error, "
    "3 internal error (see the crash log it names), 130 interrupted."
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Audit a series of text corpora (generation 0, 1, 2, ...) for model collapse.",
    epilog=EXIT_CODES_HELP + "\n\n" + FAMILIES_HELP,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"auditor {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Audit a series of text corpora (generation 0, 1, 2, ...) for model collapse."""
