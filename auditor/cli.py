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
from typing import Annotated, Any, Optional

import typer

from auditor import __version__
from auditor.errors import AuditorError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
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


# Options shared by `audit`, `check` and `init-policy` (None = not given: config file or default).
Reference = Annotated[Optional[str], typer.Option(help="Reference generation name (default: the first).")]
Families = Annotated[Optional[str], typer.Option(help="Comma-separated families (default: all).")]
TextField = Annotated[
    Optional[str], typer.Option(help="JSON/CSV/Parquet field with the text; dotted paths and messages[*].content work.")
]
LabelField = Annotated[Optional[str], typer.Option(help="Field naming each document's writer (voice family).")]
GroupField = Annotated[Optional[str], typer.Option(help="Field naming each document's prompt or topic.")]
TxtMode = Annotated[Optional[str], typer.Option(help="How .txt files split into documents: line, paragraph or file.")]
Budget = Annotated[
    Optional[int], typer.Option(help="Tokens per draw (default: smallest generation or reference half).")
]
Draws = Annotated[Optional[int], typer.Option(help="Draws per generation (default 20).")]
Splits = Annotated[Optional[int], typer.Option(help="Null splits of the reference (default 20).")]
Seed = Annotated[Optional[int], typer.Option(help="Seed for every random choice (default 0).")]
TokenizerOpt = Annotated[Optional[str], typer.Option("--tokenizer", help="spacy (default) or regex.")]
EmbeddingModel = Annotated[
    Optional[str],
    typer.Option(help="Embedding model: a local folder or a sentence-transformers name available offline."),
]
SampleDocs = Annotated[Optional[int], typer.Option(help="Documents per generation for the sampled families.")]
CacheDir = Annotated[Optional[Path], typer.Option(help="Embedding cache folder (default ~/.cache/auditor).")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the embedding cache.")]
Config = Annotated[Optional[Path], typer.Option(help="auditor.toml or pyproject.toml with [tool.auditor] settings.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display, no summary.")]
PairField = Annotated[
    Optional[str], typer.Option(help="Field linking each document to its counterpart in every generation.")
]
PairByOrder = Annotated[
    Optional[bool], typer.Option("--pair-by-order", help="Link documents by position (the i-th of each generation).")
]
Strict = Annotated[Optional[bool], typer.Option("--strict", help="Every skipped document is an error instead.")]
Workers = Annotated[Optional[int], typer.Option(help="Processes for the streaming pass (default: every core).")]
Engine = Annotated[Optional[str], typer.Option(help="local (default) or dask.")]
Scheduler = Annotated[Optional[str], typer.Option(help="Dask scheduler address for --engine dask (tcp://host:8786).")]


def _settings(options: dict[str, Any]):
    """Settings from the config file, then the flags a command was given.

    ``options`` is the command's own arguments (its ``locals()`` on entry): the ones named like a
    setting are taken, the others (corpora, output paths, --quiet...) are ignored here.
    """
    from auditor.config import SETTING_NAMES

    values = {k: v for k, v in options.items() if k in SETTING_NAMES and k not in ("families", "cache_dir")}
    families, cache_dir = options.get("families"), options.get("cache_dir")
    values.update(
        families=tuple(f.strip() for f in families.split(",") if f.strip()) if families else None,
        cache_dir=str(cache_dir) if cache_dir else None,
        cache=False if options.get("no_cache") else None,
    )
    return _collect_settings(options.get("config"), values)


@app.command("audit")
def audit_cli(
    corpora: list[str] = typer.Argument(..., help=CORPORA_HELP),
    out: Path = typer.Option(Path("reports"), "--out", "-o", help="Folder for metrics.json, summary.md, report.html."),
    reference: Reference = None,
    families: Families = None,
    text_field: TextField = None,
    label_field: LabelField = None,
    group_field: GroupField = None,
    txt_mode: TxtMode = None,
    budget: Budget = None,
    draws: Draws = None,
    splits: Splits = None,
    seed: Seed = None,
    tokenizer: TokenizerOpt = None,
    embedding_model: EmbeddingModel = None,
    sample_docs: SampleDocs = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    pair_field: PairField = None,
    pair_by_order: PairByOrder = None,
    strict: Strict = None,
    workers: Workers = None,
    engine: Engine = None,
    scheduler: Scheduler = None,
    config: Config = None,
    quiet: Quiet = False,
) -> None:
    """Audit CORPORA (generation 0 first) and write metrics.json, summary.md and report.html."""
    options = dict(locals())  # the settings flags, before any other local exists
    from auditor.outputs import OutputFormat, write_outputs
    from auditor.pipeline import audit

    try:
        settings = _settings(options)
        with _interrupt_guard(), _progress(quiet) as progress:
            result = audit(corpora, settings=settings, progress=progress)
        paths = write_outputs(result, out)
    except AuditorError as exc:
        _fail(str(exc))
        return
    if not quiet:
        typer.echo(_verdict_table(result), err=True)
    typer.echo(f"Report: {paths[OutputFormat.HTML]}")
    typer.echo(f"Metrics: {paths[OutputFormat.JSON]}")


@contextmanager
def _interrupt_guard() -> Iterator[None]:
    """Ctrl-C ends the run with exit 130 and a line saying nothing was overwritten."""
    try:
        yield
    except KeyboardInterrupt:
        typer.echo("auditor: interrupted; previous outputs left untouched.", err=True)
        raise typer.Exit(130) from None


@app.command("check")
def check_cli(
    corpora: list[str] = typer.Argument(..., help=CORPORA_HELP),
    policy: Optional[Path] = typer.Option(
        None, help="Policy TOML ([check] or [tool.auditor.check]); default: ./auditor.toml or ./pyproject.toml."
    ),
    junit: Optional[Path] = typer.Option(None, help="Write JUnit XML: one testcase per rule and generation."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the checks as JSON."),
    markdown: Optional[Path] = typer.Option(None, help="Write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)."),
    report: Optional[Path] = typer.Option(None, help="Also write metrics.json, summary.md and report.html here."),
    reference: Reference = None,
    families: Families = None,
    text_field: TextField = None,
    label_field: LabelField = None,
    group_field: GroupField = None,
    txt_mode: TxtMode = None,
    budget: Budget = None,
    draws: Draws = None,
    splits: Splits = None,
    seed: Seed = None,
    tokenizer: TokenizerOpt = None,
    embedding_model: EmbeddingModel = None,
    sample_docs: SampleDocs = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    pair_field: PairField = None,
    pair_by_order: PairByOrder = None,
    strict: Strict = None,
    workers: Workers = None,
    engine: Engine = None,
    scheduler: Scheduler = None,
    config: Config = None,
    quiet: Quiet = False,
) -> None:
    """Audit CORPORA and apply a policy: exit 0 when every rule passes, 1 when one fails, 2 on bad input."""
    options = dict(locals())  # the settings flags, before any other local exists
    from auditor import gate
    from auditor.outputs import atomic_write, write_outputs
    from auditor.pipeline import audit

    try:
        the_policy = _find_policy(policy)
        settings = _settings(options)
        if families is None and the_policy.rules + the_policy.no_degraded:
            # run only what the policy reads, unless families were chosen explicitly
            needed = tuple(f for f in settings.families if f in gate.families_in(the_policy))
            settings = settings.replace(families=needed or settings.families)
        with _interrupt_guard(), _progress(quiet) as progress:
            result = audit(corpora, settings=settings, progress=progress)
        outcome = gate.evaluate(result, the_policy)
        if report is not None:
            write_outputs(result, report)
        if junit is not None:
            atomic_write(junit, gate.format_junit(outcome))
        if json_out is not None:
            atomic_write(json_out, json.dumps(gate.format_json(outcome, the_policy), indent=2) + "\n")
        if markdown is not None:
            atomic_write(markdown, gate.format_markdown(outcome))
    except AuditorError as exc:
        _fail(str(exc))
        return
    typer.echo(gate.format_table(outcome))
    if outcome.passed:
        typer.echo(f"auditor check: passed ({len(outcome.checks)} checks, policy {the_policy.source})", err=True)
        return
    typer.echo(
        f"auditor check: FAILED: {len(outcome.failures)} of {len(outcome.checks)} checks (policy {the_policy.source})",
        err=True,
    )
    for c in outcome.failures:
        typer.echo(f"  {c.generation}: {c.description}", err=True)
    raise typer.Exit(1)


def _find_policy(path: Optional[Path]):
    from auditor import gate
    from auditor.errors import Errors, UsageError

    if path is not None:
        return gate.load_policy(path)
    for candidate in (Path("auditor.toml"), Path("pyproject.toml")):
        if candidate.is_file():
            try:
                return gate.load_policy(candidate)
            except UsageError as exc:
                if "no policy found" not in str(exc):
                    raise
    raise UsageError(Errors.E022)


@app.command("init-policy")
def init_policy_cli(
    corpus: str = typer.Argument(..., help="The reference corpus (human text) to calibrate on."),
    out: Path = typer.Option(Path("auditor.toml"), "--out", "-o", help="Where to write the policy."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    families: Families = None,
    text_field: TextField = None,
    label_field: LabelField = None,
    txt_mode: TxtMode = None,
    budget: Budget = None,
    splits: Splits = None,
    seed: Seed = None,
    embedding_model: EmbeddingModel = None,
    sample_docs: SampleDocs = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    config: Config = None,
    quiet: Quiet = False,
) -> None:
    """Write a starting policy calibrated on the reference's own split-half null (headline metrics)."""
    options = dict(locals())  # the settings flags, before any other local exists
    from auditor import gate
    from auditor.outputs import atomic_write
    from auditor.pipeline import calibrate

    if out.exists() and not force:
        _fail(f"{out} exists; pass --force to overwrite it, or --out another file.")
    try:
        settings = _settings(options)
        with _interrupt_guard(), _progress(quiet) as progress:
            calibration = calibrate(corpus, settings=settings, progress=progress)
        atomic_write(out, gate.initial_policy(calibration))
    except AuditorError as exc:
        _fail(str(exc))
        return
    typer.echo(f"Policy: {out}")


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
