"""paired: Where documents are linked across generations: what does each rewrite lose?"""

from __future__ import annotations

from auditor.config import Settings
from auditor.families.base import Family, LanguageUse, Lazy
from auditor.families.paired.metrics import METRICS


def _language(language: str, settings: Settings) -> LanguageUse:
    from auditor.text.languages import tokenizer_name, wordfreq_language

    code, what = wordfreq_language(language)
    notes = {"tokenizer": tokenizer_name(language, settings.tokenizer), "wordfreq": code}
    return LanguageUse(notes, {} if code else {"paired.lang_rare_retention": what})

FAMILY = Family(
    name="paired",
    label="Paired rewrites",
    question="Where documents are linked across generations: what does each rewrite lose?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.paired.prepare:prepare"),
    views=Lazy("auditor.families.paired.views:views"),
    subject="linked documents",
    settings=("pair_field", "pair_by_order", "pair_docs", "embedding_model"),
    fields=("pair_field",),
    links=True,
    language=_language,
)
