"""The one streaming pass over a generation: a full count table plus a document reservoir.

Memory grows with the vocabulary and the reservoir (``reservoir_tokens``), never with corpus
length. The reservoir keeps the documents with the smallest random keys whose tokens reach the
capacity: a uniform random sample of whole documents (bottom-k sampling). Keys depend only on the
seed, the generation's random stream (its role and position in the series, never its name: renaming
a generation must not change a number) and the document's position, so two profiles of disjoint
parts of a corpus merge (counts add, reservoirs keep the smallest keys) into the profile of the whole.
"""

from __future__ import annotations

import hashlib
import heapq
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from auditor.corpus.readers import Document, ReadLog
from auditor.text.arrays import gather
from auditor.text.tokenize import Tokenizer

BATCH_DOCS = 512
COUNT_FLUSH_TOKENS = 1_000_000

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(documents_read, tokens_read)`` during a pass."""


def doc_keys(seed: int, stream: int, positions: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) keys for documents, from a SplitMix64 hash of (seed, stream, position).

    uint64 arithmetic wraps modulo 2**64, as the hash is defined (a test checks it against a
    plain-integer version of the hash).
    """
    base = (seed * 0x9E3779B97F4A7C15 + stream * 0xBF58476D1CE4E5B9 + 1) & 0xFFFFFFFFFFFFFFFF
    z = np.asarray(positions).astype(np.uint64) + np.uint64(base)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def stream_id(stream: str) -> int:
    """A stable integer for a random-stream label (see :func:`auditor.stats.stream_label`)."""
    return zlib.crc32(stream.encode("utf-8"))


@dataclass
class DocumentSample:
    """Whole documents as one flat token-id array with offsets: what draws are taken from."""

    tokens: np.ndarray
    offsets: np.ndarray
    fields: list[dict[str, str]] = field(default_factory=list)
    keys: np.ndarray | None = None
    """Reservoir keys of the documents (ascending) when the sample is a reservoir; merging needs them."""
    positions: np.ndarray | None = None
    """Positions of the documents in their generation (ties between keys break on them)."""

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
    texts: TextSample
    """Raw text of the first ``text_docs`` documents in key order (the same random order)."""
    pairs: PairingInfo | None = None
    """With pairing on: the linked-document sample (the same pair ids in every generation)."""
    stream: str = "generation"
    """The label of this generation's random streams (reservoir keys, draws): its role and
    position in the series, never its user-chosen name."""
    derived: dict[str, Any] = field(default_factory=dict)
    """Costly results that depend only on this generation and the settings, by family (the
    reference sample's embeddings and POS tags): a family computes one when it is absent and
    stores it here, so a reference profile (``auditor profile``) can carry it to later runs."""

    @property
    def types(self) -> int:
        """Distinct word types in the whole generation."""
        return int(np.count_nonzero(self.counts))

    def key_limits(self, reservoir_tokens: int, text_docs: int) -> tuple[float, float]:
        """Keys above which this profile's full reservoirs refuse any further document."""
        tokens = (
            float(self.sample.keys[-1])
            if self.sample.keys is not None and self.sample.n_tokens >= reservoir_tokens
            else np.inf
        )
        texts = float(self.texts.keys[-1]) if text_docs and len(self.texts) >= text_docs else np.inf
        return tokens, texts

    def renumber(self, new_id: np.ndarray, size: int | None = None) -> None:
        """Move counts and reservoir tokens to other word ids: ``new_id[old_id]``, distinct ids in a
        vocabulary of ``size`` words (default: ``len(new_id)``, a permutation)."""
        counts = np.zeros(len(new_id) if size is None else size, dtype=np.int64)
        counts[new_id[: len(self.counts)]] = self.counts
        self.counts = counts
        self.sample.tokens = new_id[self.sample.tokens].astype(np.int32)

    def counts_padded(self, size: int) -> np.ndarray:
        """The count table padded with zeros to the final vocabulary size."""
        if len(self.counts) >= size:
            return self.counts
        return np.concatenate([self.counts, np.zeros(size - len(self.counts), dtype=np.int64)])


@dataclass
class TextSample:
    """Raw texts of the smallest-key documents (a uniform random sample), for families that read text."""

    texts: list[str]
    fields: list[dict[str, str]]
    keys: np.ndarray
    ids: list[str] = field(default_factory=list)
    """Pair ids, for the sample of linked documents (empty otherwise)."""

    def __len__(self) -> int:
        return len(self.texts)


