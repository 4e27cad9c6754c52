"""Near-duplicate groups over every document of a generation, and against the reference sample.

The voice family's :mod:`auditor.voice.minhash` measures a rate on a text sample with exact Jaccard
checks; per-document rows need every document, in a streaming pass, with memory that does not hold
the documents. So here:

* Shingles are word 5-grams of word ids, hashed as the copy detector hashes 8-grams
  (:func:`~auditor.families.likelihood.copying.ngram_hashes`); a document of fewer than 5 words is
  one shingle of all its words.
* A signature is :data:`PERMUTATIONS` minima of multiply-shift hashes ``(a * x + b) >> 32`` (odd
  ``a``, wrapping uint64 arithmetic; Dietzfelbinger et al. 1997), kept as uint32: 256 bytes per
  document, whatever its length. The shingle hashes are already mixed (SplitMix64), so a cheap
  hash family suffices, and the pass keeps its speed.
* Locality-sensitive hashing cuts a signature into :data:`BANDS` bands of 4 values; documents that
  agree on a whole band are candidates (a pair at Jaccard 0.8 is one with probability 0.9998). A
  candidate joins a group when its estimated Jaccard (the share of equal signature values) is at
  least :data:`THRESHOLD`. Groups are the connected components (union-find).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from auditor.families.likelihood.copying import ngram_hashes

SHINGLE_WORDS = 5
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
THRESHOLD = 0.8
"""Estimated Jaccard similarity of two documents' shingle sets at which they are near-duplicates."""
_BLOCK_VALUES = 1 << 21
"""Shingle x permutation values hashed at once (bounds the temporary arrays at ~16 MB)."""
_EMPTY = np.uint32(0xFFFFFFFF)


def hash_family(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``PERMUTATIONS`` multiply-shift coefficients (odd ``a``, any ``b``) drawn from ``seed``."""
    rng = np.random.default_rng([seed, 0x6D696E68])  # "minh": a stream of its own
    a = rng.integers(0, np.iinfo(np.uint64).max, size=PERMUTATIONS, dtype=np.uint64, endpoint=True) | np.uint64(1)
    b = rng.integers(0, np.iinfo(np.uint64).max, size=PERMUTATIONS, dtype=np.uint64, endpoint=True)
    return a, b


def shingle_hashes(tokens: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every document's shingle hashes, flat, and the document each belongs to (ascending)."""
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    h, inside = ngram_hashes(tokens, offsets, SHINGLE_WORDS)
    doc = np.repeat(np.arange(len(lengths)), lengths)
    hashes, owners = [h[inside]], [doc[inside]]
    short = np.flatnonzero((lengths > 0) & (lengths < SHINGLE_WORDS))
    if len(short):  # one shingle of all the words: the n-gram hash with n = the document's length
        extra = np.empty(len(short), dtype=np.uint64)
        for i, d in enumerate(short.tolist()):
            part = np.asarray(tokens[offsets[d] : offsets[d + 1]])
            one, _ = ngram_hashes(part, np.array([0, len(part)]), len(part))
            extra[i] = one[0]
        hashes.append(extra)
        owners.append(short)
    h, owner = np.concatenate(hashes), np.concatenate(owners)
    order = np.argsort(owner, kind="stable")
    return h[order], owner[order]


def signatures(tokens: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MinHash signatures (documents x PERMUTATIONS, uint32); a document without words has none
    (every value 0xFFFFFFFF, never a candidate: see :func:`group`)."""
    n_docs = len(offsets) - 1
    sig = np.full((n_docs, len(a)), _EMPTY, dtype=np.uint32)
    h, owner = shingle_hashes(tokens, offsets)
    step = max(1, _BLOCK_VALUES // len(a))
    for start in range(0, len(h), step):
        x = h[start : start + step]
        d = owner[start : start + step]
        values = ((x[:, None] * a[None, :] + b[None, :]) >> np.uint64(32)).astype(np.uint32)
        runs = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        ids = d[runs]
        sig[ids] = np.minimum(sig[ids], np.minimum.reduceat(values, runs, axis=0))
    return sig


@dataclass(frozen=True)
class Groups:
    """Near-duplicate groups of a generation's documents (rows), some holding reference documents."""

    group: np.ndarray
    """Per document: its group's id (the row of the group's first document), or -1 when alone."""
    rank: np.ndarray
    """Per document: 0 for the document a group keeps, 1, 2, ... for the others (reading order);
    a group holding a reference document keeps none (ranks start at 1); -1 when alone."""
    with_reference: np.ndarray
    """Per document: whether its group holds a reference document."""


def group(sig: np.ndarray, reference: np.ndarray) -> Groups:
    """Connected components of near-duplicate pairs among ``sig``'s rows and ``reference``'s.

    Pairs among reference documents alone are not looked for (the reference is not being curated).
    Within an LSH bucket each document is compared with the bucket's leaders, in reading order: it
    joins the first one it is a near-duplicate of, or becomes a leader; so a bucket of ``m``
    copies costs ``m`` comparisons, not ``m**2 / 2``.
    """
    n, r = len(sig), len(reference)
    allsig = np.concatenate([sig, reference]) if r else sig
    live = np.flatnonzero(~np.all(allsig == _EMPTY, axis=1))
    parent = np.arange(n + r)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    for band in range(BANDS):
        block = np.ascontiguousarray(allsig[live, band * ROWS : (band + 1) * ROWS])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * ROWS))).ravel()
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])
        sizes = np.diff(bounds)
        for lo, hi in zip(bounds[:-1][sizes > 1].tolist(), bounds[1:][sizes > 1].tolist(), strict=True):
            members = np.sort(live[order[lo:hi]])
            if members[0] >= n:
                continue  # reference documents only
            leaders: list[int] = []
            for m in members.tolist():
                for leader in leaders:
                    if find(leader) == find(m) or (
                        (leader < n or m < n) and np.mean(allsig[leader] == allsig[m]) >= THRESHOLD
                    ):
                        parent[find(m)] = find(leader)
                        break
                else:
                    leaders.append(m)
    roots = np.array([find(i) for i in range(n + r)], dtype=np.int64)
    return _ranked(roots, n)


def _ranked(roots: np.ndarray, n: int) -> Groups:
    """Group ids and ranks from each item's root (items ``>= n`` are reference documents)."""
    gen_roots = roots[:n]
    size = np.bincount(roots, minlength=len(roots))
    has_ref = np.zeros(len(roots), dtype=bool)
    has_ref[roots[n:]] = True
    grouped = size[gen_roots] > 1
    group_id = np.full(n, -1, dtype=np.int64)
    rank = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(grouped)
    if len(rows):
        root = gen_roots[rows]
        order = np.lexsort((rows, root))  # by group, then reading order
        root_sorted = root[order]
        starts = np.flatnonzero(np.r_[True, root_sorted[1:] != root_sorted[:-1]])
        first = np.repeat(rows[order][starts], np.diff(np.r_[starts, len(order)]))
        position = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
        group_id[rows[order]] = first
        rank[rows[order]] = position + has_ref[root_sorted]
    return Groups(group_id, rank, grouped & has_ref[gen_roots])
