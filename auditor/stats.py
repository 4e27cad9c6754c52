"""Budget draws, split-half nulls, intervals and the verdict rule (DESIGN section 2).

Every random choice goes through :func:`make_rng`, which derives an independent
``np.random.Generator`` from the run's seed and a purpose label, so adding a generation or a
metric never changes the numbers of another.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from auditor.text.arrays import gather
from auditor.text.profile import DocumentSample

STATUS_ORDER = {"n/a": -1, "ok": 0, "watch": 1, "degraded": 2}


def stream_label(position: int, is_reference: bool) -> str:
    """The label of a generation's random streams: the reference's role, or a position in the series.

    Never the user's name for it: renaming a generation must not change a number, and the
    reference draws the same whatever else is audited beside it (a calibration of the reference
    alone, or a reference profile, reproduces its values).
    """
    return "reference" if is_reference else f"position-{position}"


def make_rng(seed: int, *labels: str | int) -> np.random.Generator:
    """An independent generator for (seed, labels...), stable across runs and platforms."""
    keys = [seed] + [zlib.crc32(str(label).encode("utf-8")) for label in labels]
    return np.random.default_rng(np.random.SeedSequence(keys))


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


def percentile_interval(values: np.ndarray) -> tuple[float, float] | None:
    """The 2.5-97.5 percentile range of the finite values, or None if fewer than two."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if len(finite) < 2:
        return None
    lo, hi = np.percentile(finite, [2.5, 97.5])
    return float(lo), float(hi)


def worse_by_tolerance(value: float, reference: float, better: str, tolerance: float, kind: str) -> bool:
    """True if ``value`` is worse than ``reference`` by more than the tolerance.

    ``kind`` is ``relative`` (a share of the reference's magnitude) or ``absolute``.
    """
    margin = tolerance * abs(reference) if kind == "relative" else tolerance
    if better == "higher":
        return value < reference - margin
    if better == "lower":
        return value > reference + margin
    return False


def worse_than_null(value: float, null_values: np.ndarray, better: str) -> bool:
    """True if ``value`` is worse than every value of the null distribution."""
    null_values = np.asarray(null_values, dtype=float)
    null_values = null_values[np.isfinite(null_values)]
    if len(null_values) == 0:
        return False
    if better == "higher":
        return value < null_values.min()
    if better == "lower":
        return value > null_values.max()
    return False


def verdict(
    value: float | None, reference: float | None, null_values: np.ndarray, *, better: str, tolerance: float, kind: str
) -> str:
    """``degraded`` if worse by the tolerance AND beyond the whole null; ``watch`` if one; else ``ok``.

    Metrics without a direction are descriptive and always ``ok``; undefined values are ``n/a``.
    """
    if value is None or reference is None:
        return "n/a"
    by_tolerance = worse_by_tolerance(value, reference, better, tolerance, kind)
    by_null = worse_than_null(value, null_values, better)
    if by_tolerance and by_null:
        return "degraded"
    if by_tolerance or by_null:
        return "watch"
    return "ok"


def worst_status(statuses: list[str]) -> str:
    """The worst of several statuses; ``n/a`` only when every one is ``n/a``."""
    known = [s for s in statuses if s != "n/a"]
    if not known:
        return "n/a"
    return max(known, key=STATUS_ORDER.__getitem__)
