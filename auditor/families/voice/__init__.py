"""voice: Do styles and writers stay distinct, or do voices merge?"""

from __future__ import annotations

from auditor.families.base import Family, Lazy
from auditor.families.voice.metrics import METRICS

FAMILY = Family(
    name="voice",
    label="Voice",
    question="Do styles and writers stay distinct, or do voices merge?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.voice.prepare:prepare"),
    views=Lazy("auditor.families.voice.views:views"),
)
