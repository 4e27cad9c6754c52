"""Family ``voice``: voice flattening, the loss of individuality between documents and writers.

Per-text lexical richness can rise while voices converge, so this family measures spread *between*
texts: style vectors of ~200-word chunks (function words, punctuation, sentence and word length,
contractions, first person, POS-trigram shares; z-scored on the reference), and similarity between
documents.

Directions: ``style_dispersion``, ``author_separability`` and ``between_author_spread`` are
higher-is-better (distinct voices); ``homogenization``, ``compression_ratio``,
``pos_compression_ratio`` and ``near_duplicate_rate`` are lower-is-better (more repetitive);
``syntactic_diversity`` (mean WL-kernel dissimilarity of parsed sentences) is higher-is-better;
``style_drift`` (classifier two-sample AUC, reference vs generation chunks) and
``style_centroid_distance`` are comparison metrics, lower-is-better (a register shift).
Headlines: ``style_dispersion``, ``author_separability`` (needs ``--label-field``) and ``style_drift``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from auditor.families.base import Metric, MetricData, spec_factory

MIN_CHUNKS_PER_WRITER = 4
"""Writers with fewer chunks in a draw are left out of the separability test (5-fold CV needs them)."""
CV_FOLDS = 4
DRIFT_FOLDS = 5
MIN_DRIFT_CHUNKS = 10
"""Fewest chunks per side the style-drift test needs (two per fold of its 5-fold CV)."""
DRIFT_ALPHA = 10.0
"""L2 penalty of the style-drift ridge classifier (z-scored features, a few hundred chunks)."""


@dataclass
class VoiceDraw:
    """One draw: ``n`` style chunks (z-scored vectors, writer labels, POS tags) and ``m`` documents."""

    vectors: np.ndarray
    labels: list[str | None]
    tags: list[list[str]]
    texts: list[str]
    groups: list[str | None]
    seed: int
    """Seeds this draw's own random choices (balanced writers, CV folds, sampled pairs)."""
    syntax: Any = None
    """Unit-length Weisfeiler-Lehman subtree counts of the draw's parsed sentences (a SciPy sparse
    matrix, one row per sentence), or None when the generation has too few sentences or no parser."""


def style_dispersion(draws: Sequence[VoiceDraw], data: MetricData) -> np.ndarray:
    """Mean Euclidean distance between the draw's z-scored style vectors."""
    from auditor.voice.style import mean_pairwise_distance

    return np.array([mean_pairwise_distance(d.vectors) for d in draws], dtype=float)


def homogenization(draws: Sequence[VoiceDraw], data: MetricData) -> np.ndarray:
    """Mean pairwise ROUGE-L F1 between the draw's documents (within groups when given)."""
    from auditor.voice.rouge import homogenization as rouge_homogenization

    out = []
    for d in draws:
        groups = d.groups if any(g is not None for g in d.groups) else None
        rng = np.random.default_rng(d.seed)
        out.append(rouge_homogenization(d.texts, groups=groups, pair_budget=data.pair_budget, rng=rng))
    return np.array(out, dtype=float)


def compression_ratio(draws: Sequence[VoiceDraw], data: MetricData) -> np.ndarray:
    """gzip ratio (original / compressed bytes) of the draw's documents joined by newlines."""
    from auditor.voice.compression import corpus_gzip_ratio

    return np.array([corpus_gzip_ratio(d.texts) for d in draws], dtype=float)


def pos_compression_ratio(draws: Sequence[VoiceDraw], data: MetricData) -> np.ndarray:
    """gzip ratio of the draw's POS-tag sequences: repetitive syntax compresses better (NaN untagged:
    no POS model for the language)."""
    from auditor.voice.compression import pos_compression_ratio as ratio

    return np.array([ratio(d.tags) if any(d.tags) else np.nan for d in draws], dtype=float)


