"""The likelihood stage: score documents with a model of text, hash their 8-grams, and draw.

Two scorers, one procedure after them:

* The n-gram model (default). The reference's token reservoir (whole documents of word ids) is
  split at random, by document, into a fit half and a held-out half. The Kneser-Ney model is
  fitted on the fit half only, as the topic model is: scoring the text a model was fitted on
  would make the reference look more probable than any new sample of the same text. The held-out
  half and each generation's reservoir are scored.
* A causal language model (``--likelihood-model``, :mod:`neural`). It reads text, so it scores the
  text sample (``sample_docs`` documents per generation, the reservoir's first documents). It was
  not fitted on the reference, so no half is set aside: every sampled reference document is
  scored, and the null splits them into two halves, as it splits the held-out half above.

Documents of fewer than ``MIN_DOCUMENT_TOKENS`` words are skipped and counted (a mean over two
tokens says little). Then draws take ``n`` documents' scores without replacement; the null splits
the reference's scored documents into two disjoint sets of ``n``. The copy counts (word 8-grams
found in the reference) are computed per document at the same time, so a draw carries both; they
do not depend on the scorer.

Memory is bounded by the reservoirs (``reservoir_tokens`` per generation), never the corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from auditor.draws import DrawSet, Prepared, draw_size, pool_drawset, unusable_reference
from auditor.families.base import FamilyInput
from auditor.families.likelihood import neural
from auditor.families.likelihood.copying import (
    COPY_N,
    ReferenceNgrams,
    copied_positions,
    longest_spans,
    per_document,
)
from auditor.families.likelihood.metrics import HIGH_PERCENTILE, LOW_PERCENTILE, LikelihoodDraw
from auditor.families.likelihood.reference_model import fit_reference_model
from auditor.text.profile import DocumentSample, GenerationProfile

MIN_DOCUMENT_TOKENS = 5
"""Documents with fewer words are skipped (and counted)."""
HISTOGRAM_BINS = 40
SPANS = 10
"""Longest copied spans listed per generation."""
SPAN_WORDS = 60
"""A listed span is cut after this many words."""


@dataclass
class _Scorer:
    """One model's side of the stage: which documents it scores and how (the rest is shared)."""

    documents: Callable[[GenerationProfile, bool], np.ndarray]
    """A generation's reservoir documents to score (``True`` for the reference)."""
    score: Callable[[GenerationProfile, np.ndarray], tuple[np.ndarray, dict[str, Any]]]
    """Per-document log-perplexity of those documents, and what to record per generation."""
    artifacts: dict[str, Any]
    config: dict[str, Any]


