"""What a family is (:class:`Family`) and what a metric is: its stated definition
(:class:`MetricSpec`) and how it is computed (:class:`Metric`).

Two kinds of computation, both batched over many draws at once for speed:

* ``single``: a statistic of one draw (``fn(draws, data) -> values``), e.g. types in B tokens.
  Its null is the statistic on each half of the reference's split-half null.
* ``paired``: a statistic of a generation draw against a reference draw
  (``fn(pairs, data) -> values``), e.g. the survival of the reference's rare words. Its null is
  half against half, and the reference's own row holds that null value.

Naming: ids are ``family.name``; ``better`` says which direction is good ("higher", "lower" or
"none" for descriptive metrics, which never get a warning status). ``aspect`` says how a worse value
degrades the generation: narrowing, drift or loss (:mod:`auditor.aspects`).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from auditor.aspects import ASPECTS, check_aspect
from auditor.draws import Draw, Prepared
from auditor.families.rarity import zipf_frequency
from auditor.result import Tolerance

if TYPE_CHECKING:
    from auditor.config import Settings
    from auditor.report.views import FamilyView
    from auditor.result import AuditResult
    from auditor.text.profile import GenerationProfile


SingleFn = Callable[[Sequence[Draw], "MetricData"], np.ndarray]
PairedFn = Callable[[Sequence[tuple[Draw, Draw]], "MetricData"], np.ndarray]


@dataclass(frozen=True)
class MetricSpec:
    """A metric's stated formula and how its verdict is judged (DESIGN principle 4)."""

    id: str
    title: str
    definition: str
    better: str
    unit: str
    tolerance: float | None
    """None = the run's default relative tolerance (``--tolerance``); see :meth:`effective_tolerance`."""
    tolerance_kind: str
    """``relative`` (ratio-scale metrics) or ``absolute`` (bounded or near-zero metrics); applies to
    the spec's own ``tolerance`` only (the run's default is always relative)."""
    citation: str
    headline: bool = False
    aspect: str = ""
    """How a worse value degrades a generation: ``narrowing``, ``drift`` or ``loss`` (required by
    :func:`spec_factory`; :mod:`auditor.aspects`)."""
    mixes: tuple[str, ...] = ()
    """Other aspects the metric also moves with (PRDC coverage: drift, mixing narrowing and loss);
    its definition names the metric that separates them."""
    cited: bool = False
    """A measure papers report (MAUVE, syntactic diversity), computed as its reference implementation
    computes it: not a headline, but ``init-policy`` offers a rule for it."""

    @property
    def family(self) -> str:
        """The family part of the id."""
        return self.id.split(".", 1)[0]

    def effective_tolerance(self, default: float) -> Tolerance:
        """The tolerance the verdict rule applies: the spec's own (with its kind), else ``default`` relative.

        The one place this is resolved: scoring judges with it and writes it to metrics.json,
        where the report and the gate's starting policy read it.
        """
        if self.tolerance is None:
            return Tolerance(float(default), relative=True)
        return Tolerance(float(self.tolerance), relative=self.tolerance_kind == "relative")

    def to_dict(self) -> dict[str, Any]:
        """The catalogue entry printed by ``auditor metrics``."""
        return {
            "id": self.id,
            "family": self.family,
            "title": self.title,
            "definition": self.definition,
            "better": self.better,
            "unit": self.unit,
            "tolerance": self.tolerance,
            "tolerance_kind": self.tolerance_kind,
            "citation": self.citation,
            "headline": self.headline,
            "aspect": self.aspect,
            "mixes": list(self.mixes),
            "cited": self.cited,
        }


