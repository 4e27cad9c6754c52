"""From profiles to draws: the common budget, R draws per generation and S null splits.

DESIGN section 2: every size-sensitive metric is computed on draws of whole documents without
replacement at one common token budget; the null is the same statistic on disjoint halves of the
reference at that budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from auditor.config import Settings
from auditor.errors import Errors, UsageError
from auditor.metrics.engine import DrawSet
from auditor.stats import draw, make_rng, split_halves
from auditor.text.profile import GenerationProfile

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
    return DrawSet(names, reference, draws, null_pairs, na), BudgetPlan(budget, source, na)


def _check_budget(budget: int, eligible: list[GenerationProfile], smallest_half: int, reference: str) -> None:
    for p in eligible:
        if p.sample.n_tokens < budget:
            raise UsageError(Errors.E016.format(budget=budget, name=p.name, tokens=p.sample.n_tokens, half=""))
    if smallest_half < budget:
        raise UsageError(
            Errors.E016.format(budget=budget, name=reference, tokens=smallest_half, half=", smallest split half")
        )


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
    return DrawSet(names, reference, draws, null_pairs, na_reasons)
