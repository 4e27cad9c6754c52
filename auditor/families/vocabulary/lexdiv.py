"""MTLD, HD-D and MATTR, vectorised over many equal-length token segments at once.

Definitions follow the ``lexicalrichness`` package (DESIGN section 3), so the numbers match it to
1e-9 on the same token lists:

* MTLD (McCarthy & Jarvis 2010): walk the tokens, closing a factor whenever the running
  type-token ratio falls to ``<= threshold`` (0.72); the leftover adds ``(1 - ttr) / (1 - threshold)``
  of a factor; the score is tokens / factors, averaged over the forward and the reverse walk.
* HD-D (McCarthy & Jarvis 2007): the sum over types of the probability that the type occurs in a
  random draw of ``draws`` (42) tokens, divided by ``draws`` (the 0-1 scale).
* MATTR (Covington & McFall 2010): the mean type-token ratio over every window of ``window`` (100)
  consecutive tokens.

All functions take a 2-D integer array, one segment per row, and return one float per row. Higher
is more diverse for all three.
"""

from __future__ import annotations

import numpy as np

MTLD_THRESHOLD = 0.72
HDD_DRAWS = 42
MATTR_WINDOW = 100


def local_ids(segments: np.ndarray) -> np.ndarray:
    """Renumber each row's tokens to 0..L-1 (first-seen order is not kept, only identity).

    Working on small per-row ids keeps the bookkeeping arrays at rows x L, whatever the vocabulary.
    """
    seg = np.asarray(segments)
    if seg.ndim != 2:
        raise ValueError(f"`segments` must be a 2-D array. Got {seg.ndim} dimensions instead.")
    n, length = seg.shape
    if length == 0:
        return np.zeros((n, 0), dtype=np.int64)
    order = np.argsort(seg, axis=1, kind="stable")
    sorted_vals = np.take_along_axis(seg, order, axis=1)
    new_type = np.ones((n, length), dtype=np.int64)
    new_type[:, 1:] = sorted_vals[:, 1:] != sorted_vals[:, :-1]
    ranks = np.cumsum(new_type, axis=1) - 1
    out = np.empty((n, length), dtype=np.int64)
    np.put_along_axis(out, order, ranks, axis=1)
    return out


def _mtld_one_direction(ids: np.ndarray, threshold: float) -> np.ndarray:
    n, length = ids.shape
    rows = np.arange(n)
    # mark[r, t] holds the factor number in which type t was last seen in row r; a new factor
    # starts by bumping the row's factor number, so nothing needs clearing.
    mark = np.full((n, length), -1, dtype=np.int64)
    factor_no = np.zeros(n, dtype=np.int64)
    distinct = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    factors = np.zeros(n, dtype=np.float64)
    ttr = np.ones(n, dtype=np.float64)
    for j in range(length):
        t = ids[:, j]
        is_new = mark[rows, t] != factor_no
        mark[rows, t] = factor_no
        distinct += is_new
        count += 1
        ttr = distinct / count
        closed = ttr <= threshold
        if closed.any():
            factors += closed
            factor_no += closed
            distinct[closed] = 0
            count[closed] = 0
    partial = count > 0
    factors[partial] += (1 - ttr[partial]) / (1 - threshold)
    # A text whose TTR never leaves 1 has no factor at all: lexicalrichness counts it as one.
    factors[factors == 0] = 1.0
    return length / factors


WALK_MAX_ROWS = 128
"""Up to this many rows, a plain per-row walk beats the vectorised one (its cost is per column)."""


def _mtld_walk(seq: list[int], n_types: int, threshold: float) -> float:
    """One MTLD direction over int ids below ``n_types``, in O(len(seq)) plain-Python steps."""
    mark = [-1] * n_types  # factor number in which each type was last seen
    factor_no = distinct = count = 0
    for t in seq:
        count += 1
        if mark[t] != factor_no:
            # A new type never lowers the TTR (and correctly rounded division is monotonic), and the
            # TTR was above the threshold, so no factor can close on this token.
            mark[t] = factor_no
            distinct += 1
            continue
        if distinct / count <= threshold:
            factor_no += 1
            distinct = count = 0
    factors = factor_no + ((1 - distinct / count) / (1 - threshold) if count else 0.0)
    return len(seq) / (factors or 1.0)


def _mtld_rows(segments: np.ndarray, threshold: float) -> np.ndarray:
    """MTLD per row by the plain walk (few or long rows)."""
    seg = np.asarray(segments)
    lo, hi = int(seg.min()), int(seg.max())
    if lo < 0 or hi >= 4 * seg.shape[1] + 1024:
        seg = local_ids(seg)
        hi = seg.shape[1] - 1
    return np.array(
        [(_mtld_walk(row, hi + 1, threshold) + _mtld_walk(row[::-1], hi + 1, threshold)) / 2 for row in seg.tolist()]
    )


