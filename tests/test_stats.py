"""Budget draws, null splits and the verdict rule."""

from __future__ import annotations

import numpy as np
import pytest

from auditor.stats import draw, make_rng, split_halves, verdict, worst_status
from auditor.text.profile import DocumentSample


def sample_of(lengths: list[int]) -> DocumentSample:
    start = 0
    arrays = []
    for n in lengths:
        arrays.append(np.arange(start, start + n, dtype=np.int32))  # every token unique: traceable
        start += n
    return DocumentSample.from_arrays(arrays)


def test_draw_has_exact_budget_whole_documents_and_no_repeats() -> None:
    sample = sample_of([5, 17, 3, 40, 8, 12, 9, 30])
    d = draw(sample, 50, make_rng(0, "t"))
    assert d.n_tokens == 50
    assert len(np.unique(d.tokens)) == 50  # without replacement
    # every drawn document but the last is whole and starts at its own first token
    starts = set(sample.offsets[:-1].tolist())
    assert all(int(d.tokens[s]) in starts for s in d.doc_starts)


def test_draw_is_deterministic_per_seed_and_label() -> None:
    sample = sample_of([10] * 30)
    a = draw(sample, 100, make_rng(1, "x"))
    b = draw(sample, 100, make_rng(1, "x"))
    c = draw(sample, 100, make_rng(1, "y"))
    assert np.array_equal(a.tokens, b.tokens) and not np.array_equal(a.tokens, c.tokens)


def test_split_halves_are_disjoint_and_balanced() -> None:
    sample = sample_of(list(range(1, 41)))
    a, b = split_halves(sample, make_rng(0, "s"))
    assert a.n_docs + b.n_docs == sample.n_docs
    assert not set(a.tokens.tolist()) & set(b.tokens.tolist())
    assert abs(a.n_tokens - b.n_tokens) <= 40


@pytest.mark.parametrize(
    ("value", "better", "expected"),
    [
        (0.80, "higher", "degraded"),  # worse by tolerance and below every null value
        (0.95, "higher", "watch"),  # below the null but within tolerance
        (1.00, "higher", "ok"),
        (1.20, "lower", "degraded"),
        (0.80, "none", "ok"),
    ],
)
def test_verdict_rule(value: float, better: str, expected: str) -> None:
    null = np.array([0.97, 0.99, 1.0, 1.01, 1.03])
    assert verdict(value, 1.0, null, better=better, tolerance=0.05, kind="relative") == expected


def test_verdict_tolerance_alone_is_watch() -> None:
    wide_null = np.array([0.5, 1.0, 1.5])
    assert verdict(0.8, 1.0, wide_null, better="higher", tolerance=0.05, kind="relative") == "watch"
    assert verdict(None, 1.0, wide_null, better="higher", tolerance=0.05, kind="relative") == "n/a"


def test_worst_status_ignores_na_unless_all_na() -> None:
    assert worst_status(["ok", "n/a", "watch"]) == "watch"
    assert worst_status(["n/a", "n/a"]) == "n/a"
    assert worst_status(["ok", "degraded"]) == "degraded"
