"""A fast word n-gram language model for the collapse simulator.

Why a hand-written model: the simulator trains and samples a whole corpus per generation, so
training on and sampling ~350k words must take a couple of seconds; ``nltk.lm``'s generator
is far too slow for that. Counting is vectorised with numpy; sampling is one tight Python loop
over cached, pre-decoded distributions.

Model. Documents are split into words and punctuation (case kept, so samples read like text),
padded with ``order - 1`` ``<s>`` tokens and closed with ``</s>``. Counts are kept for every
context length 0 .. ``order - 1``. Backoff is *longest-context backoff*, the sampling form of
stupid backoff: the next-token distribution is the relative frequency of the continuations of
the longest context seen in training; an unseen context backs off to the next shorter one, down
to the unigram distribution. No probability is reserved for unseen continuations (no
discounting). That is deliberate: a model that only ever reproduces what it saw, truncated by
the decoder, is exactly the finite-sample "tail loss" that drives model collapse.

Decoding applies, in this order, temperature, top-k and top-p (nucleus), then renormalises, as
common LM decoders do.

Length. Each document gets a target length in words. ``</s>`` is not allowed before the target
is reached; after it, generation runs on to the next sentence end (or ``</s>``) and the
document is cut at the sentence boundary nearest the target (hard cut at the target when there
is no boundary within half the target). The mean length is kept generation after generation
(State of the Union, 5 generations at top_p=0.9: 56.3 words -> 55.5); stopping at the first
``</s>`` after half the target and force-stopping at the target shrinks documents ~14% per
generation, compounding (56.3 -> 27.5).
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from auditor.errors import Errors, UsageError

BOS = "<s>"
EOS = "</s>"
_BOS_ID = 0
_EOS_ID = 1

_WORD = r"\w+(?:(?:[-'\u2019.]|(?<=\d),(?=\d))\w+)*"
TOKEN_RE = re.compile(_WORD + r"|-{2,}|[^\w\s]")
"""Words (with inner hyphens, apostrophes, dots and digit commas), dash runs, single symbols."""
_WORD_RE = re.compile(_WORD)

_WORD_START = re.compile(r"\w")
_ATTACH_LEFT = frozenset(".,;:!?)]}%'\u2019\u201d\u2026")
_ATTACH_RIGHT = frozenset("([{$\u201c\u2018\u00bf")
_SENTENCE_END = frozenset(".!?")

_MAX_TOKENS_PER_WORD = 4
"""Safety cap on tokens per target word, so a punctuation-only loop always ends."""


def tokenize(text: str) -> list[str]:
    """Split text into word and punctuation tokens, case kept."""
    return TOKEN_RE.findall(text)


def is_word(token: str) -> bool:
    """True for word tokens (they start with a letter, digit or underscore), not punctuation."""
    return _WORD_START.match(token) is not None


def count_words(text: str) -> int:
    """Number of word tokens in ``text``: the unit of document lengths in the simulator."""
    return len(_WORD_RE.findall(text))  # the word tokens of TOKEN_RE: its other tokens hold no \w


def detokenize(tokens: Sequence[str]) -> str:
    """Join tokens with spaces, attaching closing punctuation left and opening symbols right.

    Straight double quotes alternate between opening and closing within a document.
    """
    parts: list[str] = []
    glue_next = False
    quote_open = False
    for token in tokens:
        if token == '"':
            attach_left, opens = quote_open, not quote_open
            quote_open = not quote_open
        else:
            attach_left, opens = token in _ATTACH_LEFT, token in _ATTACH_RIGHT
        if parts and not attach_left and not glue_next:
            parts.append(" ")
        parts.append(token)
        glue_next = opens
    return "".join(parts)


def _check_decoding(temperature: float, top_p: float, top_k: int) -> None:
    """Raise UsageError naming the first decoding setting that is out of range."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature < math.inf:
        raise UsageError(Errors.E011.format(name="temperature", expected="a finite number > 0", value=temperature))
    if isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0 < top_p <= 1:
        raise UsageError(Errors.E011.format(name="top_p", expected="a number in (0, 1]", value=top_p))
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise UsageError(Errors.E011.format(name="top_k", expected="an integer >= 0 (0 = off)", value=top_k))


@dataclass(frozen=True)
class Decoding:
    """How tokens are drawn from a model's distribution: temperature, then top-k, then top-p."""

    temperature: float = 1.0
    top_p: float = 1.0
    """Nucleus: keep the fewest most-probable tokens whose probability sums to >= top_p (1.0 = off)."""
    top_k: int = 0
    """Keep the k most probable tokens (0 = off)."""

    def __post_init__(self) -> None:
        _check_decoding(self.temperature, self.top_p, self.top_k)


