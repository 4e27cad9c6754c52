"""Bit-parallel LCS against the textbook DP; ROUGE-L F1 by hand; homogenization against brute force."""

from __future__ import annotations

import math
import random
import time
from itertools import combinations

import numpy as np
import pytest

from auditor.voice.rouge import (
    _allocate,
    _pair_from_index,
    _sample_pairs,
    homogenization,
    lcs_length,
    rouge_l_f1,
    rouge_tokens,
)


def dp_lcs(a: list, b: list) -> int:
    """Plain O(len(a) * len(b)) dynamic programme."""
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def dp_f1(a: list, b: list) -> float:
    if not a or not b:
        return 0.0
    lcs = dp_lcs(a, b)
    if lcs == 0:
        return 0.0
    p, r = lcs / len(b), lcs / len(a)
    return 2 * p * r / (p + r)


def test_lcs_matches_dp_on_random_pairs() -> None:
    rnd = random.Random(0)
    for trial in range(600):
        alphabet = rnd.choice([2, 3, 5, 20, 200])
        la = rnd.choice([0, 1, 2, 7, 63, 64, 65, rnd.randrange(150)])
        lb = rnd.randrange(150)
        a = [rnd.randrange(alphabet) for _ in range(la)]
        b = [rnd.randrange(alphabet) for _ in range(lb)]
        assert lcs_length(a, b) == dp_lcs(a, b), (trial, a, b)
        assert lcs_length(b, a) == dp_lcs(a, b)


def test_lcs_known_values() -> None:
    assert lcs_length("ABCBDAB", "BDCABA") == 4  # CLRS
    assert lcs_length("AGGTAB", "GXTXAYB") == 4
    assert lcs_length([1, 2, 3], [1, 2, 3]) == 3
    assert lcs_length([1, 2, 3], [4, 5]) == 0
    assert lcs_length([], [1]) == 0


def test_rouge_tokens_follow_rouge_score() -> None:
    assert rouge_tokens("Don't STOP\u2014the 2 cats!") == ["don", "t", "stop", "the", "2", "cats"]
    assert rouge_tokens("Café au lait_x") == ["café", "au", "lait", "x"]
    assert rouge_tokens("  ...  ") == []


def test_rouge_l_f1_by_hand() -> None:
    a = rouge_tokens("the cat sat on the mat")
    b = rouge_tokens("the cat lay on the mat")
    assert lcs_length(a, b) == 5
    assert rouge_l_f1(a, b) == pytest.approx(5 / 6)
    # unequal lengths: LCS 2, P = 2/3, R = 2/5 -> F1 = 2PR/(P+R) = 0.5
    a2, b2 = rouge_tokens("one two three four five"), rouge_tokens("two four six")
    assert rouge_l_f1(a2, b2) == pytest.approx(0.5) == rouge_l_f1(b2, a2)
    assert rouge_l_f1(a, a) == 1.0
    assert rouge_l_f1(a, rouge_tokens("dogs bark loudly")) == 0.0
    assert rouge_l_f1([], a) == 0.0 == rouge_l_f1(a, []) == rouge_l_f1([], [])


def test_rouge_l_f1_matches_dp_on_real_paragraphs(paragraphs: list[dict]) -> None:
    toks = [rouge_tokens(p["text"]) for p in paragraphs[100:160]]
    for a, b in combinations(toks[:25], 2):
        assert rouge_l_f1(a, b) == pytest.approx(dp_f1(a, b), abs=1e-12)


# --- pair sampling ------------------------------------------------------------------------------