def pair_hash(seed: int, pair_id: str) -> int:
    """A stable 64-bit hash of a pair id: the same in every generation, so samples line up."""
    digest = hashlib.blake2b(f"{seed}\0{pair_id}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


@dataclass
class PairingInfo:
    """Documents linked across generations: a sample by pair-id hash, and every id's hash."""

    sample: TextSample
    hashes: np.ndarray
    """uint64 hash of every document's pair id (for counting unpaired and duplicate ids)."""


Entry = tuple[float, int, Any]
"""(key, position, payload) of one document in a reservoir."""


class _BottomK:
    """Keeps the fewest smallest-key entries whose sizes add up to ``capacity`` (bottom-k sampling)."""

    def __init__(self, capacity: int, size: Callable[[Any], int]) -> None:
        self.capacity = capacity
        self.size = size
        self.heap: list[tuple[float, int, Any]] = []  # (-key, position, payload): a max-heap on key
        self.total = 0

    @property
    def threshold(self) -> float:
        """Keys above this are refused right now (so a batch can skip them before building payloads)."""
        if self.capacity <= 0:
            return -np.inf
        if self.total >= self.capacity and self.heap:
            return -self.heap[0][0]
        return np.inf

    def offer(self, key: float, position: int, payload: Any) -> None:
        if key > self.threshold:
            return
        heapq.heappush(self.heap, (-key, position, payload))
        self.total += self.size(payload)
        while self.heap and self.total - self.size(self.heap[0][2]) >= self.capacity:
            _, _, dropped = heapq.heappop(self.heap)
            self.total -= self.size(dropped)

    def entries(self) -> list[Entry]:
        """Kept entries in ascending key order."""
        return sorted(((-k, pos, payload) for k, pos, payload in self.heap), key=lambda e: (e[0], e[1]))


def _token_size(payload: tuple[np.ndarray, dict[str, str]]) -> int:
    return len(payload[0])


def _one(payload: Any) -> int:
    return 1


def _token_sample(entries: list[Entry]) -> DocumentSample:
    out = DocumentSample.from_arrays([e[2][0] for e in entries], [e[2][1] for e in entries])
    out.keys = np.array([e[0] for e in entries], dtype=np.float64)
    out.positions = np.array([e[1] for e in entries], dtype=np.int64)
    return out


def _text_sample(entries: list[Entry]) -> TextSample:
    """Entries of (text, fields) or, for linked documents, (text, fields, pair id)."""
    return TextSample(
        [e[2][0] for e in entries],
        [e[2][1] for e in entries],
        np.array([e[0] for e in entries], dtype=np.float64),
        [e[2][2] for e in entries if len(e[2]) == 3],
    )


def merge_profiles(
    a: GenerationProfile, b: GenerationProfile, *, reservoir_tokens: int, text_docs: int, pair_docs: int = 0
) -> GenerationProfile:
    """The profile of two disjoint parts of one generation (parts profiled with global positions).

    Counts, documents and tokens add; each reservoir is again the shortest run of smallest-key
    documents reaching its capacity, exactly what one pass over the whole would keep.
    """
    size = max(len(a.counts), len(b.counts))
    pairs = None
    if a.pairs is not None and b.pairs is not None:
        capacity = max(len(a.pairs.sample), len(b.pairs.sample), pair_docs)
        pairs = PairingInfo(
            merge_text_samples(a.pairs.sample, b.pairs.sample, capacity),
            np.concatenate([a.pairs.hashes, b.pairs.hashes]),
        )
    log = ReadLog(a.log.skipped + b.log.skipped, a.log.warnings + b.log.warnings, a.log.files + b.log.files)
    return GenerationProfile(
        a.name,
        a.source,
        a.documents + b.documents,
        a.tokens + b.tokens,
        a.counts_padded(size) + b.counts_padded(size),
        merge_samples(a.sample, b.sample, reservoir_tokens),
        log,
        merge_text_samples(a.texts, b.texts, text_docs),
        pairs,
        a.stream,
    )


def merge_samples(a: DocumentSample, b: DocumentSample, capacity: int) -> DocumentSample:
    """The fewest smallest-key documents of two reservoirs reaching ``capacity`` tokens (vectorised)."""
    if a.keys is None or a.positions is None or b.keys is None or b.positions is None:
        raise ValueError("only reservoir samples (with keys) can be merged")
    keys = np.concatenate([a.keys, b.keys])
    positions = np.concatenate([a.positions, b.positions])
    lengths = np.concatenate([a.lengths, b.lengths])
    order = np.lexsort((positions, keys))
    before = np.cumsum(lengths[order]) - lengths[order]  # tokens of the documents ahead of each
    keep = order[before < capacity]
    starts = np.concatenate([a.offsets[:-1], b.offsets[:-1] + a.n_tokens])
    fields = (a.fields or [{}] * a.n_docs) + (b.fields or [{}] * b.n_docs)
    return DocumentSample(
        gather(np.concatenate([a.tokens, b.tokens]), starts[keep], lengths[keep]),
        np.concatenate([[0], np.cumsum(lengths[keep])]).astype(np.int64),
        [fields[i] for i in keep],
        keys[keep],
        positions[keep],
    )


def merge_text_samples(a: TextSample, b: TextSample, capacity: int) -> TextSample:
    """The ``capacity`` smallest-key documents of two text samples.

    ``a`` comes before ``b`` in the stream and each is in (key, position) order, so a stable sort
    breaks ties of equal keys (one pair id used twice) by position, as a single pass does.
    """
    keys = np.concatenate([a.keys, b.keys])
    keep = np.argsort(keys, kind="stable")[:capacity]
    texts, fields, ids = a.texts + b.texts, a.fields + b.fields, a.ids + b.ids
    return TextSample(
        [texts[i] for i in keep],
        [fields[i] for i in keep],
        keys[keep],
        [ids[i] for i in keep] if ids else [],
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
    text_docs: int = 0,
    progress: ProgressCallback | None = None,
    start_position: int = 0,
    pair_field: str | None = None,
    pair_by_order: bool = False,
    pair_docs: int = 0,
    key_limits: tuple[float, float] = (np.inf, np.inf),
    stream: str = "generation",
) -> GenerationProfile:
    """Tokenize a document stream once into counts and a reservoir (see module docstring).

    ``start_position`` is the position of the stream's first document in the whole generation,
    for profiling parts of a generation separately and merging them. ``key_limits`` are keys
    above which the token and text reservoirs of the whole are already known to refuse a
    document (a part need not keep, nor send back, what the merge would drop).
    """
    reservoir = _BottomK(reservoir_tokens, _token_size)
    text_reservoir = _BottomK(text_docs, _one)
    pairing = pair_by_order or pair_field is not None
    pair_reservoir = _BottomK(pair_docs, _one)
    pair_hashes: list[int] = []
    stream_key = stream_id(stream)
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
        tokens = tokenizer.batch([d.text for d in batch])
        lengths = np.diff(tokens.bounds)
        positions = np.arange(position + 1, position + 1 + len(batch))
        position += len(batch)
        keys = doc_keys(seed, stream_key, positions)
        for i in np.flatnonzero(lengths == 0):
            log.skip("no_word_tokens", batch[i].source)
        has_words = lengths > 0
        for i in np.flatnonzero(has_words & (keys <= min(reservoir.threshold, key_limits[0]))):
            reservoir.offer(float(keys[i]), int(positions[i]), (tokens.doc(i).copy(), batch[i].fields))
        for i in np.flatnonzero(has_words & (keys <= min(text_reservoir.threshold, key_limits[1]))):
            text_reservoir.offer(float(keys[i]), int(positions[i]), (batch[i].text, batch[i].fields))
        if pairing:
            for i in np.flatnonzero(has_words):
                offer_pair(batch[i], int(positions[i]))
        n_docs += int(has_words.sum())
        n_tokens += len(tokens.ids)
        pending.append(tokens.ids)
        pending_tokens += len(tokens.ids)
        batch.clear()
        if pending_tokens >= COUNT_FLUSH_TOKENS:
            flush_counts()
        if progress is not None:
            progress(n_docs, n_tokens)

    def offer_pair(doc: Document, position: int) -> None:
        pair_id = str(position - 1) if pair_by_order else doc.fields.get(pair_field or "")
        if pair_id is None:
            log.skip("missing_pair_id", doc.source)
            return
        h = pair_hash(seed, pair_id)
        pair_hashes.append(h)
        pair_reservoir.offer((h >> 11) / float(1 << 53), position, (doc.text, doc.fields, pair_id))

    for doc in documents:
        batch.append(doc)
        if len(batch) >= BATCH_DOCS:
            flush_batch()
    flush_batch()
    flush_counts()
    return GenerationProfile(
        name,
        source,
        n_docs,
        n_tokens,
        counts,
        _token_sample(reservoir.entries()),
        log,
        _text_sample(text_reservoir.entries()),
        PairingInfo(_text_sample(pair_reservoir.entries()), np.array(pair_hashes, dtype=np.uint64))
        if pairing
        else None,
        stream,
    )