class LanguageModel(ABC):
    """What the simulator needs from a model, so other model kinds can sit behind it."""

    @abstractmethod
    def fit(self, docs: list[str]) -> None:
        """Train on ``docs`` (replacing anything learned before)."""

    @abstractmethod
    def sample(
        self,
        n_docs: int,
        lengths: Sequence[int],
        rng: np.random.Generator,
        decoding: Decoding,
        prefixes: Sequence[str] | None = None,
    ) -> list[str]:
        """Generate ``n_docs`` documents, the i-th about ``lengths[i]`` words long.

        With ``prefixes``, the i-th document starts with ``prefixes[i]`` (counted in its length)
        and continues from there: a rewrite of a text "seeded with its opening words".
        """


_Dist = tuple[list[int], list[float]]
"""Candidate token ids (most probable first) and their cumulative probabilities (last = 1.0).

A candidate whose step in the cumulative list is zero (a masked ``</s>``) is never drawn.
"""


@dataclass
class _Level:
    """Counts for one context length: continuations of context ``c`` are ``ids[offsets[c]:offsets[c+1]]``.

    Each context's continuations are sorted by count, descending (ties: lower id first), so
    truncation keeps a prefix.
    """

    offsets: np.ndarray
    ids: np.ndarray
    counts: np.ndarray
    children: dict[int, int]
    """(shorter context id * vocabulary size + token one further back) -> this level's context id."""
    starts: list[int] = field(init=False)
    id_list: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.starts = self.offsets[:-1].tolist()
        self.id_list = self.ids.tolist()


@dataclass
class _Decoded:
    """One level decoded for one (decoding, end allowed) pair: a prefix length and a cdf per context."""

    kept: list[int]
    cdf: list[float]


def _decode_level(level: _Level, decoding: Decoding, allow_end: bool) -> _Decoded:
    """Apply temperature, top-k and top-p to every context of a level at once (vectorised).

    One numpy pass over every context is much cheaper than decoding ~100k contexts one by one as
    sampling meets them. When ``allow_end`` is False, ``</s>`` gets weight 0 before truncation, so it neither counts
    towards top-k nor takes nucleus mass.
    """
    starts = level.offsets[:-1]
    sizes = np.diff(level.offsets)
    owner = np.repeat(np.arange(sizes.size), sizes)
    position = np.arange(level.ids.size) - starts[owner]
    usable = np.ones(level.ids.size, dtype=bool) if allow_end else level.ids != _EOS_ID
    weights = _weights(level.counts, starts, owner, usable, decoding.temperature)
    if decoding.top_k:
        skipped = np.cumsum(~usable) - ~usable  # unusable entries before each entry
        rank = position - (skipped - skipped[starts][owner])
        weights[rank >= decoding.top_k] = 0.0
    if decoding.top_p < 1.0:
        before = _segment_cumsum(weights, starts, owner) - weights
        total = np.add.reduceat(weights, starts)[owner]
        weights[before >= decoding.top_p * total] = 0.0
    kept = np.maximum.reduceat(np.where(weights > 0, position + 1, 0), starts)
    cumulative = _segment_cumsum(weights, starts, owner)
    last = starts + np.maximum(kept, 1) - 1
    cdf = cumulative / np.where(kept > 0, cumulative[last], 1.0)[owner]
    cdf[last[kept > 0]] = 1.0  # exact, so a draw in [0, 1) always lands on a candidate
    return _Decoded(kept=kept.tolist(), cdf=cdf.tolist())


def _weights(
    counts: np.ndarray, starts: np.ndarray, owner: np.ndarray, usable: np.ndarray, temperature: float
) -> np.ndarray:
    """Unnormalised probabilities after temperature; 0 for unusable entries.

    At temperature 1 the counts themselves, so nucleus sums are exact; otherwise
    ``(count / best count) ** (1 / temperature)`` in log space, which cannot overflow.
    """
    if temperature == 1.0:
        return np.where(usable, counts, 0).astype(np.float64)
    log_counts = np.where(usable, np.log(counts.astype(np.float64)), -np.inf)
    reference = np.maximum.reduceat(log_counts, starts)[owner]  # the best usable count of the context
    weights = np.zeros(counts.size)
    weights[usable] = np.exp((log_counts[usable] - reference[usable]) / temperature)
    return weights


