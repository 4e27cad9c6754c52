"""What "rare" means, for the families that measure rare words (``tail``, ``paired``).

Two meanings, one home each:

* rare in the reference: the rare bands, by a type's occurrences in a budget draw of the
  reference (:data:`RARE_BANDS`; together they span :data:`TAIL_RANGE`, 1-16);
* rare in the language: a wordfreq Zipf frequency below :data:`LANG_RARE_ZIPF` (3, i.e. under one
  occurrence per million words), asked by :func:`lang_rare`, on the Zipf scale
  :func:`zipf_frequency` gives (the one ``MetricData.lang_zipf`` builds for the run's vocabulary).
"""

from __future__ import annotations

import math

import numpy as np

RARE_BANDS: dict[str, tuple[int, int]] = {"hapax": (1, 1), "rare": (2, 4), "uncommon": (5, 16)}
"""The reference's rare bands: a type's lowest and highest occurrence count (inclusive) in a budget draw."""

TAIL_RANGE: tuple[int, int] = (min(lo for lo, _ in RARE_BANDS.values()), max(hi for _, hi in RARE_BANDS.values()))
"""The rare bands together: (1, 16) occurrences."""

LANG_RARE_ZIPF = 3.0
"""A word is rare in the language below this wordfreq Zipf frequency (log10 per billion words)."""


def span(edges: tuple[int, int]) -> str:
    """Occurrences between two edges for people: ``1``, ``2-4``, ``5-16``."""
    low, high = edges
    return str(low) if low == high else f"{low}-{high}"


def zipf_frequency(frequency: float | None) -> float:
    """A word's wordfreq frequency on the Zipf scale (log10 per billion words); 0, the bottom of the
    scale, for a word wordfreq does not know (``None``)."""
    return math.log10(frequency) + 9 if frequency else 0.0


def lang_rare(zipf: float | np.ndarray) -> bool | np.ndarray:
    """Whether words of these Zipf frequencies are rare in the language (a bool, or a bool array)."""
    return zipf < LANG_RARE_ZIPF
