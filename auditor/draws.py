"""Draws: what every family's metrics are computed on, and how they are planned.

DESIGN section 2: every size-sensitive metric is computed on draws of whole documents without
replacement at one common size (a token budget for the lexical families, a number of documents
for the sampled ones); the null is the same statistic on disjoint halves of the reference at that
size. A family's ``prepare`` returns a :class:`Prepared`: its :class:`DrawSet` plus what it decided
(settings, artifacts, cache statistics, reasons a metric is undefined).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from auditor.errors import Errors, UsageError
from auditor.stats import make_rng
from auditor.text.arrays import gather
from auditor.text.profile import DocumentSample, GenerationProfile

if TYPE_CHECKING:
    from auditor.config import Settings


@dataclass
class Draw:
    """``budget`` tokens of whole documents drawn at random without replacement.

    The last document is truncated so the draw has exactly the budget. ``doc_starts`` marks where
    each document begins, so n-grams never cross documents.
    """

    tokens: np.ndarray
    doc_starts: np.ndarray

    @cached_property
    def type_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted distinct ids and their counts in this draw (bincount: O(budget + vocabulary))."""
        counts = np.bincount(self.tokens)
        types = np.flatnonzero(counts)
        return types, counts[types]

    @property
    def types(self) -> np.ndarray:
        """Sorted distinct ids in this draw."""
        return self.type_counts[0]

    @property
    def n_tokens(self) -> int:
        """Tokens in the draw (the budget, unless the pool was smaller)."""
        return len(self.tokens)


def draw(sample: DocumentSample, budget: int, rng: np.random.Generator) -> Draw:
    """Draw documents in random order until ``budget`` tokens, truncating the last one."""
    order = rng.permutation(sample.n_docs)
    lengths = sample.lengths[order]
    cum = np.cumsum(lengths)
    last = int(np.searchsorted(cum, budget))  # first index where cum >= budget
    if last >= len(order):
        last = len(order) - 1
    chosen = order[: last + 1]
    take = lengths[: last + 1].copy()
    overflow = int(cum[last]) - budget
    if overflow > 0:
        take[-1] -= overflow
    starts = sample.offsets[chosen]
    tokens = gather(sample.tokens, starts, take)
    doc_starts = np.concatenate([[0], np.cumsum(take)[:-1]]).astype(np.int64)
    return Draw(tokens, doc_starts)


def split_halves(sample: DocumentSample, rng: np.random.Generator) -> tuple[DocumentSample, DocumentSample]:
    """Two disjoint halves by document, cut where the shuffled documents reach half the tokens."""
    order = rng.permutation(sample.n_docs)
    cum = np.cumsum(sample.lengths[order])
    cut = int(np.searchsorted(cum, sample.n_tokens / 2)) + 1
    cut = min(max(cut, 1), sample.n_docs - 1)
    return sample.subset(order[:cut]), sample.subset(order[cut:])


@dataclass
class DrawSet:
    """The draws a family is computed on."""

    names: list[str]
    """Every generation, in series order (including the reference)."""
    reference: str
    draws: dict[str, list[Draw]]
    """R draws per generation that is large enough; absent generations are ``n/a``."""
    null_pairs: list[tuple[Draw, Draw]]
    """One (half A, half B) pair of draws per split of the reference."""
    na_reasons: dict[str, str]
    """Why a generation has no draws."""
    null_sizes: dict[str, int] = field(default_factory=dict)
    """The sizes the null pairs were drawn at (``budget``, ``n``...). With the reference's settings
    and seed they determine the null draws, so a reference profile's null values, computed at the
    same sizes, are this run's (:mod:`auditor.refprofile.nulls`). Empty: not reusable."""

    @property
    def storable_null(self) -> bool:
        """Whether the null is the reference's split halves drawn at known sizes (a profile may keep it)."""
        return bool(self.null_pairs) and bool(self.null_sizes)


@dataclass
class Prepared:
    """What a family's ``prepare`` hands to scoring and to metrics.json."""

    drawset: DrawSet
    config: dict[str, Any] = field(default_factory=dict)
    """Effective settings the stage decided (recorded in metrics.json ``config``)."""
    artifacts: dict[str, Any] = field(default_factory=dict)
    """Merged into metrics.json ``artifacts`` (a sampled family keys its own under its name)."""
    cache: dict[str, Any] = field(default_factory=dict)
    """Cache statistics, recorded under the family's name in ``run.cache``."""
    metric_reasons: dict[str, str] = field(default_factory=dict)
    """Why a metric is undefined for every generation (e.g. a setting it needs is absent)."""


def too_few_documents(profiles: list[GenerationProfile], minimum: int, family: str) -> dict[str, str]:
    """The ``n/a`` reason of each generation whose text sample is smaller than ``minimum``."""
    return {
        p.name: f"too few documents: {len(p.texts)}, the {family} family needs at least {minimum} (setting min_docs)"
        for p in profiles
        if len(p.texts) < minimum
    }


