"""The embedding stage: embed each generation's text sample once, then draw equal-size subsets.

Pools: the first ``sample_docs`` documents of each generation in reservoir order (a uniform
random sample). Draws: ``n`` documents without replacement from a pool, with ``n`` half the
smallest pool, so that the reference's pool splits into two disjoint halves of ``n`` (the null).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from auditor.draws import DrawSet, Prepared, draw_size, pool_drawset, too_few_documents, unusable_reference
from auditor.embed.cache import EmbeddingCache, default_cache_dir, text_key
from auditor.embed.model import (
    TruncatedTextWarning,
    count_truncated,
    embed,
    load_model,
    missing_dependency,
    truncation_warning,
    unit_rows,
)
from auditor.families.base import FamilyInput
from auditor.families.embedding.metrics import EmbeddingDraw
from auditor.stats import make_rng

StageProgress = Callable[[str, int], Callable[[int], None]]
"""Given a label and a total, returns ``update(done)``."""

PROJECTION_POINTS = 300


def prepare(inputs: FamilyInput) -> Prepared:
    """Embed every pool (through the cache), then build the draws and the 2-D projection.

    ``executor``: a Dask cluster's, to embed what the cache lacks on its workers.
    """
    profiles, reference, settings = inputs.profiles, inputs.reference, inputs.settings
    progress, executor = inputs.progress, inputs.cluster
    names = [p.name for p in profiles]
    unavailable = missing_dependency(settings.embedding_model)
    if unavailable:
        return Prepared(DrawSet(names, reference, {}, [], dict.fromkeys(names, unavailable)), {"embedding_n": None})
    na = too_few_documents(profiles, settings.min_docs, "embedding")
    if reference in na:
        return unusable_reference(names, reference, na, {"embedding_n": None})

    loaded = load_model(settings.embedding_model)
    cache_dir = None if not settings.cache else Path(settings.cache_dir) if settings.cache_dir else default_cache_dir()
    cache = EmbeddingCache(cache_dir)
    try:
        pools: dict[str, np.ndarray] = {}
        truncated: dict[str, int] = {}
        for p in profiles:
            if p.name in na:
                continue
            texts = p.texts.texts[: settings.sample_docs]
            stored = p.derived.get("embedding")
            if stored is not None and stored["model_id"] == loaded.model_id and len(stored["vectors"]) == len(texts):
                # a reference profile's vectors: the same texts, model and batches embedded them
                pools[p.name], truncated[p.name] = stored["vectors"], int(stored["truncated"])
                cache.stats.from_profile += len(texts)
                _seed_cache(cache, loaded.model_id, loaded.dimension, texts, pools[p.name])
                continue
            update = progress(f"{p.name}: embedding", len(texts)) if progress else None
            pools[p.name] = embed(
                loaded,
                texts,
                cache,
                batch_size=settings.embedding_batch_size,
                progress=update,
                executor=executor,
                model_name=settings.embedding_model,
            )
            truncated[p.name] = count_truncated(loaded, texts)
            p.derived["embedding"] = {
                "model_id": loaded.model_id,
                "truncated": truncated[p.name],
                "vectors": pools[p.name],
            }
    finally:
        cache.close()

    sizes = {name: len(v) for name, v in pools.items()}
    cut = truncation_warning(truncated, sizes, loaded.max_seq_length)
    if cut:
        warnings.warn(TruncatedTextWarning(cut), stacklevel=2)
    if loaded.is_static:
        pools = centred_on_reference(pools, reference)
    n = draw_size(sizes, reference)
    streams = {p.name: p.stream for p in profiles}
    drawset = pool_drawset(names, reference, streams, pools, n, settings, EmbeddingDraw, na, "embedding")
    artifacts = {
        "model": loaded.model_id,
        "model_identity": loaded.identity,
        "centred_on_reference": loaded.is_static,
        "dimension": loaded.dimension,
        "max_seq_length": loaded.max_seq_length,
        "n": n,
        "pool": sizes,
        "truncated": truncated,
        "projection": _projection(pools, reference, settings.seed, streams),
    }
    return Prepared(drawset, {"embedding_n": n}, {"embedding": artifacts}, cache.stats.to_dict())


def centred_on_reference(pools: dict[str, np.ndarray], reference: str) -> dict[str, np.ndarray]:
    """Every pool minus the reference pool's mean vector, L2-normalised again (static models only).

    A static vector is a mean of word-piece rows, so every document shares the frequent words'
    common direction: on State of the Union paragraphs it holds 61% of the second moment and the
    mean pairwise cosine is 0.60 (MiniLM's vectors are far more isotropic). The cosine Vendi score
    then follows how much of each document that direction takes, and split halves of human text
    read as degraded in 2 of 20 splits; centred, in 0 of 20 (``bench/bench_static_graded.py``).
    Removing the common mean is the first step of the standard post-processing of such vectors (Mu &
    Viswanath 2018, "All-but-the-top"); its second, removing the top principal directions too, also
    removed topic narrowing, since the top direction of the reference can be a topic axis. The
    reference's mean is the one fixed point every generation shares, so the transform is the same for
    all of them and a generation's own mean shift stays visible.
    """
    centre = pools[reference].astype(np.float64).mean(axis=0)
    return {name: unit_rows(pool.astype(np.float64) - centre).astype(np.float32) for name, pool in pools.items()}


def _seed_cache(cache: EmbeddingCache, model_id: str, dimension: int, texts: list[str], vectors: np.ndarray) -> None:
    """Put a profile's vectors in the cache where it lacks them, as embedding them would have.

    Later stages (the paired family) embed through the cache: they must find what they would
    have found after embedding the raw reference, so that a run with a profile equals one without.
    """
    keys = [text_key(model_id, t) for t in texts]
    have = cache.get_many(keys, dim=dimension)
    fresh = {key: vector for key, vector in zip(keys, vectors, strict=True) if key not in have}
    cache.put_many(list(fresh.items()))


def _projection(pools: dict[str, np.ndarray], reference: str, seed: int, streams: dict[str, str]) -> dict[str, Any]:
    """A 2-D PCA fitted on the reference pool, applied to up to 300 points of every generation."""
    ref = pools[reference].astype(np.float64)
    mean = ref.mean(axis=0)
    _, s, vt = np.linalg.svd(ref - mean, full_matrices=False)
    axes = vt[:2]
    # a sign convention, so the picture does not flip between platforms
    axes = axes * np.sign(axes[np.arange(2), np.abs(axes).argmax(axis=1)])[:, None]
    explained = (s[:2] ** 2 / (s**2).sum()).tolist()
    points = {}
    for name, pool in pools.items():
        idx = np.sort(make_rng(seed, "projection", streams[name]).permutation(len(pool))[:PROJECTION_POINTS])
        xy = (pool[idx].astype(np.float64) - mean) @ axes.T
        points[name] = [[round(float(x), 4), round(float(y), 4)] for x, y in xy]
    return {"explained_variance": [round(v, 6) for v in explained], "points": points}
