"""The ``auditor`` command line: parse options, call the library, print, choose the exit code.

Exit codes, for every command:

* 0: the run completed (``check``: every rule passed);
* 1: only for a failed gate (``check``: a rule failed; ``diff --fail-on-worse``: a verdict got worse);
* 2: a usage or input error, one line naming the file, line or setting;
* 3: an internal error (a bug): one line naming a crash log that holds the traceback;
* 130: interrupted (Ctrl-C or SIGTERM); previous outputs are left untouched.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import dataclasses
import functools
import inspect
import json
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar, get_type_hints

import click
import typer

from auditor import __version__
from auditor.errors import AuditorError
from auditor.text.terminal import terminal_safe

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

F = TypeVar("F", bound=Callable[..., Any])

CORPORA_HELP = "Corpora in generation order, each PATH or NAME=PATH (file or directory)."


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"auditor: error: {terminal_safe(message)}", err=True)
    raise typer.Exit(code)


def write_crash_log(exc: BaseException) -> Path:
    """Write the traceback of an unexpected error to a file and return its path.

    Users see one line; the traceback, the version and the command line go to the log, which a
    bug report can attach.
    """
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = Path(tempfile.gettempdir()) / f"auditor-crash-{stamp}-{os.getpid()}.log"
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    path.write_text(
        f"auditor {__version__}, Python {sys.version.split()[0]}\ncommand: {sys.argv!r}\n\n{details}", encoding="utf-8"
    )
    return path


def _guarded(command: F) -> F:
    """Run a command with the exit-code contract: 2 for AuditorError, 130 for an interrupt, and 3
    (one line and a crash log, never a traceback) for anything unexpected."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from auditor.executors import terminate_on_sigterm

        try:
            with terminate_on_sigterm():  # a cancelled CI job ends the run like Ctrl-C
                return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            typer.echo("auditor: interrupted; previous outputs left untouched.", err=True)
            raise typer.Exit(130) from None
        except AuditorError as exc:
            _fail(str(exc))
        except Exception as exc:  # the one place that turns a bug into exit 3
            try:
                where = f"details in {write_crash_log(exc)}"
            except OSError:
                where = "no crash log could be written"
            message = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            typer.echo(f"auditor: internal error: {terminal_safe(message)} ({where}); please report it", err=True)
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]


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
            task = progress.add_task(escape(terminal_safe(label)), total=total, detail="")

            def update(done: int, detail: str) -> None:
                progress.update(task, completed=done, detail=detail)

            return update

        yield factory


# Options shared by `audit`, `check` and `init-policy` (None = not given: config file or default).
Reference = Annotated[Optional[str], typer.Option(help="Reference generation name (default: the first).")]
Families = Annotated[
    Optional[str],
    typer.Option(
        help="Comma-separated families (default: all): vocabulary, tail, topics, voice, paired, likelihood (core "
        "install); embedding (needs the embedding extra)."
    ),
]
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
Language = Annotated[
    Optional[str],
    typer.Option(
        "--language",
        help="ISO 639-1 code of the corpora's language (default en): tokenizer, rare-in-language list, stop "
        "words, function words, POS model; auto = the reference's detected language.",
    ),
]
EmbeddingModel = Annotated[
    Optional[str],
    typer.Option(help="Embedding model: a local folder or a sentence-transformers name available offline."),
]
LikelihoodModel = Annotated[
    Optional[str],
    typer.Option(
        help="Likelihood family: a local Hugging Face causal LM folder (e.g. a saved GPT-2) that scores the "
        "sampled documents instead of the reference's n-gram model (needs the likelihood-neural extra)."
    ),
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
ReferenceProfileOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--reference-profile",
        help="A reference profile written by `auditor profile`: it is the reference (generation 0), and every "
        "corpus given is a later generation audited against it. Its settings must match this run's.",
    ),
]


