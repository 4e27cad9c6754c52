"""The reference's n-gram model, fitted once the same way for the family and for per-document scores.

The reference's token reservoir is split at random, by document, into a fit half and a held-out
half (the seed's ``likelihood/fit-split`` stream). The Kneser-Ney model is fitted on the fit half
only; the held-out half is what generations are read against. The likelihood family and
:mod:`auditor.documents` both call :func:`fit_reference_model`, so a document's log-perplexity in
the per-document rows is the number the family drew from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from auditor.families.likelihood.kneser_ney import KneserNey
from auditor.stats import make_rng
from auditor.text.profile import DocumentSample


@dataclass(frozen=True)
class ReferenceModel:
    """A Kneser-Ney model of the reference's fit half, and how the run's word ids map onto it."""

    model: KneserNey
    to_model: np.ndarray
    """Run word id -> model symbol (words the fit half lacks -> the model's UNK)."""
    fit_docs: np.ndarray
    """Reservoir documents the model was fitted on (sorted)."""
    held_docs: np.ndarray
    """Reservoir documents set aside to be scored (sorted)."""
    vocabulary_size: int
    fit: DocumentSample

    def symbols(self, tokens: np.ndarray) -> np.ndarray:
        """Model symbols of run word ids; an id the run's vocabulary gained later is unknown."""
        tokens = np.asarray(tokens, dtype=np.int64)
        inside = tokens < len(self.to_model)
        return np.where(inside, self.to_model[np.where(inside, tokens, 0)], self.model.unk)

    def log_perplexity(self, tokens: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Per document: mean negative log-probability (nats) of its words and its end."""
        return self.model.document_log_perplexity(self.symbols(tokens), offsets)


def fit_reference_model(sample: DocumentSample, *, seed: int, order: int, n_words: int) -> ReferenceModel:
    """Fit the model on a random half of the reference reservoir ``sample``; ``n_words`` is the
    run's word count (ids at or above it are unknown words)."""
    split = make_rng(seed, "likelihood", "fit-split").permutation(sample.n_docs)
    fit_docs = np.sort(split[: sample.n_docs // 2])
    held_docs = np.sort(split[sample.n_docs // 2 :])
    fit = sample.subset(fit_docs)
    fit_types = np.unique(fit.tokens)
    size = max(n_words, int(sample.tokens.max()) + 1 if sample.n_tokens else 0)
    to_model = np.full(size, len(fit_types) + 1, dtype=np.int64)  # unknown words -> UNK
    to_model[fit_types] = np.arange(len(fit_types))
    model = KneserNey.fit(to_model[fit.tokens], fit.offsets, len(fit_types), order=order)
    return ReferenceModel(model, to_model, fit_docs, held_docs, len(fit_types), fit)
