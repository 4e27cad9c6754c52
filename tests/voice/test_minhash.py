"""MinHash: exact modular hashing, unbiased Jaccard estimates, planted near-copies found and nothing else."""

from __future__ import annotations

import hashlib
import random
import time
from itertools import combinations

import numpy as np
import pytest

from auditor.voice import minhash
from auditor.voice.minhash import (
    MERSENNE_61,
    _mulmod61,
    candidate_probability,
    choose_bands,
    estimated_jaccard,
    exact_jaccard,
    hash_parameters,
    minhash_signatures,
    near_duplicate_rate,
    shingles,
)
from auditor.voice.rouge import rouge_tokens


def blake64(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little")


def slow_signature(shingle_set: set[int], num_perm: int, seed: int) -> list[int]:
    a, b = hash_parameters(num_perm, seed)
    return [
        min((int(ai) * (x % MERSENNE_61) + int(bi)) % MERSENNE_61 for x in shingle_set)
        for ai, bi in zip(a, b, strict=True)
    ]


# --- shingles and hashing -----------------------------------------------------------------------


def test_shingles_are_stable_word_5grams() -> None:
    toks = ["a", "b", "c", "d", "e", "f", "a", "b", "c", "d", "e"]
    got = shingles(toks)
    assert len(got) == 6  # 7 windows, "a b c d e" twice
    assert blake64("\x1f".join(["a", "b", "c", "d", "e"])) in got
    assert blake64("\x1f".join(["b", "c", "d", "e", "f"])) in got
    assert shingles(["short", "doc"]) == {blake64("short\x1fdoc")}
    assert shingles([]) == set()
    assert shingles(toks, n=1) == {blake64(w) for w in "abcdef"}
    assert all(0 <= x < 2**64 for x in got)
    with pytest.raises(ValueError):
        shingles(toks, n=0)


def test_mulmod61_is_exact() -> None:
    rnd = random.Random(0)
    edge = [0, 1, 2, 2**32 - 1, 2**32, 2**61 - 2, 2**61 - 3, 2**60, 2**31 * 3]
    a = edge + [rnd.randrange(MERSENNE_61) for _ in range(3000)]
    x = list(reversed(edge)) + [rnd.randrange(MERSENNE_61) for _ in range(3000)]
    got = _mulmod61(np.array(a, dtype=np.uint64), np.array(x, dtype=np.uint64))
    assert got.tolist() == [(ai * xi) % MERSENNE_61 for ai, xi in zip(a, x, strict=True)]
    square = _mulmod61(np.array(edge, dtype=np.uint64)[:, None], np.array(edge, dtype=np.uint64)[None, :])
    assert square.tolist() == [[(p * q) % MERSENNE_61 for q in edge] for p in edge]


def test_signatures_match_python_integers(paragraphs: list[dict], monkeypatch: pytest.MonkeyPatch) -> None:
    sets = [shingles(rouge_tokens(p["text"])) for p in paragraphs[:30]]
    sets.append({2**64 - 1, MERSENNE_61, MERSENNE_61 - 1, 0})  # values beyond p are reduced first
    expected = [slow_signature(s, 16, 3) for s in sets if s]
    sig = minhash_signatures(sets, num_perm=16, seed=3)
    assert sig.dtype == np.uint64 and sig.shape == (len(sets), 16)
    assert [row for row, s in zip(sig.tolist(), sets, strict=True) if s] == expected
    # blocks that split a document's shingles are merged correctly
    monkeypatch.setattr(minhash, "_BLOCK", 16 * 7)
    assert np.array_equal(minhash_signatures(sets, num_perm=16, seed=3), sig)


def test_empty_documents_and_seeds() -> None:
    sig = minhash_signatures([set(), {1, 2, 3}, set()], num_perm=8)
    assert np.all(sig[0] == np.iinfo(np.uint64).max) and np.all(sig[2] == sig[0])
    assert np.all(sig[1] < MERSENNE_61)
    assert minhash_signatures([], num_perm=8).shape == (0, 8)
    a = minhash_signatures([{5, 6, 7}], seed=1)
    assert np.array_equal(a, minhash_signatures([{5, 6, 7}], seed=1))
    assert not np.array_equal(a, minhash_signatures([{5, 6, 7}], seed=2))


def test_exact_and_estimated_jaccard_basics() -> None:
    assert exact_jaccard({1, 2, 3}, {2, 3, 4}) == pytest.approx(0.5)
    assert exact_jaccard(set(), set()) == 0.0
    assert exact_jaccard({1}, set()) == 0.0
    assert estimated_jaccard(np.array([1, 2, 3, 4]), np.array([1, 0, 3, 0])) == 0.5
    with pytest.raises(ValueError):
        estimated_jaccard(np.zeros(3), np.zeros(4))


def test_estimated_jaccard_is_unbiased_over_all_pairs(paragraphs: list[dict]) -> None:
    """Windows of one long real text at many offsets: Jaccards spread over 0-1; mean estimate within 0.02."""
    stream = [t for p in paragraphs[3000:3100] for t in rouge_tokens(p["text"])]
    offsets = [0, 2, 4, 7, 10, 14, 19, 25, 32, 40, 50, 62, 75, 90, 110, 130, 160, 200, 250, 320, 400, 500]
    offsets += [600 + 5 * k for k in range(18)]
    docs = [shingles(stream[o : o + 120]) for o in offsets]
    sig = minhash_signatures(docs, num_perm=128, seed=0)
    exact, est = [], []
    for i, j in combinations(range(len(docs)), 2):
        exact.append(exact_jaccard(docs[i], docs[j]))
        est.append(estimated_jaccard(sig[i], sig[j]))
    exact_arr, est_arr = np.array(exact), np.array(est)
    # the data really spreads over the range
    assert (exact_arr == 0).mean() > 0.2 and (exact_arr > 0.5).sum() >= 30 and (exact_arr > 0.9).sum() >= 5
    assert abs(est_arr.mean() - exact_arr.mean()) < 0.02
    # and each estimate is within the binomial noise of 128 permutations (sd <= 0.045)
    assert np.abs(est_arr - exact_arr).max() < 0.2


# --- LSH banding --------------------------------------------------------------------------------


def test_band_choice() -> None:
    bands, rows = choose_bands(0.8, 128)
    assert (bands, rows) == (25, 5)
    assert candidate_probability(0.8, bands, rows) > 0.99
    assert candidate_probability(0.8, 32, 4) > 0.99
    assert candidate_probability(0.3, bands, rows) < 0.1
    assert choose_bands(0.9, 128)[1] > rows  # a higher threshold affords longer bands


# --- near-duplicate rate ------------------------------------------------------------------------


def distinct_documents(paragraphs: list[dict], count: int, min_words: int = 150) -> list[str]:
    """Runs of consecutive real paragraphs of at least ``min_words`` words, from disjoint places."""
    docs, current = [], []
    for p in paragraphs[200:]:
        current.append(p["text"])
        if len(" ".join(current).split()) >= min_words:
            docs.append(" ".join(current))
            current = []
            if len(docs) == count:
                break
    return docs


def change_words(text: str, positions: list[int], rnd: random.Random) -> str:
    words = text.split()
    for pos in positions:
        words[pos] = rnd.choice(["zebra", "quantum", "velvet", "harbor"])
    return " ".join(words)


@pytest.fixture(scope="module")
def planted(paragraphs: list[dict]) -> tuple[list[str], list[str]]:
    rnd = random.Random(11)
    base = distinct_documents(paragraphs, 50)
    copies = []
    for k in range(10):
        src = base[k * 5]
        n = len(src.split())
        if k < 5:  # one word changed
            copies.append(change_words(src, [n // 2], rnd))
        elif k < 8:  # two words changed
            copies.append(change_words(src, [n // 3, 2 * n // 3], rnd))
        else:  # a sentence appended
            copies.append(src + " And we shall never forget the lessons of this hard and honest year.")
    return base, copies


def test_planted_documents_are_what_they_claim(planted: tuple[list[str], list[str]]) -> None:
    base, copies = planted
    sets = [shingles(rouge_tokens(t)) for t in base]
    assert max(exact_jaccard(a, b) for a, b in combinations(sets, 2)) < 0.3
    for k, copy in enumerate(copies):
        assert exact_jaccard(sets[k * 5], shingles(rouge_tokens(copy))) >= 0.8


def test_planted_near_copies_are_found(planted: tuple[list[str], list[str]]) -> None:
    base, copies = planted
    assert near_duplicate_rate(base) == 0.0
    assert near_duplicate_rate(base + copies) == pytest.approx(20 / 60)
    assert near_duplicate_rate(copies + base, bands=32) == pytest.approx(20 / 60)
    assert near_duplicate_rate(base + copies, seed=7) == pytest.approx(20 / 60)


def test_which_documents_are_flagged(planted: tuple[list[str], list[str]]) -> None:
    base, copies = planted
    # one pair only: 2 of 12 documents
    assert near_duplicate_rate([*base[:10], copies[0], base[20]]) == pytest.approx(2 / 12)
    # three copies of one document: all three count
    assert near_duplicate_rate([base[1], base[1], base[1], base[2]]) == pytest.approx(3 / 4)


def test_near_duplicate_edge_cases() -> None:
    assert near_duplicate_rate([]) == 0.0
    assert near_duplicate_rate(["just one document here"]) == 0.0
    assert near_duplicate_rate(["same words", "Same words!"]) == 1.0  # identical tokens
    assert near_duplicate_rate(["", "", "..."]) == 0.0  # no tokens, never near-copies
    with pytest.raises(ValueError):
        near_duplicate_rate(["a", "b"], threshold=0.0)
    with pytest.raises(ValueError):
        near_duplicate_rate(["a", "b"], bands=0)


def test_threshold_is_applied_to_the_exact_jaccard(paragraphs: list[dict]) -> None:
    stream = " ".join(p["text"] for p in paragraphs[4000:4030]).split()
    a = " ".join(stream[:200])
    b = " ".join(stream[20:220])  # 180 shared words -> Jaccard (176)/(196 + 20) ~ 0.81
    ja = exact_jaccard(shingles(rouge_tokens(a)), shingles(rouge_tokens(b)))
    assert 0.75 < ja < 0.9
    assert near_duplicate_rate([a, b], threshold=ja) == 1.0
    assert near_duplicate_rate([a, b], threshold=min(1.0, ja + 1e-9)) == 0.0


def test_near_duplicate_rate_speed(paragraphs: list[dict]) -> None:
    texts = [p["text"] for p in paragraphs[:2000]]
    start = time.perf_counter()
    near_duplicate_rate(texts)
    assert time.perf_counter() - start < 5.0  # typically ~0.6 s
