"""topics: Do later generations still cover the reference's topics?"""

from __future__ import annotations

from auditor.config import Settings
from auditor.families.base import Family, LanguageUse, Lazy
from auditor.families.topics.metrics import METRICS


def _language(language: str, settings: Settings) -> LanguageUse:
    from auditor.text.languages import ENGLISH, stop_word_source, tokenizer_name

    tokenizer = tokenizer_name(language, settings.tokenizer) if language != ENGLISH else "scikit-learn word pattern"
    return LanguageUse({"tokenizer": tokenizer, "stop_words": stop_word_source(language)})

FAMILY = Family(
    name="topics",
    label="Topics",
    question="Do later generations still cover the reference's topics?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.topics.prepare:prepare"),
    views=Lazy("auditor.families.topics.views:views"),
    subject="topics",
    settings=("topics_k", "topics_max_features", "min_docs"),
    sampled=True,
    language=_language,
)
