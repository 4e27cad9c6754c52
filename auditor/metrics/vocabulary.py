"""Family ``vocabulary``: vocabulary shrinkage, every metric at the common token budget.

Directions: ``types_at_budget``, ``mtld``, ``hdd``, ``mattr``, ``unigram_entropy``,
``distinct_2`` and ``distinct_3`` are higher-is-better (a richer vocabulary); ``zipf_exponent``
is lower-is-better (a steeper rank-frequency curve puts more mass on the head). Headlines:
``types_at_budget`` and ``mtld``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from auditor.metrics import lexdiv
from auditor.metrics.base import Metric, MetricData, spec_factory
from auditor.stats import Draw

ZIPF_HEAD_RANKS = 1_000
"""The Zipf fit uses ranks 1..1000: the head, where the power law holds; the hapax plateau would
flatten the slope."""

LEXICALRICHNESS = "Definitions of the lexicalrichness package (Shen 2021), which match it to 1e-9"


def types_at_budget(draws: Sequence[Draw], data: MetricData) -> np.ndarray:
    """Distinct word types in each draw."""
    return np.array([len(d.types) for d in draws], dtype=float)


def unigram_entropy(draws: Sequence[Draw], data: MetricData) -> np.ndarray:
    """Shannon entropy (bits) of each draw's unigram distribution."""
    out = []
    for d in draws:
        p = d.type_counts[1] / d.n_tokens
        out.append(float(-(p * np.log2(p)).sum()))
    return np.array(out)


def zipf_exponent(draws: Sequence[Draw], data: MetricData) -> np.ndarray:
    """Minus the least-squares slope of log frequency on log rank over ranks 1..1000."""
    out = []
    for d in draws:
        freq = np.sort(d.type_counts[1])[::-1][:ZIPF_HEAD_RANKS].astype(float)
        if len(freq) < 3:
            out.append(np.nan)
            continue
        ranks = np.log(np.arange(1, len(freq) + 1))
        slope = np.polyfit(ranks, np.log(freq), 1)[0]
        out.append(float(-slope))
    return np.array(out)


def _ngram_keys(d: Draw, n: int, vocab_size: int) -> np.ndarray:
    """Integer keys of every n-gram inside a document of the draw (none cross a boundary)."""
    tokens = d.tokens.astype(np.int64)
    if len(tokens) < n:
        return np.zeros(0, dtype=np.int64)
    doc_id = np.zeros(len(tokens), dtype=np.int64)
    doc_id[d.doc_starts[1:]] = 1
    doc_id = np.cumsum(doc_id)
    valid = doc_id[: len(tokens) - n + 1] == doc_id[n - 1 :]
    base = max(vocab_size, 2)
    exact = base**n < 2**62
    keys = np.zeros(len(tokens) - n + 1, dtype=np.uint64 if not exact else np.int64)
    for k in range(n):
        part = tokens[k : len(tokens) - n + 1 + k]
        if exact:
            keys = keys * base + part
        else:  # a 64-bit multiplicative hash; collisions are negligible at draw sizes
            keys = (keys * np.uint64(0x100000001B3)) ^ part.astype(np.uint64)
    return keys[valid]


def count_distinct(values: np.ndarray) -> int:
    """Number of distinct values: sort and count changes (several times faster than ``np.unique``
    here, whose hash table loses to a radix-friendly sort on 200k int64 keys)."""
    if len(values) == 0:
        return 0
    ordered = np.sort(values)
    return 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1]))


def _distinct_n(n: int):
    def distinct(draws: Sequence[Draw], data: MetricData) -> np.ndarray:
        out = []
        for d in draws:
            keys = _ngram_keys(d, n, len(data.words))
            out.append(count_distinct(keys) / len(keys) if len(keys) else np.nan)
        return np.array(out, dtype=float)

    distinct.__doc__ = f"Distinct {n}-grams over all {n}-grams within documents."
    return distinct


def _segments(draws: Sequence[Draw], data: MetricData) -> tuple[np.ndarray, np.ndarray] | None:
    """All draws' segments stacked (equal length), with the draw index of each row."""
    rows = [lexdiv.segment(d.tokens, data.segment_tokens, data.max_segments) for d in draws]
    length = min(r.shape[1] for r in rows)
    rows = [r[:, :length] for r in rows]
    owner = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    return np.concatenate(rows), owner


def _per_draw(values: np.ndarray, owner: np.ndarray, n_draws: int) -> np.ndarray:
    sums = np.bincount(owner, weights=values, minlength=n_draws)
    counts = np.bincount(owner, minlength=n_draws)
    return sums / np.maximum(counts, 1)


def _segment_metric(fn):
    def metric(draws: Sequence[Draw], data: MetricData) -> np.ndarray:
        stacked = _segments(draws, data)
        assert stacked is not None
        segments, owner = stacked
        return _per_draw(fn(segments), owner, len(draws))

    metric.__doc__ = f"{fn.__name__} per consecutive segment of each draw's token stream, averaged."
    return metric


_spec = spec_factory("vocabulary")


METRICS = [
    Metric(
        _spec(
            "types_at_budget",
            "Word types at budget",
            "Expected distinct word types in B tokens of whole documents drawn without replacement.",
            unit="types",
            headline=True,
            citation="Rarefaction by document draws (DESIGN section 2)",
        ),
        "single",
        types_at_budget,
    ),
    Metric(
        _spec(
            "mtld",
            "MTLD",
            "Measure of textual lexical diversity, threshold 0.72, forward and reverse averaged, per "
            "1,000-token segment of each draw.",
            unit="tokens",
            headline=True,
            citation=f"McCarthy & Jarvis 2010. {LEXICALRICHNESS}",
        ),
        "single",
        _segment_metric(lexdiv.mtld),
    ),
    Metric(
        _spec(
            "hdd",
            "HD-D",
            "Hypergeometric diversity with 42 draws on the 0-1 scale, per 1,000-token segment.",
            unit="share",
            citation=f"McCarthy & Jarvis 2007. {LEXICALRICHNESS}",
        ),
        "single",
        _segment_metric(lexdiv.hdd),
    ),
    Metric(
        _spec(
            "mattr",
            "MATTR",
            "Moving-average type-token ratio, window 100, per 1,000-token segment.",
            unit="share",
            citation=f"Covington & McFall 2010. {LEXICALRICHNESS}",
        ),
        "single",
        _segment_metric(lexdiv.mattr),
    ),
    Metric(
        _spec(
            "unigram_entropy",
            "Unigram entropy",
            "Shannon entropy of the draw's word distribution.",
            unit="bits",
            citation="Shannon 1948",
        ),
        "single",
        unigram_entropy,
    ),
    Metric(
        _spec(
            "zipf_exponent",
            "Zipf exponent",
            "Minus the least-squares slope of log frequency against log rank, ranks 1-1,000 of the draw.",
            better="lower",
            unit="",
            citation="Zipf 1935; head-only least-squares fit",
        ),
        "single",
        zipf_exponent,
    ),
    Metric(
        _spec(
            "distinct_2",
            "Distinct-2",
            "Distinct word bigrams / all bigrams within documents of the draw.",
            unit="share",
            citation="Li et al. 2016",
        ),
        "single",
        _distinct_n(2),
    ),
    Metric(
        _spec(
            "distinct_3",
            "Distinct-3",
            "Distinct word trigrams / all trigrams within documents of the draw.",
            unit="share",
            citation="Li et al. 2016",
        ),
        "single",
        _distinct_n(3),
    ),
]
