"""ROUGE-L with a bit-parallel longest common subsequence, and the homogenization score.

Homogenization (Padmakumar & He 2024, "Does writing with language models reduce content
diversity?") is the mean ROUGE-L F1 between pairs of documents of one corpus: a collapsing series of
generations re-uses the same word sequences, so its documents' pairwise LCS overlap rises.

The LCS is computed with the bit-parallel algorithm of Allison & Dix (1986) in the form given by
Hyyrö (2004) (also Crochemore et al. 2001): with one bit per position of ``a``, ``M[c]`` the mask of
positions where ``a`` holds symbol ``c`` and ``V`` starting as all ones, every symbol ``c`` of ``b``
does ``U = V & M[c]; V = (V + U) | (V - U)``; the LCS length is the number of zero bits among the low
``len(a)`` bits of ``V`` at the end. ``V - U`` equals ``V & ~M[c]`` (``U`` is a subset of ``V``), the
other common spelling. Python's big integers make this a handful of word operations per symbol of
``b`` whatever ``len(a)``, so about ``len(b)`` interpreter steps per pair instead of
``len(a) * len(b)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_TOKEN_RE = re.compile(r"[^\W_]+")


def rouge_tokens(text: str) -> list[str]:
    """Lower-cased runs of letters and digits: the ``rouge_score`` default tokenizer, Unicode-aware.

    ``rouge_score`` (which the diversity package's homogenization score calls) lower-cases, turns every
    character outside ``[a-z0-9]`` into a separator and splits; this does the same but also keeps
    non-ASCII letters, so on ASCII text the two give identical tokens ("don't" -> "don", "t").
    No stemming.
    """
    return _TOKEN_RE.findall(text.lower())


def _masks(a: Sequence[int]) -> dict[int, int]:
    masks: dict[int, int] = {}
    bit = 1
    for c in a:
        masks[c] = masks.get(c, 0) | bit
        bit <<= 1
    return masks


def _lcs_masks(masks: dict[int, int], length: int, b: Sequence[int]) -> int:
    """LCS length of the sequence behind ``masks`` (``length`` symbols) and ``b``."""
    full = (1 << length) - 1
    v = full
    get = masks.get
    for c in b:
        m = get(c)
        if m is not None:
            u = v & m
            v = (v + u) | (v - u)
    return length - (v & full).bit_count()


def lcs_length(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common subsequence of ``a`` and ``b`` (any hashable symbols; bit-parallel)."""
    if not a or not b:
        return 0
    return _lcs_masks(_masks(a), len(a), b)


def _f1(lcs: int, len_a: int, len_b: int) -> float:
    if lcs == 0:
        return 0.0
    return 2.0 * lcs / (len_a + len_b)


def rouge_l_f1(a_tokens: Sequence[object], b_tokens: Sequence[object]) -> float:
    """ROUGE-L F1 (beta 1): 2PR/(P+R) with P = LCS/len(b), R = LCS/len(a); 0.0 if either is empty.

    With beta 1 the F1 equals ``2 * LCS / (len(a) + len(b))``, symmetric in its arguments, so pair order
    does not matter (it is also what ``rouge_score``'s ``rougeL`` fmeasure returns).
    """
    if not a_tokens or not b_tokens:
        return 0.0
    return _f1(lcs_length(a_tokens, b_tokens), len(a_tokens), len(b_tokens))


def _pair_from_index(k: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Map indices 0..n(n-1)/2-1 to pairs (i, j), i < j, in row-major order over the upper triangle."""
    k = np.asarray(k, dtype=np.int64)
    # start(i) = number of pairs whose first index is below i = i*(n-1) - i*(i-1)/2
    disc = (2 * n - 1) ** 2 - 8 * k.astype(np.float64)
    i = np.floor(((2 * n - 1) - np.sqrt(np.maximum(disc, 0.0))) / 2).astype(np.int64)
    i = np.clip(i, 0, n - 2)

    def start(r: np.ndarray) -> np.ndarray:
        return r * (n - 1) - r * (r - 1) // 2

    # exact integer correction of float rounding
    for _ in range(3):
        i = np.where(start(i) > k, i - 1, i)
        i = np.where(start(i + 1) <= k, i + 1, i)
    j = k - start(i) + i + 1
    return i, j


def _sample_pairs(n: int, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    total = n * (n - 1) // 2
    if count >= total:
        i, j = np.triu_indices(n, k=1)
        return i.astype(np.int64), j.astype(np.int64)
    k = np.sort(rng.choice(total, size=count, replace=False))
    return _pair_from_index(k, n)


def _allocate(sizes: list[int], budget: int) -> list[int]:
    """Split ``budget`` pairs over groups with ``sizes`` pairs each: equal shares, capped at each group's size.

    Water-filling: small groups get all their pairs and the rest is shared equally among the larger
    ones (equal shares because groups are averaged with equal weight). Integer shares; a leftover of
    ``r`` pairs goes one each to the ``r`` largest remaining groups (ties by position).
    """
    alloc = [0] * len(sizes)
    order = sorted(range(len(sizes)), key=lambda g: (sizes[g], g))
    left = budget
    for pos, g in enumerate(order):
        groups_left = len(order) - pos
        share = left // groups_left
        if sizes[g] <= share:
            alloc[g] = sizes[g]
            left -= sizes[g]
        else:
            rest = order[pos:]
            base, extra = divmod(left, groups_left)
            for q, h in enumerate(rest):
                alloc[h] = base + (1 if q >= groups_left - extra else 0)
            break
    return alloc


def homogenization(
    texts: Sequence[str],
    *,
    groups: Sequence[str] | None = None,
    pair_budget: int = 50_000,
    rng: np.random.Generator,
) -> float:
    """Mean pairwise ROUGE-L F1 between documents (Padmakumar & He 2024); higher is more homogeneous.

    Documents are tokenized with :func:`rouge_tokens` once and mapped to integers. Without
    ``groups``, the mean is over all pairs i < j when there are at most ``pair_budget`` of them,
    otherwise over ``pair_budget`` distinct pairs drawn uniformly without replacement with ``rng``
    (so the score is exact and ``rng`` unused whenever the budget covers every pair). With
    ``groups`` (e.g. one group per prompt), only pairs within a group count: the mean is taken per
    group, then averaged over groups with equal weight; groups with fewer than 2 documents are
    skipped; the budget applies to the total and is shared by :func:`_allocate` (equal shares,
    capped at a group's pair count; a group left with no pair because the budget is smaller than the
    number of groups is skipped). Two empty documents score 0 (no tokens, no overlap). NaN when there
    is no pair.

    Because F1 is symmetric, the mean over unordered pairs equals the diversity package's mean over
    ordered pairs i != j.
    """
    if pair_budget < 1:
        raise ValueError(f"`pair_budget` must be >= 1. Got {pair_budget} instead.")
    if groups is not None and len(groups) != len(texts):
        raise ValueError(f"`groups` must have one entry per text ({len(texts)}). Got {len(groups)} instead.")
    vocab: dict[str, int] = {}
    seqs: list[list[int]] = []
    for text in texts:
        seqs.append([vocab.setdefault(t, len(vocab)) for t in rouge_tokens(text)])

    if groups is None:
        members = [list(range(len(texts)))]
    else:
        by_group: dict[str, list[int]] = {}
        for idx, g in enumerate(groups):
            by_group.setdefault(g, []).append(idx)
        members = list(by_group.values())
    members = [m for m in members if len(m) >= 2]
    if not members:
        return float("nan")
    sizes = [len(m) * (len(m) - 1) // 2 for m in members]
    alloc = _allocate(sizes, pair_budget)

    masks_cache: dict[int, dict[int, int]] = {}
    group_means = []
    for m, count in zip(members, alloc, strict=True):
        if count == 0:
            continue
        ii, jj = _sample_pairs(len(m), count, rng)
        total = 0.0
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            a = seqs[m[i]]
            b = seqs[m[j]]
            if not a or not b:
                continue
            # masks over the longer sequence, loop over the shorter one
            if len(a) < len(b):
                a, b, key = b, a, m[j]
            else:
                key = m[i]
            masks = masks_cache.get(key)
            if masks is None:
                masks = _masks(a)
                masks_cache[key] = masks
            lcs = _lcs_masks(masks, len(a), b)
            total += _f1(lcs, len(a), len(b))
        group_means.append(total / len(ii))
    if not group_means:
        return float("nan")
    return float(np.mean(group_means))
