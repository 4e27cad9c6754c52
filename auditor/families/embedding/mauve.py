"""MAUVE (Pillutla et al., NeurIPS 2021), as the reference implementation ``mauve-text`` computes it.

The two samples are quantized together and compared as histograms over the clusters:

1. stack the generation's rows above the reference's, L2-normalise each row, fit a PCA (all
   components, not whitened) on the stack and keep the leading components that explain 90% of the
   variance (the first whose cumulative explained-variance ratio reaches 0.9, and all before it);
2. k-means with k = round(min(n_p, n_q) / 10) (at least 2) clusters, best of 5 restarts from k
   random rows each, at most 500 iterations, on float32 rows, seeded with the package's default
   seed 25 (+2 for k-means, as it does);
3. histograms of each sample's cluster labels; the divergence curve at 25 mixture weights
   w in linspace(1e-6, 1 - 1e-6): points exp(-5 KL(q || r)), exp(-5 KL(p || r)) with
   r = w p + (1 - w) q, plus the two extreme points (0, 1) and (1, 0);
4. MAUVE is the mean of the areas under the curve read both ways (trapezoids over the points
   sorted by each coordinate).

The package clusters with faiss; auditor clusters with its own Lloyd's k-means (:func:`kmeans`:
the same objective, random initialisation, restarts and iteration cap, but another random
stream), so for the same features the two can land on different clusterings, as the package does
with another seed: on the demo's MiniLM embeddings (750 documents a side) the spread between
seeds, about 0.1 for a collapsed generation, is larger than the difference between the two
implementations. Given the same cluster labels, :func:`mauve_from_labels` equals the package's
histogram and curve stage exactly (a test forces the package onto auditor's labels).
"""

from __future__ import annotations

import numpy as np

SEED = 25
"""mauve-text's default ``seed`` (its PCA uses seed + 1, its k-means seed + 2)."""
EXPLAINED_VARIANCE = 0.9
KMEANS_REDO = 5
KMEANS_MAX_ITER = 500
CURVE_POINTS = 25
SCALING = 5.0
MIN_ROWS = 20
"""Fewest rows per sample: below, k would be fewer than 2 clusters per ten rows (n/a)."""


def num_buckets(n_p: int, n_q: int) -> int:
    """The package's ``num_buckets='auto'``: a tenth of the smaller sample, at least 2."""
    return max(2, round(min(n_p, n_q) / 10))


def quantize(p: np.ndarray, q: np.ndarray, *, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, int]:
    """Cluster labels of ``p``'s rows and ``q``'s rows after the joint PCA and k-means, and k."""
    k = num_buckets(len(p), len(q))
    data = np.vstack([q, p]).astype(np.float64)
    norms = np.linalg.norm(data, axis=1, keepdims=True)
    data = data / np.where(norms > 0, norms, 1.0)
    centred = data - data.mean(axis=0)
    # the principal axes from the d x d scatter matrix (cheaper than an SVD of the n x d rows)
    variance, axes = np.linalg.eigh(centred.T @ centred)
    variance, axes = np.clip(variance[::-1], 0.0, None), axes[:, ::-1]
    ratio = np.cumsum(variance / variance.sum()) if variance.sum() > 0 else np.ones(1)
    keep = int(np.argmax(ratio >= EXPLAINED_VARIANCE)) + 1
    reduced = (centred @ axes[:, :keep]).astype(np.float32)
    labels = kmeans(reduced, k, rng=np.random.default_rng(seed + 2))
    return labels[len(q) :], labels[: len(q)], k


def kmeans(
    x: np.ndarray, k: int, *, rng: np.random.Generator, restarts: int = KMEANS_REDO, max_iter: int = KMEANS_MAX_ITER
) -> np.ndarray:
    """Lloyd's k-means, best objective of ``restarts`` runs, each from ``k`` distinct random rows (as
    faiss starts). A cluster left empty takes the row farthest from its centre. Plain NumPy: no
    thread pool, so it stays fast on a busy machine and gives the same labels everywhere."""
    x = x.astype(np.float64)
    squared = (x * x).sum(axis=1)
    rows = np.arange(len(x))
    best_objective, best = np.inf, np.zeros(len(x), dtype=np.int64)
    for _ in range(restarts):
        centres = x[rng.choice(len(x), k, replace=False)]
        labels = np.full(len(x), -1)
        for _ in range(max_iter):
            distances = squared[:, None] - 2.0 * x @ centres.T + (centres * centres).sum(axis=1)[None, :]
            assigned = distances.argmin(axis=1)
            if np.array_equal(assigned, labels):
                break
            labels = assigned
            counts = np.bincount(labels, minlength=k)
            order = np.argsort(labels, kind="stable")
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            sums = np.zeros_like(centres)
            filled = counts > 0
            sums[filled] = np.add.reduceat(x[order], starts[filled], axis=0)
            empty = counts == 0
            centres = np.where(empty[:, None], centres, sums / np.maximum(counts, 1)[:, None])
            if empty.any():
                farthest = np.argsort(-distances[rows, labels], kind="stable")[: int(empty.sum())]
                centres[empty] = x[farthest]
        objective = float(distances[rows, labels].sum())
        if objective < best_objective:
            best_objective, best = objective, labels
    return best


def histograms(p_labels: np.ndarray, q_labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's share of rows per cluster."""
    p = np.bincount(p_labels, minlength=k).astype(np.float64)
    q = np.bincount(q_labels, minlength=k).astype(np.float64)
    return p / p.sum(), q / q.sum()


def _kl(a: np.ndarray, b: np.ndarray) -> float:
    if np.any((a != 0) & (b == 0)):
        return float(np.inf)
    both = (a != 0) & (b != 0)
    return float(np.sum(a[both] * np.log(a[both] / b[both])))


def divergence_curve(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The divergence frontier's points (exp of -5 times the two KL divergences to each mixture)."""
    points = [[0.0, np.inf]]
    for w in np.linspace(1e-6, 1 - 1e-6, CURVE_POINTS):
        r = w * p + (1 - w) * q
        points.append([_kl(q, r), _kl(p, r)])
    points.append([np.inf, 0.0])
    return np.exp(-SCALING * np.asarray(points))


def mauve_from_histograms(p: np.ndarray, q: np.ndarray) -> float:
    """MAUVE of two histograms over the same clusters: the area under the divergence frontier."""
    x, y = divergence_curve(p, q).T
    by_x, by_y = np.argsort(x), np.argsort(y)
    return float(0.5 * (np.trapezoid(y[by_x], x[by_x]) + np.trapezoid(x[by_y], y[by_y])))


def mauve_from_labels(p_labels: np.ndarray, q_labels: np.ndarray, k: int) -> float:
    """MAUVE from each sample's cluster labels (k clusters)."""
    return mauve_from_histograms(*histograms(p_labels, q_labels, k))


def mauve(p: np.ndarray, q: np.ndarray, *, seed: int = SEED) -> float:
    """MAUVE between the rows of ``p`` (reference) and ``q`` (generation); 1 = indistinguishable.

    NaN when either sample has fewer than :data:`MIN_ROWS` rows.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 8))
    >>> round(mauve(x, x), 6)
    1.0
    """
    if min(len(p), len(q)) < MIN_ROWS:
        return float("nan")
    return mauve_from_labels(*quantize(p, q, seed=seed))
