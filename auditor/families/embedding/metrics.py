"""Family ``embedding``: embedding-space dispersion and coverage of the reference (DESIGN section 3).

Each generation's first ``sample_docs`` documents in reservoir order (a uniform random sample) are
embedded once (L2-normalised); every draw is ``n`` of those documents without replacement, with
``n`` half the smallest pool, so the reference's two disjoint halves (the null) have ``n`` too.
Vendi and the dispersion scores depend on ``n``, so every value is at the same ``n``.

Directions: ``mean_pairwise_distance``, ``centroid_distance``, ``vendi``, ``effective_rank``,
``precision``, ``recall``, ``density``, ``coverage`` and ``mauve`` are higher-is-better; ``centroid_shift``
(drift of the centroid away from the reference's) is lower-is-better. Headlines: ``recall`` and
``coverage``: collapse shows as falling recall and coverage while precision holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from auditor.families.base import Metric, MetricData, spec_factory

NAEEM = "Naeem et al. 2020, Reliable fidelity and diversity metrics for generative models (k-NN manifolds)"


@dataclass
class EmbeddingDraw:
    """``n`` L2-normalised embeddings (rows) of one draw."""

    vectors: np.ndarray

    @cached_property
    def centroid(self) -> np.ndarray:
        """Mean vector."""
        return self.vectors.mean(axis=0)

    @property
    def n(self) -> int:
        """Rows."""
        return self.vectors.shape[0]


def vendi_from_kernel(kernel: np.ndarray) -> float:
    """Vendi score: exp of the Shannon entropy of the eigenvalues of K/n (Friedman & Dieng 2023).

    Examples
    --------
    >>> x = np.array([0, 0, 10, 10, 20, 20], dtype=float)
    >>> round(vendi_from_kernel(np.exp(-np.abs(x[:, None] - x[None, :]))), 4)
    3.0
    """
    n = kernel.shape[0]
    eig = np.linalg.eigvalsh(kernel / n)
    return _exp_entropy(eig)


def vendi_cosine(vectors: np.ndarray) -> float:
    """Vendi score with the cosine kernel on L2-normalised rows.

    The nonzero eigenvalues of K/n = X Xᵀ/n equal those of the uncentred d×d matrix XᵀX/n, so when
    d < n the score costs O(n d² + d³) time and O(d²) memory instead of O(n²).
    """
    n, d = vectors.shape
    if d < n:
        eig = np.linalg.eigvalsh(vectors.T @ vectors / n)
    else:
        eig = np.linalg.eigvalsh(vectors @ vectors.T / n)
    return _exp_entropy(eig)


def _exp_entropy(weights: np.ndarray) -> float:
    p = np.clip(weights, 0, None)
    p = p[p > 1e-12]
    p = p / p.sum()
    return float(np.exp(-(p * np.log(p)).sum()))


def effective_rank(vectors: np.ndarray) -> float:
    """exp of the entropy of the normalised squared singular values of the mean-centred embeddings.

    Centring makes it a measure of spread around the centroid (Roy & Vetterli 2007 on the
    covariance spectrum); the uncentred version would equal the cosine Vendi score.
    """
    centred = vectors - vectors.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    return _exp_entropy(s**2)


def mean_pairwise_distance(draws: Sequence[EmbeddingDraw], data: MetricData) -> np.ndarray:
    """Mean cosine distance over all pairs i != j (unit rows: from the norm of the sum, O(n d))."""
    out = []
    for d in draws:
        n = d.n
        total = d.vectors.sum(axis=0)
        mean_cos = (total @ total - n) / (n * (n - 1))
        out.append(1.0 - mean_cos)
    return np.array(out, dtype=float)


def centroid_distance(draws: Sequence[EmbeddingDraw], data: MetricData) -> np.ndarray:
    """Mean cosine distance of the draw's documents to their own centroid: spread, not drift."""
    out = []
    for d in draws:
        c = d.centroid / np.linalg.norm(d.centroid)
        out.append(float(np.mean(1.0 - d.vectors @ c)))
    return np.array(out, dtype=float)