def near_duplicate_rate(draws: Sequence[VoiceDraw], data: MetricData) -> np.ndarray:
    """Share of the draw's documents with a near-copy (word 5-gram Jaccard >= 0.8) in the draw."""
    from auditor.voice.minhash import near_duplicate_rate as rate

    return np.array([rate(d.texts, seed=d.seed % (2**31)) for d in draws], dtype=float)


def syntactic_diversity(draws: Sequence[VoiceDraw], data: MetricData) -> np.ndarray:
    """Mean of 1 - K (normalised WL subtree kernel, 2 iterations) over pairs of the draw's sentences."""
    from auditor.voice.syntax import mean_dissimilarity

    return np.array([np.nan if d.syntax is None else mean_dissimilarity(d.syntax) for d in draws], dtype=float)


def _balanced(d: VoiceDraw) -> tuple[np.ndarray, np.ndarray] | None:
    """Equal chunk counts per writer (the writers with enough chunks), or None below two writers."""
    labels = np.array(["" if x is None else x for x in d.labels])
    writers, counts = np.unique(labels[labels != ""], return_counts=True)
    keep = counts >= MIN_CHUNKS_PER_WRITER
    if keep.sum() < 2:
        return None
    writers, per = writers[keep], int(counts[keep].min())
    rng = np.random.default_rng(d.seed)
    idx = np.concatenate([rng.choice(np.flatnonzero(labels == w), per, replace=False) for w in writers])
    return d.vectors[idx], labels[idx]


def separability_parts(draws: Sequence[VoiceDraw], data: MetricData) -> dict[str, np.ndarray]:
    """Per draw: cross-validated macro-F1 of a ridge classifier (writer from style), and the same on
    permuted labels (chance). Both use one balanced set of chunks, so they are computed together."""
    rows = [_separability(d) for d in draws]
    return {
        "separability": np.array([r[0] for r in rows], dtype=float),
        "chance": np.array([r[1] for r in rows], dtype=float),
    }


def _separability(d: VoiceDraw) -> tuple[float, float]:
    balanced = _balanced(d)
    if balanced is None:
        return np.nan, np.nan
    from sklearn.linear_model import RidgeClassifier
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    x, y = balanced
    folds = StratifiedKFold(n_splits=min(CV_FOLDS, MIN_CHUNKS_PER_WRITER), shuffle=True, random_state=d.seed % (2**31))
    clf = RidgeClassifier(alpha=1.0)
    score = f1_score(y, cross_val_predict(clf, x, y, cv=folds), average="macro")
    permuted = np.random.default_rng(d.seed + 1).permutation(y)
    chance = f1_score(permuted, cross_val_predict(clf, x, permuted, cv=folds), average="macro")
    return float(score), float(chance)


def between_author_spread(draws: Sequence[VoiceDraw], data: MetricData) -> np.ndarray:
    """Mean distance between writers' style centroids (equal chunks per writer)."""
    from auditor.voice.style import mean_pairwise_distance

    out = []
    for d in draws:
        balanced = _balanced(d)
        if balanced is None:
            out.append(np.nan)
            continue
        x, y = balanced
        centroids = np.stack([x[y == w].mean(axis=0) for w in np.unique(y)])
        out.append(mean_pairwise_distance(centroids))
    return np.array(out, dtype=float)


def style_drift_parts(pairs: Sequence[tuple[VoiceDraw, VoiceDraw]], data: MetricData) -> dict[str, np.ndarray]:
    """Per (reference draw, generation draw): the classifier two-sample test's cross-validated ROC AUC
    (``auc``) and the Euclidean distance between the two style centroids in z units (``centroid``).

    Equal chunk counts per side (the larger side subsampled, seeded from both draws' seeds); 5
    stratified shuffled folds; a ridge classifier (L2, alpha 10) scores the held-out chunks by its
    decision function; the AUC is the mean of the per-fold AUCs. 0.5 = indistinguishable. Fewer
    than ``MIN_DRIFT_CHUNKS`` chunks per side: NaN (n/a).
    """
    rows = [_style_drift(ref, gen) for ref, gen in pairs]
    return {
        "auc": np.array([r[0] for r in rows], dtype=float),
        "centroid": np.array([r[1] for r in rows], dtype=float),
    }