def spec_factory(family: str, **defaults: Any) -> Callable[..., MetricSpec]:
    """A ``make(name, title, definition, **options)`` for one family's specs, with family defaults.

    Options: ``better`` ("higher"), ``unit`` (""), ``headline`` (False), ``tolerance`` (None: the
    run's relative tolerance), ``kind`` ("relative"), ``citation`` (""), ``aspect`` (required:
    narrowing, drift or loss), ``mixes`` (()), ``cited`` (False).
    """
    base = {
        "better": "higher",
        "unit": "",
        "headline": False,
        "tolerance": None,
        "kind": "relative",
        "citation": "",
        "aspect": None,
        "mixes": (),
        "cited": False,
    }

    def make(name: str, title: str, definition: str, **options: Any) -> MetricSpec:
        unknown = set(options) - set(base)
        if unknown:
            raise TypeError(f"unknown spec options {sorted(unknown)}")
        o = {**base, **defaults, **options}
        if o["aspect"] is None:
            raise TypeError(f"{family}.{name}: every metric declares its aspect ({', '.join(ASPECTS)})")
        check_aspect(o["aspect"], o["mixes"])
        return MetricSpec(
            f"{family}.{name}",
            title,
            definition,
            o["better"],
            o["unit"],
            o["tolerance"],
            o["kind"],
            o["citation"],
            o["headline"],
            o["aspect"],
            tuple(o["mixes"]),
            bool(o["cited"]),
        )

    return make


@dataclass(frozen=True)
class Metric:
    """A spec plus its batched implementation.

    Several metrics can share one computation (the four PRDC numbers share a distance matrix;
    separability and its chance level share the balanced chunks): such a metric's ``fn`` returns
    a dict of arrays, and ``output`` names its entry. Scoring calls a shared ``fn`` once per draw
    set and hands each metric its part, so nothing is cached on the draws.
    """

    spec: MetricSpec
    kind: str
    """``single`` or ``paired`` (see module docstring)."""
    fn: Callable[..., Any]
    output: str | None = None
    """For a shared computation: the key of this metric's values in what ``fn`` returns."""


@dataclass
class MetricData:
    """Run-wide data a metric may need beyond its draws."""

    words: list[str]
    """Vocabulary strings by id."""
    segment_tokens: int
    max_segments: int
    knn_k: int = 5
    pair_budget: int = 50_000
    na_reasons: dict[str, str] = field(default_factory=dict)
    """Why a metric is undefined on every draw, when a stage knows (metric id -> reason)."""
    language: str = "en"
    """The run's language: whose wordfreq frequencies "rare in the language" reads."""
    _lang_zipf: np.ndarray | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def lang_zipf(self) -> np.ndarray | None:
        """wordfreq Zipf frequency (the run's language, log10 per billion words) of every vocabulary
        word, or None when wordfreq has no list for the language.

        Read from wordfreq's frequency list in one pass (a dict lookup per word, not a call per
        word); words wordfreq does not know get 0, the bottom of the scale. Metrics run on a thread
        pool, so the table is built once, under a lock.
        """
        with self._lock:
            if self._lang_zipf is None or len(self._lang_zipf) < len(self.words):
                from wordfreq import get_frequency_dict

                from auditor.text.languages import wordfreq_language

                code, _ = wordfreq_language(self.language)
                if code is None:
                    return None
                freqs = get_frequency_dict(code)
                self._lang_zipf = np.array([zipf_frequency(freqs.get(w)) for w in self.words], dtype=np.float64)
            return self._lang_zipf


@dataclass(frozen=True)
class Lazy:
    """A function named ``"package.module:function"``, imported on first call.

    Families register their ``prepare`` and ``views`` this way, so importing the registry never
    imports torch, scikit-learn or the report code. Two Lazy objects naming the same function are
    equal, which is how families that share a ``prepare`` share its result.
    """

    target: str

    def __call__(self, *args: Any) -> Any:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)(*args)


StageProgress = Callable[[str, int], Callable[[int], None]]
"""``progress(label, total)`` returns ``update(done)`` for one long step of a family (embedding, tagging)."""