def prepare(inputs: FamilyInput) -> Prepared:
    """Score every generation's documents with the reference's n-gram model (fitted on half of the
    reference) or with ``--likelihood-model``, hash their 8-grams, and draw."""
    profiles, reference, settings = inputs.profiles, inputs.reference, inputs.settings
    names = [p.name for p in profiles]
    neural_model = settings.likelihood_model is not None
    config: dict[str, Any] = {
        "likelihood_scorer": "neural" if neural_model else "kneser-ney",
        "likelihood_discount": None if neural_model else "modified",
        "likelihood_n": None,
    }
    if neural_model:
        unavailable = neural.missing_dependency()
        if unavailable:
            return Prepared(DrawSet(names, reference, {}, [], dict.fromkeys(names, unavailable)), config)

    usable = {p.name: _usable(p, neural_model) for p in profiles}
    where = "sampled documents (setting sample_docs) " if neural_model else ""
    na = {
        p.name: f"too few documents: {len(usable[p.name])} {where}of at least {MIN_DOCUMENT_TOKENS} words, the "
        f"likelihood family needs at least {settings.min_docs} (setting min_docs)"
        for p in profiles
        if len(usable[p.name]) < settings.min_docs
    }
    if not neural_model and reference not in na and len(usable[reference]) < 2 * settings.min_docs:
        na[reference] = (
            f"the reference has {len(usable[reference])} documents of at least {MIN_DOCUMENT_TOKENS} words; fitting "
            f"the model on half and scoring the other half needs at least {2 * settings.min_docs}"
        )
    if reference in na:
        return unusable_reference(names, reference, na, config)

    by_name = {p.name: p for p in profiles}
    scorer = _neural(inputs, usable) if neural_model else _kneser_ney(inputs, by_name[reference], usable)
    config.update(scorer.config)
    ref_sample = by_name[reference].sample
    ref_ngrams = ReferenceNgrams.build(ref_sample.tokens, ref_sample.offsets)

    pools: dict[str, np.ndarray] = {}
    info: dict[str, dict[str, Any]] = {}
    spans: dict[str, list[list[Any]]] = {}
    for p in profiles:
        if p.name in na:
            continue
        is_ref = p.name == reference
        candidates = scorer.documents(p, is_ref)
        scores, recorded = scorer.score(p, candidates)
        scored = np.isfinite(scores)  # a document the model predicts nothing of is skipped too
        docs, scores = candidates[scored], scores[scored]
        sample = p.sample.subset(docs)
        inside, copied = copied_positions(sample.tokens, sample.offsets, ref_ngrams, leave_one_out=is_ref)
        rows = np.column_stack([scores, per_document(inside, sample.offsets), per_document(copied, sample.offsets)])
        pools[p.name] = rows
        info[p.name] = {
            "documents": len(docs),
            "skipped_short": int(len(candidates) - len(docs) + recorded.pop("unscored")),
            **recorded,
            "mean_log_perplexity": round(float(rows[:, 0].mean()), 6) if len(rows) else None,
            "copy_rate": round(float(rows[:, 2].sum() / rows[:, 1].sum()), 6) if rows[:, 1].sum() else None,
        }
        if not is_ref:
            spans[p.name] = _spans(sample, copied, inputs.words)

    if len(pools[reference]) < settings.min_docs:
        scored_docs = "sampled" if neural_model else "held-out"
        na[reference] = (
            f"only {len(pools[reference])} {scored_docs} reference documents have at least {MIN_DOCUMENT_TOKENS} "
            f"words (need {settings.min_docs}, setting min_docs)"
        )
        return unusable_reference(names, reference, na, config)
    for name, rows in pools.items():
        if name not in na and len(rows) < settings.min_docs:
            na[name] = f"too few documents scored: {len(rows)}, the likelihood family needs {settings.min_docs}"
    pools = {k: v for k, v in pools.items() if k not in na}
    n = min(settings.sample_docs, draw_size({k: len(v) for k, v in pools.items()}, reference))
    streams = {p.name: p.stream for p in profiles}
    drawset = pool_drawset(names, reference, streams, pools, n, settings, LikelihoodDraw, na, "likelihood")
    config.update(likelihood_n=n)
    held = pools[reference][:, 0]
    artifacts = {
        **scorer.artifacts,
        "n": n,
        "min_document_tokens": MIN_DOCUMENT_TOKENS,
        "copy_n": COPY_N,
        "spans_listed": SPANS,
        "span_words": SPAN_WORDS,
        "generations": info,
        "percentiles": {
            "low": [LOW_PERCENTILE, round(float(np.percentile(held, LOW_PERCENTILE)), 6)],
            "high": [HIGH_PERCENTILE, round(float(np.percentile(held, HIGH_PERCENTILE)), 6)],
        },
        "histogram": _histogram(pools, names),
        "copied_spans": spans,
    }
    return Prepared(drawset, config, {"likelihood": artifacts})


def _usable(profile: GenerationProfile, neural_model: bool) -> np.ndarray:
    """The reservoir documents of at least ``MIN_DOCUMENT_TOKENS`` words a scorer may take.

    A neural model reads text, so it takes the documents of the text sample (``sample_docs``),
    which are the first documents of the token reservoir: both keep the smallest random keys, so
    one is a prefix of the other, and document i of the text sample is document i of the
    reservoir (the keys are compared to be sure).
    """
    lengths = profile.sample.lengths
    if not neural_model:
        return np.flatnonzero(lengths >= MIN_DOCUMENT_TOKENS)
    common = min(len(profile.texts), profile.sample.n_docs)
    keys = profile.sample.keys
    if keys is not None and not np.array_equal(keys[:common], profile.texts.keys[:common]):
        raise RuntimeError(f"{profile.name}: the text sample is not the token reservoir's first documents")
    return np.flatnonzero(lengths[:common] >= MIN_DOCUMENT_TOKENS)


