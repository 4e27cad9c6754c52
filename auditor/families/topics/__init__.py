"""topics: Do later generations still cover the reference's topics?"""

from __future__ import annotations

from auditor.families.base import Family, Lazy
from auditor.families.topics.metrics import METRICS

FAMILY = Family(
    name="topics",
    label="Topics",
    question="Do later generations still cover the reference's topics?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.topics.prepare:prepare"),
    views=Lazy("auditor.families.topics.views:views"),
)
