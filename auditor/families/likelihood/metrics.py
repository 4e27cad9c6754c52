"""Family ``likelihood``: how probable each generation is under a model of the reference, and how
much of it is copied (Shumailov et al. 2024's view of model collapse; DESIGN section 3).

An interpolated modified Kneser-Ney n-gram model is fitted on one half of the reference's sample
and never scores it; the other half, its split-half null and every generation are scored at the
same number of documents. A draw is one row per document: its log-perplexity (the mean negative
log-probability, in nats, of its words and its end), its word 8-grams and how many of them are
found verbatim in the reference. With ``--likelihood-model`` a local causal language model scores
the documents instead (per model token; see ``neural``), and the metrics below are unchanged.

Collapse moves the distribution of per-document log-perplexity either way: toward the mode
(text more probable, "more typical than human text") or away from it (text the reference's model
finds improbable, "less coherent"). Both are degradation, so the headlines are two one-sided
masses and one distance, each lower-is-better, with the reference's own null near 0.10, 0.10 and
0: ``typical_mass`` (share below the reference draw's 10th percentile), ``incoherent_mass`` (share
above its 90th) and ``distribution_shift`` (Wasserstein-1 between the two distributions).
``mean_log_perplexity`` is descriptive (its direction alone says nothing about health);
``copy_rate`` is lower-is-better.

The masses count a share with the empirical CDF interpolated linearly between order statistics,
the inverse of ``np.percentile``'s linear rule, so a draw measured against itself gives exactly
0.10: the reference's half-against-half value is then read on the same scale as the generations'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from auditor.families.base import Metric, MetricData, spec_factory

LOW_PERCENTILE = 10.0
HIGH_PERCENTILE = 90.0

LOG_PERPLEXITY, NGRAMS, COPIED = 0, 1, 2
"""Columns of a draw's rows."""


@dataclass
class LikelihoodDraw:
    """``n`` documents as rows: log-perplexity (nats), word 8-grams, 8-grams found in the reference."""

    rows: np.ndarray

    @cached_property
    def log_perplexity(self) -> np.ndarray:
        """Per-document log-perplexity, sorted ascending."""
        return np.sort(self.rows[:, LOG_PERPLEXITY])


def interpolated_cdf(sorted_values: np.ndarray, threshold: float) -> float:
    """Share of ``sorted_values`` below ``threshold``, the empirical CDF interpolated linearly.

    The i-th smallest of n values sits at i / (n - 1) (tied values at their mean position), as
    ``np.percentile`` places them, so ``interpolated_cdf(x, np.percentile(x, q)) == q / 100``.
    """
    n = len(sorted_values)
    if n < 2:
        return float("nan")
    values, first, ties = np.unique(sorted_values, return_index=True, return_counts=True)
    position = (first + (ties - 1) / 2) / (n - 1)
    return float(np.interp(threshold, values, position, left=0.0, right=1.0))


def wasserstein_1(a: np.ndarray, b: np.ndarray) -> float:
    """Wasserstein-1 (earth mover's) distance between two samples' empirical distributions.

    The integral of |F_a - F_b| over the real line (``scipy.stats.wasserstein_distance``'s formula).
    """
    a, b = np.sort(a), np.sort(b)
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    points = np.sort(np.concatenate([a, b]))
    fa = np.searchsorted(a, points[:-1], side="right") / len(a)
    fb = np.searchsorted(b, points[:-1], side="right") / len(b)
    return float(np.sum(np.abs(fa - fb) * np.diff(points)))


def mean_log_perplexity(draws: Sequence[LikelihoodDraw], data: MetricData) -> np.ndarray:
    """Mean over the draw's documents of their log-perplexity (nats)."""
    return np.array([d.log_perplexity.mean() if len(d.rows) else np.nan for d in draws], dtype=float)


def typical_mass(pairs: Sequence[tuple[LikelihoodDraw, LikelihoodDraw]], data: MetricData) -> np.ndarray:
    """Share of the generation's documents below the reference draw's 10th percentile of log-perplexity."""
    return np.array(
        [
            interpolated_cdf(gen.log_perplexity, float(np.percentile(ref.log_perplexity, LOW_PERCENTILE)))
            for ref, gen in pairs
        ],
        dtype=float,
    )


