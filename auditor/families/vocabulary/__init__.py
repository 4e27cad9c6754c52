"""vocabulary: Does the vocabulary shrink when every generation is measured at the same size?"""

from __future__ import annotations

from auditor.families.base import Family, Lazy
from auditor.families.vocabulary.metrics import METRICS

FAMILY = Family(
    name="vocabulary",
    label="Vocabulary",
    question="Does the vocabulary shrink when every generation is measured at the same size?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.lexical:prepare"),
    views=Lazy("auditor.families.vocabulary.views:views"),
)