def _ridge_scores(x: np.ndarray, target: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Decision function of a ridge classifier (targets -1/+1, intercept by centring, L2 ``DRIFT_ALPHA``),
    as scikit-learn's RidgeClassifier fits it, solved in closed form (about 50 times faster here)."""
    mean, offset = x.mean(axis=0), target.mean()
    xc = x - mean
    if xc.shape[0] < xc.shape[1]:  # dual form: an n x n system
        w = xc.T @ np.linalg.solve(xc @ xc.T + DRIFT_ALPHA * np.eye(len(xc)), target - offset)
    else:
        w = np.linalg.solve(xc.T @ xc + DRIFT_ALPHA * np.eye(xc.shape[1]), xc.T @ (target - offset))
    return (test - mean) @ w + offset


def _style_drift(ref: VoiceDraw, gen: VoiceDraw) -> tuple[float, float]:
    a, b = ref.vectors, gen.vectors
    per = min(len(a), len(b))
    if per < MIN_DRIFT_CHUNKS:
        return np.nan, np.nan
    centroid = float(np.linalg.norm(a.mean(axis=0) - b.mean(axis=0)))
    seed = (ref.seed * 1_000_003 + gen.seed) % (2**31)
    rng = np.random.default_rng(seed)
    if len(a) > per:
        a = a[np.sort(rng.choice(len(a), per, replace=False))]
    if len(b) > per:
        b = b[np.sort(rng.choice(len(b), per, replace=False))]
    from scipy.stats import rankdata
    from sklearn.model_selection import StratifiedKFold

    x = np.vstack([a, b])
    y = np.concatenate([np.zeros(per, dtype=int), np.ones(per, dtype=int)])
    folds = StratifiedKFold(n_splits=DRIFT_FOLDS, shuffle=True, random_state=seed)
    aucs = []
    for train, test in folds.split(x, y):
        score = _ridge_scores(x[train], 2.0 * y[train] - 1.0, x[test])
        ranks = rankdata(score)
        pos = y[test] == 1
        n_pos, n_neg = int(pos.sum()), int((~pos).sum())
        aucs.append((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    return float(np.mean(aucs)), centroid


_spec = spec_factory("voice")
_LABEL_NOTE = " Needs --label-field (the writer of each document)."

METRICS = [
    Metric(
        _spec(
            "style_dispersion",
            "Style dispersion",
            "Mean pairwise Euclidean distance between style vectors of ~200-word chunks, z-scored on the reference.",
            unit="z-units",
            headline=True,
            citation="Stylometry (Mosteller & Wallace 1964; Burrows 2002) on equal-length chunks",
            aspect="narrowing",
        ),
        "single",
        style_dispersion,
    ),
    Metric(
        _spec(
            "author_separability",
            "Author separability",
            "Cross-validated macro-F1 of a linear (ridge) classifier predicting the writer from style "
            "vectors, equal chunks per writer." + _LABEL_NOTE,
            unit="macro-F1",
            headline=True,
            tolerance=0.05,
            kind="absolute",
            citation="Authorship attribution with function-word features",
            aspect="narrowing",
        ),
        "single",
        separability_parts,
        output="separability",
    ),
    Metric(
        _spec(
            "author_separability_chance",
            "Author separability at chance",
            "The same classifier on permuted writer labels (what separability means at no signal)." + _LABEL_NOTE,
            better="none",
            unit="macro-F1",
            citation="Permutation baseline",
            aspect="narrowing",
        ),
        "single",
        separability_parts,
        output="chance",
    ),
    Metric(
        _spec(
            "between_author_spread",
            "Between-writer spread",
            "Mean distance between writers' style centroids (z-scored)." + _LABEL_NOTE,
            unit="z-units",
            citation="This tool",
            aspect="narrowing",
        ),
        "single",
        between_author_spread,
    ),
    Metric(
        _spec(
            "homogenization",
            "Homogenization (ROUGE-L)",
            "Mean pairwise ROUGE-L F1 between documents (within groups with --group-field), all pairs up to "
            "the pair budget, else that many random pairs.",
            better="lower",
            unit="F1",
            tolerance=0.02,
            kind="absolute",
            citation="Padmakumar & He 2024, Does writing with language models reduce content diversity?",
            aspect="narrowing",
        ),
        "single",
        homogenization,
    ),
    Metric(
        _spec(
            "compression_ratio",
            "Compression ratio",
            "Bytes of the documents joined by newlines over their gzip size (level 9, single compression).",
            better="lower",
            unit="ratio",
            citation="Shaib et al. 2024, Standardizing the measurement of text "
            "diversity (diversity package; theirs may differ in joining and header bytes)",
            aspect="narrowing",
        ),
        "single",
        compression_ratio,
    ),
    Metric(
        _spec(
            "pos_compression_ratio",
            "POS compression ratio",
            "gzip ratio of the chunks' part-of-speech tag sequences (spaCy UPOS): repetitive syntax.",
            better="lower",
            unit="ratio",
            citation="Shaib et al. 2024 (POS compression)",
            aspect="narrowing",
        ),
        "single",
        pos_compression_ratio,
    ),
    Metric(
        _spec(
            "near_duplicate_rate",
            "Near-duplicate rate",
            "Share of documents with a near-copy (word 5-gram Jaccard >= 0.8, MinHash/LSH candidates "
            "checked exactly) among the draw's documents.",
            better="lower",
            unit="share",
            tolerance=0.02,
            kind="absolute",
            citation="Broder 1997 (MinHash); Lee et al. 2022 (near-duplicates)",
            aspect="narrowing",
        ),
        "single",
        near_duplicate_rate,
    ),
    Metric(
        _spec(
            "syntactic_diversity",
            "Syntactic diversity",
            "Mean of 1 - K over all pairs of distinct sampled sentences, K the normalised Weisfeiler-Lehman "
            "subtree kernel (2 iterations, vertex-histogram base) between their dependency graphs (nodes "
            "labelled with spaCy's universal POS tags, edges the dependency arcs, the root joined to a node "
            "labelled none). Sentences: each document's without its first and last, up to syntax_sentences "
            "per generation; each draw takes half the reference's. Equals grakel's WeisfeilerLehman(n_iter=2, "
            "normalize=True) on the same graphs; the paper parses with Stanza, auditor with spaCy.",
            unit="1 - kernel",
            citation="Guo et al. 2024, The curious decline of linguistic diversity: training language models "
            "on synthetic text (NAACL Findings)",
            aspect="narrowing",
            cited=True,
        ),
        "single",
        syntactic_diversity,
    ),
    Metric(
        _spec(
            "style_drift",
            "Style drift (classifier AUC)",
            "Classifier two-sample test: 5-fold cross-validated ROC AUC of a ridge classifier (L2, alpha 10) "
            "telling the reference's z-scored style chunks from the generation's, equal counts per side; "
            "0.5 = indistinguishable.",
            better="lower",
            unit="AUC",
            headline=True,
            tolerance=0.05,
            kind="absolute",
            citation="Lopez-Paz & Oquab 2017, Revisiting classifier two-sample tests",
            aspect="drift",
        ),
        "paired",
        style_drift_parts,
        output="auc",
    ),
    Metric(
        _spec(
            "style_centroid_distance",
            "Style centroid distance",
            "Euclidean distance between the mean z-scored style vectors of the reference's and the "
            "generation's chunks.",
            better="lower",
            unit="z-units",
            citation="This tool",
            aspect="drift",
        ),
        "paired",
        style_drift_parts,
        output="centroid",
    ),
]
