"""paired: Where documents are linked across generations: what does each rewrite lose?"""

from __future__ import annotations

from auditor.families.base import Family, Lazy
from auditor.families.paired.metrics import METRICS

FAMILY = Family(
    name="paired",
    label="Paired rewrites",
    question="Where documents are linked across generations: what does each rewrite lose?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.paired.prepare:prepare"),
    views=Lazy("auditor.families.paired.views:views"),
)