def test_pair_index_is_a_bijection_onto_the_upper_triangle() -> None:
    for n in (2, 3, 10, 57):
        total = n * (n - 1) // 2
        i, j = _pair_from_index(np.arange(total), n)
        ti, tj = np.triu_indices(n, k=1)
        np.testing.assert_array_equal(i, ti)
        np.testing.assert_array_equal(j, tj)
    # a large n, where float rounding of the square root matters
    n = 3_000_001
    k = np.array([0, 1, n - 2, n - 1, n * (n - 1) // 2 - 1, 4_499_998_500_000])
    i, j = _pair_from_index(k, n)
    start = i * (n - 1) - i * (i - 1) // 2
    assert np.all((i >= 0) & (i < j) & (j < n))
    np.testing.assert_array_equal(start + (j - i - 1), k)


def test_sampled_pairs_are_distinct_and_deterministic() -> None:
    i, j = _sample_pairs(400, 5000, np.random.default_rng(1))
    pairs = set(zip(i.tolist(), j.tolist(), strict=True))
    assert len(pairs) == 5000 and all(a < b < 400 for a, b in pairs)
    i2, j2 = _sample_pairs(400, 5000, np.random.default_rng(1))
    assert np.array_equal(i, i2) and np.array_equal(j, j2)
    i3, _ = _sample_pairs(5, 100, np.random.default_rng(1))
    assert len(i3) == 10  # budget covers all pairs


def test_allocate_water_fills() -> None:
    assert _allocate([1, 10, 100], 30) == [1, 10, 19]
    assert _allocate([100, 1, 10], 30) == [19, 1, 10]
    assert _allocate([6, 6, 6], 10) == [3, 3, 4]
    assert _allocate([5, 5, 5], 2) == [0, 1, 1]
    assert _allocate([3, 4], 100) == [3, 4]
    for sizes, budget in (([7, 50, 2, 300], 120), ([1] * 9, 4), ([1000, 999], 1001)):
        got = _allocate(sizes, budget)
        assert sum(got) == min(budget, sum(sizes))
        assert all(0 <= g <= s for g, s in zip(got, sizes, strict=True))


# --- homogenization -----------------------------------------------------------------------------


def test_homogenization_is_the_mean_over_all_pairs(paragraphs: list[dict]) -> None:
    texts = [p["text"] for p in paragraphs[300:340]]
    toks = [rouge_tokens(t) for t in texts]
    brute = np.mean([dp_f1(a, b) for a, b in combinations(toks, 2)])
    got = homogenization(texts, rng=np.random.default_rng(0))
    assert got == pytest.approx(brute, abs=1e-12)
    # the rng is not used when every pair is scored
    assert homogenization(texts, rng=np.random.default_rng(99)) == got


def test_homogenization_with_a_budget_samples_distinct_pairs(paragraphs: list[dict]) -> None:
    texts = [p["text"] for p in paragraphs[300:400]]  # 4950 pairs
    full = homogenization(texts, rng=np.random.default_rng(0))
    a = homogenization(texts, pair_budget=1500, rng=np.random.default_rng(5))
    b = homogenization(texts, pair_budget=1500, rng=np.random.default_rng(5))
    assert a == b
    assert a != full and abs(a - full) < 0.01
    assert homogenization(texts, pair_budget=4950, rng=np.random.default_rng(5)) == pytest.approx(full, abs=1e-12)


def test_homogenization_by_group() -> None:
    texts = ["the cat sat", "the cat sat", "red green blue", "one two three", "alone here", ""]
    groups = ["a", "a", "b", "b", "c", "d"]
    # group a: identical -> 1.0; group b: disjoint -> 0.0; c and d have one document each -> skipped
    assert homogenization(texts, groups=groups, rng=np.random.default_rng(0)) == pytest.approx(0.5)
    # pooled: 15 pairs, one of them identical (1.0); "the cat sat" shares nothing with the others
    assert homogenization(texts, rng=np.random.default_rng(0)) == pytest.approx(1 / 15)
    # equal weight per group whatever its size
    texts2 = ["x y z"] * 5 + ["p q", "r s"]
    groups2 = ["big"] * 5 + ["small"] * 2
    assert homogenization(texts2, groups=groups2, rng=np.random.default_rng(0)) == pytest.approx(0.5)


def test_homogenization_group_budget_is_shared(paragraphs: list[dict]) -> None:
    texts = [p["text"] for p in paragraphs[500:620]]
    groups = [str(i % 3) for i in range(120)]  # 3 groups of 40 -> 780 pairs each
    exact = np.mean(
        [
            homogenization([t for t, g in zip(texts, groups, strict=True) if g == k], rng=np.random.default_rng(0))
            for k in "012"
        ]
    )
    assert homogenization(texts, groups=groups, rng=np.random.default_rng(0)) == pytest.approx(exact, abs=1e-12)
    sampled = homogenization(texts, groups=groups, pair_budget=900, rng=np.random.default_rng(0))
    assert abs(sampled - exact) < 0.015


def test_homogenization_edge_cases() -> None:
    rng = np.random.default_rng(0)
    assert math.isnan(homogenization([], rng=rng))
    assert math.isnan(homogenization(["only one"], rng=rng))
    assert math.isnan(homogenization(["a", "b"], groups=["x", "y"], rng=rng))
    assert homogenization(["", ""], rng=rng) == 0.0
    with pytest.raises(ValueError, match="groups"):
        homogenization(["a", "b"], groups=["x"], rng=rng)
    with pytest.raises(ValueError, match="pair_budget"):
        homogenization(["a", "b"], pair_budget=0, rng=rng)


def test_templated_documents_are_more_homogeneous(paragraphs: list[dict]) -> None:
    """Documents filled into one template score higher than real, varied paragraphs."""
    rnd = random.Random(0)
    real = [p["text"] for p in paragraphs[1000:1060]]
    nouns = [w for t in real for w in rouge_tokens(t) if len(w) > 6]
    template = "we must {} the {} of our {} and build a {} future for every {} in this {}"
    templated = [template.format(*(rnd.choice(nouns) for _ in range(6))) for _ in range(60)]
    rng = np.random.default_rng(0)
    assert homogenization(templated, rng=rng) > homogenization(real, rng=rng) + 0.3


def test_homogenization_speed(paragraphs: list[dict]) -> None:
    texts = [p["text"] for p in paragraphs[:300]]
    start = time.perf_counter()
    homogenization(texts, rng=np.random.default_rng(0))  # 44,850 pairs
    assert time.perf_counter() - start < 5.0  # typically ~0.2 s
