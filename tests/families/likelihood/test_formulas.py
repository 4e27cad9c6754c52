"""The likelihood metrics and the copy counts, pinned on draws worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

from auditor.families.base import MetricData
from auditor.families.likelihood.copying import ReferenceNgrams, copied_positions, longest_spans, per_document
from auditor.families.likelihood.metrics import (
    LikelihoodDraw,
    copy_rate,
    distribution_shift,
    incoherent_mass,
    interpolated_cdf,
    mean_log_perplexity,
    typical_mass,
    wasserstein_1,
)

DATA = MetricData([], 1000, 20)


def _draw(log_perplexity, ngrams=None, copied=None) -> LikelihoodDraw:
    n = len(log_perplexity)
    return LikelihoodDraw(
        np.column_stack(
            [log_perplexity, ngrams if ngrams is not None else [0] * n, copied if copied is not None else [0] * n]
        )
    )


REF = _draw(np.arange(1.0, 12.0))  # 1..11: 10th percentile 2, 90th percentile 10
GEN = _draw([12.0, 1.5, 2.0, 2.5, 10.5])


def test_typical_and_incoherent_mass_by_hand() -> None:
    """GEN sorted is 1.5, 2, 2.5, 10.5, 12 at CDF positions 0, 1/4, 2/4, 3/4, 1.

    Below the reference's 10th percentile (2): F(2) = 1/4. Above its 90th (10): F(10) lies 7.5/8
    of the way from 2.5 (1/2) to 10.5 (3/4), 0.734375, so the mass above is 0.265625.
    """
    assert typical_mass([(REF, GEN)], DATA)[0] == pytest.approx(0.25)
    assert incoherent_mass([(REF, GEN)], DATA)[0] == pytest.approx(0.265625)


def test_a_draw_against_itself_gives_the_percentiles() -> None:
    rng = np.random.default_rng(3)
    for n in (7, 50, 333):
        d = _draw(rng.normal(5, 1, n))
        assert typical_mass([(d, d)], DATA)[0] == pytest.approx(0.1, abs=1e-12)
        assert incoherent_mass([(d, d)], DATA)[0] == pytest.approx(0.1, abs=1e-12)
        assert distribution_shift([(d, d)], DATA)[0] == 0.0


def test_interpolated_cdf_handles_ties_and_the_ends() -> None:
    x = np.array([1.0, 2.0, 2.0, 2.0, 3.0])  # the tied 2s sit at their mean position 2/4
    assert interpolated_cdf(x, 2.0) == pytest.approx(0.5)
    assert interpolated_cdf(x, 0.0) == 0.0 and interpolated_cdf(x, 9.0) == 1.0
    assert interpolated_cdf(x, 1.5) == pytest.approx(0.25)  # halfway from 1 (0) to the 2s (1/2)
    assert np.isnan(interpolated_cdf(np.array([1.0]), 1.0))


def test_distribution_shift_is_scipys_wasserstein_distance() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(5, 1, 300), rng.gamma(4, 1, 300)
    assert wasserstein_1(a, b) == pytest.approx(wasserstein_distance(a, b), rel=1e-12)
    assert wasserstein_1(a, b[:17]) == pytest.approx(wasserstein_distance(a, b[:17]), rel=1e-12)
    assert distribution_shift([(REF, GEN)], DATA)[0] == pytest.approx(
        wasserstein_distance(np.arange(1.0, 12.0), GEN.rows[:, 0])
    )
    shifted = _draw(np.arange(1.0, 12.0) + 0.7)  # a pure shift moves every document by 0.7
    assert distribution_shift([(REF, shifted)], DATA)[0] == pytest.approx(0.7)


def test_mean_log_perplexity_and_copy_rate_by_hand() -> None:
    assert mean_log_perplexity([GEN], DATA)[0] == pytest.approx((12 + 1.5 + 2 + 2.5 + 10.5) / 5)
    d = _draw([5.0, 6.0, 7.0], ngrams=[10, 0, 30], copied=[10, 0, 2])
    assert copy_rate([d], DATA)[0] == pytest.approx(12 / 40)  # over the draw's 8-grams, not a mean of documents
    assert np.isnan(copy_rate([_draw([5.0, 6.0])], DATA)[0])  # no 8-gram: undefined, not 0


def _sample(docs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([t for d in docs for t in d], dtype=np.int64), np.concatenate(
        [[0], np.cumsum([len(d) for d in docs])]
    )


def test_copy_counts_by_hand() -> None:
    """Reference documents 0-9, 0-9 again and 20-28; 8-grams never cross documents."""
    ref_tokens, ref_offsets = _sample([list(range(10)), list(range(10)), list(range(20, 29))])
    reference = ReferenceNgrams.build(ref_tokens, ref_offsets)
    assert len(reference.hashes) == 3 + 2  # 0-7, 1-8, 2-9 (in two documents), 20-27, 21-28
    assert sorted(reference.documents.tolist()) == [1, 1, 2, 2, 2]

    # leave one out: the first two copy each other (3 of 3 each), the third copies nothing
    inside, copied = copied_positions(ref_tokens, ref_offsets, reference, leave_one_out=True)
    assert per_document(inside, ref_offsets).tolist() == [3, 3, 2]
    assert per_document(copied, ref_offsets).tolist() == [3, 3, 0]

    # a generation: 0-8 then junk (2 of 4 copied), 20-28 (2 of 2), a span of 7 words (no 8-gram), 9-0 reversed
    gen_tokens, gen_offsets = _sample(
        [[*range(9), 50, 51], list(range(20, 29)), list(range(7)), list(range(9, -1, -1))]
    )
    inside, copied = copied_positions(gen_tokens, gen_offsets, reference, leave_one_out=False)
    assert per_document(inside, gen_offsets).tolist() == [4, 2, 0, 3]
    assert per_document(copied, gen_offsets).tolist() == [2, 2, 0, 0]
    assert longest_spans(copied) == [(0, 9), (11, 9)]  # two runs of 2 starts: 9 words each, by position


def test_longest_spans_never_join_documents() -> None:
    copied = np.array([1, 1, 1, 0, 0, 1, 0, 1, 1], dtype=bool)
    assert longest_spans(copied, 8) == [(0, 10), (7, 9), (5, 8)]