def mtld(segments: np.ndarray, *, threshold: float = MTLD_THRESHOLD) -> np.ndarray:
    """MTLD per row: the mean of the forward and reverse factor walks (lexicalrichness definition).

    Examples
    --------
    >>> words = "test text with some text numbers hyphenhere and text punctuations".split()
    >>> ids = {w: i for i, w in enumerate(dict.fromkeys(words))}
    >>> float(mtld(np.array([[ids[w] for w in words]]))[0])
    14.000000000000004
    """
    segments = np.asarray(segments)
    if segments.ndim == 2 and segments.shape[1] == 0:
        return np.full(segments.shape[0], np.nan)
    if segments.ndim == 2 and segments.shape[0] <= WALK_MAX_ROWS:
        return _mtld_rows(segments, threshold)
    ids = local_ids(segments)
    forward = _mtld_one_direction(ids, threshold)
    backward = _mtld_one_direction(ids[:, ::-1], threshold)
    return (forward + backward) / 2


def _hdd_contribution(length: int, draws: int) -> np.ndarray:
    """f[c] = (1 - P(type with c occurrences absent from `draws` draws)) / draws, c = 0..length."""
    c = np.arange(length + 1, dtype=np.float64)
    p_absent = np.ones(length + 1, dtype=np.float64)
    for j in range(draws):
        p_absent *= np.clip((length - c - j) / (length - j), 0.0, None)
    return (1.0 - p_absent) / draws


def hdd(segments: np.ndarray, *, draws: int = HDD_DRAWS) -> np.ndarray:
    """HD-D per row on the 0-1 scale (lexicalrichness definition); NaN for rows shorter than ``draws``.

    Examples
    --------
    >>> words = "test text with some text numbers hyphenhere and text punctuations".split()
    >>> ids = {w: i for i, w in enumerate(dict.fromkeys(words))}
    >>> round(float(hdd(np.array([[ids[w] for w in words]]), draws=5)[0]), 12)
    0.883333333333
    """
    ids = local_ids(segments)
    n, length = ids.shape
    if length < draws or length == 0:
        return np.full(n, np.nan)
    counts = np.zeros((n, length), dtype=np.int64)
    np.add.at(counts, (np.repeat(np.arange(n), length), ids.ravel()), 1)
    table = _hdd_contribution(length, draws)
    table[0] = 0.0
    return table[counts].sum(axis=1)


def mattr(segments: np.ndarray, *, window: int = MATTR_WINDOW) -> np.ndarray:
    """MATTR per row (lexicalrichness definition); NaN for rows shorter than ``window``.

    Distinct counts slide in O(L): a window gains a type when the entering token's previous
    occurrence lies before the window, and loses one when the leaving token does not occur
    again inside the window.

    Examples
    --------
    >>> words = "test text with some text numbers hyphenhere and text punctuations".split()
    >>> ids = {w: i for i, w in enumerate(dict.fromkeys(words))}
    >>> round(float(mattr(np.array([[ids[w] for w in words]]), window=5)[0]), 12)
    0.9
    """
    ids = local_ids(segments)
    n, length = ids.shape
    if length < window or window < 1:
        return np.full(n, np.nan)
    prev, nxt = _neighbour_positions(ids)
    first = (prev[:, :window] < 0).sum(axis=1)
    starts = np.arange(1, length - window + 1)
    leaving = (nxt[:, starts - 1] >= starts - 1 + window).astype(np.int64)
    entering = (prev[:, starts + window - 1] < starts).astype(np.int64)
    distinct = np.concatenate([first[:, None], first[:, None] + np.cumsum(entering - leaving, axis=1)], axis=1)
    return distinct.mean(axis=1) / window


def _neighbour_positions(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per position: the previous and next position of the same type in the row (-1 / L if none)."""
    n, length = ids.shape
    order = np.argsort(ids, axis=1, kind="stable")
    sorted_ids = np.take_along_axis(ids, order, axis=1)
    same_as_prev = np.zeros((n, length), dtype=bool)
    same_as_prev[:, 1:] = sorted_ids[:, 1:] == sorted_ids[:, :-1]
    prev_sorted = np.where(same_as_prev, np.roll(order, 1, axis=1), -1)
    same_as_next = np.zeros((n, length), dtype=bool)
    same_as_next[:, :-1] = same_as_prev[:, 1:]
    next_sorted = np.where(same_as_next, np.roll(order, -1, axis=1), length)
    prev = np.empty_like(order)
    nxt = np.empty_like(order)
    np.put_along_axis(prev, order, prev_sorted, axis=1)
    np.put_along_axis(nxt, order, next_sorted, axis=1)
    return prev, nxt


def segment(tokens: np.ndarray, length: int, max_segments: int) -> np.ndarray:
    """Cut a token stream into consecutive full segments of ``length`` (at most ``max_segments``).

    A stream shorter than one segment becomes a single shorter segment, so short texts still
    get a value.
    """
    tokens = np.asarray(tokens)
    full = min(len(tokens) // length, max_segments)
    if full == 0:
        return tokens[None, :]
    return tokens[: full * length].reshape(full, length)
