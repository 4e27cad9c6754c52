"""The ``auditor`` command line: parse options, call the library, print, choose the exit code.

Exit codes: 0 the run completed, 2 a usage or input error (one line naming the file and line).
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import typer

from auditor import __version__
from auditor.errors import AuditorError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Audit a series of text corpora (generation 0, 1, 2, ...) for model collapse.",
)

CORPORA_HELP = "Corpora in generation order, each PATH or NAME=PATH (file or directory)."


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"auditor: error: {message}", err=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"auditor {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Audit a series of text corpora (generation 0, 1, 2, ...) for model collapse."""


def _collect_settings(config: Optional[Path], cli_values: dict[str, Any]):
    """Config file values (explicit --config, else ./auditor.toml, else ./pyproject.toml), then flags."""
    from auditor.config import load_config_file, settings_from_mapping

    values: dict[str, Any] = {}
    source = "settings"
    if config is not None:
        values = load_config_file(config)
        source = str(config)
    else:
        for candidate in (Path("auditor.toml"), Path("pyproject.toml")):
            if candidate.is_file():
                values = load_config_file(candidate)
                source = str(candidate)
                break
    settings = settings_from_mapping(values, source=source)
    overrides = {k: v for k, v in cli_values.items() if v is not None}
    return settings.replace(**overrides) if overrides else settings


def _interactive(quiet: bool) -> bool:
    """Progress is for people at a terminal: not in CI, pipes or with --quiet."""
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def _progress(quiet: bool) -> Iterator[Optional[Callable[[str, Optional[int]], Callable[[int, str], None]]]]:
    """A rich progress display per generation on a terminal; nothing in CI, pipes or --quiet."""
    if not _interactive(quiet):
        yield None
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as progress:

        def factory(label: str, total: Optional[int]) -> Callable[[int, str], None]:
            task = progress.add_task(escape(label), total=total, detail="")

            def update(done: int, detail: str) -> None:
                progress.update(task, completed=done, detail=detail)

            return update

        yield factory


