"""The streaming pass spread over worker processes (or a Dask cluster), merged back exactly.

The main process reads documents and deals them out in chunks of whole tokenizer batches; each
worker profiles its chunk (counts, reservoirs keyed by global document position) and returns it in
the chunk's own words; the main process maps those into the run's vocabulary and merges, in chunk
order. The merged profile equals the single-process one (tested): counts add, and reservoirs keep
the same smallest-key documents. Word ids depend on which worker met a word first, so the
pipeline renumbers the vocabulary in string order afterwards (:meth:`Vocabulary.sorted`).

At most ``2 x workers`` chunks are in flight, so memory stays bounded whatever the corpus length.
Any executor with ``submit`` works: a local process pool, or ``dask.distributed.Client``'s executor.
If the pass is interrupted or fails, the chunks still queued are cancelled.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import numpy as np

from auditor.corpus.readers import Document, ReadLog
from auditor.text.profile import (
    BATCH_DOCS,
    GenerationProfile,
    ProgressCallback,
    merge_profiles,
    profile_generation,
)
from auditor.text.tokenize import Tokenizer, Vocabulary

CHUNK_DOCS = BATCH_DOCS * 8


@dataclass(frozen=True)
class ChunkJob:
    """Everything a worker needs to profile one chunk (picklable)."""

    name: str
    texts: list[str]
    sources: list[str]
    fields: list[dict[str, str]] | None
    """Per-document extra fields, or None when no document has any (columns pickle ~7x faster
    than Document objects, and the main process must keep up with every worker)."""
    start_position: int
    seed: int
    reservoir_tokens: int
    text_docs: int
    tokenizer: str
    clitics: str
    pair_field: str | None = None
    pair_by_order: bool = False
    pair_docs: int = 0
    strict: bool = False
    key_limits: tuple[float, float] = (np.inf, np.inf)
    """From the profile merged so far: keys the whole's reservoirs already refuse."""
    stream: str = "generation"
    """The generation's random-stream label (reservoir keys), as in :func:`profile_generation`."""
    language: str = "en"
    """The run's language (the tokenizer's rules and segmenter): workers take it from here."""


@dataclass(frozen=True)
class ChunkResult:
    """A chunk's profile in its own vocabulary, plus that vocabulary's words."""

    profile: GenerationProfile
    words: list[str]


_WORKER_TOKENIZERS: dict[tuple[str, str, str], Tokenizer] = {}
WORKER_MAX_WORDS = 2_000_000
"""A worker's tokenizer starts afresh past this many words: a long-lived Dask worker serves run
after run, and its vocabulary must not grow for ever (ids are private to each chunk anyway)."""


def profile_chunk(job: ChunkJob) -> ChunkResult:
    """Worker side: profile one chunk, then express it in the chunk's own words.

    The tokenizer (with its vocabulary and table of known spans) lives as long as the worker
    process, so spans seen in earlier chunks cost a lookup; the result carries only the words
    present in this chunk.
    """
    key = (job.tokenizer, job.clitics, job.language)
    tokenizer = _WORKER_TOKENIZERS.get(key)
    if tokenizer is None or len(tokenizer.vocab) > WORKER_MAX_WORDS:
        tokenizer = _WORKER_TOKENIZERS[key] = Tokenizer(
            Vocabulary(), job.tokenizer, job.clitics, language=job.language
        )
    profile = profile_generation(
        job.name,
        "",
        [
            Document(t, s, f)
            for t, s, f in zip(job.texts, job.sources, job.fields or itertools.repeat({}), strict=False)
        ],
        tokenizer,
        ReadLog(strict=job.strict),
        seed=job.seed,
        reservoir_tokens=job.reservoir_tokens,
        text_docs=job.text_docs,
        start_position=job.start_position,
        pair_field=job.pair_field,
        pair_by_order=job.pair_by_order,
        pair_docs=job.pair_docs,
        key_limits=job.key_limits,
        stream=job.stream,
    )
    present = np.flatnonzero(profile.counts)
    local = np.zeros(len(profile.counts), dtype=np.int32)
    local[present] = np.arange(len(present), dtype=np.int32)
    profile.counts = profile.counts[present]
    profile.sample.tokens = local[profile.sample.tokens]
    words = tokenizer.vocab.words
    return ChunkResult(profile, [words[i] for i in present])


