"""One settings object for a run: CLI flags, ``auditor.toml`` and ``[tool.auditor]`` fill it.

Every field is echoed into ``metrics.json`` (``config``), so a run can be reproduced from its
output alone. Validation happens once, here, so the rest of the code can trust the values.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import Errors, UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

FAMILIES: tuple[str, ...] = ("vocabulary", "tail", "embedding", "topics", "voice", "paired")
"""Metric families this version computes, in report order."""

TXT_MODES = ("line", "paragraph", "file")
TOKENIZERS = ("spacy", "regex")
CLITIC_MODES = ("drop", "keep")
ENGINES = ("local", "dask")


@dataclass(frozen=True)
class Settings:
    """Every effective setting of an audit."""

    seed: int = 0
    """Seed for every random choice (draws, splits, reservoir keys)."""
    draws: int = 20
    """R: seeded budget draws per generation."""
    splits: int = 20
    """S: random half-vs-half splits of the reference, the null."""
    budget: int | None = None
    """Tokens per draw for the lexical families; None = the smallest generation or reference half."""
    max_budget: int = 200_000
    """The automatic budget never exceeds this: draws of more tokens cost time and memory but add
    little precision. Set ``budget`` to go beyond it."""
    reservoir_tokens: int = 1_000_000
    """Tokens of whole documents kept per generation for draws (about 4 bytes each): a few times
    the budget, so draws from the reservoir vary like draws from the whole corpus."""
    min_tokens: int = 1_000
    """Generations with fewer word tokens get ``n/a`` for the lexical families."""
    segment_tokens: int = 1_000
    """Segment length for MTLD, HD-D and MATTR (DESIGN section 3)."""
    max_segments: int = 20
    """At most this many segments per draw feed MTLD, HD-D and MATTR (they are averages over
    segments, and R draws already average over documents)."""
    sample_docs: int = 2_000
    """Documents per generation whose text is kept for the sampled families (embedded, tagged...)."""
    min_docs: int = 50
    """Generations with fewer documents get ``n/a`` for the sampled families."""
    embedding_model: str = "all-MiniLM-L6-v2"
    """The packaged all-MiniLM-L6-v2, a local model folder, or a sentence-transformers name cached offline."""
    embedding_batch_size: int = 64
    cache: bool = True
    """Keep embeddings on disk (``--no-cache`` turns it off)."""
    cache_dir: str | None = None
    """Where the embedding cache lives; None = ``$XDG_CACHE_HOME/auditor`` or ``~/.cache/auditor``."""
    knn_k: int = 5
    """k of the k-NN manifolds (precision, recall, density, coverage)."""
    topics_k: int = 20
    """Topics in the NMF model of the reference (lowered, with a warning, for small references)."""
    pos_tokens: int = 50_000
    """POS tagging stops after this many tokens per generation (spaCy tags ~16k tokens/s)."""
    voice_docs: int = 150
    """Documents per draw for homogenization, compression and near duplicates."""
    pair_budget: int = 50_000
    """Homogenization uses all document pairs up to this many, else this many random pairs."""
    topics_max_features: int = 5_000
    """TF-IDF vocabulary size of the topic model (English stop words removed, min_df 2, max_df 0.5)."""
    pair_field: str | None = None
    """Field linking a document to its counterpart in every generation (a text and its rewrite)."""
    pair_by_order: bool = False
    """Link documents by position instead (the i-th document of each generation)."""
    pair_docs: int = 500
    """Linked documents sampled per generation for the paired family (the same ids everywhere)."""
    strict: bool = False
    """Every skipped document (missing field, empty text, no word tokens...) is an error instead."""
    workers: int = 0
    """Processes for the streaming pass; 0 = every core. 1 runs it in this process."""
    engine: str = "local"
    """``local`` (processes on this machine) or ``dask`` (a dask.distributed cluster at ``scheduler``)."""
    scheduler: str | None = None
    """Address of the Dask scheduler (``tcp://host:8786``) for ``engine = "dask"``."""
    families: tuple[str, ...] = FAMILIES
    reference: str | None = None
    """Name of the reference generation; None = the first."""
    text_field: str = "text"
    label_field: str | None = None
    group_field: str | None = None
    txt_mode: str = "line"
    """How a .txt file splits into documents: one per non-empty line, per paragraph, or per file."""
    tokenizer: str = "spacy"
    """``spacy`` (blank English tokenizer) or ``regex`` (letters and inner apostrophes)."""
    clitics: str = "drop"
    """``drop`` removes clitic tokens such as "n't" and "'s" that spaCy splits off."""
    tolerance: float = 0.05
    """Default relative tolerance for ratio-scale metrics (metrics may set their own)."""
    lost_words: int = 50
    """How many lost words the artifact keeps per generation."""

    def __post_init__(self) -> None:
        _check_int("seed", self.seed, minimum=0)
        _check_int("draws", self.draws, minimum=2)
        _check_int("splits", self.splits, minimum=2)
        if self.budget is not None:
            _check_int("budget", self.budget, minimum=100)
        _check_int("max_budget", self.max_budget, minimum=100)
        _check_int("reservoir_tokens", self.reservoir_tokens, minimum=1_000)
        _check_int("min_tokens", self.min_tokens, minimum=100)
        _check_int("segment_tokens", self.segment_tokens, minimum=100)
        _check_int("max_segments", self.max_segments, minimum=1)
        _check_int("lost_words", self.lost_words, minimum=0)
        _check_int("sample_docs", self.sample_docs, minimum=4)
        _check_int("min_docs", self.min_docs, minimum=4)
        _check_int("embedding_batch_size", self.embedding_batch_size, minimum=1)
        _check_int("knn_k", self.knn_k, minimum=1)
        _check_int("topics_k", self.topics_k, minimum=2)
        _check_int("pos_tokens", self.pos_tokens, minimum=1_000)
        _check_int("voice_docs", self.voice_docs, minimum=4)
        _check_int("pair_budget", self.pair_budget, minimum=1)
        _check_int("workers", self.workers, minimum=0)
        _check_int("pair_docs", self.pair_docs, minimum=2)
        if self.pair_field and self.pair_by_order:
            raise UsageError(
                Errors.E011.format(name="pair_by_order", expected="unset when --pair-field is given", value=True)
            )
        _check_choice("engine", self.engine, ENGINES)
        if self.engine == "dask" and not self.scheduler:
            raise UsageError(
                Errors.E011.format(name="scheduler", expected="a Dask scheduler address with --engine dask", value=None)
            )
        _check_int("topics_max_features", self.topics_max_features, minimum=10)
        if self.knn_k >= self.min_docs // 2:
            raise UsageError(
                Errors.E011.format(
                    name="knn_k", expected=f"smaller than min_docs / 2 ({self.min_docs // 2})", value=self.knn_k
                )
            )
        if not isinstance(self.cache, bool):
            raise UsageError(Errors.E011.format(name="cache", expected="true or false", value=self.cache))
        _check_choice("txt_mode", self.txt_mode, TXT_MODES)
        _check_choice("tokenizer", self.tokenizer, TOKENIZERS)
        _check_choice("clitics", self.clitics, CLITIC_MODES)
        if not isinstance(self.tolerance, (int, float)) or not 0 <= self.tolerance < 1:
            raise UsageError(Errors.E011.format(name="tolerance", expected="a number in [0, 1)", value=self.tolerance))
        unknown = [f for f in self.families if f not in FAMILIES]
        if unknown or not self.families:
            raise UsageError(
                Errors.E010.format(
                    plural="ies" if len(unknown) > 1 else "y",
                    unknown=", ".join(repr(u) for u in unknown) or "(none given)",
                    available=", ".join(FAMILIES),
                )
            )

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values (for ``metrics.json``'s ``config``)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["families"] = list(self.families)
        return out

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _check_int(name: str, value: Any, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(Errors.E011.format(name=name, expected=f"an int >= {minimum}", value=value))


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UsageError(Errors.E011.format(name=name, expected=f"one of {', '.join(choices)}", value=value))


SETTING_NAMES = tuple(f.name for f in dataclasses.fields(Settings))


def settings_from_mapping(values: dict[str, Any], *, source: str = "settings") -> Settings:
    """Build settings from a mapping (a TOML table or keyword arguments), refusing unknown keys."""
    values = {k.replace("-", "_"): v for k, v in values.items()}
    unknown = sorted(k for k in values if k not in SETTING_NAMES)
    if unknown:
        raise UsageError(
            Errors.E015.format(
                path=source,
                plural="s" if len(unknown) > 1 else "",
                unknown=", ".join(repr(u) for u in unknown),
                section="the settings",
                known=", ".join(SETTING_NAMES),
            )
        )
    if "families" in values:
        fams = values["families"]
        values["families"] = tuple(fams.split(",") if isinstance(fams, str) else fams)
    return Settings(**values)


def load_config_file(path: Path) -> dict[str, Any]:
    """Read settings from ``auditor.toml`` (top level) or ``pyproject.toml`` (``[tool.auditor]``).

    Sub-tables (such as a future ``[tool.auditor.check]`` policy) are left out; they are not
    audit settings.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(Errors.E001.format(path=path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(Errors.E014.format(path=path, detail=exc)) from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("auditor", {})
    return {k: v for k, v in data.items() if not isinstance(v, dict)}
