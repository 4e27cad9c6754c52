"""KeyIndex: the hashed lookup answers exactly what a binary search does; the n-gram model that uses it."""

from __future__ import annotations

import numpy as np
import pytest

from auditor.families.likelihood.kneser_ney import KneserNey, document_windows
from auditor.families.likelihood.lookup import KeyIndex


def binary_search(keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """The lookup KeyIndex replaces: np.searchsorted, then an equality check."""
    if len(keys) == 0:
        return np.full(len(queries), -1, dtype=np.int64)
    idx = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[idx] == queries, idx, -1)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 100, 5_000])
def test_random_uint64_keys(size: int) -> None:
    rng = np.random.default_rng(size)
    keys = np.unique(rng.integers(0, 2**64, size=size, dtype=np.uint64, endpoint=False))
    queries = np.concatenate([keys, rng.integers(0, 2**64, size=3 * size + 10, dtype=np.uint64)])
    queries = np.concatenate([queries, np.array([0, 2**64 - 1], dtype=np.uint64)])
    rng.shuffle(queries)
    np.testing.assert_array_equal(KeyIndex(keys).find(queries), binary_search(keys, queries))


@pytest.mark.parametrize("w", [7, 1_000])
def test_structured_int64_keys_and_negative_queries(w: int) -> None:
    """n-gram ids ``suffix * w + word``: dense runs that a plain modulus would bunch together."""
    rng = np.random.default_rng(w)
    suffix = rng.integers(0, 300, size=20_000)
    first = rng.integers(0, w, size=20_000)
    keys = np.unique(suffix * w + first).astype(np.int64)
    queries = rng.integers(-w, 300 * w, size=50_000).astype(np.int64)
    index = KeyIndex(keys)
    np.testing.assert_array_equal(index.find(queries), binary_search(keys, queries))
    np.testing.assert_array_equal(index.find(keys), np.arange(len(keys)))
    assert index.find(np.zeros(0, dtype=np.int64)).shape == (0,)


def test_keys_alike_in_their_low_bits() -> None:
    """Multiples of 2**58 (and their neighbours, absent) are found exactly."""
    keys = np.sort(np.arange(64, dtype=np.uint64) << np.uint64(58))
    queries = np.concatenate([keys, keys + np.uint64(1)])
    np.testing.assert_array_equal(KeyIndex(keys).find(queries), binary_search(keys, queries))


def test_other_dtypes_are_refused() -> None:
    with pytest.raises(TypeError):
        KeyIndex(np.arange(5, dtype=np.int32))


@pytest.mark.parametrize("order", [2, 3, 4])
def test_kneser_ney_rows_alone_or_shuffled(order: int) -> None:
    """A row that continues the one before reuses its lookups: the same probabilities as the row
    scored alone or among rows in any order."""
    rng = np.random.default_rng(order)
    lengths = rng.integers(1, 30, size=200)
    tokens = rng.zipf(1.3, size=lengths.sum()) % 300
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    model = KneserNey.fit(tokens[: offsets[150]], offsets[:151], 300, order=order)
    windows = document_windows(tokens, offsets, order, eos=model.eos, bos=model.bos)
    p = model.probabilities(windows)
    alone = np.concatenate([model.probabilities(windows[i : i + 1]) for i in range(0, len(windows), 7)])
    np.testing.assert_array_equal(alone, p[::7])
    shuffled = rng.permutation(len(windows))
    np.testing.assert_array_equal(model.probabilities(windows[shuffled]), p[shuffled])
