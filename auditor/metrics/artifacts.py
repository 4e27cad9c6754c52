"""Artifacts for the report: lost words, rank-frequency curves and rarefaction (type) curves.

They describe the data rather than judge it, so they carry no verdict. All are computed from the
profiles (full counts and reservoirs) and are small: log-binned curves, top-N word lists.
"""

from __future__ import annotations

import numpy as np

from auditor.stats import draw, make_rng
from auditor.text.profile import DocumentSample, GenerationProfile

RANK_POINTS = 60
CURVE_POINTS = 16


def lost_words(reference: GenerationProfile, generation: GenerationProfile, words: list[str], top: int) -> list[list]:
    """The reference's most frequent types that never occur in the generation, with their reference counts."""
    size = len(words)
    ref = reference.counts_padded(size)
    gen = generation.counts_padded(size)
    lost = np.flatnonzero((ref > 0) & (gen == 0))
    order = sorted(lost.tolist(), key=lambda i: (-int(ref[i]), words[i]))[:top]
    return [[words[i], int(ref[i])] for i in order]


def rank_frequency(profile: GenerationProfile) -> list[list[float]]:
    """Relative frequency at log-spaced ranks (rank 1 = most frequent), from the full counts."""
    freq = np.sort(profile.counts[profile.counts > 0])[::-1]
    if len(freq) == 0:
        return []
    ranks = np.unique(np.round(np.geomspace(1, len(freq), min(RANK_POINTS, len(freq)))).astype(int))
    total = freq.sum()
    return [[int(r), round(float(freq[r - 1] / total), 10)] for r in ranks]


def type_curve(sample: DocumentSample, seed: int, stream: str) -> list[list[int]]:
    """Types against tokens at log-spaced budgets up to the whole sample (one seeded draw each)."""
    total = sample.n_tokens
    if total == 0:
        return []
    points = np.unique(np.round(np.geomspace(min(10, total), total, CURVE_POINTS)).astype(int))
    rng = make_rng(seed, "type_curve", stream)
    return [[int(b), len(draw(sample, int(b), rng).types)] for b in points]