def _into_vocabulary(result: ChunkResult, vocab: Vocabulary) -> GenerationProfile:
    """Re-express a chunk's profile in the run's vocabulary (new words appended in chunk order)."""
    mapping = np.fromiter((vocab.add(w) for w in result.words), dtype=np.int64, count=len(result.words))
    result.profile.renumber(mapping, len(vocab))
    return result.profile


def chunks(documents: Iterable[Document], size: int = CHUNK_DOCS) -> Iterator[tuple[int, list[Document]]]:
    """The documents in lists of ``size``, each with the position of its first document."""
    iterator = iter(documents)
    position = 0
    while chunk := list(itertools.islice(iterator, size)):
        yield position, chunk
        position += len(chunk)


def profile_parallel(
    name: str,
    source: str,
    documents: Iterable[Document],
    vocab: Vocabulary,
    log: ReadLog,
    executor: Executor,
    workers: int,
    *,
    seed: int,
    reservoir_tokens: int,
    text_docs: int,
    tokenizer: str,
    clitics: str,
    progress: ProgressCallback | None = None,
    pair_field: str | None = None,
    pair_by_order: bool = False,
    pair_docs: int = 0,
    stream: str = "generation",
    language: str = "en",
) -> GenerationProfile:
    """Profile a generation on ``executor``; equal to :func:`profile_generation` in one process."""
    merged: GenerationProfile | None = None
    pending: deque[Future[ChunkResult]] = deque()

    def absorb(future: Future[ChunkResult]) -> None:
        nonlocal merged
        part = _into_vocabulary(future.result(), vocab)
        merged = (
            part
            if merged is None
            else merge_profiles(
                merged, part, reservoir_tokens=reservoir_tokens, text_docs=text_docs, pair_docs=pair_docs
            )
        )
        if progress is not None:
            progress(merged.documents, merged.tokens)

    try:
        for start, chunk in chunks(documents):
            job = ChunkJob(
                name,
                [d.text for d in chunk],
                [d.source for d in chunk],
                [d.fields for d in chunk] if any(d.fields for d in chunk) else None,
                start,
                seed,
                reservoir_tokens,
                text_docs,
                tokenizer,
                clitics,
                pair_field,
                pair_by_order,
                pair_docs,
                strict=log.strict,
                key_limits=merged.key_limits(reservoir_tokens, text_docs) if merged is not None else (np.inf, np.inf),
                stream=stream,
                language=language,
            )
            pending.append(executor.submit(profile_chunk, job))
            while len(pending) >= 2 * workers:
                absorb(pending.popleft())
        while pending:
            absorb(pending.popleft())
    except BaseException:
        # interrupted or failed: chunks not yet started are not wanted (a Dask cluster drops them;
        # the local pool's workers are ended by the engine as the run unwinds)
        for future in pending:
            future.cancel()
        raise
    if merged is None:
        empty = profile_generation(
            name,
            source,
            [],
            Tokenizer(vocab, tokenizer, clitics, language=language),
            log,
            seed=seed,
            reservoir_tokens=reservoir_tokens,
            text_docs=text_docs,
            stream=stream,
        )
        return empty
    merged.log.skipped.update(log.skipped)
    log.skipped = merged.log.skipped
    log.warnings.extend(merged.log.warnings)
    counts = merged.counts
    if len(counts) < len(vocab):
        counts = merged.counts_padded(len(vocab))
    return GenerationProfile(
        name, source, merged.documents, merged.tokens, counts, merged.sample, log, merged.texts, merged.pairs, stream
    )
