"""Word tokens: lower-cased tokens with at least one letter, mapped to ids of a shared vocabulary.

Two tokenizers (setting ``tokenizer``):

* ``spacy`` (default): spaCy's blank tokenizer for the run's ``language`` (rules only, no model;
  Chinese segmented by jieba, Japanese by SudachiPy: the ``cjk`` extra). In English it
  splits clitics ("don't" -> "do" + "n't", "it's" -> "it" + "'s"); with ``clitics = "drop"``
  (default) those clitic pieces are dropped, with ``"keep"`` they stay as tokens of their own.
* ``regex``: runs of letters with inner apostrophes ("don't" stays one token); cruder, and faster
  only on text with many one-off spans (a new span costs ~1 us instead of spaCy's ~26 us).

Tokens without a letter (numbers, punctuation, symbols) are not words and are dropped. Each
white-space-separated span is tokenized on its own, so no word is ever split across a cut.
Scripts without spaces between words (Chinese, Japanese) are segmented into words first (see
``auditor.text.languages``), so the lexical metrics count words; ``regex`` would count runs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from auditor.text.arrays import GrowingArray, gather

PIECE_CHARS = 500_000
"""Texts longer than this are split in white-space-aligned pieces (bounds the temporary lists)."""
MAX_SPANS = 2_000_000
"""Distinct spans remembered before the span table starts afresh (about 200 MB)."""
FLUSH_SPANS = 1_000_000

_APOSTROPHES = ("'", "\u2019")
_CLITIC_RE = re.compile(r"^(?:['\u2019](?:s|d|m|ll|re|ve)|n['\u2019]t)$")
_REGEX_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


class Vocabulary:
    """Word strings <-> dense integer ids, shared by every generation of a run."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self._ids: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.words)

    def add(self, word: str) -> int:
        """Return the id of ``word``, adding it if new."""
        idx = self._ids.get(word)
        if idx is None:
            idx = len(self.words)
            self._ids[word] = idx
            self.words.append(word)
        return idx

    def get(self, word: str) -> int | None:
        """The id of ``word``, or None if it was never seen."""
        return self._ids.get(word)

    def sorted(self) -> tuple[Vocabulary, np.ndarray]:
        """The same words numbered in string order, and ``new_id[old_id]``.

        Ids then depend only on the set of words, not on the order a pass (or which worker)
        met them in, so every engine and worker count gives identical ids.
        """
        order = sorted(range(len(self.words)), key=self.words.__getitem__)
        new_id = np.empty(len(order), dtype=np.int64)
        new_id[order] = np.arange(len(order), dtype=np.int64)
        out = Vocabulary()
        out.words = [self.words[i] for i in order]
        out._ids = {w: i for i, w in enumerate(out.words)}
        return out, new_id


def split_long(text: str, size: int = PIECE_CHARS) -> list[str]:
    """Cut ``text`` into pieces of about ``size`` characters at white space (never inside a word)."""
    if len(text) <= size:
        return [text]
    pieces = []
    start = 0
    while start < len(text):
        end = start + size
        if end < len(text):
            cut = text.rfind(" ", start, end)
            if cut <= start:
                ws = re.compile(r"\s").search(text, end)
                cut = ws.start() if ws else len(text)
            end = cut
        pieces.append(text[start:end])
        start = end
    return pieces


@dataclass(frozen=True)
class TokenBatch:
    """The word ids of a batch of texts: one flat array and each text's [start, end) in it."""

    ids: np.ndarray
    bounds: np.ndarray

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def doc(self, i: int) -> np.ndarray:
        """The ids of text ``i`` (a view: copy it to keep it beyond the batch)."""
        return self.ids[self.bounds[i] : self.bounds[i + 1]]


CLOSING_PUNCT = ',;:!?)"'
"""Characters spaCy's English rules always split off the end of a word as punctuation."""


def plain_word(span: str, special_cases: frozenset[str]) -> str | None:
    """The one word of ``span`` when spaCy's answer is certain without running it, else None.

    Most new spans of a corpus are letters alone ("nation"), letters with closing punctuation
    ("nation," "nation;" "nation)") or a lower-case word ending a sentence ("nation."); spaCy
    returns the letters as one token for all of them unless the span, or its letters, is one of
    its special cases ("cannot", "etc.", "a."). A test compares this with spaCy on every span of
    the bundled corpora, every special case with punctuation added and random letter strings.
    Anything else (digits, inner punctuation, upper-case initials like "A.") goes through spaCy.
    """
    core = span.rstrip(CLOSING_PUNCT)
    if core != span or not span.endswith("."):
        ok = bool(core) and core.isalpha()
    else:
        core = span[:-1]
        ok = bool(core) and core.isalpha() and "a" <= core[-1] <= "z"
    if not ok or core in special_cases or span in special_cases:
        return None
    return core.lower()


@functools.lru_cache(maxsize=1)
def english_blank() -> Any:
    """spaCy's blank English pipeline, built once per process and shared by every :class:`Tokenizer`.

    Building it loads ~2,700 special cases (~0.3 s): once per tokenizer, that was paid by each
    audit, each of its pass workers and each family that tokenizes. Its rules never change, and it
    returns the same tokens whatever it tokenized before, so sharing it changes no word.
    """
    import spacy

    return spacy.blank("en")


