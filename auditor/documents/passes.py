"""The scoring pass: every document of a generation read again, tokenized and scored, in chunks.

It runs after the profiling pass, because the scorer needs what that pass learnt (the reference's
sample and each generation's counts). It streams: a chunk of documents is read, scored (in this
process, on local workers or on a Dask cluster) and reduced to its score columns and MinHash
signatures; no text is kept but the few shown in the report. Memory is the scorer (the reference
sample's model, 8-grams and signatures) plus about 0.5 KB per document of the generation for its
columns, source and signature: the near-duplicate groups need every signature at the end.

Workers get the scorer once, not per chunk: local workers are forked after it is built (they
inherit it), a Dask cluster gets it scattered to every worker. Chunks are absorbed in order, so the
rows are the same on every engine (tested).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from auditor.corpus.readers import Document
from auditor.documents import duplicates
from auditor.documents.rows import GenerationRows
from auditor.documents.scorer import DocumentScorer
from auditor.text.parallel import chunks
from auditor.text.profile import doc_keys, stream_id
from auditor.text.tokenize import Tokenizer, Vocabulary

CHUNK_DOCS = 4096
TOP_DOCUMENTS = 5
"""Documents listed per score and generation in the report."""
EXCERPT_CHARS = 400

_FORKED: DocumentScorer | None = None
"""The scorer local workers inherit (set before the pool forks them)."""
_TOKENIZERS: dict[int, Tokenizer] = {}


@dataclass(frozen=True)
class ScoreJob:
    """One chunk of a generation's documents (picklable)."""

    generation: str
    texts: list[str]


@dataclass(frozen=True)
class ScoredChunk:
    """A chunk's scores: which of its documents have words, their columns and signatures."""

    kept: np.ndarray
    columns: dict[str, np.ndarray]
    signatures: np.ndarray


def set_forked_scorer(scorer: DocumentScorer | None) -> None:
    """The scorer local worker processes forked from now on inherit."""
    global _FORKED
    _FORKED = scorer


def score_chunk(job: ScoreJob, scorer: DocumentScorer | None = None) -> ScoredChunk:
    """Worker side: tokenize one chunk with the run's vocabulary and score it."""
    scorer = scorer if scorer is not None else _FORKED
    if scorer is None:
        raise RuntimeError("score_chunk: no scorer (neither given nor inherited)")
    tokenizer = _TOKENIZERS.get(id(scorer))
    if tokenizer is None:
        _TOKENIZERS.clear()
        vocab = Vocabulary()
        for word in scorer.words:
            vocab.add(word)
        tokenizer = _TOKENIZERS[id(scorer)] = Tokenizer(
            vocab, scorer.tokenizer, scorer.clitics, language=scorer.language
        )
    batch = tokenizer.batch(job.texts)
    lengths = np.diff(batch.bounds)
    kept = np.flatnonzero(lengths > 0)
    offsets = np.concatenate([[0], np.cumsum(lengths[kept])]).astype(np.int64)
    columns = scorer.score(batch.ids, offsets, job.generation)
    if scorer.novelty is not None:
        columns["novelty"] = scorer.novelty([job.texts[i] for i in kept.tolist()])
    return ScoredChunk(kept, columns, scorer.signatures(batch.ids, offsets))


@dataclass
class TopDocuments:
    """The few highest-scoring documents per score, with an excerpt (for the report)."""

    size: int = TOP_DOCUMENTS
    heaps: dict[str, list[tuple[float, int, str, str, float]]] = field(default_factory=dict)

    def offer(
        self, name: str, keys: np.ndarray, shown: np.ndarray, rows: np.ndarray, sources: list[str], texts: list[str]
    ) -> None:
        """Offer documents ranked by ``keys`` (higher is listed first; NaN never), showing ``shown``."""
        heap = self.heaps.setdefault(name, [])
        finite = np.flatnonzero(np.isfinite(keys))
        for i in finite[np.argsort(-keys[finite], kind="stable")][: self.size].tolist():
            item = (float(keys[i]), -int(rows[i]), sources[i], texts[i][:EXCERPT_CHARS], float(shown[i]))
            if len(heap) < self.size:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)

    def listed(self) -> dict[str, list[dict[str, Any]]]:
        """Per score: rows, sources, the score's value and excerpts, best first."""
        return {
            name: [
                {"row": -row, "source": source, "value": round(value, 6), "text": text}
                for _, row, source, text, value in sorted(heap, reverse=True)
            ]
            for name, heap in self.heaps.items()
        }


