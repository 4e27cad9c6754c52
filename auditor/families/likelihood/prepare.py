"""The likelihood stage: fit the reference's n-gram model on one half of its sample, score the rest.

The reference's token reservoir (whole documents of word ids) is split at random, by document,
into a fit half and a held-out half. The Kneser-Ney model is fitted on the fit half only, as the
topic model is: scoring the text a model was fitted on would make the reference look more
probable than any new sample of the same text. Every document of the held-out half and of each
generation's reservoir is scored once (documents of fewer than ``MIN_DOCUMENT_TOKENS`` words are
skipped and counted: a mean over two tokens says little), then draws take ``n`` documents'
scores without replacement; the null splits the held-out half's scores into two disjoint sets of
``n``. The copy counts (word 8-grams found in the reference) are computed per document at the
same time, so a draw carries both.

Memory is bounded by the reservoirs (``reservoir_tokens`` per generation), never the corpus.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from auditor.draws import Prepared, pool_drawset, unusable_reference
from auditor.families.base import FamilyInput
from auditor.families.likelihood.copying import (
    COPY_N,
    ReferenceNgrams,
    copied_positions,
    longest_spans,
    per_document,
)
from auditor.families.likelihood.kneser_ney import KneserNey
from auditor.families.likelihood.metrics import HIGH_PERCENTILE, LOW_PERCENTILE, LikelihoodDraw
from auditor.stats import make_rng
from auditor.text.profile import DocumentSample

MIN_DOCUMENT_TOKENS = 5
"""Documents with fewer words are skipped (and counted)."""
HISTOGRAM_BINS = 40
SPANS = 10
"""Longest copied spans listed per generation."""
SPAN_WORDS = 60
"""A listed span is cut after this many words."""


def prepare(inputs: FamilyInput) -> Prepared:
    """Fit the reference's model on half its sample, score every generation's documents, and draw."""
    profiles, reference, settings = inputs.profiles, inputs.reference, inputs.settings
    order = settings.likelihood_order
    names = [p.name for p in profiles]
    by_name = {p.name: p for p in profiles}
    ref_sample = by_name[reference].sample
    config: dict[str, Any] = {"likelihood_order": order, "likelihood_discount": "modified", "likelihood_n": None}

    usable = {p.name: np.flatnonzero(p.sample.lengths >= MIN_DOCUMENT_TOKENS) for p in profiles}
    na = {
        p.name: f"too few documents: {len(usable[p.name])} of at least {MIN_DOCUMENT_TOKENS} words, the "
        f"likelihood family needs at least {settings.min_docs} (setting min_docs)"
        for p in profiles
        if len(usable[p.name]) < settings.min_docs
    }
    if reference not in na and len(usable[reference]) < 2 * settings.min_docs:
        na[reference] = (
            f"the reference has {len(usable[reference])} documents of at least {MIN_DOCUMENT_TOKENS} words; fitting "
            f"the model on half and scoring the other half needs at least {2 * settings.min_docs}"
        )
    if reference in na:
        return unusable_reference(names, reference, na, config)

    split = make_rng(settings.seed, "likelihood", "fit-split").permutation(ref_sample.n_docs)
    fit_docs = np.sort(split[: ref_sample.n_docs // 2])
    held_docs = np.sort(split[ref_sample.n_docs // 2 :])
    fit = ref_sample.subset(fit_docs)
    fit_types = np.unique(fit.tokens)
    size = max([len(inputs.words), *(int(p.sample.tokens.max()) + 1 for p in profiles if p.sample.n_tokens)])
    to_model = np.full(size, len(fit_types) + 1, dtype=np.int64)  # unknown words -> UNK
    to_model[fit_types] = np.arange(len(fit_types))
    model = KneserNey.fit(to_model[fit.tokens], fit.offsets, len(fit_types), order=order)
    ref_ngrams = ReferenceNgrams.build(ref_sample.tokens, ref_sample.offsets)

    pools: dict[str, np.ndarray] = {}
    info: dict[str, dict[str, Any]] = {}
    spans: dict[str, list[list[Any]]] = {}
    for p in profiles:
        if p.name in na:
            continue
        is_ref = p.name == reference
        docs = held_docs[p.sample.lengths[held_docs] >= MIN_DOCUMENT_TOKENS] if is_ref else usable[p.name]
        sample = p.sample.subset(docs)
        symbols = to_model[sample.tokens]
        inside, copied = copied_positions(sample.tokens, sample.offsets, ref_ngrams, leave_one_out=is_ref)
        rows = np.column_stack(
            [
                model.document_log_perplexity(symbols, sample.offsets),
                per_document(inside, sample.offsets),
                per_document(copied, sample.offsets),
            ]
        )
        pools[p.name] = rows
        info[p.name] = {
            "documents": len(docs),
            "skipped_short": int((held_docs if is_ref else np.arange(p.sample.n_docs)).size - len(docs)),
            "oov_rate": round(float(np.mean(symbols == model.unk)), 6) if len(symbols) else None,
            "mean_log_perplexity": round(float(rows[:, 0].mean()), 6),
            "copy_rate": round(float(rows[:, 2].sum() / rows[:, 1].sum()), 6) if rows[:, 1].sum() else None,
        }
        if not is_ref:
            spans[p.name] = _spans(sample, copied, inputs.words)

    if len(pools[reference]) < settings.min_docs:
        na[reference] = (
            f"only {len(pools[reference])} held-out reference documents have at least {MIN_DOCUMENT_TOKENS} words "
            f"(need {settings.min_docs}, setting min_docs)"
        )
        return unusable_reference(names, reference, na, config)
    n = min([len(pools[reference]) // 2, settings.sample_docs] + [len(v) for k, v in pools.items() if k != reference])
    streams = {p.name: p.stream for p in profiles}
    drawset = pool_drawset(names, reference, streams, pools, n, settings, LikelihoodDraw, na, "likelihood")
    config.update(likelihood_n=n, likelihood_vocabulary=len(fit_types))
    held = pools[reference][:, 0]
    artifacts = {
        "order": order,
        "discount": "modified",
        "discounts": [[round(float(d), 6) for d in row] for row in model.discounts],
        "vocabulary_size": len(fit_types),
        "fit_documents": int(fit.n_docs),
        "fit_tokens": int(fit.n_tokens),
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
