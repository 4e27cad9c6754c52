"""Small NumPy helpers shared by the tokenizer and the document samples."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def gather(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenate ``values[s:s+l]`` for each (s, l) without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=values.dtype)
    shift = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return values[np.arange(total) + shift]


class GrowingArray:
    """A NumPy array that grows by doubling, so appending batch after batch stays linear."""

    def __init__(self, dtype: type) -> None:
        self._data = np.zeros(1024, dtype=dtype)
        self.size = 0

    def extend(self, values: Sequence[int]) -> None:
        """Append ``values``."""
        end = self.size + len(values)
        if end > len(self._data):
            grown = np.zeros(max(end, 2 * len(self._data)), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : end] = values
        self.size = end

    @property
    def array(self) -> np.ndarray:
        """The values appended so far (a view)."""
        return self._data[: self.size]
