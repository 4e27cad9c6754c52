"""Whether an embedding model reads the run's language (:func:`embedding_note`, for metrics.json).

Judging a model by its name is knowledge about embedding models, so it lives with them here
rather than in the language table (:mod:`auditor.text.languages`), which sits below the embed
layer and must not reach up for :data:`~auditor.embed.model.DEFAULT_MODEL`.
"""

from __future__ import annotations

from typing import Any

from auditor.embed.model import DEFAULT_MODEL
from auditor.embed.static import STATIC
from auditor.text.languages import ENGLISH

ENGLISH_ONLY_MODELS = ("all-minilm", "all-mpnet", "all-distilroberta", "msmarco", "multi-qa-minilm", "multi-qa-mpnet")
MULTILINGUAL_MARKERS = ("multilingual", "labse", "xlm", "bge-m3", "e5-m", "distiluse", "-m3", "paraphrase-multi")


def embedding_note(model: str, language: str) -> dict[str, Any]:
    """Whether the embedding model reads ``language``: English-only, multilingual or unknown."""
    lowered = model.lower()
    if model in (DEFAULT_MODEL, STATIC) or any(marker in lowered for marker in ENGLISH_ONLY_MODELS):
        coverage = "english"
    elif any(marker in lowered for marker in MULTILINGUAL_MARKERS):
        coverage = "multilingual"
    else:
        coverage = "unknown"
    note: dict[str, Any] = {"model": model, "languages": coverage, "warning": None}
    if language != ENGLISH and coverage == "english":
        note["warning"] = (
            f"the embedding model {model} was trained on English only; its distances on '{language}' text are "
            "unreliable: give a multilingual sentence-transformers folder with --embedding-model"
        )
    elif language != ENGLISH and coverage == "unknown":
        note["warning"] = f"cannot tell whether the embedding model {model} reads '{language}'"
    return note
