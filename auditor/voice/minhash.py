"""Near duplicates: word 5-gram shingles, exact MinHash signatures and LSH banding.

A collapsing generator copies itself: the share of documents with a near-copy elsewhere in the same
generation rises. Two documents are near-copies when the Jaccard similarity of their sets of word
5-grams ("shingles") is at least a threshold (0.8). MinHash (Broder 1997) estimates Jaccard from
``num_perm`` per-document minima of random hash functions; locality-sensitive hashing (LSH) cuts the
signature into bands so that only pairs agreeing on a whole band are compared, and every candidate
is then checked with the exact Jaccard of the shingle sets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from auditor.voice.rouge import rouge_tokens

MERSENNE_61 = (1 << 61) - 1
"""The prime p = 2**61 - 1 of the universal hash family (a*x + b) mod p."""

_MASK61 = np.uint64(MERSENNE_61)
_MASK32 = np.uint64(0xFFFFFFFF)
_MASK29 = np.uint64((1 << 29) - 1)
_EMPTY = np.uint64(np.iinfo(np.uint64).max)
_SEP = "\x1f"  # ASCII unit separator: joins the words of a shingle, never inside a word of rouge_tokens
_BLOCK = 1 << 20  # elements per block of the shingle x permutation product (bounds memory at ~8 MB/array)


def shingles(tokens: Sequence[str], n: int = 5) -> set[int]:
    """Word ``n``-gram shingles, each hashed to a stable 64-bit integer (blake2b, digest 8 bytes).

    Stable across processes and platforms (unlike the salted ``hash()``). A document shorter than
    ``n`` tokens is one shingle of its whole token sequence; a document without tokens has none.
    """
    if n < 1:
        raise ValueError(f"`n` must be >= 1. Got {n} instead.")
    toks = list(tokens)
    if not toks:
        return set()
    if len(toks) < n:
        grams = [_SEP.join(toks)]
    else:
        grams = [_SEP.join(toks[i : i + n]) for i in range(len(toks) - n + 1)]
    blake = hashlib.blake2b
    return {int.from_bytes(blake(g.encode("utf-8"), digest_size=8).digest(), "little") for g in grams}


def _mulmod61(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(a * x) mod (2**61 - 1), exactly, for uint64 arrays with a, x < 2**61 (broadcasting).

    Split a and x into 32-bit halves (high halves < 2**29): every partial product fits in 64 bits,
    and 2**61 = 1 (mod p) folds the high parts back: 2**64 = 8, and mid * 2**32 =
    (mid >> 29) * 2**61 + (mid & (2**29 - 1)) * 2**32 = (mid >> 29) + ((mid & (2**29 - 1)) << 32).
    """
    s32 = np.uint64(32)
    s29 = np.uint64(29)
    s61 = np.uint64(61)
    a_hi, a_lo = a >> s32, a & _MASK32
    x_hi, x_lo = x >> s32, x & _MASK32
    lo = a_lo * x_lo  # < 2**64
    mid = a_hi * x_lo + a_lo * x_hi  # < 2**62
    hi = a_hi * x_hi  # < 2**58
    lo = (lo & _MASK61) + (lo >> s61)  # < 2**61 + 8
    s = (hi << np.uint64(3)) + (mid >> s29) + ((mid & _MASK29) << s32) + lo  # < 2**63
    s = (s & _MASK61) + (s >> s61)
    return np.where(s >= _MASK61, s - _MASK61, s)


def hash_parameters(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``num_perm`` coefficient pairs (a in [1, p), b in [0, p)) drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, MERSENNE_61, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, MERSENNE_61, size=num_perm, dtype=np.uint64)
    return a, b


def universal_hash(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a*x + b) mod (2**61 - 1) for shingles ``x`` (any uint64; reduced mod p first) x hash functions.

    Returns a len(x) x len(a) uint64 array, exact (no overflow).
    """
    x = np.asarray(x, dtype=np.uint64)
    x = (x & _MASK61) + (x >> np.uint64(61))
    x = np.where(x >= _MASK61, x - _MASK61, x)
    s = _mulmod61(a[None, :], x[:, None]) + b[None, :]  # < 2**62
    return np.where(s >= _MASK61, s - _MASK61, s)


def minhash_signatures(shingle_sets: Sequence[set[int]], *, num_perm: int = 128, seed: int = 0) -> np.ndarray:
    """MinHash signatures (n_docs x num_perm, uint64): per hash function, the minimum of (a*x + b) mod p.

    Universal hashing with p = 2**61 - 1 and exact modular arithmetic (:func:`_mulmod61`), vectorised
    over all shingles of all documents in blocks. A document without shingles gets the maximal
    uint64 in every position (it matches only other empty documents; :func:`near_duplicate_rate`
    never counts those). Same ``seed`` -> same hash functions -> comparable signatures.
    """
    if num_perm < 1:
        raise ValueError(f"`num_perm` must be >= 1. Got {num_perm} instead.")
    a, b = hash_parameters(num_perm, seed)
    n = len(shingle_sets)
    sig = np.full((n, num_perm), _EMPTY, dtype=np.uint64)
    lengths = np.fromiter((len(s) for s in shingle_sets), dtype=np.int64, count=n)
    if lengths.sum() == 0:
        return sig
    flat = np.fromiter((x for s in shingle_sets for x in s), dtype=np.uint64, count=int(lengths.sum()))
    doc = np.repeat(np.arange(n), lengths)
    rows = max(1, _BLOCK // num_perm)
    for start in range(0, len(flat), rows):
        stop = min(start + rows, len(flat))
        h = universal_hash(flat[start:stop], a, b)
        d = doc[start:stop]
        # rows of one document are contiguous: reduce each run, then merge with what earlier blocks found
        run_starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        mins = np.minimum.reduceat(h, run_starts, axis=0)
        ids = d[run_starts]
        sig[ids] = np.minimum(sig[ids], mins)
    return sig


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity: the share of positions where the signatures agree."""
    a = np.asarray(sig_a)
    b = np.asarray(sig_b)
    if a.shape != b.shape:
        raise ValueError(f"Signatures must have the same shape. Got {a.shape} and {b.shape} instead.")
    return float(np.mean(a == b))


