"""Verbatim copying: which word 8-grams of a text occur in the reference, by hashing.

Every word n-gram inside one document (never across documents) is hashed to a uint64 (a
polynomial over the word ids, wrapping modulo 2**64, then the SplitMix64 finaliser); the
reference's hashes are sorted once and looked up by hashing
(:class:`~auditor.families.likelihood.lookup.KeyIndex`). A collision needs two
of the ~10^6 n-grams to share 64 bits: about one chance in 10^7, too rare to move a share.

A generation's document is compared with the whole reference sample. A reference document is
compared with the rest of the reference (an n-gram counts as copied when another reference
document has it too): both are then measured against nearly the same amount of text, so the
reference's own rate is the baseline a generation's is read against. (Half against half would
compare the reference with half as much text as the generations, halving its chance matches.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from auditor.families.likelihood.lookup import KeyIndex

COPY_N = 8
"""Words in a copied n-gram."""
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def ngram_hashes(tokens: np.ndarray, offsets: np.ndarray, n: int = COPY_N) -> tuple[np.ndarray, np.ndarray]:
    """The hash of the n-gram starting at each token, and whether it lies inside its document.

    Both arrays have one entry per token; positions whose n-gram would cross the document's end
    are ``False`` in the mask (their hash is meaningless).
    """
    tokens = np.asarray(tokens).astype(np.uint64)
    offsets = np.asarray(offsets, dtype=np.int64)
    size = len(tokens)
    lengths = np.diff(offsets)
    doc = np.repeat(np.arange(len(lengths)), lengths)
    inside = np.arange(size) - offsets[:-1][doc] <= lengths[doc] - n
    h = np.zeros(size, dtype=np.uint64)
    if size >= n:
        span = size - n + 1
        acc = np.zeros(span, dtype=np.uint64)
        for j in range(n):  # n vectorised steps over every position, not a loop over n-grams
            acc = acc * _MULTIPLIER + tokens[j : j + span] + np.uint64(1)
        h[:span] = _mix(acc)
    return h, inside


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: spreads the polynomial's bits (wrapping uint64 arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@dataclass(frozen=True)
class ReferenceNgrams:
    """The reference sample's distinct n-gram hashes and how many of its documents hold each."""

    hashes: np.ndarray
    """Sorted distinct hashes."""
    documents: np.ndarray
    """Number of reference documents holding each hash."""

    @classmethod
    def build(cls, tokens: np.ndarray, offsets: np.ndarray, n: int = COPY_N) -> ReferenceNgrams:
        """Hash every in-document n-gram of the reference sample (whole documents, word ids)."""
        h, inside = ngram_hashes(tokens, offsets, n)
        lengths = np.diff(np.asarray(offsets, dtype=np.int64))
        doc = np.repeat(np.arange(len(lengths)), lengths)[inside]
        h = h[inside]
        order = np.lexsort((doc, h))
        h, doc = h[order], doc[order]
        first = np.ones(len(h), dtype=bool)  # one entry per (hash, document)
        first[1:] = (h[1:] != h[:-1]) | (doc[1:] != doc[:-1])
        hashes, documents = np.unique(h[first], return_counts=True)
        return cls(hashes, documents)

    def held_by(self, h: np.ndarray) -> np.ndarray:
        """For each hash: the number of reference documents that hold it (0 when none)."""
        if len(self.hashes) == 0:
            return np.zeros(len(h), dtype=np.int64)
        idx = self._index.find(h)
        return np.where(idx >= 0, self.documents[idx], 0)

    @cached_property
    def _index(self) -> KeyIndex:
        """:attr:`hashes` indexed for lookups (built at the first)."""
        return KeyIndex(self.hashes)

    def __getstate__(self) -> dict[str, object]:
        """Pickled (to a worker) without the index, built again there at the first lookup."""
        return {k: v for k, v in self.__dict__.items() if k != "_index"}


def copied_positions(
    tokens: np.ndarray, offsets: np.ndarray, reference: ReferenceNgrams, *, leave_one_out: bool, n: int = COPY_N
) -> tuple[np.ndarray, np.ndarray]:
    """Per token: whether an n-gram starts there, and whether it is found in the reference.

    ``leave_one_out`` is for the reference's own documents: an n-gram is copied when another
    reference document holds it as well (the document itself is one of the holders).
    """
    h, inside = ngram_hashes(tokens, offsets, n)
    holders = reference.held_by(h)
    copied = inside & (holders >= (2 if leave_one_out else 1))
    return inside, copied


def per_document(mask: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """How many positions of each document are set in ``mask``."""
    lengths = np.diff(np.asarray(offsets, dtype=np.int64))
    doc = np.repeat(np.arange(len(lengths)), lengths)
    return np.bincount(doc, weights=mask.astype(np.float64), minlength=len(lengths))


def longest_spans(copied: np.ndarray, n: int = COPY_N) -> list[tuple[int, int]]:
    """Every maximal copied span as (start, number of words), longest first (then by position).

    A run of r consecutive copied n-gram starts covers r + n - 1 words; runs never cross a
    document, because the last n - 1 positions of every document start no n-gram.
    """
    starts, words = copied_runs(copied, n)
    order = np.lexsort((starts, -words))
    return [(int(starts[i]), int(words[i])) for i in order]


def copied_runs(copied: np.ndarray, n: int = COPY_N) -> tuple[np.ndarray, np.ndarray]:
    """Every maximal copied span's start and number of words, by position (see :func:`longest_spans`)."""
    edges = np.diff(np.concatenate([[0], copied.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return starts, ends - starts + n - 1
