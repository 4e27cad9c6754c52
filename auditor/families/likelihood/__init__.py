"""likelihood: How probable is each generation under a model of the reference, and how much does it copy?"""

from __future__ import annotations

from auditor.families.base import Family, Lazy
from auditor.families.likelihood.metrics import METRICS

FAMILY = Family(
    name="likelihood",
    label="Likelihood",
    question="How probable is each generation under a model of the reference, and how much of it is copied?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.likelihood.prepare:prepare"),
    views=Lazy("auditor.families.likelihood.views:views"),
)
