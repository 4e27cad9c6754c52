"""embedding: Do documents still cover the reference's space of meanings (sentence embeddings)?"""

from __future__ import annotations

from auditor.families.base import Family, Lazy
from auditor.families.embedding.metrics import METRICS

FAMILY = Family(
    name="embedding",
    label="Meaning spread",
    question="Do documents still cover the reference's space of meanings (sentence embeddings)?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.embedding.prepare:prepare"),
    views=Lazy("auditor.families.embedding.views:views"),
    extra="embedding",
)
