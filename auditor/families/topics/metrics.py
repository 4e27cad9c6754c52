"""Family ``topics``: topic homogenization, over the reference's own topics (DESIGN section 3).

An NMF topic model over TF-IDF is fitted on a part of the reference that is never scored; the
held-out reference, its split-half null and every generation are scored at the same number of
documents. A draw is the matrix of its documents' topic weights (one row per document).

Directions: ``effective_topics`` and ``topic_entropy`` are higher-is-better (more topics in use);
``topic_js_divergence`` (the mix moved away from the reference's), ``vanished_topics`` (reference
topics nearly gone) and ``doc_topic_concentration`` (documents about one thing only) are
lower-is-better. Headlines: ``effective_topics`` and ``topic_js_divergence``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from auditor.families.base import Metric, MetricData, spec_factory

VANISH_FACTOR = 0.1
"""A reference topic vanished when its share fell below a tenth of the reference's share."""


@dataclass
class TopicDraw:
    """Topic weights of ``n`` documents (rows; non-negative, not all zero)."""

    weights: np.ndarray

    @cached_property
    def soft(self) -> np.ndarray:
        """Each document's weights normalised to a distribution."""
        return self.weights / self.weights.sum(axis=1, keepdims=True)

    @cached_property
    def hard_shares(self) -> np.ndarray:
        """Share of documents whose dominant topic is each topic."""
        k = self.weights.shape[1]
        return np.bincount(self.weights.argmax(axis=1), minlength=k) / self.weights.shape[0]

    @cached_property
    def mean_soft(self) -> np.ndarray:
        """The mean topic distribution of the draw."""
        return self.soft.mean(axis=0)


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def effective_topics(draws: Sequence[TopicDraw], data: MetricData) -> np.ndarray:
    """exp(entropy) of the hard-assignment topic shares: how many topics are in real use."""
    return np.array([np.exp(_entropy(d.hard_shares)) for d in draws], dtype=float)


def topic_entropy(draws: Sequence[TopicDraw], data: MetricData) -> np.ndarray:
    """Entropy (bits) of the mean soft topic distribution."""
    return np.array([_entropy(d.mean_soft) / np.log(2) for d in draws], dtype=float)


def doc_topic_concentration(draws: Sequence[TopicDraw], data: MetricData) -> np.ndarray:
    """Mean over documents of the largest topic weight (of the normalised distribution)."""
    return np.array([d.soft.max(axis=1).mean() for d in draws], dtype=float)


def topic_js_divergence(pairs: Sequence[tuple[TopicDraw, TopicDraw]], data: MetricData) -> np.ndarray:
    """Jensen-Shannon divergence (bits) between the generation's and the reference's mean topic mix."""
    out = []
    for ref, gen in pairs:
        p, q = ref.mean_soft, gen.mean_soft
        m = (p + q) / 2
        out.append(0.5 * _kl_bits(p, m) + 0.5 * _kl_bits(q, m))
    return np.array(out, dtype=float)


def _kl_bits(p: np.ndarray, q: np.ndarray) -> float:
    mask = p > 0
    return float((p[mask] * np.log2(p[mask] / q[mask])).sum())


def vanished_topics(pairs: Sequence[tuple[TopicDraw, TopicDraw]], data: MetricData) -> np.ndarray:
    """Reference topics (dominant in some reference document) whose share fell below a tenth."""
    out = []
    for ref, gen in pairs:
        present = ref.hard_shares > 0
        out.append(float(np.sum(present & (gen.hard_shares < VANISH_FACTOR * ref.hard_shares))))
    return np.array(out, dtype=float)


_spec = spec_factory(
    "topics", citation="NMF over TF-IDF (Lee & Seung 1999; scikit-learn), fitted on held-out reference text"
)

METRICS = [
    Metric(
        _spec(
            "effective_topics",
            "Effective topics",
            "exp of the entropy of the shares of documents whose dominant topic is each reference topic.",
            unit="topics",
            headline=True,
            aspect="narrowing",
        ),
        "single",
        effective_topics,
    ),
    Metric(
        _spec(
            "topic_entropy",
            "Topic entropy",
            "Entropy of the mean soft topic distribution of the draw.",
            unit="bits",
            aspect="narrowing",
        ),
        "single",
        topic_entropy,
    ),
    Metric(
        _spec(
            "topic_js_divergence",
            "Topic-mix JS divergence",
            "Jensen-Shannon divergence between the mean topic distributions of the generation and the "
            "held-out reference.",
            better="lower",
            unit="bits",
            tolerance=0.02,
            kind="absolute",
            headline=True,
            aspect="drift",
        ),
        "paired",
        topic_js_divergence,
    ),
    Metric(
        _spec(
            "vanished_topics",
            "Vanished topics",
            "Reference topics whose share of dominant-topic documents fell below a tenth of the reference's.",
            better="lower",
            unit="topics",
            tolerance=1.0,
            kind="absolute",
            aspect="loss",
        ),
        "paired",
        vanished_topics,
    ),
    Metric(
        _spec(
            "doc_topic_concentration",
            "Document topic concentration",
            "Mean over documents of the largest weight of the normalised topic distribution.",
            better="lower",
            unit="share",
            tolerance=0.03,
            kind="absolute",
            aspect="narrowing",
        ),
        "single",
        doc_topic_concentration,
    ),
]