def exact_jaccard(a: set[int], b: set[int]) -> float:
    """|a & b| / |a | b|; 0.0 when both are empty (no content, nothing shared)."""
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that a pair with Jaccard ``similarity`` agrees on at least one band: 1 - (1 - s**r)**b."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def choose_bands(threshold: float, num_perm: int, target: float = 0.999) -> tuple[int, int]:
    """(bands, rows) for LSH: the most rows per band such that a pair at ``threshold`` is a candidate with
    probability >= ``target``, using ``num_perm // rows`` bands.

    More rows per band means fewer unrelated pairs to verify; the target keeps misses at the threshold
    below 1 in 1000 (misses cannot be recovered; false candidates are removed by the exact check).
    For threshold 0.8 and 128 permutations: 25 bands x 5 rows (125 of the 128 values), candidate
    probability 0.99995 at Jaccard 0.8, 0.56 at 0.5, 0.06 at 0.3. Falls back to 1 row per band.
    """
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= target:
            best = (bands, rows)
    return best


def band_buckets(sig: np.ndarray, live: np.ndarray, band: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """LSH buckets of one band: the ``live`` row ids sorted by their ``band``-th run of ``rows``
    signature values (a stable sort, so reading order within a bucket), and where each bucket
    starts, plus the end."""
    block = np.ascontiguousarray(sig[live, band * rows : (band + 1) * rows])
    keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel()
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    return live[order], np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])


def near_duplicate_rate(
    texts: Sequence[str],
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    bands: int | None = None,
    seed: int = 0,
) -> float:
    """Share of documents with a near-copy elsewhere in ``texts`` (both members of a pair count).

    Tokens: :func:`auditor.voice.rouge.rouge_tokens`; shingles: word 5-grams (:func:`shingles`).
    Candidates: pairs agreeing on a whole LSH band of the MinHash signatures (``bands`` bands of
    ``num_perm // bands`` rows; default :func:`choose_bands`, 25 x 5 for the defaults, catching a pair
    at Jaccard 0.8 with probability 0.99995). Decision: the EXACT Jaccard of the two shingle sets is
    ``>= threshold``. The exact check removes LSH false positives; the MinHash estimate itself is not
    required to pass the threshold, since its noise (sd ~0.035 at J = 0.8 with 128 permutations) would
    only add misses. Exact duplicates count; documents without a token never do. 0.0 for fewer than
    2 documents.

    With 5-gram shingles one changed word replaces up to 5 of a document's ``L - 4`` shingles, so a
    one-word edit keeps Jaccard >= 0.8 only for documents of about 50 words or more.
    """
    n = len(texts)
    if n < 2:
        return 0.0
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"`threshold` must be in (0, 1]. Got {threshold} instead.")
    if bands is None:
        bands, rows = choose_bands(threshold, num_perm)
    else:
        if not 1 <= bands <= num_perm:
            raise ValueError(f"`bands` must be in [1, num_perm]. Got {bands} instead.")
        rows = num_perm // bands
    sets = [shingles(rouge_tokens(t)) for t in texts]
    sig = minhash_signatures(sets, num_perm=num_perm, seed=seed)
    has = np.fromiter((bool(s) for s in sets), dtype=bool, count=n)
    flagged = np.zeros(n, dtype=bool)
    checked: set[tuple[int, int]] = set()
    live = np.flatnonzero(has)
    for band in range(bands):
        ordered, bounds = band_buckets(sig, live, band, rows)
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            if hi - lo < 2:
                continue
            bucket = ordered[lo:hi].tolist()
            if all(flagged[d] for d in bucket):
                continue
            # each unflagged member looks for one near-copy in its bucket; stop at the first found
            for p, d in enumerate(bucket):
                if flagged[d]:
                    continue
                for q, e in enumerate(bucket):
                    if q == p:
                        continue
                    pair = (d, e) if d < e else (e, d)
                    if pair in checked:
                        continue
                    checked.add(pair)
                    if exact_jaccard(sets[d], sets[e]) >= threshold:
                        flagged[d] = flagged[e] = True
                        break
    return float(flagged.mean())
