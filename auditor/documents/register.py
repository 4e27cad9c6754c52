"""``register_score``: whether a document reads like its generation or like the reference.

For each of the document's words, the word shift's weighted log-odds ratio (Monroe et al. 2008,
:func:`~auditor.families.vocabulary.wordshift.weighted_log_odds`: positive where the generation uses the word
more than the reference), averaged over the document's tokens. The generation's counts are taken
*without the document itself* (leave one out): otherwise every word a document alone uses (a
name, a topic of its own) would count as "the generation's", and any document with words of its
own would read as the generation's register. A word that neither the rest of the generation nor
the reference uses says nothing (0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from auditor.families.vocabulary.wordshift import weighted_log_odds


@dataclass(frozen=True)
class WordShift:
    """One generation's word counts and the reference's, over the run's word ids."""

    generation: np.ndarray
    reference: np.ndarray

    def document_scores(self, ids: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Mean leave-one-out log-odds ratio of each document's tokens (word ids, flat)."""
        offsets = np.asarray(offsets, dtype=np.int64)
        lengths = np.diff(offsets)
        n = len(lengths)
        doc = np.repeat(np.arange(n), lengths)
        size = len(self.generation)
        known = ids < size
        w = np.where(known, ids, 0)
        g = self.generation[w] - _occurrences(doc * (size + 1) + w)  # the rest of the generation's count
        r = self.reference[w].astype(np.float64)
        g = np.maximum(g, 0).astype(np.float64)
        n_g = float(self.generation.sum()) - lengths[doc]
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = weighted_log_odds(g, r, n_g, float(self.reference.sum()))
        delta = np.where(known & (g + r > 0) & np.isfinite(delta), delta, 0.0)
        return np.bincount(doc, weights=delta, minlength=n) / np.maximum(lengths, 1)


def _occurrences(keys: np.ndarray) -> np.ndarray:
    """For each element, how many times its key occurs in ``keys`` (a stable sort and run lengths:
    several times faster than ``np.unique`` with inverse and counts)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    lengths = np.diff(np.r_[starts, len(keys)])
    out = np.empty(len(keys), dtype=np.int64)
    out[order] = np.repeat(lengths, lengths)
    return out