def centroid_shift(pairs: Sequence[tuple[EmbeddingDraw, EmbeddingDraw]], data: MetricData) -> np.ndarray:
    """Cosine distance between the generation's centroid and the reference's: drift."""
    out = []
    for ref, gen in pairs:
        a, b = ref.centroid, gen.centroid
        out.append(1.0 - float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))))
    return np.array(out, dtype=float)


def vendi(draws: Sequence[EmbeddingDraw], data: MetricData) -> np.ndarray:
    """Cosine-kernel Vendi score of each draw."""
    return np.array([vendi_cosine(d.vectors) for d in draws], dtype=float)


def effective_rank_metric(draws: Sequence[EmbeddingDraw], data: MetricData) -> np.ndarray:
    """Effective rank of each draw."""
    return np.array([effective_rank(d.vectors) for d in draws], dtype=float)


def _sq_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between unit rows: 2 - 2 cos."""
    return np.clip(2.0 - 2.0 * (a @ b.T), 0.0, None)


def _knn_radii(x: np.ndarray, k: int) -> np.ndarray:
    """Squared distance of each row to its k-th nearest other row."""
    d = _sq_distances(x, x)
    np.fill_diagonal(d, np.inf)
    return np.partition(d, k - 1, axis=1)[:, k - 1]


def prdc(real: np.ndarray, fake: np.ndarray, k: int = 5) -> dict[str, float]:
    """Precision, recall, density and coverage of ``fake`` against ``real`` (Naeem et al. 2020).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 8)); x /= np.linalg.norm(x, axis=1, keepdims=True)
    >>> prdc(x, x, k=5)["coverage"]
    1.0
    """
    real_radii = _knn_radii(real, k)
    fake_radii = _knn_radii(fake, k)
    d = _sq_distances(real, fake)  # real x fake
    inside_real = d <= real_radii[:, None]
    precision = float(inside_real.any(axis=0).mean())
    recall = float((d <= fake_radii[None, :]).any(axis=1).mean())
    density = float(inside_real.sum() / (k * fake.shape[0]))
    coverage = float((d.min(axis=1) <= real_radii).mean())
    return {"precision": precision, "recall": recall, "density": density, "coverage": coverage}


def prdc_parts(pairs: Sequence[tuple[EmbeddingDraw, EmbeddingDraw]], data: MetricData) -> dict[str, np.ndarray]:
    """The four PRDC numbers of every (reference draw, generation draw) pair: one distance matrix each."""
    rows = [prdc(ref.vectors, gen.vectors, data.knn_k) for ref, gen in pairs]
    return {which: np.array([r[which] for r in rows], dtype=float) for which in PRDC}


PRDC = ("precision", "recall", "density", "coverage")


def mauve_metric(pairs: Sequence[tuple[EmbeddingDraw, EmbeddingDraw]], data: MetricData) -> np.ndarray:
    """MAUVE of every (reference draw, generation draw) pair (:mod:`auditor.families.embedding.mauve`)."""
    from auditor.families.embedding.mauve import mauve

    return np.array([mauve(ref.vectors, gen.vectors) for ref, gen in pairs], dtype=float)


_spec = spec_factory("embedding")
_PRDC_TOL = {"tolerance": 0.05, "kind": "absolute", "unit": "share"}

METRICS = [
    Metric(
        _spec(
            "mean_pairwise_distance",
            "Mean pairwise distance",
            "Mean cosine distance over all pairs of distinct documents in a draw of n.",
            unit="cosine distance",
            citation="Standard dispersion score on sentence embeddings",
            aspect="narrowing",
        ),
        "single",
        mean_pairwise_distance,
    ),
    Metric(
        _spec(
            "centroid_distance",
            "Distance to centroid",
            "Mean cosine distance of a draw's documents to their own centroid (spread, not drift).",
            unit="cosine distance",
            citation="Standard dispersion score",
            aspect="narrowing",
        ),
        "single",
        centroid_distance,
    ),
    Metric(
        _spec(
            "centroid_shift",
            "Centroid shift",
            "Cosine distance between the generation draw's centroid and the reference draw's (drift).",
            better="lower",
            unit="cosine distance",
            tolerance=0.02,
            kind="absolute",
            citation="Drift of the mean",
            aspect="drift",
        ),
        "paired",
        centroid_shift,
    ),
    Metric(
        _spec(
            "vendi",
            "Vendi score",
            "exp of the entropy of the eigenvalues of K/n, cosine kernel on L2-normalised embeddings "
            "(computed from the uncentred XᵀX/n when d < n). The family's narrowing headline: it falls "
            "when a generation loses variety, whatever its distance from the reference.",
            unit="effective documents",
            headline=True,
            citation="Friedman & Dieng 2023, The Vendi Score",
            aspect="narrowing",
        ),
        "single",
        vendi,
    ),
    Metric(
        _spec(
            "effective_rank",
            "Effective rank",
            "exp of the entropy of the normalised squared singular values of the mean-centred embeddings.",
            unit="dimensions",
            citation="Roy & Vetterli 2007",
            aspect="narrowing",
        ),
        "single",
        effective_rank_metric,
    ),
    Metric(
        _spec(
            "precision",
            "Precision (k-NN)",
            "Share of generation documents inside the reference's k-NN manifold (k=5).",
            citation=NAEEM,
            **_PRDC_TOL,
            aspect="drift",
        ),
        "paired",
        prdc_parts,
        output="precision",
    ),
    Metric(
        _spec(
            "recall",
            "Recall (k-NN)",
            "Share of reference documents inside the generation's k-NN manifold (k=5): how much of the "
            "reference the generation still reaches (loss). It also falls when the generation drifts away "
            "or its manifold shrinks: centroid shift separates drift, Vendi separates narrowing.",
            headline=True,
            citation=NAEEM,
            **_PRDC_TOL,
            aspect="loss",
            mixes=("drift", "narrowing"),
        ),
        "paired",
        prdc_parts,
        output="recall",
    ),
    Metric(
        _spec(
            "density",
            "Density (k-NN)",
            "Mean count of reference k-NN balls holding each generation document, over k.",
            citation=NAEEM,
            tolerance=0.1,
            kind="absolute",
            unit="ratio",
            aspect="drift",
        ),
        "paired",
        prdc_parts,
        output="density",
    ),
    Metric(
        _spec(
            "coverage",
            "Coverage (k-NN)",
            "Share of reference documents whose k-NN ball holds at least one generation document. Mixes "
            "drift with narrowing and loss: it falls when the generation moves away and when it piles onto "
            "a few regions; Vendi separates them (coverage falling while Vendi holds or rises is drift).",
            headline=True,
            citation=NAEEM,
            **_PRDC_TOL,
            aspect="drift",
            mixes=("narrowing", "loss"),
        ),
        "paired",
        prdc_parts,
        output="coverage",
    ),
    Metric(
        _spec(
            "mauve",
            "MAUVE",
            "Area under the divergence frontier of the reference's and the generation's embeddings, quantized "
            "together (L2-normalised, PCA to 90% of the variance, k-means with n/10 clusters, 5 restarts, seed "
            "25; curve at 25 mixtures, scaling 5), as mauve-text computes it; 1 = indistinguishable. Mixes "
            "drift with narrowing and loss: a generation that moves away and one that keeps only part of the "
            "reference both lower it; Vendi and recall separate them. Features come from the sentence-embedding "
            "model, not GPT-2 large as in the paper, so values are not the paper's.",
            unit="area",
            tolerance=0.05,
            kind="absolute",
            citation="Pillutla et al. 2021, MAUVE: Measuring the gap between neural text and human text "
            "using divergence frontiers (NeurIPS); mauve-text 0.4",
            aspect="drift",
            mixes=("narrowing", "loss"),
            cited=True,
        ),
        "paired",
        mauve_metric,
    ),
]
