"""tail: Do the reference's rare words survive in later generations?"""

from __future__ import annotations

from auditor.families.base import Family, Lazy
from auditor.families.tail.metrics import METRICS

FAMILY = Family(
    name="tail",
    label="Rare words",
    question="Do the reference's rare words survive in later generations?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.lexical:prepare"),
    views=Lazy("auditor.families.tail.views:views"),
)
