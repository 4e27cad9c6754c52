"""One settings object for a run: CLI flags, ``auditor.toml`` and ``[tool.auditor]`` fill it.

Every field is echoed into ``metrics.json`` (``config``), so a run can be reproduced from its
output alone. Validation happens once, here, so the rest of the code can trust the values.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import Errors, UsageError
from auditor.tomlfile import read_toml

TXT_MODES = ("line", "paragraph", "file")
FORMAT_PRESETS = {
    "chat": "messages[role=assistant].content",
    "sharegpt": "conversations[from=gpt].value",
}
"""``format``: shorthands for the text field paths of common synthetic datasets (OpenAI chat
messages, ShareGPT conversations), each naming the model's turns."""
TURNS = ("joined", "each")
"""``turns``: the values the text field reaches (a chat's turns) make one document, or one each."""
TOKENIZERS = ("spacy", "regex")
CLITIC_MODES = ("drop", "keep")
ENGINES = ("local", "dask")
AUTO = "auto"
"""``language = "auto"``: the reference's detected main language."""
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
"""An ISO 639-1 code, lower case."""

EFFECTS = ("pass", "stored", "values", "sizes", "verdicts", "selection", "none")
"""What a setting changes, declared once on its field (``metadata["effect"]``); every list of
"settings that change results" is derived from these declarations:

* ``pass``: what the streaming pass keeps of a corpus (a reference profile stores it);
* ``stored``: a family's costly reference-only result that a profile stores (embeddings, POS tags);
* ``values``: metric values, computed after the pass (a metric's null included);
* ``sizes``: how much is drawn (draws, budget): values, but a null drawn at given sizes is the same;
* ``verdicts``: statuses only (the tolerance), never a value;
* ``selection``: which generations and families are scored (a family's values do not depend on it);
* ``none``: where and how the run works (workers, cache, strictness, how many lost words are listed).
"""


def _setting(default: Any, effect: str) -> Any:
    """A settings field that declares what it changes (:data:`EFFECTS`)."""
    return dataclasses.field(default=default, metadata={"effect": effect})


