"""vocabulary: Does the vocabulary shrink when every generation is measured at the same size?"""

from __future__ import annotations

from auditor.config import Settings
from auditor.families.base import Family, LanguageUse, Lazy
from auditor.families.vocabulary.metrics import METRICS


def _language(language: str, settings: Settings) -> LanguageUse:
    from auditor.text.languages import tokenizer_name

    return LanguageUse({"tokenizer": tokenizer_name(language, settings.tokenizer)})

FAMILY = Family(
    name="vocabulary",
    label="Vocabulary",
    question="Does the vocabulary shrink when every generation is measured at the same size?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.lexical:prepare"),
    views=Lazy("auditor.families.vocabulary.views:views"),
    subject="words",
    settings=("budget", "max_budget", "min_tokens", "segment_tokens", "max_segments"),
    language=_language,
)
