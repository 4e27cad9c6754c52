"""Vocabulary-family arithmetic checked against plain Python."""

from __future__ import annotations

import numpy as np

from auditor.draws import Draw
from auditor.families.base import MetricData
from auditor.families.vocabulary.metrics import _distinct_n, count_distinct_rows


def test_count_distinct_rows_equals_a_set() -> None:
    rng = np.random.default_rng(0)
    for n, high, dtype in ((2, 50, np.uint16), (3, 7, np.uint16), (2, 70_000, np.int64), (1, 5, np.uint16)):
        columns = [rng.integers(0, high, 3000).astype(dtype) for _ in range(n)]
        assert count_distinct_rows(columns) == len(set(zip(*(c.tolist() for c in columns), strict=True)))
    assert count_distinct_rows([np.zeros(0, dtype=np.uint16)] * 2) == 0


def test_distinct_n_equals_counting_tuples_on_real_draws(paragraphs) -> None:
    """On real text with a vocabulary larger than 16 bits of ids: the same as a set of tuples."""
    from auditor.text.tokenize import Tokenizer, Vocabulary

    vocab = Vocabulary()
    for i in range(70_000):  # push real words' ids past 65,536
        vocab.add(f"filler{i}")
    docs = Tokenizer(vocab).ids([p["text"] for p in paragraphs[:3000]])
    starts = np.concatenate([[0], np.cumsum([len(x) for x in docs])[:-1]])
    d = Draw(np.concatenate(docs), starts)
    data = MetricData(vocab.words, 1000, 10, 5, 100)
    for n in (2, 3):
        grams = [tuple(x[k : k + n].tolist()) for x in docs for k in range(len(x) - n + 1)]
        assert _distinct_n(n)([d], data)[0] == len(set(grams)) / len(grams)


def test_distinct_bigrams_never_cross_documents() -> None:
    # documents "a b a b" and "b a": bigrams (a,b) (b,a) (a,b) | (b,a): 2 distinct of 4
    d = Draw(np.array([0, 1, 0, 1, 1, 0]), np.array([0, 4]))
    data = MetricData(["a", "b"], 1000, 10, 5, 100)
    assert _distinct_n(2)([d], data).tolist() == [0.5]