@dataclass(frozen=True)
class Settings:
    """Every effective setting of an audit."""

    seed: int = _setting(0, "pass")
    """Seed for every random choice (draws, splits, reservoir keys)."""
    draws: int = _setting(20, "sizes")
    """R: seeded budget draws per generation."""
    splits: int = _setting(20, "values")
    """S: random half-vs-half splits of the reference, the null."""
    budget: int | None = _setting(None, "sizes")
    """Tokens per draw for the lexical families; None = the smallest generation or reference half."""
    max_budget: int = _setting(200_000, "sizes")
    """The automatic budget never exceeds this: draws of more tokens cost time and memory but add
    little precision. Set ``budget`` to go beyond it."""
    reservoir_tokens: int = _setting(1_000_000, "pass")
    """Tokens of whole documents kept per generation for draws (about 4 bytes each): a few times
    the budget, so draws from the reservoir vary like draws from the whole corpus."""
    min_tokens: int = _setting(1_000, "values")
    """Generations with fewer word tokens get ``n/a`` for the lexical families."""
    segment_tokens: int = _setting(1_000, "values")
    """Segment length for MTLD, HD-D and MATTR (DESIGN section 3)."""
    max_segments: int = _setting(20, "values")
    """At most this many segments per draw feed MTLD, HD-D and MATTR (they are averages over
    segments, and R draws already average over documents)."""
    sample_docs: int = _setting(2_000, "pass")
    """Documents per generation whose text is kept for the sampled families (embedded, tagged...)."""
    min_docs: int = _setting(50, "values")
    """Generations with fewer documents get ``n/a`` for the sampled families."""
    embedding_model: str = _setting("all-MiniLM-L6-v2", "stored")
    """The packaged all-MiniLM-L6-v2; ``static``, the same distilled by model2vec (built once into the user
    cache, then 50x faster or more, but less sensitive near the tolerance: the README's "Static
    embeddings for large corpora"); a local sentence-transformers or model2vec folder; or a
    sentence-transformers name cached offline."""
    embedding_batch_size: int = _setting(64, "stored")
    cache: bool = _setting(True, "none")
    """Keep embeddings on disk (``--no-cache`` turns it off)."""
    cache_dir: str | None = _setting(None, "none")
    """Where the embedding cache lives; None = ``$XDG_CACHE_HOME/auditor`` or ``~/.cache/auditor``."""
    knn_k: int = _setting(5, "values")
    """k of the k-NN manifolds (precision, recall, density, coverage)."""
    topics_k: int = _setting(20, "values")
    """Topics in the NMF model of the reference (lowered, with a warning, for small references)."""
    likelihood_order: int = _setting(3, "values")
    """n of the likelihood family's Kneser-Ney model of the reference (3: a word trigram model)."""
    likelihood_model: str | None = _setting(None, "values")
    """A local Hugging Face causal LM folder (e.g. a saved GPT-2) that scores the likelihood family's
    sampled documents instead of the n-gram model; None = the n-gram model. Checked (exists, is a
    causal LM) when the settings are read, if the likelihood family runs."""
    pos_tokens: int = _setting(50_000, "stored")
    """POS tagging stops after this many tokens per generation (spaCy tags ~16k tokens/s)."""
    voice_docs: int = _setting(150, "values")
    """Documents per draw for homogenization, compression and near duplicates."""
    syntax_sentences: int = _setting(3_000, "values")
    """Sentences parsed per generation for syntactic diversity (Guo et al. 2024 sample 3,000); each
    draw takes half the reference's at most, so its two halves are the null at the same size."""
    pair_budget: int = _setting(50_000, "values")
    """Homogenization uses all document pairs up to this many, else this many random pairs."""
    topics_max_features: int = _setting(5_000, "values")
    """TF-IDF vocabulary size of the topic model (English stop words removed, min_df 2, max_df 0.5)."""
    pair_field: str | None = _setting(None, "pass")
    """Field linking a document to its counterpart in every generation (a text and its rewrite)."""
    pair_by_order: bool = _setting(False, "pass")
    """Link documents by position instead (the i-th document of each generation)."""
    pair_docs: int = _setting(500, "pass")
    """Linked documents sampled per generation for the paired family (the same ids everywhere)."""
    strict: bool = _setting(False, "none")
    """Every skipped document (missing field, empty text, no word tokens...) is an error instead."""
    workers: int = _setting(0, "none")
    """Processes for the streaming pass; 0 = every core. 1 runs it in this process."""
    engine: str = _setting("local", "none")
    """``local`` (processes on this machine) or ``dask`` (a dask.distributed cluster at ``scheduler``)."""
    scheduler: str | None = _setting(None, "none")
    """Address of the Dask scheduler (``tcp://host:8786``) for ``engine = "dask"``."""
    families: tuple[str, ...] | None = _setting(None, "selection")
    """Families to run, in report order; None = every registered family. The registry resolves and
    checks the names (:func:`auditor.families.resolve_settings`): settings know no family."""
    reference: str | None = _setting(None, "selection")
    """Name of the reference generation; None = the first."""
    text_field: str = _setting("text", "pass")
    label_field: str | None = _setting(None, "pass")
    group_field: str | None = _setting(None, "pass")
    txt_mode: str = _setting("line", "pass")
    """How a .txt file splits into documents: one per non-empty line, per paragraph, or per file."""
    format: str | None = _setting(None, "pass")
    """A preset for the text field (:data:`FORMAT_PRESETS`): ``chat`` reads the assistant turns of
    ``messages``, ``sharegpt`` the gpt turns of ``conversations``; None = ``text_field`` says."""
    turns: str = _setting("joined", "pass")
    """``joined``: the values the text field reaches (a record's matching turns) are one document;
    ``each``: each is a document of its own, with the record's label, group and pair fields."""
    tokenizer: str = _setting("spacy", "pass")
    """``spacy`` (spaCy's blank tokenizer for ``language``) or ``regex`` (letters and inner apostrophes)."""
    clitics: str = _setting("drop", "pass")
    """``drop`` removes clitic tokens such as "n't" and "'s" that spaCy splits off (English only)."""
    language: str = _setting("en", "pass")
    """ISO 639-1 code of the corpora's language: it picks the tokenizer rules, wordfreq's list, stop
    words, function words and POS model; ``auto`` uses the reference's detected language."""
    tolerance: float = _setting(0.05, "verdicts")
    """Default relative tolerance for ratio-scale metrics (metrics may set their own)."""
    lost_words: int = _setting(50, "none")
    """How many lost words the artifact keeps per generation."""

    def __post_init__(self) -> None:
        # normal forms first: a comma-separated string of families, duplicates dropped (order kept)
        object.__setattr__(self, "families", _families(self.families))
        for name in ("cache_dir", "likelihood_model"):
            if isinstance(getattr(self, name), os.PathLike):
                object.__setattr__(self, name, os.fspath(getattr(self, name)))
        for name, check in _CHECKS.items():
            check(name, getattr(self, name))
        if self.format is not None and self.text_field != "text":
            raise UsageError(
                Errors.E103.format(
                    where="format", format=self.format, path=FORMAT_PRESETS[self.format], field=self.text_field
                )
            )
        if self.pair_field and self.pair_by_order:
            raise SettingError("pair_by_order", "unset when --pair-field is given", True)
        if self.engine == "dask" and not self.scheduler:
            raise SettingError("scheduler", "a Dask scheduler address with --engine dask", None)
        if self.knn_k >= self.min_docs // 2:
            raise SettingError("knn_k", f"smaller than min_docs / 2 ({self.min_docs // 2})", self.knn_k)

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values (for ``metrics.json``'s ``config``)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["families"] = None if self.families is None else list(self.families)
        return out

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)


