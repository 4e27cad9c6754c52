"""The settings flags shared by ``audit``, ``check``, ``init-policy`` and ``profile``, declared once.

:class:`SettingsOptions` holds them, :func:`settings_options` puts them on a command, and
:meth:`SettingsOptions.settings` builds the run's settings (config file, then the flags given).
Kept apart from the commands so each command module declares only its own parameters.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional, get_type_hints

import typer

CORPORA_HELP = (
    "Corpora in generation order, each PATH, NAME=PATH or NAME@X=PATH (X: its position in the series, for "
    "trends; file or directory)."
)


def _collect_settings(config: Optional[Path], cli_values: dict[str, Any], policy: Any = None):
    """Config file values (explicit --config, else ./auditor.toml, else ./pyproject.toml), then the
    settings written in the policy file (``check``), then flags: each layer over the one before."""
    from auditor.config import load_config_file, settings_from_mapping
    from auditor.families import resolve_settings

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
    settings = resolve_settings(settings_from_mapping(values, source=source), source=source)
    if policy is not None and policy.settings:
        layered = {**settings.to_dict(), **policy.settings}
        settings = resolve_settings(settings_from_mapping(layered, source=policy.source), source=policy.source)
    overrides = {k: v for k, v in cli_values.items() if v is not None}
    return resolve_settings(settings.replace(**overrides)) if overrides else settings


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
    Optional[str],
    typer.Option(
        help="JSON/CSV/Parquet/Arrow field with the text: a column, or a path such as meta.body, messages[*].content "
        "(every turn) or messages[role=assistant].content (the turns whose role is assistant)."
    ),
]
FormatOpt = Annotated[
    Optional[str],
    typer.Option(
        "--format",
        help="A preset for --text-field: chat (messages[role=assistant].content, OpenAI messages) or sharegpt "
        "(conversations[from=gpt].value).",
    ),
]
Turns = Annotated[
    Optional[str],
    typer.Option(
        help="joined (default): a record's matching turns are one document; each: every turn is a document, "
        "with the record's label, group and pair fields."
    ),
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
    typer.Option(
        help="Embedding model (default all-MiniLM-L6-v2): 'static' (MiniLM distilled by model2vec, 50x faster or "
        "more; built once into the user cache; less sensitive than MiniLM, so gate with the default), a "
        "local sentence-transformers or model2vec folder, or a "
        "sentence-transformers name available offline."
    ),
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
    format: FormatOpt = None
    turns: Turns = None
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

    def settings(self, policy: Any = None):
        """Settings from the config file, then a policy file's own settings (a
        :class:`~auditor.gate.Policy`'s ``settings``, for ``check``), then the flags given
        (``--config``, ``--quiet`` are not settings)."""
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
        return _collect_settings(self.config, values, policy)


CALIBRATION_OPTIONS = (
    "families",
    "text_field",
    "format",
    "turns",
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


def _profile_input(options: SettingsOptions) -> list[Path]:
    """The reference profile, when given, as an input no output may overwrite."""
    return [] if options.reference_profile is None else [options.reference_profile]
