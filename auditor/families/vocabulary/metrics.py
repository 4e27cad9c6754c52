"""Family ``vocabulary``: vocabulary shrinkage, every metric at the common token budget.

Directions: ``types_at_budget``, ``mtld``, ``hdd``, ``mattr``, ``unigram_entropy``,
``distinct_2`` and ``distinct_3`` are higher-is-better (a richer vocabulary); ``zipf_exponent``
is lower-is-better (a steeper rank-frequency curve puts more mass on the head). Headlines:
``types_at_budget`` and ``mtld``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from auditor.draws import Draw
from auditor.families.base import Metric, MetricData, spec_factory
from auditor.families.vocabulary import lexdiv

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


def _ngram_columns(d: Draw, n: int) -> list[np.ndarray]:
    """The n-grams inside the draw's documents (none cross a boundary) as n columns of local ranks.

    Ranks number the draw's own types (0..T-1), so they fit 16 bits whenever T <= 65,536 and the
    columns sort by radix (see :func:`count_distinct_rows`).
    """
    if len(d.tokens) < n:
        return [np.zeros(0, dtype=np.uint16) for _ in range(n)]
    types = d.types
    lut = np.zeros(int(types[-1]) + 1, dtype=np.uint16 if len(types) <= 1 << 16 else np.int64)
    lut[types] = np.arange(len(types))
    ranks = lut[d.tokens]
    doc_id = np.zeros(len(ranks), dtype=np.int64)
    doc_id[d.doc_starts[1:]] = 1
    doc_id = np.cumsum(doc_id)
    valid = doc_id[: len(ranks) - n + 1] == doc_id[n - 1 :]
    return [ranks[k : len(ranks) - n + 1 + k][valid] for k in range(n)]


def count_distinct_rows(columns: list[np.ndarray]) -> int:
    """Distinct rows of equal-length columns: a least-significant-first radix sort, then changes.

    NumPy's stable sort is a radix sort on 16-bit integers, so two or three passes over 200k
    n-grams beat one comparison sort of packed 64-bit keys by about 2x (exact, no hashing).
    """
    if not columns or len(columns[0]) == 0:
        return 0
    order = np.arange(len(columns[0]))
    for column in reversed(columns):
        order = order[np.argsort(column[order], kind="stable")]
    changed = np.zeros(len(order) - 1, dtype=bool)
    for column in columns:
        ordered = column[order]
        changed |= ordered[1:] != ordered[:-1]
    return 1 + int(np.count_nonzero(changed))


def _distinct_n(n: int):
    def distinct(draws: Sequence[Draw], data: MetricData) -> np.ndarray:
        out = []
        for d in draws:
            columns = _ngram_columns(d, n)
            total = len(columns[0])
            out.append(count_distinct_rows(columns) / total if total else np.nan)
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


def overused_mass(pairs: Sequence[tuple[Draw, Draw]], data: MetricData) -> np.ndarray:
    """Share of the generation draw's tokens on words over-used (log-odds z > 3.29) against the reference draw."""
    from auditor.families.vocabulary.wordshift import overused_share

    return np.array([overused_share(gen.tokens, ref.tokens) for ref, gen in pairs], dtype=float)


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
            aspect="narrowing",
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
            aspect="narrowing",
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
            aspect="narrowing",
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
            aspect="narrowing",
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
            aspect="narrowing",
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
            aspect="narrowing",
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
            aspect="narrowing",
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
            aspect="narrowing",
        ),
        "single",
        _distinct_n(3),
    ),
    Metric(
        _spec(
            "overused_mass",
            "Over-used word mass",
            "Share of the generation draw's tokens on words over-used against the reference draw: weighted "
            "log-odds ratio z > 3.29 with an informative Dirichlet prior from the two draws' pooled counts.",
            better="lower",
            unit="share",
            tolerance=0.02,
            kind="absolute",
            citation="Monroe, Colaresi & Quinn 2008, Fightin' Words",
            aspect="drift",
        ),
        "paired",
        overused_mass,
    ),
]
