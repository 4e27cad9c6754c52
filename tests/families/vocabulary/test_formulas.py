"""The vocabulary family's headline formulas, pinned on draws small enough to work out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from auditor.draws import Draw
from auditor.families import get_family
from auditor.families.base import MetricData

DRAW = Draw(np.array([0, 0, 1, 2, 3, 3, 3, 4, 5, 6]), np.array([0, 5]))
DATA = MetricData(words=[f"w{i}" for i in range(7)], segment_tokens=1000, max_segments=20)


def metric(metric_id: str):
    return next(m for m in get_family("vocabulary").metrics if m.spec.id == metric_id)


def test_types_at_budget_counts_distinct_words() -> None:
    assert metric("vocabulary.types_at_budget").fn([DRAW], DATA).tolist() == [7.0]


def test_unigram_entropy_by_hand() -> None:
    # counts 2, 1, 1, 3, 1, 1, 1 of 10 tokens
    p = np.array([2, 1, 1, 3, 1, 1, 1]) / 10
    expected = -sum(x * math.log2(x) for x in p)
    assert metric("vocabulary.unigram_entropy").fn([DRAW], DATA).tolist() == [pytest.approx(expected)]
