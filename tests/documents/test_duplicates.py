"""Near-duplicate signatures and groups: the fast paths give exactly what the plain definitions do.

``plain_signatures`` and ``plain_group`` are the definitions written out directly (one hash
evaluation per shingle and permutation; every bucket member compared with the leaders one by one):
the module's array code must match them value for value on copies, near-copies, documents filled
into one template (many leaders in a bucket), reference documents and documents without words.
"""

from __future__ import annotations

import numpy as np
import pytest

from auditor.documents import duplicates
from auditor.documents.duplicates import BANDS, ROWS, THRESHOLD, _ranked, group, hash_family, signatures


def plain_signatures(docs: list[np.ndarray], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.full((len(docs), len(a)), 0xFFFFFFFF, dtype=np.uint32)
    for d, words in enumerate(docs):
        if len(words) == 0:
            continue
        h, _ = duplicates.shingle_hashes(words, np.array([0, len(words)]))
        out[d] = ((h[:, None] * a[None, :] + b[None, :]) >> np.uint64(32)).astype(np.uint32).min(axis=0)
    return out


def plain_group(sig: np.ndarray, reference: np.ndarray) -> duplicates.Groups:
    """Union-find over LSH buckets, each member compared with every leader in turn."""
    n, r = len(sig), len(reference)
    allsig = np.concatenate([sig, reference])
    live = np.flatnonzero(~np.all(allsig == 0xFFFFFFFF, axis=1))
    parent = list(range(n + r))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for band in range(BANDS):
        block = np.ascontiguousarray(allsig[live, band * ROWS : (band + 1) * ROWS])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * ROWS))).ravel()
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            members = sorted(live[order[lo:hi]].tolist())
            if hi - lo < 2 or members[0] >= n:
                continue
            leaders: list[int] = []
            for m in members:
                for leader in leaders:
                    if find(leader) == find(m) or (
                        (leader < n or m < n) and np.mean(allsig[leader] == allsig[m]) >= THRESHOLD
                    ):
                        parent[find(m)] = find(leader)
                        break
                else:
                    leaders.append(m)
    return _ranked(np.array([find(i) for i in range(n + r)], dtype=np.int64), n)


@pytest.fixture(scope="module")
def family() -> tuple[np.ndarray, np.ndarray]:
    return hash_family(29)


def corpus(seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Generation and reference documents: originals, copies, near-copies, one template filled in
    many ways (pairwise below the threshold, sharing bands), short and empty documents."""
    rng = np.random.default_rng(seed)
    originals = [rng.integers(0, 500, size=rng.integers(20, 80)) for _ in range(30)]
    template = rng.integers(0, 500, size=70)
    docs: list[np.ndarray] = []
    for _ in range(400):
        kind = rng.random()
        if kind < 0.3:
            docs.append(originals[rng.integers(len(originals))].copy())
        elif kind < 0.5:
            doc = originals[rng.integers(len(originals))].copy()
            doc[rng.random(len(doc)) < 0.03] = rng.integers(500, 600)
            docs.append(doc)
        elif kind < 0.85:
            docs.append(np.concatenate([template, rng.integers(0, 5000, size=30)]))
        elif kind < 0.9:
            docs.append(rng.integers(0, 500, size=rng.integers(1, 5)))
        elif kind < 0.93:
            docs.append(np.zeros(0, dtype=np.int64))
        else:
            docs.append(rng.integers(0, 5000, size=60))
    reference = [originals[i].copy() for i in range(0, 30, 3)] + [template.copy(), template.copy()]
    reference += [np.concatenate([template, rng.integers(0, 5000, size=30)]) for _ in range(20)]
    return docs, reference


def flat(docs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)
    tokens = np.concatenate(docs).astype(np.int32) if docs else np.zeros(0, np.int32)
    return tokens, offsets


@pytest.mark.parametrize("seed", [0, 1])
def test_signatures_are_the_definition(seed: int, family: tuple[np.ndarray, np.ndarray]) -> None:
    docs, _ = corpus(seed)
    a, b = family
    got = signatures(*flat(docs), a, b)
    np.testing.assert_array_equal(got, plain_signatures(docs, a, b))
    assert got.flags.c_contiguous and got.dtype == np.uint32


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_groups_are_the_plain_union_find(seed: int, family: tuple[np.ndarray, np.ndarray]) -> None:
    docs, reference = corpus(seed)
    a, b = family
    sig, ref = signatures(*flat(docs), a, b), signatures(*flat(reference), a, b)
    for reference_sig in (ref, ref[:0]):
        got, want = group(sig, reference_sig), plain_group(sig, reference_sig)
        for name in ("group", "rank", "with_reference"):
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
    assert (got.group >= 0).sum() > 100  # copies and near-copies were grouped


def test_copies_of_a_few_documents(family: tuple[np.ndarray, np.ndarray]) -> None:
    """20,000 copies of 20 documents: every copy in its original's group (bench/bench_documents.py times it)."""
    docs, reference = corpus(3)
    a, b = family
    sig = signatures(*flat(docs[:20]), a, b)
    groups = group(sig[np.arange(20_000) % 20], signatures(*flat(reference), a, b))
    np.testing.assert_array_equal(groups.group[20:], np.tile(groups.group[:20], 999))
    assert (groups.group[:20] >= 0).sum() >= 18  # all but documents without words


def test_no_documents(family: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = family
    empty = np.zeros((0, len(a)), dtype=np.uint32)
    got = group(empty, empty)
    assert len(got.group) == 0
    one = signatures(np.array([1, 2, 3], dtype=np.int32), np.array([0, 3]), a, b)
    assert group(one, empty).group.tolist() == [-1]