@app.command("audit")
def audit_cli(
    corpora: list[str] = typer.Argument(..., help=CORPORA_HELP),
    out: Path = typer.Option(Path("reports"), "--out", "-o", help="Folder for metrics.json, summary.md, report.html."),
    reference: Optional[str] = typer.Option(None, help="Reference generation name (default: the first)."),
    families: Optional[str] = typer.Option(None, help="Comma-separated families (default: all)."),
    text_field: Optional[str] = typer.Option(
        None, help="JSON/CSV/Parquet field with the text; dotted paths and messages[*].content work."
    ),
    label_field: Optional[str] = typer.Option(None, help="Field naming each document's writer (voice family)."),
    group_field: Optional[str] = typer.Option(None, help="Field naming each document's prompt or topic."),
    txt_mode: Optional[str] = typer.Option(None, help="How .txt files split into documents: line, paragraph or file."),
    budget: Optional[int] = typer.Option(
        None, help="Tokens per draw (default: smallest generation or reference half)."
    ),
    draws: Optional[int] = typer.Option(None, help="Draws per generation (default 20)."),
    splits: Optional[int] = typer.Option(None, help="Null splits of the reference (default 20)."),
    seed: Optional[int] = typer.Option(None, help="Seed for every random choice (default 0)."),
    tokenizer: Optional[str] = typer.Option(None, help="spacy (default) or regex."),
    embedding_model: Optional[str] = typer.Option(
        None, help="Embedding model: a local folder or a sentence-transformers name available offline."
    ),
    sample_docs: Optional[int] = typer.Option(None, help="Documents per generation for the sampled families."),
    cache_dir: Optional[Path] = typer.Option(None, help="Embedding cache folder (default ~/.cache/auditor)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the embedding cache."),
    config: Optional[Path] = typer.Option(None, help="auditor.toml or pyproject.toml with [tool.auditor] settings."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display, no summary."),
) -> None:
    """Audit CORPORA (generation 0 first) and write metrics.json, summary.md and report.html."""
    from auditor.outputs import OutputFormat, write_outputs
    from auditor.pipeline import audit

    try:
        settings = _collect_settings(
            config,
            dict(
                reference=reference,
                families=tuple(f.strip() for f in families.split(",") if f.strip()) if families else None,
                text_field=text_field,
                label_field=label_field,
                group_field=group_field,
                txt_mode=txt_mode,
                budget=budget,
                draws=draws,
                splits=splits,
                seed=seed,
                tokenizer=tokenizer,
                embedding_model=embedding_model,
                sample_docs=sample_docs,
                cache_dir=str(cache_dir) if cache_dir else None,
                cache=False if no_cache else None,
            ),
        )
        with _progress(quiet) as progress:
            result = audit(corpora, settings=settings, progress=progress)
        paths = write_outputs(result, out)
    except AuditorError as exc:
        _fail(str(exc))
        return
    except KeyboardInterrupt:
        typer.echo("auditor: interrupted; previous outputs left untouched.", err=True)
        raise typer.Exit(130) from None
    if not quiet:
        typer.echo(_verdict_table(result), err=True)
    typer.echo(f"Report: {paths[OutputFormat.HTML]}")
    typer.echo(f"Metrics: {paths[OutputFormat.JSON]}")


def _verdict_table(result) -> str:
    families = list(dict.fromkeys(v.family for v in result.verdicts))
    width = max(len("generation"), *(len(g) for g in result.generation_names)) + 2
    lines = ["generation".ljust(width) + "".join(f.ljust(12) for f in families)]
    for g in result.generation_names:
        lines.append(g.ljust(width) + "".join(result.verdict(f, g).status.ljust(12) for f in families))
    return "\n".join(lines)


@app.command("metrics")
def metrics_cli(
    as_json: bool = typer.Option(False, "--json", help="Print the catalogue as JSON."),
) -> None:
    """List every metric: id, definition, direction, unit, tolerance and citation."""
    from auditor.metrics.registry import all_specs

    specs = all_specs()
    if as_json:
        typer.echo(json.dumps([s.to_dict() for s in specs], indent=2))
        return
    for s in specs:
        tol = "run default (relative)" if s.tolerance is None else f"{s.tolerance:g} ({s.tolerance_kind})"
        head = " [headline]" if s.headline else ""
        typer.echo(
            f"{s.id}{head}\n  {s.definition}\n  better: {s.better}; unit: {s.unit or '-'}; "
            f"tolerance: {tol}\n  source: {s.citation}\n"
        )


@app.command("report")
def report_cli(
    metrics_json: Path = typer.Argument(..., help="A metrics.json written by `auditor audit`."),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="The HTML file to write."),
) -> None:
    """Re-render the HTML report of a past run from its metrics.json."""
    from auditor.outputs import OutputFormat, atomic_write
    from auditor.result import read_result

    try:
        result = read_result(metrics_json)
        atomic_write(out, OutputFormat.HTML.format(result))
    except AuditorError as exc:
        _fail(str(exc))
        return
    typer.echo(f"Report: {out}")


@app.command("simulate")
def simulate_cli(
    seed_corpus: Path = typer.Argument(..., help="Human text to start from (any format `audit` reads)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for gen0.jsonl ... genN.jsonl and manifest.json."),
    generations: int = typer.Option(5, help="Generations to simulate after gen0."),
    docs: Optional[int] = typer.Option(None, help="Documents per generation (default: all of the seed corpus)."),
    order: int = typer.Option(3, help="n-gram order of the model trained on each generation."),
    temperature: float = typer.Option(1.0, help="Sampling temperature."),
    top_p: float = typer.Option(1.0, help="Nucleus sampling: keep the most probable tokens up to this mass (1 = off)."),
    top_k: int = typer.Option(0, help="Keep only the k most probable tokens (0 = off)."),
    mix_real: float = typer.Option(0.0, help="Share of human (gen0) documents in each later training set."),
    seed: int = typer.Option(0, help="Seed: the same seed and settings give byte-identical files."),
    text_field: str = typer.Option("text", help="Field with the text in JSON/CSV/Parquet input."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    """Simulate model collapse: train an n-gram model on each generation and sample the next."""
    from auditor.simulate import SimulationSettings, simulate

    show = _interactive(quiet)

    def progress(k: int, total: int) -> None:
        if show:
            typer.echo(f"generation {k}/{total} written", err=True)

    try:
        settings = SimulationSettings(
            generations=generations,
            order=order,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            mix_real=mix_real,
            seed=seed,
            docs=docs,
            text_field=text_field,
        )
        paths = simulate(seed_corpus, out, settings, progress=progress)
    except AuditorError as exc:
        _fail(str(exc))
        return
    typer.echo(f"Wrote {len(paths)} generations to {out}: " + " ".join(p.name for p in paths))


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
