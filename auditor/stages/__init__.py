"""Family stages: turn profiles into the draws a family's metrics take.

Each stage returns a :class:`Stage`: the draw set, the settings it decided (such as the common
budget or n), artifacts for the report, and cache statistics. The lexical families share one
stage (token draws at a common budget); sampled families (embedding, topics, voice) draw equal-size
sets of documents from a per-generation pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.metrics.engine import DrawSet
from auditor.text.profile import GenerationProfile


@dataclass
class Stage:
    """What a stage hands to the metrics engine and to metrics.json."""

    drawset: DrawSet
    config: dict[str, Any] = field(default_factory=dict)
    """Effective settings the stage decided (recorded in metrics.json ``config``)."""
    artifacts: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    metric_reasons: dict[str, str] = field(default_factory=dict)
    """Why a metric is undefined for every generation (e.g. a setting it needs is absent)."""


def too_few_documents(profiles: list[GenerationProfile], minimum: int, family: str) -> dict[str, str]:
    """The ``n/a`` reason of each generation whose text sample is smaller than ``minimum``."""
    return {
        p.name: f"too few documents: {len(p.texts)}, the {family} family needs at least {minimum} (setting min_docs)"
        for p in profiles
        if len(p.texts) < minimum
    }


def unusable_reference(names: list[str], reference: str, na: dict[str, str], config: dict[str, Any]) -> Stage:
    """A stage with no draws: every generation ``n/a``, the others because the reference is unusable."""
    reason = f"reference unusable: {na[reference]}"
    return Stage(DrawSet(names, reference, {}, [], {n: na.get(n, reason) for n in names}), config)