@dataclass(frozen=True)
class SettingsOptions:
    """The settings flags of `audit`, `check` and `init-policy`, declared once, as one object.

    :func:`settings_options` adds these fields (all, or some) to a command's signature as
    options, in this order after the command's own, and hands the command the values given as
    one ``options`` argument. None (False for ``--no-cache`` and ``--quiet``) means not given:
    the config file or the default decides.
    """

    reference: Reference = None
    families: Families = None
    text_field: TextField = None
    label_field: LabelField = None
    group_field: GroupField = None
    txt_mode: TxtMode = None
    budget: Budget = None
    draws: Draws = None
    splits: Splits = None
    seed: Seed = None
    tokenizer: TokenizerOpt = None
    language: Language = None
    embedding_model: EmbeddingModel = None
    likelihood_model: LikelihoodModel = None
    sample_docs: SampleDocs = None
    cache_dir: CacheDir = None
    no_cache: NoCache = False
    pair_field: PairField = None
    pair_by_order: PairByOrder = None
    strict: Strict = None
    workers: Workers = None
    engine: Engine = None
    scheduler: Scheduler = None
    config: Config = None
    quiet: Quiet = False
    reference_profile: ReferenceProfileOpt = None

    def settings(self):
        """Settings from the config file, then the flags given (``--config``, ``--quiet`` are not settings)."""
        from auditor.config import SETTING_NAMES

        values = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name in SETTING_NAMES and f.name not in ("families", "cache_dir")
        }
        values.update(
            families=None if self.families is None else tuple(f.strip() for f in self.families.split(",") if f.strip()),
            cache_dir=str(self.cache_dir) if self.cache_dir else None,
            cache=False if self.no_cache else None,
        )
        return _collect_settings(self.config, values)


CALIBRATION_OPTIONS = (
    "families",
    "text_field",
    "label_field",
    "txt_mode",
    "language",
    "budget",
    "splits",
    "seed",
    "embedding_model",
    "likelihood_model",
    "sample_docs",
    "cache_dir",
    "no_cache",
    "config",
    "quiet",
    "reference_profile",
)
"""The settings flags of `init-policy`: one reference corpus, calibrated alone."""

PROFILE_OPTIONS = tuple(
    f.name for f in dataclasses.fields(SettingsOptions) if f.name not in ("reference", "reference_profile")
)
"""The settings flags of `profile`: every shared one but those naming a reference."""


