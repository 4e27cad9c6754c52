"""What a document is scored against: everything per-document scores need from the reference and
from each generation's counts, built once after the pass and small enough to ship to workers.

The reference side is the reference's *sample* (its token reservoir: the whole reference up to
``reservoir_tokens`` words), as the likelihood and tail families use it, so a document's scores are
the numbers those families drew from:

* the Kneser-Ney model of the reservoir's fit half and the held-out half's log-perplexities
  (:mod:`auditor.families.likelihood.reference_model`);
* the reservoir's word 8-grams, for copies;
* its rare words: types seen 1-16 times in it (:data:`~auditor.families.rarity.TAIL_RANGE`);
* its MinHash signatures, for near-duplicates of reference documents.

Per generation, its whole word counts and the reference's, for ``register_score``
(:mod:`auditor.documents.register`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from auditor.documents import duplicates
from auditor.documents.novelty import StaticNovelty
from auditor.documents.register import WordShift
from auditor.families.likelihood.copying import COPY_N, ReferenceNgrams, copied_positions, copied_runs, per_document
from auditor.families.likelihood.metrics import HIGH_PERCENTILE, LOW_PERCENTILE
from auditor.families.likelihood.prepare import MIN_DOCUMENT_TOKENS
from auditor.families.likelihood.reference_model import ReferenceModel, fit_reference_model
from auditor.families.rarity import TAIL_RANGE
from auditor.text.profile import DocumentSample, GenerationProfile


@dataclass
class DocumentScorer:
    """Scores batches of documents (word ids) of one run; see the module docstring."""

    words: list[str]
    tokenizer: str
    clitics: str
    language: str
    model: ReferenceModel
    held: np.ndarray
    """Sorted log-perplexities of the held-out reference documents (at least MIN_DOCUMENT_TOKENS words)."""
    ngrams: ReferenceNgrams
    rare: np.ndarray
    """Per word id: whether it is one of the reference sample's rare words."""
    hash_a: np.ndarray
    hash_b: np.ndarray
    reference_signatures: np.ndarray
    shift: dict[str, WordShift] = field(default_factory=dict)
    """Generation name -> its word counts and the reference's (``register_score``)."""
    novelty: StaticNovelty | None = None
    """With a static embedding model: every document's ``novelty``, computed as it is scored."""

    @property
    def low(self) -> float:
        """The held-out reference's 10th percentile of log-perplexity: below it a document is ``typical``."""
        return float(np.percentile(self.held, LOW_PERCENTILE))

    @property
    def high(self) -> float:
        """The held-out reference's 90th percentile: above it a document is ``incoherent``."""
        return float(np.percentile(self.held, HIGH_PERCENTILE))

    def percentile(self, log_perplexity: np.ndarray) -> np.ndarray:
        """Each value's percentile (0-100) among the held-out reference documents: the empirical CDF
        interpolated between order statistics, the likelihood family's reading (``interpolated_cdf``)."""
        values, first, ties = np.unique(self.held, return_index=True, return_counts=True)
        position = (first + (ties - 1) / 2) / max(len(self.held) - 1, 1)
        return 100.0 * np.interp(log_perplexity, values, position, left=0.0, right=1.0)

    def score(self, tokens: np.ndarray, offsets: np.ndarray, generation: str) -> dict[str, np.ndarray]:
        """The score columns of documents given as word ids (every document has at least one word)."""
        offsets = np.asarray(offsets, dtype=np.int64)
        lengths = np.diff(offsets)
        n = len(lengths)
        doc = np.repeat(np.arange(n), lengths)

        log_perplexity = self.model.log_perplexity(tokens, offsets)
        log_perplexity[lengths < MIN_DOCUMENT_TOKENS] = np.nan
        percentile = self.percentile(log_perplexity)
        percentile[np.isnan(log_perplexity)] = np.nan

        inside, copied = copied_positions(tokens, offsets, self.ngrams, leave_one_out=False)
        ngrams = per_document(inside, offsets)
        with np.errstate(invalid="ignore", divide="ignore"):
            copy_rate = np.where(ngrams > 0, per_document(copied, offsets) / ngrams, np.nan)
        longest = np.zeros(n, dtype=np.int64)
        starts, words = copied_runs(copied, COPY_N)
        np.maximum.at(longest, np.searchsorted(offsets, starts, side="right") - 1, words)

        ids = np.asarray(tokens, dtype=np.int64)
        size = len(self.rare)
        rare = np.flatnonzero(np.append(self.rare, False)[np.minimum(ids, size)])  # an id past them: not rare
        pairs = np.sort(doc[rare] * (size + 1) + ids[rare])  # (document, rare word), sorted
        distinct = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
        rare_kept = np.bincount(distinct // (size + 1), minlength=n)

        shift = self.shift.get(generation)
        register = np.full(n, np.nan) if shift is None else shift.document_scores(ids, offsets)

        return {
            "tokens": lengths.astype(np.int64),
            "log_perplexity": log_perplexity,
            "percentile": percentile,
            "copy_rate": copy_rate,
            "longest_copy": longest,
            "rare_kept": rare_kept.astype(np.int64),
            "register_score": register,
        }

    def signatures(self, tokens: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """MinHash signatures of the documents, comparable with the reference's."""
        return duplicates.signatures(tokens, offsets, self.hash_a, self.hash_b)


def build_scorer(
    reference: GenerationProfile,
    generations: list[GenerationProfile],
    words: list[str],
    *,
    seed: int,
    order: int,
    tokenizer: str,
    clitics: str,
    language: str,
) -> DocumentScorer:
    """The scorer of a run: the reference profile's sample and every later generation's counts.

    Profiles must be in the run's final word ids (after the vocabulary is sorted).
    """
    sample: DocumentSample = reference.sample
    model = fit_reference_model(sample, seed=seed, order=order, n_words=len(words))
    held = sample.subset(model.held_docs)
    held_lp = model.log_perplexity(held.tokens, held.offsets)[held.lengths >= MIN_DOCUMENT_TOKENS]
    counts = np.bincount(sample.tokens, minlength=len(words))
    rare = (counts >= TAIL_RANGE[0]) & (counts <= TAIL_RANGE[1])
    a, b = duplicates.hash_family(seed)
    scorer = DocumentScorer(
        words,
        tokenizer,
        clitics,
        language,
        model,
        np.sort(held_lp[np.isfinite(held_lp)]),
        ReferenceNgrams.build(sample.tokens, sample.offsets),
        rare,
        a,
        b,
        duplicates.signatures(sample.tokens, sample.offsets, a, b),
    )
    ref_counts = reference.counts_padded(len(words))
    for g in generations:
        scorer.shift[g.name] = WordShift(g.counts_padded(len(words)), ref_counts)
    return scorer
