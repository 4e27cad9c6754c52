"""Aspects: how a generation degraded, not only whether (issue 21).

Every metric declares one primary aspect:

* ``narrowing``: less variety within the generation (types at budget, Vendi, style dispersion ...);
* ``drift``: farther from the reference (centroid shift, divergences, coverage, style drift ...);
* ``loss``: the reference's own content gone (rare-word survival, vanished topics, retention ...).

A metric that mixes two (PRDC coverage falls when a generation drifts and when it narrows) keeps a
primary aspect and names the others in ``mixes``; its definition says which metric separates them.
A family verdict carries the aspects of its *degraded* headline metrics; a generation's reading
joins them across families. Descriptive metrics (``better == "none"``) carry an aspect for the
catalogue but never a warning status, so they never enter a reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

ASPECTS = ("narrowing", "drift", "loss")
"""The aspects a metric can declare, in the order they are explained."""

ASPECT_MEANING = {
    "narrowing": "less variety within the generation",
    "drift": "farther from the reference",
    "loss": "the reference's own content gone",
}

NO_SIGN = "no sign"
"""The reading of a generation none of whose headline metrics is degraded."""


def check_aspect(aspect: str, mixes: Iterable[str] = ()) -> None:
    """Raise ValueError unless ``aspect`` and every ``mixes`` entry is a known aspect (and differ)."""
    for name in (aspect, *mixes):
        if name not in ASPECTS:
            raise ValueError(f"aspect must be one of {', '.join(ASPECTS)}. Got {name!r} instead.")
    if aspect in mixes:
        raise ValueError(f"aspect {aspect!r} cannot also be in mixes")


def sort_aspects(aspects: Iterable[str]) -> list[str]:
    """Distinct aspects, sorted by name (the order metrics.json lists them in)."""
    return sorted(set(aspects))


def reading_text(aspects: Sequence[str]) -> str:
    """One line: ``"narrowing"``, ``"drift + loss"`` ... or ``"no sign"``."""
    return " + ".join(aspects) if aspects else NO_SIGN


@dataclass(frozen=True)
class Reading:
    """A generation's overall reading across families: which aspects degraded, carried by which metrics."""

    generation: str
    aspects: list[str]
    """Degraded aspects (sorted); empty for no sign."""
    metrics: dict[str, list[str]] = field(default_factory=dict)
    """Per degraded aspect: the ids of the degraded headline metrics that carry it."""
    watch: list[str] = field(default_factory=list)
    """Aspects only watched (a headline metric at ``watch``), not degraded anywhere."""

    @property
    def text(self) -> str:
        """``"narrowing + loss"`` or ``"no sign"``."""
        return reading_text(self.aspects)

    def to_dict(self) -> dict[str, Any]:
        """The metrics.json form (schema 1.2)."""
        return {
            "generation": self.generation,
            "reading": self.text,
            "aspects": list(self.aspects),
            "metrics": {a: list(ids) for a, ids in self.metrics.items()},
            "watch": list(self.watch),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reading:
        """Read the metrics.json form."""
        return cls(d["generation"], list(d["aspects"]), {a: list(v) for a, v in d["metrics"].items()}, list(d["watch"]))