class SettingError(UsageError):
    """One setting has the wrong type or value (``name``, what is ``expected``, the ``value`` given)."""

    def __init__(self, name: str, expected: str, value: Any) -> None:
        super().__init__(Errors.E011.format(name=name, expected=expected, value=value))
        self.name, self.expected, self.value = name, expected, value


def _families(value: Any) -> Any:
    """``families`` as a tuple without duplicates; a string is comma-separated (blank pieces dropped).

    Anything that is not a string, list or tuple of strings is returned as is, for the type check.
    """
    if isinstance(value, str):
        value = [piece.strip() for piece in value.split(",") if piece.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(f, str) for f in value):
        return tuple(dict.fromkeys(f.strip() for f in value))
    return value


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise SettingError(name, f"one of {', '.join(choices)}", value)


def _int(minimum: int, *, optional: bool = False) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if optional and value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise SettingError(name, f"an int >= {minimum}" + (" or unset" if optional else ""), value)

    return check


def _choice(choices: tuple[str, ...]) -> Callable[[str, Any], None]:
    return lambda name, value: _check_choice(name, value, choices)


def _bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise SettingError(name, "true or false", value)


def _text(*, optional: bool) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if optional and value is None:
            return
        if not isinstance(value, str) or not value.strip():
            raise SettingError(name, "a non-empty string" + (" or unset" if optional else ""), value)

    return check


def _language(name: str, value: Any) -> None:
    if not isinstance(value, str) or not (value == AUTO or LANGUAGE_RE.match(value)):
        raise SettingError(name, "an ISO 639-1 code in lower case (en, de, zh, ...) or auto", value)


def _format(name: str, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or value not in FORMAT_PRESETS):
        presets = " or ".join(f"{k} ({v})" for k, v in FORMAT_PRESETS.items())
        raise SettingError(name, f"a preset, {presets}, or unset", value)