class Tokenizer:
    """Maps batches of texts to arrays of word ids in a :class:`Vocabulary`.

    Texts are split at white space into spans; each distinct span is tokenized once and its word
    ids remembered (up to ``max_spans`` spans, then the memory starts afresh). Word frequencies are
    Zipfian, so nearly every span of a large corpus is a repeat and costs a dictionary lookup
    instead of a pass through spaCy. spaCy itself splits at white space first and caches spans,
    so the words are those of tokenizing whole texts (checked on every bundled paragraph).
    """

    def __init__(
        self,
        vocab: Vocabulary,
        kind: str = "spacy",
        clitics: str = "drop",
        max_spans: int = MAX_SPANS,
        language: str = "en",
    ):
        self.vocab = vocab
        self.kind = kind
        self.language = language
        # the clitic pieces and the shortcut of plain_word are spaCy's English rules
        self.english = language == "en"
        self.drop_clitics = clitics == "drop" and self.english
        self.max_spans = max_spans
        self._nlp = None
        self._segment = None
        if kind == "spacy" and self.english:
            self._nlp = english_blank()
            self._special_cases = frozenset(self._nlp.tokenizer.rules or ())
        elif kind == "spacy":  # another language: spaCy's rules for it, or its word segmenter
            from auditor.text.languages import segmenter

            self._segment = segmenter(language)
        self._forget_spans()

    def _forget_spans(self) -> None:
        self._span_index: dict[str, int] = {}
        self._span_starts = GrowingArray(np.int64)
        self._span_lengths = GrowingArray(np.int64)
        self._span_words = GrowingArray(np.int32)

    def is_word(self, token: str) -> bool:
        """True if the lower-cased token counts as a word under the current settings."""
        if not any(c.isalpha() for c in token):
            return False
        return not (self.drop_clitics and _CLITIC_RE.match(token))

    def span_words(self, span: str) -> list[str]:
        """The words of one span without white space, lower-cased, in order."""
        if self._segment is not None:
            return [w for w in (t.lower() for t in self._segment(span)) if self.is_word(w)]
        if self._nlp is None:
            return _REGEX_WORD.findall(span.lower())
        plain = plain_word(span, self._special_cases)
        if plain is not None:
            return [plain]
        return [w for w in (t.lower_ for t in self._nlp.tokenizer(span)) if self.is_word(w)]

    def ids(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Word-id arrays (int32), one per text, in order."""
        batch = self.batch(texts)
        return [batch.doc(i).copy() for i in range(len(batch))]

    def batch(self, texts: Sequence[str]) -> TokenBatch:
        """The word ids of ``texts`` as one flat int32 array with per-text bounds."""
        if len(self._span_index) > self.max_spans:
            self._forget_spans()
        learner = _SpanLearner(self)
        known = self._span_index.__getitem__
        parts: list[np.ndarray] = []
        pending: list[int] = []
        ends = [0]
        flushed = 0
        for text in texts:
            for piece in (text,) if len(text) <= PIECE_CHARS else split_long(text):
                spans = piece.split()
                mark = len(pending)
                try:
                    pending.extend(map(known, spans))  # the common case: every span seen before
                except KeyError:
                    del pending[mark:]
                    pending.extend(map(learner.learn, spans))
                if len(pending) >= FLUSH_SPANS:  # a huge text: hold its span ids as an array
                    parts.append(np.array(pending, dtype=np.int64))
                    flushed += len(pending)
                    pending = []
            ends.append(flushed + len(pending))
        parts.append(np.array(pending, dtype=np.int64))
        learner.commit()
        span_ids = np.concatenate(parts) if len(parts) > 1 else parts[0]
        lengths = self._span_lengths.array[span_ids]
        ids = gather(self._span_words.array, self._span_starts.array[span_ids], lengths)
        cumulative = np.zeros(len(span_ids) + 1, dtype=np.int64)
        np.cumsum(lengths, out=cumulative[1:])
        return TokenBatch(ids, cumulative[np.array(ends, dtype=np.int64)])


class _SpanLearner:
    """Tokenizes spans new to a batch and appends them to the tokenizer's span table at the end."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.base = tokenizer._span_words.size
        self.starts: list[int] = []
        self.lengths: list[int] = []
        self.words: list[int] = []

    def learn(self, span: str) -> int:
        """The span's id, tokenizing it first if the table does not know it yet."""
        index = self.tokenizer._span_index
        sid = index.get(span)
        if sid is None:
            sid = index[span] = len(index)
            add = self.tokenizer.vocab.add
            ids = [add(w) for w in self.tokenizer.span_words(span)]
            self.starts.append(self.base + len(self.words))
            self.lengths.append(len(ids))
            self.words.extend(ids)
        return sid

    def commit(self) -> None:
        self.tokenizer._span_starts.extend(self.starts)
        self.tokenizer._span_lengths.extend(self.lengths)
        self.tokenizer._span_words.extend(self.words)
