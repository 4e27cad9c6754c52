"""``novelty``: how far a document sits from every human document, in embedding space.

With a transformer model, only the documents the embedding family embedded have vectors (its text
sample: ``sample_docs`` documents per generation, a uniform random sample), so only they get a
value; every other row is null with the reason. The sample's documents are found by their
reservoir keys, which depend only on the seed, the generation's stream and the document's position.

With a static model (``--embedding-model static``) embedding is cheap enough to embed every
document as the scoring pass streams it (:class:`StaticNovelty`): every row gets a value, and the
sample's rows get the value the key lookup would give (a static vector depends on its text only).
Nothing but the reference's vectors is kept, so memory does not grow with the generation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from auditor.embed.model import LoadedModel, encode_static, unit_rows
from auditor.text.profile import GenerationProfile

NOT_SAMPLED = "not in the embedding sample (sample_docs documents per generation are embedded)"
NO_FAMILY = "no family of the run embeds documents"
NO_VECTORS = "no embeddings for this generation or the reference (the embedding family was n/a)"

VectorSource = Callable[[GenerationProfile], "tuple[np.ndarray, np.ndarray] | None"]
"""A family's ``vectors``: a generation's document vectors and their reservoir keys."""


def novelty(
    profile: GenerationProfile, reference: GenerationProfile, keys: np.ndarray, source: VectorSource | None
) -> tuple[np.ndarray, list[str | None]]:
    """Per row (by reservoir key): the cosine distance to the nearest reference document, or NaN and why."""
    n = len(keys)
    values = np.full(n, np.nan)
    found_vectors = source(profile) if source is not None else None
    ref_vectors = source(reference) if source is not None else None
    if found_vectors is None or ref_vectors is None:
        return values, [NO_FAMILY if source is None else NO_VECTORS] * n
    vectors = unit_rows(np.asarray(found_vectors[0], dtype=np.float64))
    ref = unit_rows(np.asarray(ref_vectors[0], dtype=np.float64))
    sample_keys = found_vectors[1]
    order = np.argsort(sample_keys, kind="stable")
    at = np.clip(np.searchsorted(sample_keys[order], keys), 0, max(len(order) - 1, 0))
    found = (len(order) > 0) & (sample_keys[order][at] == keys) if len(order) else np.zeros(n, dtype=bool)
    rows = np.flatnonzero(found)
    if len(rows):
        values[rows] = nearest_distance(vectors[order[at[rows]]], ref)
    notes: list[str | None] = [None if f else NOT_SAMPLED for f in found.tolist()]
    return values, notes


def nearest_distance(unit_vectors: np.ndarray, unit_reference: np.ndarray) -> np.ndarray:
    """Per row, the cosine distance to the nearest reference row (both L2-normalised float64)."""
    return np.asarray(np.clip(1.0 - (unit_vectors @ unit_reference.T).max(axis=1), 0.0, 2.0))


@dataclass
class StaticNovelty:
    """Every document's novelty from a static model, as the scoring pass streams it (module docstring)."""

    model: LoadedModel
    reference: np.ndarray
    """The reference's embedding-sample vectors, L2-normalised float64."""

    @classmethod
    def build(cls, model: LoadedModel, reference: GenerationProfile, source: VectorSource) -> StaticNovelty | None:
        """None unless ``model`` is static and the reference has vectors."""
        found = source(reference) if model.is_static else None
        if found is None or not len(found[0]):
            return None
        return cls(model, unit_rows(np.asarray(found[0], dtype=np.float64)))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """The novelty of each text."""
        if not len(texts):
            return np.zeros(0)
        return nearest_distance(unit_rows(encode_static(self.model, texts).astype(np.float64)), self.reference)
