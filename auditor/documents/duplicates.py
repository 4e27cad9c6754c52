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

import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from auditor.families.likelihood.copying import ngram_hashes
from auditor.voice.minhash import band_buckets

SHINGLE_WORDS = 5
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
THRESHOLD = 0.8
"""Estimated Jaccard similarity of two documents' shingle sets at which they are near-duplicates."""
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
    if len(hashes) == 1:  # already by document
        return hashes[0], owners[0]
    h, owner = np.concatenate(hashes), np.concatenate(owners)
    order = np.argsort(owner, kind="stable")
    return h[order], owner[order]


def signatures(tokens: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MinHash signatures (documents x PERMUTATIONS, uint32); a document without words has none
    (every value 0xFFFFFFFF, never a candidate: see :func:`group`)."""
    n_docs = len(offsets) - 1
    sig = np.full((len(a), n_docs), _EMPTY, dtype=np.uint32)  # one row per permutation, transposed at the end
    h, owner = shingle_hashes(tokens, offsets)
    if len(h):
        runs = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        ids = owner[runs]
        values = np.empty(len(h), dtype=np.uint64)
        high = values.view(np.uint32)[1::2] if sys.byteorder == "little" else values.view(np.uint32)[::2]
        for j in range(len(a)):  # a permutation at a time over every shingle: contiguous, in place
            np.multiply(h, a[j], out=values)
            np.add(values, b[j], out=values)
            sig[j, ids] = np.minimum.reduceat(high, runs)  # (a * x + b) >> 32: the value's high half
    return np.ascontiguousarray(sig.T)


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
    """Connected components of near-duplicate pairs among ``sig``'s rows and ``reference``'s
    (see :func:`group_stacked`)."""
    return group_stacked(stack([sig], reference), len(sig))


def stack(parts: list[np.ndarray], reference: np.ndarray) -> np.ndarray:
    """The generation's signatures (``parts``, in order) then the reference's, in one array. Each
    part is let go of as it is copied (``parts`` is left empty), so they are not held twice."""
    n = sum(len(p) for p in parts)
    out = np.empty((n + len(reference), reference.shape[1]), dtype=np.uint32)
    at = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        out[at : at + len(part)] = part
        at += len(part)
    out[n:] = reference
    return out


def group_stacked(allsig: np.ndarray, n: int) -> Groups:
    """Connected components of near-duplicate pairs among ``allsig``'s rows: the generation's
    ``n`` documents, then the reference's.

    Pairs among reference documents alone are not looked for (the reference is not being curated).
    Within an LSH bucket each document is compared with the bucket's leaders, in reading order: it
    joins the first one it is a near-duplicate of (or already grouped with), or becomes a leader;
    so a bucket of ``m`` copies of a few documents costs about ``m`` comparisons, not ``m**2 / 2``.
    Documents that share a band without being near-duplicates (a template filled in many ways)
    each become a leader: past the first :data:`_FEW` leaders a member is compared with the
    others in one array operation (the same answer as one by one), so such a bucket is quadratic
    only in array work.
    """
    r = len(allsig) - n
    live = np.flatnonzero(allsig.min(axis=1) != _EMPTY)  # a document without words: every value _EMPTY
    parent = array("q", range(n + r))  # 8 bytes an item, where a list holds an int object each
    width = allsig.shape[1]

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for band in range(BANDS if len(live) > 1 else 0):
        rows, bounds = band_buckets(allsig, live, band, ROWS)  # by bucket, then reading order
        starts, sizes = bounds[:-1], np.diff(bounds)
        grouped = _roots(parent)[rows]  # the groups as the band starts (they only merge during it)
        todo = (
            (sizes > 1)
            & (rows[starts] < n)  # not reference documents only
            & (np.minimum.reduceat(grouped, starts) != np.maximum.reduceat(grouped, starts))
        )  # (a bucket already one group: every member would join the first, changing nothing)
        if not todo.any():
            continue
        lo, size = starts[todo], sizes[todo]
        end = np.cumsum(size)  # where each bucket ends among these buckets' members
        members = rows[np.repeat(lo - (end - size), size) + np.arange(end[-1])]
        first = np.repeat(rows[lo], size)  # each member's bucket's first member
        near = np.count_nonzero(allsig[members] == allsig[first], axis=1) / width >= THRESHOLD  # as np.mean(a == b)
        ids, near_first = members.tolist(), near.tolist()
        for a, b in zip((end - size).tolist(), end.tolist(), strict=True):
            _bucket(ids[a:b], near_first[a:b], allsig, n, width, parent, find)
    return _ranked(_roots(parent), n)


_FEW = 8
"""Leaders of a bucket compared one by one before the rest are compared at once."""


def _roots(parent: array[int]) -> np.ndarray:
    """Every item's root (pointer jumping over a copy of ``parent``)."""
    roots = np.frombuffer(parent, dtype=np.int64) if len(parent) else np.zeros(0, dtype=np.int64)
    while True:
        up = roots[roots]
        if np.array_equal(up, roots):
            return roots
        roots = up


def _bucket(
    members: list[int],
    near_first: list[bool],
    allsig: np.ndarray,
    n: int,
    width: int,
    parent: array[int],
    find: Callable[[int], int],
) -> None:
    """One bucket's members in reading order (see :func:`group`): each joins the first leader it is
    grouped with or a near-duplicate of, or becomes a leader. ``near_first``: whether each member
    is a near-duplicate of the first (a generation document, the first leader)."""
    first = members[0]
    leaders: list[int] = [first]
    many: _Leaders | None = None  # the leaders past the first _FEW, as arrays
    for m, near in zip(members[1:], near_first[1:], strict=True):
        root = find(m)
        chosen = first if near or find(first) == root else -1
        if chosen < 0:
            for leader in leaders[1:_FEW]:
                if find(leader) == root or (
                    (leader < n or m < n) and np.mean(allsig[leader] == allsig[m]) >= THRESHOLD
                ):
                    chosen = leader
                    break
        if chosen < 0 and many is not None:
            chosen = many.first(m, root, allsig[m], m < n, width)
        if chosen < 0:
            if len(leaders) >= _FEW:
                many = many or _Leaders(allsig.shape[1], allsig.dtype)
                many.add(m, root, allsig[m], n)
            leaders.append(m)
            continue
        target = find(chosen)
        if target != root:
            parent[root] = target
            if many is not None:
                many.merged(root, target)


class _Leaders:
    """A bucket's later leaders: ids, current roots (kept up to date as groups merge), signatures."""

    def __init__(self, width: int, dtype: np.dtype) -> None:
        self.size = 0
        self.ids = np.zeros(16, dtype=np.int64)
        self.roots = np.zeros(16, dtype=np.int64)
        self.generation = np.zeros(16, dtype=bool)
        self.sig = np.zeros((16, width), dtype=dtype)

    def add(self, leader: int, root: int, signature: np.ndarray, n: int) -> None:
        if self.size == len(self.ids):
            for name in ("ids", "roots", "generation", "sig"):
                old = getattr(self, name)
                grown = np.zeros((2 * len(old), *old.shape[1:]), dtype=old.dtype)
                grown[: len(old)] = old
                setattr(self, name, grown)
        i = self.size
        self.ids[i], self.roots[i], self.generation[i], self.sig[i] = leader, root, leader < n, signature
        self.size += 1

    def merged(self, root: int, target: int) -> None:
        """Group ``root`` joined group ``target``."""
        roots = self.roots[: self.size]
        roots[roots == root] = target

    def first(self, m: int, root: int, signature: np.ndarray, in_generation: bool, width: int) -> int:
        """The first of these leaders that ``m`` is grouped with or a near-duplicate of, or -1."""
        k = self.size
        near = np.count_nonzero(self.sig[:k] == signature, axis=1) / width >= THRESHOLD  # as np.mean(a == b)
        if not in_generation:
            near &= self.generation[:k]
        hit = np.flatnonzero(near | (self.roots[:k] == root))
        return int(self.ids[hit[0]]) if len(hit) else -1


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
