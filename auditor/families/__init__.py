"""The registry of metric families: the one list of what auditor measures, in report order.

Each family lives in its own folder (``auditor/families/<name>/``) with its metrics and their
formulas (``metrics.py``), how it draws (``prepare``), and its report pictures (``views.py``);
its ``__init__.py`` holds one :class:`~auditor.families.base.Family` record. The pipeline, the
report, the gate and ``auditor metrics`` read this registry and nothing else, so adding a family
is one folder and one line in :data:`FAMILIES`.
"""

from __future__ import annotations

from auditor.families import embedding, likelihood, paired, tail, topics, vocabulary, voice
from auditor.families.base import Family, Metric, MetricSpec

FAMILIES: tuple[Family, ...] = (
    vocabulary.FAMILY,
    tail.FAMILY,
    embedding.FAMILY,
    topics.FAMILY,
    likelihood.FAMILY,
    voice.FAMILY,
    paired.FAMILY,
)
"""Every family, in report order."""

FAMILY_NAMES: tuple[str, ...] = tuple(f.name for f in FAMILIES)
_BY_NAME = {f.name: f for f in FAMILIES}


def get_family(name: str) -> Family:
    """The family called ``name`` (KeyError if unknown)."""
    return _BY_NAME[name]


def all_metrics() -> list[Metric]:
    """Every registered metric, family by family."""
    return [m for f in FAMILIES for m in f.metrics]


def all_specs() -> list[MetricSpec]:
    """Every metric's spec (what ``auditor metrics`` prints)."""
    return [m.spec for m in all_metrics()]


def get_spec(metric_id: str) -> MetricSpec:
    """The spec of one metric id (KeyError if unknown)."""
    for spec in all_specs():
        if spec.id == metric_id:
            return spec
    raise KeyError(metric_id)
