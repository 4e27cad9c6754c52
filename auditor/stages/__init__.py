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


@dataclass
class Stage:
    """What a stage hands to the metrics engine and to metrics.json."""

    drawset: DrawSet
    config: dict[str, Any] = field(default_factory=dict)
    """Effective settings the stage decided (recorded in metrics.json ``config``)."""
    artifacts: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
