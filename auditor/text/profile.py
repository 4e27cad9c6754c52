"""The one streaming pass over a generation: a full count table plus a document reservoir.

Memory grows with the vocabulary and the reservoir (``reservoir_tokens``), never with corpus
length. The reservoir keeps the documents with the smallest random keys whose tokens reach the
capacity: a uniform random sample of whole documents (bottom-k sampling). Keys depend only on the
seed, the generation's name and the document's position, so two profiles of disjoint parts of a
corpus merge (counts add, reservoirs keep the smallest keys) into the profile of the whole.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from auditor.corpus.readers import Document, ReadLog
from auditor.text.tokenize import Tokenizer

BATCH_DOCS = 512
COUNT_FLUSH_TOKENS = 1_000_000

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(documents_read, tokens_read)`` during a pass."""


def doc_key(seed: int, stream: int, position: int) -> float:
    """A uniform [0, 1) key for a document, from a SplitMix64 hash of its identity."""
    z = (seed * 0x9E3779B97F4A7C15 + stream * 0xBF58476D1CE4E5B9 + position + 1) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 31
    return (z >> 11) / float(1 << 53)


def stream_id(name: str) -> int:
    """A stable integer for a generation name (keys must not depend on argument order)."""
    return zlib.crc32(name.encode("utf-8"))


@dataclass
class DocumentSample:
    """Whole documents as one flat token-id array with offsets: what draws are taken from."""

    tokens: np.ndarray
    offsets: np.ndarray
    fields: list[dict[str, str]] = field(default_factory=list)
    keys: np.ndarray | None = None
    """Reservoir keys of the documents (ascending) when the sample is a reservoir; merging needs them."""

    @property
    def n_docs(self) -> int:
        """Number of documents."""
        return len(self.offsets) - 1

    @property
    def n_tokens(self) -> int:
        """Number of tokens over all documents."""
        return int(self.offsets[-1])

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per document."""
        return np.diff(self.offsets)

    def subset(self, doc_indices: np.ndarray) -> DocumentSample:
        """The documents at ``doc_indices``, in that order."""
        doc_indices = np.asarray(doc_indices, dtype=np.int64)
        starts = self.offsets[doc_indices]
        lengths = self.offsets[doc_indices + 1] - starts
        return DocumentSample(
            gather(self.tokens, starts, lengths),
            np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            [self.fields[i] for i in doc_indices] if self.fields else [],
        )

    @staticmethod
    def from_arrays(arrays: list[np.ndarray], fields: list[dict[str, str]] | None = None) -> DocumentSample:
        """Pack a list of per-document arrays."""
        lengths = np.array([len(a) for a in arrays], dtype=np.int64)
        tokens = np.concatenate(arrays).astype(np.int32) if arrays else np.zeros(0, np.int32)
        return DocumentSample(tokens, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), fields or [])


def gather(tokens: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenate ``tokens[s:s+l]`` for each (s, l) without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=tokens.dtype)
    shift = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return tokens[np.arange(total) + shift]


@dataclass
class GenerationProfile:
    """Everything later stages need from one generation, built in one pass."""

    name: str
    source: str
    documents: int
    """Documents with at least one word token."""
    tokens: int
    counts: np.ndarray
    """Occurrences per vocabulary id over the whole generation (int64)."""
    sample: DocumentSample
    """The reservoir: a uniform random sample of whole documents, in key order."""
    log: ReadLog

    @property
    def types(self) -> int:
        """Distinct word types in the whole generation."""
        return int(np.count_nonzero(self.counts))

    def counts_padded(self, size: int) -> np.ndarray:
        """The count table padded with zeros to the final vocabulary size."""
        if len(self.counts) >= size:
            return self.counts
        return np.concatenate([self.counts, np.zeros(size - len(self.counts), dtype=np.int64)])


class _Reservoir:
    """Bottom-k by key, sized in tokens: keeps the fewest smallest-key documents reaching capacity."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.heap: list[tuple[float, int, np.ndarray, dict[str, str]]] = []  # (-key, position, ids, fields)
        self.tokens = 0

    def offer(self, key: float, position: int, ids: np.ndarray, fields: dict[str, str]) -> None:
        if self.tokens >= self.capacity and self.heap and key > -self.heap[0][0]:
            return
        heapq.heappush(self.heap, (-key, position, ids, fields))
        self.tokens += len(ids)
        while self.heap and self.tokens - len(self.heap[0][2]) >= self.capacity:
            _, _, dropped, _ = heapq.heappop(self.heap)
            self.tokens -= len(dropped)

    def sample(self) -> DocumentSample:
        entries = sorted(self.heap, key=lambda e: (-e[0], e[1]))
        out = DocumentSample.from_arrays([e[2] for e in entries], [e[3] for e in entries])
        out.keys = np.array([-e[0] for e in entries], dtype=np.float64)
        return out