def unusable_reference(names: list[str], reference: str, na: dict[str, str], config: dict[str, Any]) -> Prepared:
    """A family with no draws: every generation ``n/a``, the others because the reference is unusable."""
    reason = f"reference unusable: {na[reference]}"
    return Prepared(DrawSet(names, reference, {}, [], {n: na.get(n, reason) for n in names}), config)


MIN_REFERENCE_DOCS = 4
"""Each null half needs at least two documents."""


@dataclass(frozen=True)
class BudgetPlan:
    """The common budget and the reason any generation was left out."""

    budget: int | None
    source: str
    """``set`` (from --budget), ``auto`` or ``none`` (no common budget possible)."""
    na_reasons: dict[str, str]


def build_drawset(profiles: list[GenerationProfile], reference: str, settings: Settings) -> tuple[DrawSet, BudgetPlan]:
    """Plan the budget, draw R samples per generation and the reference's S split-half pairs."""
    names = [p.name for p in profiles]
    by_name = {p.name: p for p in profiles}
    ref = by_name[reference]
    na: dict[str, str] = {}
    for p in profiles:
        if p.sample.n_tokens < settings.min_tokens:
            na[p.name] = (
                f"too little text: {p.sample.n_tokens} word tokens, the lexical families need at least "
                f"{settings.min_tokens} (setting min_tokens)"
            )
    if reference not in na and ref.sample.n_docs < MIN_REFERENCE_DOCS:
        na[reference] = (
            f"the reference has {ref.sample.n_docs} documents; its split-half null needs at least {MIN_REFERENCE_DOCS}"
        )
    if reference in na:
        reason = f"reference unusable: {na[reference]}"
        for name in names:
            na.setdefault(name, reason)
        return DrawSet(names, reference, {}, [], na), BudgetPlan(None, "none", na)

    halves = [split_halves(ref.sample, make_rng(settings.seed, "split", s)) for s in range(settings.splits)]
    smallest_half = min(min(a.n_tokens, b.n_tokens) for a, b in halves)
    eligible = [p for p in profiles if p.name not in na]
    if settings.budget is not None:
        budget = settings.budget
        _check_budget(budget, eligible, smallest_half, reference)
        source = "set"
    else:
        budget = min([settings.max_budget, smallest_half] + [p.sample.n_tokens for p in eligible])
        source = "auto"

    draws = {
        p.name: [draw(p.sample, budget, make_rng(settings.seed, "draw", p.stream, r)) for r in range(settings.draws)]
        for p in eligible
    }
    null_pairs = [
        (
            draw(a, budget, make_rng(settings.seed, "null", s, "a")),
            draw(b, budget, make_rng(settings.seed, "null", s, "b")),
        )
        for s, (a, b) in enumerate(halves)
    ]
    return DrawSet(names, reference, draws, null_pairs, na, {"budget": budget}), BudgetPlan(budget, source, na)


def _check_budget(budget: int, eligible: list[GenerationProfile], smallest_half: int, reference: str) -> None:
    for p in eligible:
        if p.sample.n_tokens < budget:
            raise UsageError(Errors.E016.format(budget=budget, name=p.name, tokens=p.sample.n_tokens, half=""))
    if smallest_half < budget:
        raise UsageError(
            Errors.E016.format(budget=budget, name=reference, tokens=smallest_half, half=", smallest split half")
        )


def draw_size(sizes: dict[str, int], reference: str) -> int:
    """Rows per draw from pools of these sizes: half the reference's, so that its pool splits into two
    disjoint halves of that size (the null), and no more than any other generation's pool holds."""
    return min([sizes[reference] // 2] + [size for name, size in sizes.items() if name != reference])


def pool_drawset(
    names: list[str],
    reference: str,
    streams: dict[str, str],
    pools: dict[str, np.ndarray],
    n: int,
    settings: Settings,
    wrap: Callable[[np.ndarray], Any],
    na_reasons: dict[str, str],
    label: str,
) -> DrawSet:
    """Draws of ``n`` rows without replacement from each generation's pool of rows (embeddings,
    topic weights...), and the null: S splits of the reference's pool into two disjoint sets of n.

    ``wrap`` turns a block of rows into the draw object the family's metrics take; ``label``
    keeps the random streams of different families apart; ``streams`` maps each generation's
    name to its random-stream label (:func:`auditor.stats.stream_label`).
    """
    draws = {
        name: [
            wrap(pool[make_rng(settings.seed, label, "draw", streams[name], r).choice(len(pool), n, replace=False)])
            for r in range(settings.draws)
        ]
        for name, pool in pools.items()
    }
    ref_pool = pools[reference]
    null_pairs = []
    for s in range(settings.splits):
        order = make_rng(settings.seed, label, "split", s).permutation(len(ref_pool))
        null_pairs.append((wrap(ref_pool[order[:n]]), wrap(ref_pool[order[n : 2 * n]])))
    return DrawSet(names, reference, draws, null_pairs, na_reasons, {"n": n})
