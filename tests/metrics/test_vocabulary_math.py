"""Vocabulary-family arithmetic checked against plain Python."""

from __future__ import annotations

import numpy as np

from auditor.metrics.base import MetricData
from auditor.metrics.vocabulary import _distinct_n, count_distinct
from auditor.stats import Draw


def test_count_distinct_equals_a_set() -> None:
    rng = np.random.default_rng(0)
    for values in (
        rng.integers(0, 50, 1000),
        rng.integers(-(2**62), 2**62, 5000),
        np.array([2**64 - 1, 0, 2**64 - 1], dtype=np.uint64),
        np.zeros(0, dtype=np.int64),
    ):
        assert count_distinct(values) == len(set(values.tolist()))


def test_distinct_bigrams_never_cross_documents() -> None:
    # documents "a b a b" and "b a": bigrams (a,b) (b,a) (a,b) | (b,a): 2 distinct of 4
    d = Draw(np.array([0, 1, 0, 1, 1, 0]), np.array([0, 4]))
    data = MetricData(["a", "b"], 1000, 10, 5, 100)
    assert _distinct_n(2)([d], data).tolist() == [0.5]