TOP_SCORES: dict[str, tuple[Callable[[dict[str, np.ndarray]], np.ndarray], str]] = {
    "copy_rate": (
        lambda c: np.where(c["copy_rate"] > 0, c["copy_rate"] + c["longest_copy"] * 1e-9, np.nan),
        "copy_rate",
    ),
    "typical": (lambda c: -c["log_perplexity"], "log_perplexity"),
    "incoherent": (lambda c: c["log_perplexity"], "log_perplexity"),
    "register_score": (lambda c: c["register_score"], "register_score"),
}
"""The documents the report lists, each ranked by a key and shown with a column: most copied, most
typical (lowest log-perplexity), least probable, most in the generation's register."""


def score_generation(
    generation: str,
    stream: str,
    documents: Iterable[Document],
    scorer: DocumentScorer,
    *,
    seed: int,
    id_field: str | None,
    id_by_order: bool,
    executor: Executor | None,
    workers: int,
    scorer_handle: Any = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[GenerationRows, np.ndarray, dict[str, list[dict[str, Any]]]]:
    """Score every document of one generation: its rows, their reservoir keys (to find the embedding
    sample's documents) and the report's top documents.

    ``executor``: None to score here; else chunks go to it, with ``scorer_handle`` (a Dask future
    of the scattered scorer, or None for forked local workers that inherited it).
    """
    parts: list[dict[str, np.ndarray]] = []
    signatures: list[np.ndarray] = []
    sources: list[str] = []
    ids: list[str | None] = []
    positions: list[np.ndarray] = []
    top = TopDocuments()
    pending: deque[tuple[Future[ScoredChunk], int, list[Document]]] = deque()

    def absorb(part: ScoredChunk, start: int, chunk: list[Document]) -> None:
        kept = part.kept.tolist()
        first_row = len(sources)
        chunk_sources = [chunk[i].source for i in kept]
        sources.extend(chunk_sources)
        if id_by_order:
            ids.extend(str(start + i) for i in kept)
        else:
            ids.extend(chunk[i].fields.get(id_field) if id_field else None for i in kept)
        positions.append(start + 1 + part.kept)
        parts.append(part.columns)
        signatures.append(part.signatures)
        rows = np.arange(first_row, first_row + len(kept))
        texts = [chunk[i].text for i in kept]
        for name, (key, column) in TOP_SCORES.items():
            top.offer(name, key(part.columns), part.columns[column], rows, chunk_sources, texts)
        if progress is not None:
            progress(len(sources))

    try:
        for start, chunk in chunks(documents, CHUNK_DOCS):
            job = ScoreJob(generation, [d.text for d in chunk])
            if executor is None:
                absorb(score_chunk(job, scorer), start, chunk)
                continue
            args = (job,) if scorer_handle is None else (job, scorer_handle)
            pending.append((executor.submit(score_chunk, *args), start, chunk))
            while len(pending) >= 2 * workers:
                future, s, c = pending.popleft()
                absorb(future.result(), s, c)
        while pending:
            future, s, c = pending.popleft()
            absorb(future.result(), s, c)
    except BaseException:
        for future, _, _ in pending:
            future.cancel()
        raise

    columns = _concatenate(parts)
    parts.clear()
    n = sum(len(s) for s in signatures)
    groups = duplicates.group_stacked(duplicates.stack(signatures, scorer.reference_signatures), n)
    lp = columns.get("log_perplexity", np.zeros(0))
    known = ~np.isnan(lp)
    columns.update(
        source=sources,
        id=ids,
        typical=_optional_bool(lp < scorer.low, known),
        incoherent=_optional_bool(lp > scorer.high, known),
        duplicate_group=_optional_int(groups.group),
        duplicate_rank=_optional_int(groups.rank),
        duplicate_of_reference=groups.with_reference,
    )
    columns["perplexity_percentile"] = columns.pop("percentile", np.zeros(0))
    where = np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64)
    keys = doc_keys(seed, stream_id(stream), where)
    return GenerationRows(generation, columns), keys, top.listed()


def _concatenate(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if not parts:
        names = ("tokens", "log_perplexity", "percentile", "copy_rate", "longest_copy", "rare_kept", "register_score")
        return {n: np.zeros(0) for n in names}
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def _optional_bool(values: np.ndarray, known: np.ndarray) -> list[bool | None]:
    return [bool(v) if k else None for v, k in zip(values.tolist(), known.tolist(), strict=True)]


def _optional_int(values: np.ndarray) -> list[int | None]:
    return [None if v < 0 else v for v in values.tolist()]