@dataclass(frozen=True)
class FamilyInput:
    """Everything a family's ``prepare`` may read: the run's profiles, reference and settings."""

    profiles: list[GenerationProfile]
    """One per generation, in series order."""
    reference: str
    settings: Settings
    words: list[str]
    """The run's vocabulary strings by word id."""
    progress: StageProgress | None = None
    cluster: Executor | None = None
    """A Dask cluster's executor when ``--engine dask`` runs (the embedding family uses it)."""


@dataclass(frozen=True)
class LanguageUse:
    """What a family uses for the run's language, and what it cannot measure in it."""

    notes: dict[str, Any]
    """Its resources in words (metrics.json ``artifacts.language.families[name]``)."""
    unavailable: dict[str, str] = field(default_factory=dict)
    """Metric id -> why it is n/a in this language whatever the data (no wordfreq list)."""
    warning: str | None = None
    """Said on the reference generation (an English-only embedding model on German text)."""


@dataclass(frozen=True)
class Family:
    """One metric family: what it asks, what it needs, how it draws, what it measures and shows.

    Adding a family is one folder under ``auditor/families/`` with such a record in its
    ``__init__.py``, and one line in ``auditor/families/__init__.py``. The record says all that the
    pipeline, reference profiles, the language table and the gate need to know of the family, so
    no module outside ``families/`` names one.
    """

    name: str
    label: str
    """Heading in the report (``Rare words`` for ``tail``)."""
    question: str
    """The question the family answers, shown under its heading."""
    metrics: tuple[Metric, ...]
    prepare: Callable[[FamilyInput], Prepared]
    """Profiles -> draws (and settings, artifacts, cache statistics). Families that share a
    ``prepare`` (vocabulary and tail) share one call: the pipeline runs each distinct one once."""
    views: Callable[[AuditResult], FamilyView] | None = None
    """The family's own pictures and report section, from metrics.json alone."""
    extra: str | None = None
    """The pip extra the family needs beyond the core install, for its ``n/a`` reason."""
    subject: str = ""
    """What it measures, for sentences such as "drifted from the reference in {subject}"."""
    settings: tuple[str, ...] = ()
    """The settings its numbers depend on beyond those every family shares (the streaming pass's,
    the seed, the draws): a reference profile compares those it stores only when the family runs,
    and a diff notes them (with :data:`auditor.config.RESULT_SETTINGS`)."""
    fields: tuple[str, ...] = ()
    """The settings naming document fields it reads (``label_field``, ``group_field``,
    ``pair_field``): a run that asks for one checks that some generation has it."""
    links: bool = False
    """True when it needs documents linked across generations: left out of a run on the reference
    alone (``init-policy``), and the pass samples linked documents only when it runs."""
    sampled: bool = False
    """True when its draws are documents of the text sample, so a generation needs ``min_docs``
    documents (False: word-token budgets, ``min_tokens``)."""
    language: Callable[[str, Settings], LanguageUse] | None = None
    """What it uses for a language (``language(code, settings)``); None: nothing language-specific."""
    check: Callable[[Settings], None] | None = None
    """Early checks of its settings, run before any corpus is read (a model folder that is not one)."""
    packages: tuple[str, ...] = ()
    """Packages whose versions the result it stores on a reference profile depends on."""
    check_stored: Callable[[dict[str, Any], int], str | None] | None = None
    """Validates its stored reference result as read from a profile (given the text sample's size):
    what is wrong with it, or None."""
    vectors: Callable[[GenerationProfile], tuple[np.ndarray, np.ndarray] | None] | None = None
    """After its ``prepare``: a generation's document vectors and their reservoir keys, or None when
    it has none (per-document ``novelty`` is the distance to the nearest reference vector)."""
    identity: Callable[[Settings], dict[str, Any]] | None = None
    """What its stored result depends on beyond settings and package versions (the embedding model's
    make and weights): a reference profile records it, and a run whose identity differs refuses it."""

    @property
    def specs(self) -> tuple[MetricSpec, ...]:
        """The stated definitions of the family's metrics."""
        return tuple(m.spec for m in self.metrics)