def merge_profiles(a: GenerationProfile, b: GenerationProfile, *, reservoir_tokens: int) -> GenerationProfile:
    """The profile of two disjoint parts of one generation (parts profiled with global positions).

    Counts, documents and tokens add; the reservoir is again the shortest run of smallest-key
    documents reaching ``reservoir_tokens``, exactly what one pass over the whole would keep.
    """
    if a.sample.keys is None or b.sample.keys is None:
        raise ValueError("only reservoir samples (with keys) can be merged")
    size = max(len(a.counts), len(b.counts))
    entries = [(float(k), s, i) for s in (a.sample, b.sample) for i, k in enumerate(s.keys)]
    entries.sort(key=lambda e: e[0])
    kept, total = [], 0
    for key, sample, i in entries:
        if total >= reservoir_tokens:
            break
        kept.append((key, sample, i))
        total += int(sample.lengths[i])
    arrays = [s.tokens[s.offsets[i] : s.offsets[i + 1]] for _, s, i in kept]
    fields = [s.fields[i] if s.fields else {} for _, s, i in kept]
    sample = DocumentSample.from_arrays(arrays, fields)
    sample.keys = np.array([k for k, _, _ in kept], dtype=np.float64)
    log = ReadLog(a.log.skipped + b.log.skipped, a.log.warnings + b.log.warnings, a.log.files + b.log.files)
    return GenerationProfile(
        a.name,
        a.source,
        a.documents + b.documents,
        a.tokens + b.tokens,
        a.counts_padded(size) + b.counts_padded(size),
        sample,
        log,
    )


def profile_generation(
    name: str,
    source: str,
    documents: Iterable[Document],
    tokenizer: Tokenizer,
    log: ReadLog,
    *,
    seed: int,
    reservoir_tokens: int,
    progress: ProgressCallback | None = None,
    start_position: int = 0,
) -> GenerationProfile:
    """Tokenize a document stream once into counts and a reservoir (see module docstring).

    ``start_position`` is the position of the stream's first document in the whole generation,
    for profiling parts of a generation separately and merging them.
    """
    reservoir = _Reservoir(reservoir_tokens)
    stream = stream_id(name)
    counts = np.zeros(0, dtype=np.int64)
    pending: list[np.ndarray] = []
    pending_tokens = 0
    n_docs = 0
    position = start_position  # every document read counts, so parts can be profiled apart
    n_tokens = 0
    batch: list[Document] = []

    def flush_counts() -> None:
        nonlocal counts, pending, pending_tokens
        if not pending:
            return
        add = np.bincount(np.concatenate(pending), minlength=len(tokenizer.vocab)).astype(np.int64)
        if len(counts) < len(add):
            counts = np.concatenate([counts, np.zeros(len(add) - len(counts), dtype=np.int64)])
        counts[: len(add)] += add
        pending, pending_tokens = [], 0

    def flush_batch() -> None:
        nonlocal n_docs, n_tokens, pending_tokens, position
        for doc, ids in zip(batch, tokenizer.ids([d.text for d in batch]), strict=True):
            position += 1
            if len(ids) == 0:
                log.skip("no_word_tokens")
                continue
            reservoir.offer(doc_key(seed, stream, position), position, ids, doc.fields)
            n_docs += 1
            n_tokens += len(ids)
            pending.append(ids)
            pending_tokens += len(ids)
        batch.clear()
        if pending_tokens >= COUNT_FLUSH_TOKENS:
            flush_counts()
        if progress is not None:
            progress(n_docs, n_tokens)

    for doc in documents:
        batch.append(doc)
        if len(batch) >= BATCH_DOCS:
            flush_batch()
    flush_batch()
    flush_counts()
    return GenerationProfile(name, source, n_docs, n_tokens, counts, reservoir.sample(), log)
