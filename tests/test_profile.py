"""The streaming pass: counts, a uniform reservoir, and merging parts into the whole."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.corpus import Document, ReadLog
from auditor.text.profile import doc_keys, merge_profiles, profile_generation
from auditor.text.tokenize import Tokenizer, Vocabulary, plain_word

SPACY_TOKENIZER = Tokenizer(Vocabulary())


def profile(docs: list[Document], tokenizer: Tokenizer, *, capacity: int, start: int = 0, progress=None):
    return profile_generation(
        "g",
        "mem",
        docs,
        tokenizer,
        ReadLog(),
        seed=3,
        reservoir_tokens=capacity,
        text_docs=50,
        start_position=start,
        progress=progress,
    )


def test_counts_match_the_tokens_and_reservoir_is_capped(paragraphs) -> None:
    docs = [Document(p["text"], "mem") for p in paragraphs[:800]]
    tokenizer = Tokenizer(Vocabulary())
    calls = []
    prof = profile(docs, tokenizer, capacity=5_000, progress=lambda d, t: calls.append((d, t)))
    assert prof.counts.sum() == prof.tokens and prof.documents == 800
    assert 5_000 <= prof.sample.n_tokens < 5_000 + prof.sample.lengths.max()
    assert calls and calls[-1] == (800, prof.tokens)  # progress reports the final totals
    # the text sample is the same random order: its documents lead the token reservoir
    first_texts = tokenizer.ids(prof.texts.texts[:10])
    assert all(
        np.array_equal(a, prof.sample.tokens[prof.sample.offsets[i] : prof.sample.offsets[i + 1]])
        for i, a in enumerate(first_texts)
    )
    # the reservoir holds whole documents: each one's ids equal a fresh tokenization of some input
    whole = {tuple(ids.tolist()) for ids in tokenizer.ids([d.text for d in docs])}
    sample = prof.sample
    assert all(
        tuple(sample.tokens[sample.offsets[i] : sample.offsets[i + 1]].tolist()) in whole for i in range(sample.n_docs)
    )


def test_merging_two_parts_equals_one_pass(paragraphs) -> None:
    docs = [Document(p["text"], "mem") for p in paragraphs[:1000]]
    tokenizer = Tokenizer(Vocabulary())
    whole = profile(docs, tokenizer, capacity=8_000)
    first = profile(docs[:400], tokenizer, capacity=8_000)
    second = profile(docs[400:], tokenizer, capacity=8_000, start=400)
    merged = merge_profiles(first, second, reservoir_tokens=8_000, text_docs=50)
    assert (merged.documents, merged.tokens) == (whole.documents, whole.tokens)
    assert np.array_equal(merged.counts_padded(len(whole.counts)), whole.counts)
    assert np.array_equal(merged.sample.keys, whole.sample.keys)
    assert np.array_equal(merged.sample.tokens, whole.sample.tokens)
    assert merged.texts.texts == whole.texts.texts and len(whole.texts) == 50


def test_reservoir_is_a_uniform_sample_of_documents() -> None:
    """Every document is equally likely to be kept: inclusion rates by position are flat."""
    tokenizer = Tokenizer(Vocabulary(), kind="regex")
    names = ["x" + "".join(chr(97 + int(d)) for d in str(i)) for i in range(400)]  # letters only: words
    docs = [Document(f"{name} filler", "mem") for name in names]
    kept = np.zeros(400)
    for seed in range(60):
        prof = profile_generation("g", "m", docs, tokenizer, ReadLog(), seed=seed, reservoir_tokens=200)
        words = {tokenizer.vocab.words[t] for t in prof.sample.tokens}
        kept += [name in words for name in names]
    rate = kept / 60
    assert abs(rate.mean() - 0.25) < 0.01
    assert abs(rate[:200].mean() - rate[200:].mean()) < 0.05  # no bias toward early or late documents


def test_clitics_and_non_words() -> None:
    vocab = Vocabulary()
    drop = Tokenizer(vocab, clitics="drop")
    ids = drop.ids(["Don't stop: it's 42 o'clock, café!"])[0]
    assert [vocab.words[i] for i in ids] == ["do", "stop", "it", "o'clock", "café"]
    keep_vocab = Vocabulary()
    keep = Tokenizer(keep_vocab, clitics="keep")
    assert [keep_vocab.words[i] for i in keep.ids(["Don't"])[0]] == ["do", "n't"]
    regex_vocab = Vocabulary()
    assert [regex_vocab.words[i] for i in Tokenizer(regex_vocab, kind="regex").ids(["Don't 42"])[0]] == ["don't"]


def test_long_documents_are_cut_at_white_space() -> None:
    vocab = Vocabulary()
    tokenizer = Tokenizer(vocab)
    text = " ".join(f"w{i % 5000}x" for i in range(200_000))  # ~1.4M characters, beyond one spaCy piece
    ids = tokenizer.ids([text])[0]
    assert len(ids) == 200_000  # no word split or lost at a piece boundary


@pytest.mark.parametrize("kind", ["spacy", "regex"])
def test_span_table_gives_the_words_of_whole_text_tokenization(paragraphs, kind: str) -> None:
    """Tokenizing white-space spans once each equals tokenizing whole texts, on real paragraphs."""
    import re

    import spacy

    texts = [p["text"] for p in paragraphs]
    vocab = Vocabulary()
    tokenizer = Tokenizer(vocab, kind=kind)
    nlp = spacy.blank("en")

    def whole_text_words(text: str) -> list[str]:
        if kind == "regex":
            return re.findall(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*", text.lower())
        return [t.lower_ for t in nlp.tokenizer(text) if tokenizer.is_word(t.lower_)]

    for start in range(0, len(texts), 700):
        chunk = texts[start : start + 700]
        for text, ids in zip(chunk, tokenizer.ids(chunk), strict=True):
            assert [vocab.words[i] for i in ids] == whole_text_words(text)


def test_span_table_forgets_at_its_cap_without_changing_ids(paragraphs) -> None:
    texts = [p["text"] for p in paragraphs[:600]]
    roomy = Tokenizer(Vocabulary(), kind="regex")
    tight = Tokenizer(Vocabulary(), kind="regex", max_spans=50)
    for start in range(0, 600, 100):
        a = roomy.batch(texts[start : start + 100])
        b = tight.batch(texts[start : start + 100])
        assert np.array_equal(a.ids, b.ids) and np.array_equal(a.bounds, b.bounds)
    # the tight table started afresh before the last batch: it knows that batch's spans alone
    assert len(tight._span_index) == len(set(" ".join(texts[500:600]).split())) < len(roomy._span_index)
    assert roomy.vocab.words == tight.vocab.words


def _splitmix_key(seed: int, stream: int, position: int) -> float:
    """SplitMix64 of (seed, stream, position) in plain Python integers: the definition of a key."""
    mask = 0xFFFFFFFFFFFFFFFF
    z = (seed * 0x9E3779B97F4A7C15 + stream * 0xBF58476D1CE4E5B9 + position + 1) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    z ^= z >> 31
    return (z >> 11) / float(1 << 53)


def test_vectorised_document_keys_equal_the_scalar_hash() -> None:
    rng = np.random.default_rng(1)
    positions = np.concatenate([np.arange(500), rng.integers(0, 2**40, 500)])
    for seed, stream in [(0, 0), (5, 123_456_789), (2**40 + 3, 2**32 - 1)]:
        keys = doc_keys(seed, stream, positions)
        assert keys.tolist() == [_splitmix_key(seed, stream, int(p)) for p in positions]


def _spacy_words(span: str) -> list[str]:
    """What spaCy's blank English tokenizer makes of ``span``, as words."""
    nlp = SPACY_TOKENIZER._nlp
    return [t.lower_ for t in nlp.tokenizer(span) if SPACY_TOKENIZER.is_word(t.lower_)]


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.characters(categories=("Lu", "Ll", "Lt", "Lm", "Lo")), min_size=1, max_size=10),
    st.sampled_from(["", ",", ".", ";", ")", '"', "!?", ").", ",.", ":"]),
)
def test_plain_word_shortcut_agrees_with_spacy(letters: str, tail: str) -> None:
    """Letters with or without closing punctuation skip spaCy only where spaCy agrees."""
    span = letters + tail
    assert SPACY_TOKENIZER.span_words(span) == _spacy_words(span)


def test_plain_word_shortcut_on_special_cases_and_real_spans(paragraphs) -> None:
    specials = SPACY_TOKENIZER._special_cases
    spans = {s for p in paragraphs for s in p["text"].split()}
    spans |= {k + tail for k in specials for tail in ("", ",", ".", ";", ")", '"')}
    shortcut = [s for s in spans if plain_word(s, specials) is not None]
    assert len(shortcut) > 20_000  # most spans take it
    assert [s for s in shortcut if [plain_word(s, specials)] != _spacy_words(s)] == []
    assert plain_word("cannot", specials) is None and plain_word("A.", specials) is None
