"""embedding: Do documents still cover the reference's space of meanings (sentence embeddings)?"""

from __future__ import annotations

from typing import Any

import numpy as np

from auditor.config import Settings
from auditor.families.base import Family, LanguageUse, Lazy
from auditor.families.embedding.metrics import METRICS
from auditor.text.profile import GenerationProfile


def _language(language: str, settings: Settings) -> LanguageUse:
    from auditor.embed.notes import embedding_note

    note = embedding_note(settings.embedding_model, language)
    return LanguageUse(note, warning=note["warning"])


def _check(settings: Settings) -> None:
    """A static model is built (first use) or checked loadable before any corpus is read."""
    from auditor.embed.model import missing_dependency, model_identity

    if missing_dependency(settings.embedding_model) is None:
        model_identity(settings.embedding_model)


def _identity(settings: Settings) -> dict[str, Any]:
    from auditor.embed.model import model_identity

    return model_identity(settings.embedding_model)


def _check_stored(stored: dict[str, Any], texts: int) -> str | None:
    """The stored vectors: one finite row per embedded text of the sample, at most."""
    vectors = stored.get("vectors")
    if not isinstance(vectors, np.ndarray) or vectors.dtype.kind != "f" or vectors.ndim != 2:
        return "the embedding vectors do not match the text sample"
    if len(vectors) > texts or not np.isfinite(vectors).all():
        return "the embedding vectors do not match the text sample"
    return None


def _vectors(profile: GenerationProfile) -> tuple[np.ndarray, np.ndarray] | None:
    """The text sample's vectors (its first documents, in key order) and their reservoir keys."""
    stored = profile.derived.get("embedding")
    if stored is None:
        return None
    vectors = stored["vectors"]
    return vectors, profile.texts.keys[: len(vectors)]


FAMILY = Family(
    name="embedding",
    label="Meaning spread",
    question="Do documents still cover the reference's space of meanings (sentence embeddings)?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.embedding.prepare:prepare"),
    views=Lazy("auditor.families.embedding.views:views"),
    extra="embedding",
    subject="meaning",
    settings=("embedding_model", "embedding_batch_size", "min_docs", "knn_k"),
    sampled=True,
    language=_language,
    packages=("torch", "transformers", "sentence-transformers"),
    check_stored=_check_stored,
    vectors=_vectors,
    check=_check,
    identity=_identity,
)