def _tolerance(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise SettingError(name, "a number in [0, 1)", value)


def _family_list(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, tuple):
        raise SettingError(name, "a list of family names or a comma-separated string of them", value)


_CHECKS: dict[str, Callable[[str, Any], None]] = {
    "seed": _int(0),
    "draws": _int(2),
    "splits": _int(2),
    "budget": _int(100, optional=True),
    "max_budget": _int(100),
    "reservoir_tokens": _int(1_000),
    "min_tokens": _int(100),
    "segment_tokens": _int(100),
    "max_segments": _int(1),
    "sample_docs": _int(4),
    "min_docs": _int(4),
    "embedding_model": _text(optional=False),
    "embedding_batch_size": _int(1),
    "cache": _bool,
    "cache_dir": _text(optional=True),
    "knn_k": _int(1),
    "topics_k": _int(2),
    "likelihood_order": _int(1),
    "likelihood_model": _text(optional=True),
    "pos_tokens": _int(1_000),
    "voice_docs": _int(4),
    "syntax_sentences": _int(100),
    "pair_budget": _int(1),
    "topics_max_features": _int(10),
    "pair_field": _text(optional=True),
    "pair_by_order": _bool,
    "pair_docs": _int(2),
    "strict": _bool,
    "workers": _int(0),
    "engine": _choice(ENGINES),
    "scheduler": _text(optional=True),
    "families": _family_list,
    "reference": _text(optional=True),
    "text_field": _text(optional=False),
    "label_field": _text(optional=True),
    "group_field": _text(optional=True),
    "txt_mode": _choice(TXT_MODES),
    "format": _format,
    "turns": _choice(TURNS),
    "tokenizer": _choice(TOKENIZERS),
    "clitics": _choice(CLITIC_MODES),
    "language": _language,
    "tolerance": _tolerance,
    "lost_words": _int(0),
}
"""The type and range check of every setting (a test asserts each field has one)."""

SETTING_NAMES = tuple(f.name for f in dataclasses.fields(Settings))

LATER_SETTINGS: dict[str, Any] = {"format": None, "turns": "joined"}
"""Settings added after metrics.json files and reference profiles were first written, each with the
value that reads documents as runs before it did: a file that does not record one was made with it."""


def settings_with_effect(*effects: str) -> tuple[str, ...]:
    """The settings declaring one of ``effects`` (:data:`EFFECTS`), in declaration order."""
    unknown = set(effects) - set(EFFECTS)
    if unknown:
        raise ValueError(f"unknown setting effects {sorted(unknown)}; known: {', '.join(EFFECTS)}")
    return tuple(f.name for f in dataclasses.fields(Settings) if f.metadata["effect"] in effects)


RESULT_SETTINGS = settings_with_effect("pass", "stored", "values", "sizes", "verdicts")
"""Settings that change a value or a verdict: two runs that differ in one are not read alike."""


def settings_from_mapping(values: dict[str, Any], *, source: str = "settings") -> Settings:
    """Build settings from a mapping (a TOML table or keyword arguments), refusing unknown keys.

    A wrong type or value raises a :class:`UsageError` naming ``source`` (the file), the key as
    written there, what is expected and what was given (E050).
    """
    if not isinstance(values, dict):
        raise UsageError(Errors.E052.format(source=source, kind=_kind(values)))
    written = {str(k).replace("-", "_"): str(k) for k in values}
    values = {str(k).replace("-", "_"): v for k, v in values.items()}
    unknown = sorted(written[k] for k in values if k not in SETTING_NAMES)
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
    try:
        return Settings(**values)
    except SettingError as exc:
        raise UsageError(
            Errors.E050.format(
                source=source,
                key=written.get(exc.name, exc.name),
                expected=exc.expected,
                value=exc.value,
                kind=_kind(exc.value),
            )
        ) from None
    except UsageError as exc:
        raise UsageError(f"{source}: {exc}") from None


def _kind(value: Any) -> str:
    """The TOML-ish name of a value's type, for messages."""
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array",
        tuple: "an array",
        dict: "a table",
        type(None): "nothing",
    }
    return names.get(type(value), f"a {type(value).__name__}")


def load_config_file(path: Path) -> dict[str, Any]:
    """Read settings from ``auditor.toml`` (top level) or ``pyproject.toml`` (``[tool.auditor]``).

    What :func:`settings_in` keeps of the file: every key but the ``[check]`` policy, so that
    :func:`settings_from_mapping` refuses an unknown one (a stray table included).
    """
    return settings_in(read_toml(Path(path)), path, pyproject=Path(path).name == "pyproject.toml")


def settings_in(data: dict[str, Any], path: str | os.PathLike[str], *, pyproject: bool) -> dict[str, Any]:
    """The settings of a parsed settings or policy file, as written, for :func:`settings_from_mapping`.

    The top level of an ``auditor.toml``, or ``[tool.auditor]`` of a ``pyproject.toml``
    (``pyproject``). The ``[check]`` table (the policy) is left out: it is not a setting. Every
    other key is kept, a table too, so that an unknown key or a table under a setting's name
    (``cache_dir = {...}``) is refused instead of being ignored. The one reader of settings files:
    ``--config``, ``./auditor.toml`` and the settings of a ``--policy`` file all go through it.
    """
    if pyproject:
        tool = data.get("tool", {})
        data = tool.get("auditor", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise UsageError(Errors.E052.format(source=f"{path} [tool.auditor]", kind=_kind(data)))
    return {k: v for k, v in data.items() if not (k == "check" and isinstance(v, dict))}
