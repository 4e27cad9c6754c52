"""Word shift: weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi & Quinn
2008, "Fightin' Words"), vectorised over the vocabulary (bincounts, no loop over words).

For word w with counts y_g (generation) and y_r (reference), totals n_g and n_r, and prior
alpha_w = the pooled count y_g + y_r (alpha_0 = n_g + n_r):

    delta_w = log((y_g + a_w) / (n_g + a_0 - y_g - a_w)) - log((y_r + a_w) / (n_r + a_0 - y_r - a_w))
    z_w     = delta_w / sqrt(1 / (y_g + a_w) + 1 / (y_r + a_w))

z > 0: over-used by the generation; z < 0: under-used. Identical inputs give z = 0 everywhere.
A word is significantly over- or under-used when |z| > :data:`SIGNIFICANT_Z` (:func:`is_significant`):
decided here, once, for ``vocabulary.overused_mass`` and for each row of the word-shift artifact,
which the register sentences read.
"""

from __future__ import annotations

import numpy as np

SIGNIFICANT_Z = 3.29
"""Two-sided p = 0.001 under the normal approximation."""


def is_significant(z: float) -> bool:
    """Whether a word's log-odds z says it is significantly over- (z > 0) or under-used (z < 0)."""
    return abs(z) > SIGNIFICANT_Z


def log_odds_z(gen_counts: np.ndarray, ref_counts: np.ndarray) -> np.ndarray:
    """z-scores of the weighted log-odds ratio, generation vs reference (aligned count vectors).

    Words absent from both get z = 0.
    """
    y_g = gen_counts.astype(np.float64)
    y_r = ref_counts.astype(np.float64)
    z = np.zeros_like(y_g)
    seen = (y_g + y_r) > 0
    g, r = y_g[seen], y_r[seen]
    delta = weighted_log_odds(g, r, y_g.sum(), y_r.sum())
    z[seen] = delta / np.sqrt(1.0 / (2 * g + r) + 1.0 / (g + 2 * r))
    return z


def weighted_log_odds(g: np.ndarray, r: np.ndarray, n_g: np.ndarray | float, n_r: np.ndarray | float) -> np.ndarray:
    """The log-odds ratio delta_w of words with counts ``g`` and ``r`` in texts of ``n_g`` and ``n_r``
    tokens, under the pooled-count prior (alpha_w = g + r, alpha_0 = n_g + n_r); elementwise, so a
    caller may give each word its own totals. Words with g + r = 0 must be left out."""
    a = g + r
    a0 = n_g + n_r
    return np.log((g + a) / (n_g + a0 - g - a)) - np.log((r + a) / (n_r + a0 - r - a))


def pair_counts(gen_tokens: np.ndarray, ref_tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bincounts of two token-id arrays on one common length."""
    size = int(max(gen_tokens.max(initial=-1), ref_tokens.max(initial=-1))) + 1
    return np.bincount(gen_tokens, minlength=size), np.bincount(ref_tokens, minlength=size)


def overused_share(gen_tokens: np.ndarray, ref_tokens: np.ndarray, threshold: float = SIGNIFICANT_Z) -> float:
    """Share of the generation's tokens on words with z > ``threshold`` against the reference."""
    if len(gen_tokens) == 0 or len(ref_tokens) == 0:
        return float("nan")
    g, r = pair_counts(gen_tokens, ref_tokens)
    z = log_odds_z(g, r)
    return float(g[z > threshold].sum() / len(gen_tokens))


def word_shift(
    gen_tokens: np.ndarray, ref_tokens: np.ndarray, words: list[str], top: int = 30
) -> dict[str, list[dict]]:
    """The ``top`` words with the largest (``over``) and smallest (``under``) z, each with its word,
    generation count, reference count, z (rounded to 4 decimals) and whether it is significant
    (:func:`is_significant`, on the unrounded z); ties broken by word id."""
    g, r = pair_counts(gen_tokens, ref_tokens)
    z = log_odds_z(g, r)
    seen = np.flatnonzero((g + r) > 0)
    zs = z[seen]
    over = seen[np.lexsort((seen, -zs))][:top]
    under = seen[np.lexsort((seen, zs))][:top]

    def rows(ids: np.ndarray) -> list[dict]:
        return [
            {
                "word": words[i],
                "count": int(g[i]),
                "reference_count": int(r[i]),
                "z": round(float(z[i]), 4),
                "significant": is_significant(float(z[i])),
            }
            for i in ids.tolist()
        ]

    return {"over": rows(over[z[over] > 0]), "under": rows(under[z[under] < 0])}
