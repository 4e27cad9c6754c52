"""tail: Do the reference's rare words survive in later generations?"""

from __future__ import annotations

from auditor.config import Settings
from auditor.families.base import Family, LanguageUse, Lazy
from auditor.families.tail.metrics import METRICS


def _language(language: str, settings: Settings) -> LanguageUse:
    from auditor.text.languages import tokenizer_name, wordfreq_language

    code, what = wordfreq_language(language)
    notes = {
        "tokenizer": tokenizer_name(language, settings.tokenizer),
        "wordfreq": code,
        "rare_in_language": what if code else f"n/a: {what}",
    }
    return LanguageUse(notes, {} if code else {"tail.lang_rare_share": what})

FAMILY = Family(
    name="tail",
    label="Rare words",
    question="Do the reference's rare words survive in later generations?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.lexical:prepare"),
    views=Lazy("auditor.families.tail.views:views"),
    subject="rare words",
    settings=("budget", "max_budget", "min_tokens", "lost_words"),
    language=_language,
)
