"""The one registry of metrics: every id, its stated formula, direction, unit, tolerance, citation."""

from __future__ import annotations

from auditor.metrics import embedding, paired, tail, topics, vocabulary, voice
from auditor.metrics.base import Metric, MetricSpec

FAMILY_METRICS: dict[str, list[Metric]] = {
    "vocabulary": vocabulary.METRICS,
    "tail": tail.METRICS,
    "embedding": embedding.METRICS,
    "topics": topics.METRICS,
    "voice": voice.METRICS,
    "paired": paired.METRICS,
}


def all_metrics() -> list[Metric]:
    """Every registered metric, family by family."""
    return [m for metrics in FAMILY_METRICS.values() for m in metrics]


def all_specs() -> list[MetricSpec]:
    """Every metric's spec (what ``auditor metrics`` prints)."""
    return [m.spec for m in all_metrics()]


def get_spec(metric_id: str) -> MetricSpec:
    """The spec of one metric id (KeyError if unknown)."""
    for spec in all_specs():
        if spec.id == metric_id:
            return spec
    raise KeyError(metric_id)
