"""What a metric is: its stated definition (:class:`MetricSpec`) and how it is computed.

Two kinds of computation, both batched over many draws at once for speed:

* ``single``: a statistic of one draw (``fn(draws, data) -> values``), e.g. types in B tokens.
  Its null is the statistic on each half of the reference's split-half null.
* ``paired``: a statistic of a generation draw against a reference draw
  (``fn(pairs, data) -> values``), e.g. the survival of the reference's rare words. Its null is
  half against half, and the reference's own row holds that null value.

Naming: ids are ``family.name``; ``better`` says which direction is good ("higher", "lower" or
"none" for descriptive metrics, which never get a warning status).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from auditor.stats import Draw

SingleFn = Callable[[Sequence[Draw], "MetricData"], np.ndarray]
PairedFn = Callable[[Sequence[tuple[Draw, Draw]], "MetricData"], np.ndarray]


@dataclass(frozen=True)
class MetricSpec:
    """A metric's stated formula and how its verdict is judged (DESIGN principle 4)."""

    id: str
    title: str
    definition: str
    better: str
    unit: str
    tolerance: float | None
    """None = the run's default relative tolerance (``--tolerance``)."""
    tolerance_kind: str
    """``relative`` (ratio-scale metrics) or ``absolute`` (bounded or near-zero metrics)."""
    citation: str
    headline: bool = False

    @property
    def family(self) -> str:
        """The family part of the id."""
        return self.id.split(".", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        """The catalogue entry printed by ``auditor metrics``."""
        return {
            "id": self.id,
            "family": self.family,
            "title": self.title,
            "definition": self.definition,
            "better": self.better,
            "unit": self.unit,
            "tolerance": self.tolerance,
            "tolerance_kind": self.tolerance_kind,
            "citation": self.citation,
            "headline": self.headline,
        }


def spec_factory(family: str, **defaults: Any) -> Callable[..., MetricSpec]:
    """A ``make(name, title, definition, **options)`` for one family's specs, with family defaults.

    Options: ``better`` ("higher"), ``unit`` (""), ``headline`` (False), ``tolerance`` (None: the
    run's relative tolerance), ``kind`` ("relative"), ``citation`` ("").
    """
    base = {"better": "higher", "unit": "", "headline": False, "tolerance": None, "kind": "relative", "citation": ""}

    def make(name: str, title: str, definition: str, **options: Any) -> MetricSpec:
        unknown = set(options) - set(base)
        if unknown:
            raise TypeError(f"unknown spec options {sorted(unknown)}")
        o = {**base, **defaults, **options}
        return MetricSpec(
            f"{family}.{name}",
            title,
            definition,
            o["better"],
            o["unit"],
            o["tolerance"],
            o["kind"],
            o["citation"],
            o["headline"],
        )

    return make


@dataclass(frozen=True)
class Metric:
    """A spec plus its batched implementation."""

    spec: MetricSpec
    kind: str
    """``single`` or ``paired`` (see module docstring)."""
    fn: Callable[..., np.ndarray]


@dataclass
class MetricData:
    """Run-wide data a metric may need beyond its draws."""

    words: list[str]
    """Vocabulary strings by id."""
    segment_tokens: int
    max_segments: int
    knn_k: int = 5
    pair_budget: int = 50_000
    na_reasons: dict[str, str] = field(default_factory=dict)
    """Why a metric is undefined on every draw, when a stage knows (metric id -> reason)."""
    _lang_zipf: np.ndarray | None = None

    def lang_zipf(self) -> np.ndarray:
        """wordfreq Zipf frequency (English, log10 per billion words) of every vocabulary word.

        Read from wordfreq's frequency list in one pass (a dict lookup per word, not a call per
        word); words wordfreq does not know get 0, the bottom of the scale.
        """
        if self._lang_zipf is None or len(self._lang_zipf) < len(self.words):
            from wordfreq import get_frequency_dict

            freqs = get_frequency_dict("en")
            self._lang_zipf = np.array(
                [math.log10(freqs[w]) + 9 if w in freqs else 0.0 for w in self.words], dtype=np.float64
            )
        return self._lang_zipf
