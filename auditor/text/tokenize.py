"""Word tokens: lower-cased tokens with at least one letter, mapped to ids of a shared vocabulary.

Two tokenizers (setting ``tokenizer``):

* ``spacy`` (default): spaCy's blank English tokenizer (rules only, no model). It splits clitics
  ("don't" -> "do" + "n't", "it's" -> "it" + "'s"); with ``clitics = "drop"`` (default) those
  clitic pieces are dropped, with ``"keep"`` they stay as tokens of their own.
* ``regex``: runs of letters with inner apostrophes ("don't" stays one token); faster, cruder.

Tokens without a letter (numbers, punctuation, symbols) are not words and are dropped. Texts
longer than spaCy's comfortable size are tokenized in pieces cut at white space, so no word is
split. Scripts without spaces between words (Chinese, Japanese) come out as long runs: the
lexical metrics then count runs, not words (documented limitation).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

PIECE_CHARS = 500_000
"""Texts longer than this are tokenized in white-space-aligned pieces."""

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


class Tokenizer:
    """Maps batches of texts to arrays of word ids in a :class:`Vocabulary`."""

    def __init__(self, vocab: Vocabulary, kind: str = "spacy", clitics: str = "drop") -> None:
        self.vocab = vocab
        self.kind = kind
        self.drop_clitics = clitics == "drop"
        self._hash_to_id: dict[int, int] = {}
        self._nlp = None
        if kind == "spacy":
            import spacy

            self._nlp = spacy.blank("en")

    def use_vocabulary(self, vocab: Vocabulary) -> None:
        """Map into a fresh vocabulary from now on (a worker does this per chunk)."""
        self.vocab = vocab
        self._hash_to_id = {}

    def is_word(self, token: str) -> bool:
        """True if the lower-cased token counts as a word under the current settings."""
        if not any(c.isalpha() for c in token):
            return False
        return not (self.drop_clitics and _CLITIC_RE.match(token))

    def ids(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Word-id arrays (int32), one per text, in order."""
        vocab = self.vocab
        if self.kind == "regex":
            return [np.fromiter((vocab.add(w) for w in _REGEX_WORD.findall(t.lower())), dtype=np.int32) for t in texts]
        return self._spacy_ids(texts)

    def _spacy_ids(self, texts: Sequence[str]) -> list[np.ndarray]:
        from spacy.attrs import LOWER

        assert self._nlp is not None
        pieces: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for piece in split_long(text):
                pieces.append(piece)
                owner.append(i)
        hashes = [doc.to_array(LOWER) for doc in self._nlp.tokenizer.pipe(pieces, batch_size=256)]
        lengths = np.array([len(h) for h in hashes], dtype=np.int64)
        flat = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
        uniq, inverse = np.unique(flat, return_inverse=True)
        mapped = np.fromiter((self._lookup(int(h)) for h in uniq), dtype=np.int64, count=len(uniq))
        ids = mapped[inverse]
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        out: list[list[np.ndarray]] = [[] for _ in texts]
        for k, doc_index in enumerate(owner):
            piece_ids = ids[bounds[k] : bounds[k + 1]]
            out[doc_index].append(piece_ids[piece_ids >= 0])
        return [np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, np.int32) for parts in out]

    def _lookup(self, h: int) -> int:
        idx = self._hash_to_id.get(h)
        if idx is None:
            assert self._nlp is not None
            token = self._nlp.vocab.strings[h]
            idx = self.vocab.add(token) if self.is_word(token) else -1
            self._hash_to_id[h] = idx
        return idx