def _kneser_ney(inputs: FamilyInput, ref: GenerationProfile, usable: dict[str, np.ndarray]) -> _Scorer:
    """The n-gram scorer: fitted on a random half of the reference's reservoir, which it never scores."""
    order = inputs.settings.likelihood_order
    vocabulary = max(
        [len(inputs.words), *(int(p.sample.tokens.max()) + 1 for p in inputs.profiles if p.sample.n_tokens)]
    )
    fitted = fit_reference_model(ref.sample, seed=inputs.settings.seed, order=order, n_words=vocabulary)
    held_docs, model = fitted.held_docs, fitted.model

    def documents(p: GenerationProfile, is_ref: bool) -> np.ndarray:
        return held_docs[p.sample.lengths[held_docs] >= MIN_DOCUMENT_TOKENS] if is_ref else usable[p.name]

    def score(p: GenerationProfile, docs: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        sample = p.sample.subset(docs)
        symbols = fitted.symbols(sample.tokens)
        total = len(held_docs) if p.name == ref.name else p.sample.n_docs
        recorded = {
            "unscored": total - len(docs),
            "oov_rate": round(float(np.mean(symbols == model.unk)), 6) if len(symbols) else None,
        }
        return model.document_log_perplexity(symbols, sample.offsets), recorded

    artifacts = {
        "scorer": "kneser-ney",
        "order": order,
        "discount": "modified",
        "discounts": [[round(float(d), 6) for d in row] for row in model.discounts],
        "vocabulary_size": fitted.vocabulary_size,
        "fit_documents": int(fitted.fit.n_docs),
        "fit_tokens": int(fitted.fit.n_tokens),
    }
    return _Scorer(documents, score, artifacts, {"likelihood_vocabulary": fitted.vocabulary_size})


def _neural(inputs: FamilyInput, usable: dict[str, np.ndarray]) -> _Scorer:
    """The causal LM scorer: not fitted on the reference, so every sampled reference document is scored."""
    lm = neural.load(str(inputs.settings.likelihood_model))
    progress = inputs.progress

    def documents(p: GenerationProfile, is_ref: bool) -> np.ndarray:
        return usable[p.name]

    def score(p: GenerationProfile, docs: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        texts = [p.texts.texts[i] for i in docs]
        update = progress(f"{p.name}: likelihood model", len(texts)) if progress else None
        scores = neural.score(lm, texts, update)
        recorded = {
            "unscored": min(len(p.texts), p.sample.n_docs) - len(docs),
            "model_tokens": int(scores.tokens.sum()),
            "truncated_documents": int(np.count_nonzero(scores.truncated)),
            "truncated_tokens": int(scores.truncated.sum()),
        }
        return scores.log_perplexity, recorded

    model = lm.describe()
    config = {"likelihood_vocabulary": model["vocab_size"], "likelihood_context": model["context_length"]}
    return _Scorer(documents, score, {"scorer": "neural", "model": model}, config)


def _histogram(pools: dict[str, np.ndarray], names: list[str]) -> dict[str, Any]:
    """Density of per-document log-perplexity per generation over common bins.

    The bins span every generation's own 0.5-99.5% range, so no generation's bulk is cut off; the
    few documents beyond it are left out of the picture but not out of the denominator.
    """
    scored = [pools[g][:, 0] for g in names if g in pools]
    lo = min(float(np.percentile(v, 0.5)) for v in scored)
    hi = max(float(np.percentile(v, 99.5)) for v in scored)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1)
    density = {}
    for g in names:
        if g in pools:
            counts, _ = np.histogram(pools[g][:, 0], bins=edges)
            density[g] = [round(float(c), 6) for c in counts / len(pools[g]) / np.diff(edges)]
    return {"edges": [round(float(e), 6) for e in edges], "density": density}


def _spans(sample: DocumentSample, copied: np.ndarray, words: list[str]) -> list[list[Any]]:
    """The longest distinct copied spans of a generation: [number of words, the words joined by spaces]."""
    out: list[list[Any]] = []
    seen: set[str] = set()
    for start, length in longest_spans(copied, COPY_N):
        ids = sample.tokens[start : start + min(length, SPAN_WORDS)]
        text = " ".join(words[i] if i < len(words) else "?" for i in ids) + (" …" if length > SPAN_WORDS else "")
        if text in seen:
            continue
        seen.add(text)
        out.append([length, text])
        if len(out) == SPANS:
            break
    return out