def incoherent_mass(pairs: Sequence[tuple[LikelihoodDraw, LikelihoodDraw]], data: MetricData) -> np.ndarray:
    """Share of the generation's documents above the reference draw's 90th percentile of log-perplexity."""
    return np.array(
        [
            1.0 - interpolated_cdf(gen.log_perplexity, float(np.percentile(ref.log_perplexity, HIGH_PERCENTILE)))
            for ref, gen in pairs
        ],
        dtype=float,
    )


def distribution_shift(pairs: Sequence[tuple[LikelihoodDraw, LikelihoodDraw]], data: MetricData) -> np.ndarray:
    """Wasserstein-1 distance (nats) between the generation's and the reference draw's log-perplexities."""
    return np.array([wasserstein_1(ref.log_perplexity, gen.log_perplexity) for ref, gen in pairs], dtype=float)


def copy_rate(draws: Sequence[LikelihoodDraw], data: MetricData) -> np.ndarray:
    """Share of the draw's word 8-grams found verbatim in the reference sample (see ``copying``)."""
    out = []
    for d in draws:
        ngrams = d.rows[:, NGRAMS].sum()
        out.append(d.rows[:, COPIED].sum() / ngrams if ngrams > 0 else np.nan)
    return np.array(out, dtype=float)


_SHUMAILOV = "Shumailov et al. 2024, AI models collapse when trained on recursively generated data (Nature 631)"
_MODEL = "interpolated modified Kneser-Ney (Chen & Goodman 1998) fitted on a held-out half of the reference"
_spec = spec_factory("likelihood", better="lower", kind="absolute", citation=f"{_SHUMAILOV}; {_MODEL}")

METRICS = [
    Metric(
        _spec(
            "mean_log_perplexity",
            "Mean log-perplexity",
            "Mean over documents of each document's mean negative log-probability (nats) of its words and "
            "its end, under the reference's n-gram model (with --likelihood-model: of its tokens, under that "
            "causal language model).",
            better="none",
            unit="nats",
            kind="relative",
            aspect="drift",
        ),
        "single",
        mean_log_perplexity,
    ),
    Metric(
        _spec(
            "typical_mass",
            "Typical mass (more typical than human text)",
            "Share of the generation's documents whose log-perplexity is below the reference draw's 10th "
            "percentile (empirical CDF interpolated linearly; about 0.10 for text like the reference).",
            unit="share",
            tolerance=0.05,
            headline=True,
            aspect="narrowing",
        ),
        "paired",
        typical_mass,
    ),
    Metric(
        _spec(
            "incoherent_mass",
            "Incoherent mass (less coherent than human text)",
            "Share of the generation's documents whose log-perplexity is above the reference draw's 90th "
            "percentile (empirical CDF interpolated linearly; about 0.10 for text like the reference).",
            unit="share",
            tolerance=0.05,
            headline=True,
            aspect="drift",
        ),
        "paired",
        incoherent_mass,
    ),
    Metric(
        _spec(
            "distribution_shift",
            "Log-perplexity distribution shift",
            "Wasserstein-1 distance between the per-document log-perplexity distributions of the generation "
            "and the reference draw.",
            unit="nats",
            tolerance=0.1,
            headline=True,
            citation=f"Wasserstein-1 (earth mover's) distance; {_SHUMAILOV}",
            aspect="drift",
        ),
        "paired",
        distribution_shift,
    ),
    Metric(
        _spec(
            "copy_rate",
            "Copy rate",
            "Share of the draw's word 8-grams (within documents) found verbatim in the reference sample; a "
            "reference document is compared with the rest of the reference.",
            unit="share",
            tolerance=0.02,
            citation="Verbatim n-gram overlap with the training data (cf. McCoy et al. 2023, RAVEN)",
            aspect="narrowing",
        ),
        "single",
        copy_rate,
    ),
]