def _segment_cumsum(values: np.ndarray, starts: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Cumulative sums restarting at each segment start."""
    total = np.cumsum(values)
    base = total[starts] - values[starts]
    return total - base[owner]


@dataclass
class _Cache:
    """Decoded distributions of one ``sample()`` call (valid for one decoding and one fit only)."""

    decoding: Decoding
    levels: dict[tuple[int, bool], _Decoded] = field(default_factory=dict)
    """(context length, end allowed) -> that level decoded."""
    by_history: tuple[dict[tuple[int, ...], _Dist], dict[tuple[int, ...], _Dist]] = field(
        default_factory=lambda: ({}, {})
    )
    """Indexed by "end allowed": last order-1 token ids -> distribution of the longest usable context."""


class NGramModel(LanguageModel):
    """Word n-gram model over integer count tables, with longest-context backoff (module docstring)."""

    def __init__(self, order: int = 3) -> None:
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise UsageError(Errors.E011.format(name="order", expected="an integer >= 1", value=order))
        self.order = order
        self._reset()

    def _reset(self) -> None:
        """Forget everything learned: only ``<s>`` and ``</s>`` are known."""
        self._tokens: list[str] = [BOS, EOS]
        self._ids: dict[str, int] = {BOS: _BOS_ID, EOS: _EOS_ID}
        self._is_word: list[bool] = [False, False]
        self._sentence_end: list[bool] = [False, False]
        self._levels: list[_Level] = []

    @property
    def vocabulary_size(self) -> int:
        """Distinct tokens seen in training, ``<s>`` and ``</s>`` included."""
        return len(self._tokens)

    def fit(self, docs: list[str]) -> None:
        """Count every n-gram of ``docs`` up to ``order`` (replacing earlier counts)."""
        if not docs:
            raise ValueError("NGramModel.fit needs at least one document.")
        self._reset()
        stream, positions = self._encode(docs)
        targets = stream[positions]
        size = len(self._tokens)
        context = np.zeros(positions.size, dtype=np.int64)
        for length in range(self.order):
            children: dict[int, int] = {}
            if length:
                keys = context * size + stream[positions - length]
                unique, context = np.unique(keys, return_inverse=True)
                context = context.reshape(-1).astype(np.int64)
                children = dict(zip(unique.tolist(), range(unique.size), strict=True))
            self._levels.append(_count_level(context, targets, size, children))

    def _encode(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """All documents as one padded id stream, and the positions of the tokens to predict."""
        pad = [_BOS_ID] * (self.order - 1)
        stream: list[int] = []
        positions: list[int] = []
        for doc in docs:
            stream.extend(pad)
            start = len(stream)
            stream.extend(self._id(token) for token in tokenize(doc))
            stream.append(_EOS_ID)
            positions.extend(range(start, len(stream)))
        return np.asarray(stream, dtype=np.int64), np.asarray(positions, dtype=np.int64)

    def _id(self, token: str) -> int:
        """The id of ``token``, added to the vocabulary if new (ids follow first appearance)."""
        idx = self._ids.get(token)
        if idx is None:
            idx = len(self._tokens)
            self._ids[token] = idx
            self._tokens.append(token)
            self._is_word.append(is_word(token))
            self._sentence_end.append(token in _SENTENCE_END)
        return idx

    def probabilities(self, history: Sequence[str], decoding: Decoding | None = None) -> dict[str, float]:
        """The (decoded) next-token distribution after ``history``, for inspection and tests.

        ``history`` is the document so far (its start is implied, as in training). Tokens never
        seen in training make the context unseen, so the model backs off to a shorter one.
        """
        self._require_fit()
        ids = [self._ids.get(token) for token in history]
        known = next((i for i, idx in enumerate(reversed(ids)) if idx is None), len(ids) + self.order)
        padded = [_BOS_ID] * (self.order - 1) + [idx or 0 for idx in ids]
        contexts = self._contexts(padded)[: known + 1]
        dist = self._distribution(contexts, True, _Cache(decoding or Decoding()))
        previous = 0.0
        result: dict[str, float] = {}
        for idx, cumulative in zip(*dist, strict=True):
            if cumulative > previous:
                result[self._tokens[idx]] = cumulative - previous
            previous = cumulative
        return result

    def sample(
        self,
        n_docs: int,
        lengths: Sequence[int],
        rng: np.random.Generator,
        decoding: Decoding,
        prefixes: Sequence[str] | None = None,
    ) -> list[str]:
        """Generate ``n_docs`` documents; the i-th is cut near ``lengths[i]`` words (module docstring).

        ``prefixes[i]``, when given, opens the i-th document; generation continues from its last
        tokens (unknown tokens make the model back off).
        """
        self._require_fit()
        if len(lengths) != n_docs or (prefixes is not None and len(prefixes) != n_docs):
            raise ValueError(f"Got {len(lengths)} lengths for {n_docs} documents.")
        cache = _Cache(decoding)
        return [
            self._sample_doc(max(1, int(length)), rng, cache, tokenize(prefixes[i]) if prefixes else [])
            for i, length in enumerate(lengths)
        ]

    def _require_fit(self) -> None:
        if not self._levels:
            raise ValueError("The model has not been fitted; call fit(docs) first.")

    def _sample_doc(self, target: int, rng: np.random.Generator, cache: _Cache, prefix: Sequence[str] = ()) -> str:
        """Generate tokens until the target is passed and a sentence ends, then cut nearest the target.

        Written as one tight loop with local names: it runs once per generated token. A prefix's
        unknown tokens enter the history as ``</s>``, which no context continues, so the model
        backs off past them.
        """
        width = self.order - 1
        history = [_BOS_ID] * width + [self._ids.get(t, _EOS_ID) for t in prefix]
        state = tuple(history[len(history) - width :]) if width else ()
        words = sum(map(is_word, prefix))
        tables = cache.by_history
        word_flags, sentence_end = self._is_word, self._sentence_end
        boundaries: list[tuple[int, int]] = []  # (tokens, words) after each sentence end
        at_target = 0  # tokens when the word count first reached the target
        limit = _MAX_TOKENS_PER_WORD * target + 8
        for draw in rng.random(limit).tolist():
            allow_end = words >= target
            dist = tables[allow_end].get(state)
            if dist is None:
                dist = tables[allow_end][state] = self._distribution(self._contexts(history), allow_end, cache)
            ids, cdf = dist
            # cdf[-1] is exactly 1.0 and draws are < 1.0, so the index is always in range.
            token = ids[0] if len(ids) == 1 else ids[bisect_right(cdf, draw)]
            if token == _EOS_ID:
                boundaries.append((len(history), words))
                break
            history.append(token)
            if width:
                state = (*state[1:], token)
            words += word_flags[token]
            if words == target and not at_target:
                at_target = len(history)
            if sentence_end[token]:
                boundaries.append((len(history), words))
                if words >= target:
                    break
            if words > target + target // 2:
                break
        end = _cut(boundaries, target, at_target or len(history))
        strings = list(prefix) + [self._tokens[idx] for idx in history[width + len(prefix) :]]
        return detokenize(strings[: max(end - width, len(prefix))])

    def _distribution(self, contexts: list[int], allow_end: bool, cache: _Cache) -> _Dist:
        """The decoded distribution of the longest context in ``contexts`` that has a candidate left."""
        for length in range(len(contexts) - 1, -1, -1):
            decoded = cache.levels.get((length, allow_end))
            if decoded is None:
                decoded = cache.levels[length, allow_end] = _decode_level(
                    self._levels[length], cache.decoding, allow_end
                )
            kept = decoded.kept[contexts[length]]
            if kept:
                start = self._levels[length].starts[contexts[length]]
                return self._levels[length].id_list[start : start + kept], decoded.cdf[start : start + kept]
        raise ValueError("The model has no token to generate (was it fitted on documents with text?).")

    def _contexts(self, history: list[int]) -> list[int]:
        """Context ids of the seen suffixes of ``history``: index = context length (0 = unigram)."""
        size = len(self._tokens)
        found = [0]
        context = 0
        for length in range(1, self.order):
            nxt = self._levels[length].children.get(context * size + history[-length])
            if nxt is None:
                break
            context = nxt
            found.append(context)
        return found


def _count_level(context: np.ndarray, targets: np.ndarray, size: int, children: dict[int, int]) -> _Level:
    """Continuation counts per context, each context's continuations sorted by count (ties: lower id)."""
    pairs, counts = np.unique(context * size + targets, return_counts=True)
    owners, ids = np.divmod(pairs, size)
    order = np.lexsort((ids, -counts, owners))
    owners, ids, counts = owners[order], ids[order], counts[order]
    n_contexts = int(owners[-1]) + 1 if owners.size else 0
    offsets = np.searchsorted(owners, np.arange(n_contexts + 1))
    return _Level(offsets=offsets, ids=ids, counts=counts, children=children)


def _cut(boundaries: list[tuple[int, int]], target: int, at_target: int) -> int:
    """Token count to keep: the sentence boundary nearest ``target`` words, else the target itself."""
    lowest = (target + 1) // 2
    candidates = [(abs(words - target), tokens) for tokens, words in boundaries if words >= lowest]
    if not candidates:
        return at_target
    return min(candidates)[1]