def settings_options(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command the shared settings flags (every :class:`SettingsOptions` field, or ``names``).

    The command declares a keyword-only ``options: SettingsOptions`` instead of the flags; typer
    sees the flags (after the command's own parameters, in the order of the fields) and the
    command receives the values given, collected in one :class:`SettingsOptions`.
    """
    fields = {f.name: f for f in dataclasses.fields(SettingsOptions)}
    unknown = [name for name in names if name not in fields]
    if unknown:
        raise ValueError(f"not a SettingsOptions field: {', '.join(unknown)}")
    chosen = [name for name in fields if not names or name in names]
    hints = get_type_hints(SettingsOptions, include_extras=True)
    shared = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=fields[name].default, annotation=hints[name])
        for name in chosen
    ]

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        own = inspect.signature(command, eval_str=True)
        params = [p for p in own.parameters.values() if p.name != "options"]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {name: kwargs.pop(name) for name in chosen if name in kwargs}
            return command(*args, options=SettingsOptions(**given), **kwargs)

        signature = own.replace(parameters=[*params, *shared])
        wrapper.__signature__ = signature  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
        return wrapper

    return decorate


@app.command("audit")
@_guarded
@settings_options()
def audit_cli(
    corpora: list[str] = typer.Argument(..., help=CORPORA_HELP),
    out: Path = typer.Option(Path("reports"), "--out", "-o", help="Folder for metrics.json, summary.md, report.html."),
    *,
    options: SettingsOptions,
) -> None:
    """Audit CORPORA (generation 0 first) and write metrics.json, summary.md and report.html.

    With --reference-profile FILE, the profile is generation 0 and the reference, and every corpus
    given is a later generation (generation 1 first).
    """
    from auditor.outputs import OutputFormat, check_output_target, write_outputs
    from auditor.pipeline import audit

    check_output_target(out, [*corpora, *_profile_input(options)])
    settings = options.settings()
    with _progress(options.quiet) as progress:
        result = audit(corpora, settings=settings, progress=progress, reference_profile=options.reference_profile)
    paths = write_outputs(result, out)
    if not options.quiet:
        typer.echo(_verdict_table(result), err=True)
    typer.echo(f"Report: {terminal_safe(paths[OutputFormat.HTML])}")
    typer.echo(f"Metrics: {terminal_safe(paths[OutputFormat.JSON])}")


@app.command("check")
@_guarded
@settings_options()
def check_cli(
    corpora: list[str] = typer.Argument(..., help=CORPORA_HELP),
    policy: Optional[Path] = typer.Option(
        None, help="Policy TOML ([check] or [tool.auditor.check]); default: ./auditor.toml or ./pyproject.toml."
    ),
    junit: Optional[Path] = typer.Option(None, help="Write JUnit XML: one testcase per rule and generation."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the checks as JSON."),
    markdown: Optional[Path] = typer.Option(None, help="Write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)."),
    report: Optional[Path] = typer.Option(None, help="Also write metrics.json, summary.md and report.html here."),
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
        settings = options.settings()
        # --families runs exactly those; otherwise check() runs only the families the policy reads
        families = None if options.families is None else settings.families
        with _progress(options.quiet) as progress:
            outcome = check(
                corpora,
                the_policy,
                families=families,
                settings=settings,
                progress=progress,
                reference_profile=options.reference_profile,
            )
        if report is not None:
            write_outputs(outcome.result, report)
        for fmt, target in ((GateFormat.JUNIT, junit), (GateFormat.JSON, json_out), (GateFormat.MARKDOWN, markdown)):
            if target is not None:
                atomic_write(target, fmt.format(outcome))
    except (KeyboardInterrupt, Exception) as exc:
        if junit is not None and not junit.is_dir():
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


@app.command("init-policy")
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

    if out.exists() and not force:
        _fail(f"{out} exists; pass --force to overwrite it, or --out another file.")
    check_output_target(out, [*([corpus] if corpus else []), *_profile_input(options)], directory=False)
    settings = options.settings()
    with _progress(options.quiet) as progress:
        calibration = calibrate(
            corpus, settings=settings, progress=progress, reference_profile=options.reference_profile
        )
    atomic_write(out, initial_policy(calibration))
    typer.echo(f"Policy: {terminal_safe(out)}")


def _profile_input(options: SettingsOptions) -> list[Path]:
    """The reference profile, when given, as an input no output may overwrite."""
    return [] if options.reference_profile is None else [options.reference_profile]


@app.command("profile")
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


def _verdict_table(result) -> str:
    """Generations by families: each status with its degraded aspects, then the overall reading."""
    from auditor.report.reading import verdict_cell

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
    from auditor.report.register import register_sentences

    lines += [terminal_safe(sentence) for sentence in register_sentences(result).values()]
    return "\n".join(lines)


@app.command("metrics")
@_guarded
def metrics_cli(
    as_json: bool = typer.Option(False, "--json", help="Print the catalogue as JSON."),
) -> None:
    """List every metric: id, definition, aspect, direction, unit, tolerance and citation."""
    from auditor.families import all_specs

    specs = all_specs()
    if as_json:
        typer.echo(json.dumps([s.to_dict() for s in specs], indent=2))
        return
    for s in specs:
        tol = "run default (relative)" if s.tolerance is None else f"{s.tolerance:g} ({s.tolerance_kind})"
        head = " [headline]" if s.headline else ""
        mixes = f" (mixes {', '.join(s.mixes)})" if s.mixes else ""
        typer.echo(
            f"{s.id}{head}\n  {s.definition}\n  aspect: {s.aspect}{mixes}; better: {s.better}; "
            f"unit: {s.unit or '-'}; tolerance: {tol}\n  source: {s.citation}\n"
        )


@app.command("report")
@_guarded
def report_cli(
    metrics_json: Path = typer.Argument(..., help="A metrics.json written by `auditor audit`."),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="The HTML file to write."),
) -> None:
    """Re-render the HTML report of a past run from its metrics.json."""
    from auditor.outputs import OutputFormat, atomic_write, check_output_target
    from auditor.result import read_result

    check_output_target(out, [metrics_json], directory=False)
    result = read_result(metrics_json)
    atomic_write(out, OutputFormat.HTML.format(result))
    typer.echo(f"Report: {terminal_safe(out)}")


@app.command("diff")
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
    fail_on_worse: bool = typer.Option(False, "--fail-on-worse", help="Exit 1 when any verdict got worse."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No table on the terminal (the summary line stays)."),
) -> None:
    """Compare two audits: per metric and generation both values, the change and the verdicts; worse families first."""
    from auditor.diff import diff_files, format_markdown, format_table
    from auditor.outputs import atomic_write, check_output_target

    inputs = [p / "metrics.json" if p.is_dir() else p for p in (metrics_a, metrics_b)]  # a diff.md may go beside
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
        typer.echo("auditor diff: FAILED: a verdict got worse (--fail-on-worse)", err=True)
        raise typer.Exit(1)


@app.command("simulate")
@_guarded
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
    typer.echo(terminal_safe(f"Wrote {len(paths)} generations to {out}: " + " ".join(p.name for p in paths)))


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """auditor's own warnings (a skipped embedding cache, a short seed corpus) as one plain line."""
    if getattr(category, "__module__", "").startswith("auditor."):
        typer.echo(f"auditor: warning: {terminal_safe(str(message))}", err=True)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


_default_showwarning = warnings.showwarning


def run() -> None:
    """Console-script entry point."""
    warnings.showwarning = _show_warning
    app()


if __name__ == "__main__":
    run()
