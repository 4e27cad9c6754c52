"""The Kneser-Ney model: NLTK's numbers, proper distributions, and two toys worked by hand."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from auditor.errors import UsageError
from auditor.families.likelihood.kneser_ney import KneserNey, document_windows, modified_discounts
from tests.conftest import PARAGRAPHS


def _documents(n: int, start: int = 0) -> list[list[str]]:
    with PARAGRAPHS.open(encoding="utf-8") as f:
        rows = [json.loads(line)["text"].lower().split() for line in f]
    return rows[start : start + n]


def _encode(docs: list[list[str]], index: dict[str, int], unk: int) -> tuple[np.ndarray, np.ndarray]:
    tokens = np.array([index.get(w, unk) for d in docs for w in d], dtype=np.int64)
    return tokens, np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)


def _fit(docs: list[list[str]], **options) -> tuple[KneserNey, dict[str, int]]:
    words = sorted({w for d in docs for w in d})
    index = {w: i for i, w in enumerate(words)}
    tokens, offsets = _encode(docs, index, len(words) + 1)
    return KneserNey.fit(tokens, offsets, len(words), **options), index


@pytest.mark.parametrize("order", [2, 3, 4])
@pytest.mark.parametrize("discount", [0.1, 0.75])
def test_single_discount_equals_nltk(order: int, discount: float) -> None:
    """NLTK's KneserNeyInterpolated, fed the n-grams the model counts, gives the same probabilities.

    The model counts every k-gram (k = 1..order) that ends at a predicted symbol: each word and
    the document's end, after order-1 BOS. NLTK's ``padded_everygram_pipeline`` would also count
    n-grams ending in padding (``<s> <s>``, ``</s> </s>``), which a model of documents never predicts,
    so NLTK gets exactly the model's n-grams instead.
    """
    from nltk.lm import KneserNeyInterpolated

    fit_docs, test_docs = _documents(40), _documents(15, start=40)
    model, index = _fit(fit_docs, order=order, discount=discount)
    names = [*sorted(index, key=index.get), "</s>", "<UNK>", "<s>"]
    windows = document_windows(*_encode(fit_docs, index, model.unk), order, eos=model.eos, bos=model.bos)
    grams = [tuple(names[s] for s in row[order - k :]) for row in windows for k in range(1, order + 1)]
    lm = KneserNeyInterpolated(order, discount=discount)
    lm.fit([grams], vocabulary_text=[*index, "<s>", "</s>"])

    test = document_windows(*_encode(test_docs, index, model.unk), order, eos=model.eos, bos=model.bos)
    ours = model.probabilities(test)
    theirs = np.array([lm.score(names[row[-1]], tuple(names[s] for s in row[:-1])) for row in test])
    assert len(test) > 300 and (theirs > 0).sum() > 200  # seen and unseen n-grams, known and unknown words
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    known = theirs > 0
    np.testing.assert_allclose(np.log(ours[known]), np.log(theirs[known]), rtol=0, atol=1e-9)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("discount", [None, 0.4])
def test_every_distribution_sums_to_one(order: int, discount: float | None) -> None:
    """Over the vocabulary plus EOS and UNK, for seen, unseen, unknown-word and padding contexts."""
    docs = _documents(200)
    model, _ = _fit(docs, order=order, discount=discount)
    seen = document_windows(*_encode(docs, _fit(docs)[1], model.unk), order, eos=model.eos, bos=model.bos)
    rng = np.random.default_rng(0)
    contexts = [row[:-1] for row in seen[rng.choice(len(seen), 8, replace=False)]]
    contexts += [
        np.full(order - 1, model.bos),
        np.full(order - 1, model.unk),
        rng.integers(0, model.n_words, order - 1),
    ]
    for context in contexts:
        rows = np.column_stack([np.tile(context, (len(model.outcomes), 1)), model.outcomes])
        assert model.probabilities(rows).sum() == pytest.approx(1.0, abs=1e-12)
    unk = model.probabilities(np.full((1, order), model.unk))[0]
    assert unk > 0 if discount is None else unk == 0  # NLTK's mode gives an unknown word nothing


def test_single_discount_toy_by_hand() -> None:
    """Order 2, D = 1/2, documents "a b", "a b", "b a".

    Bigrams ending at a predicted symbol: <s> a (2), a b (2), b </s> (2), <s> b, b a, a </s> (1).
    Continuation counts N1+(. w): a 2 (<s>, b), b 2 (<s>, a), </s> 2 (a, b), out of 6 bigram types.
    After "a": c(a .) = 3 over 2 types, so gamma(a) = 1/2 * 2 / 3 = 1/3 and
    P(b | a) = (2 - 1/2) / 3 + 1/3 * 2/6 = 11/18, P(</s> | a) = (1 - 1/2) / 3 + 1/9 = 5/18, P(a | a) = 1/9.
    """
    a, b = 0, 1
    model = KneserNey.fit(np.array([a, b, a, b, b, a]), np.array([0, 2, 4, 6]), 2, order=2, discount=0.5)
    eos, unk, bos = model.eos, model.unk, model.bos
    rows = np.array([[a, b], [a, eos], [a, a], [a, unk], [bos, a], [unk, b], [b, eos]])
    expected = [
        Fraction(11, 18),
        Fraction(5, 18),
        Fraction(1, 9),
        0,
        Fraction(11, 18),
        Fraction(1, 3),
        Fraction(11, 18),
    ]
    np.testing.assert_allclose(model.probabilities(rows), [float(x) for x in expected], rtol=1e-12)


def test_modified_unigrams_by_hand() -> None:
    """Order 1, modified discounts. One document "a b c d e e f f g g g h h h h" (then EOS):
    counts 1 (a, b, c, d, EOS), 2 (e, f), 3 (g), 4 (h); N = 16 and n1..n4 = 5, 2, 1, 1.

    Y = 5/9, D1 = 1 - 2Y 2/5 = 5/9, D2 = 2 - 3Y 1/2 = 7/6, D3+ = 3 - 4Y = 7/9; the discounted mass
    (5 D1 + 2 D2 + 2 D3+) / 16 = 5/12 is spread over the 8 words, EOS and UNK: 1/24 each. So
    P(h) = (4 - 7/9)/16 + 1/24 = 35/144, P(a) = 10/144, P(e) = 13.5/144, P(g) = 26/144, P(UNK) = 6/144.
    """
    tokens = np.array([0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 7, 7, 7, 7])
    model = KneserNey.fit(tokens, np.array([0, len(tokens)]), 8, order=1)
    np.testing.assert_allclose(model.discounts[0], [5 / 9, 7 / 6, 7 / 9], rtol=1e-12)
    p = model.probabilities(np.array([[7], [0], [4], [6], [model.unk], [model.eos]]))
    np.testing.assert_allclose(p * 144, [35, 10, 13.5, 26, 6, 10], rtol=1e-12)
    assert model.probabilities(model.outcomes[:, None]).sum() == pytest.approx(1.0, abs=1e-12)


def test_modified_discounts_follow_chen_and_goodman() -> None:
    counts = np.array([1] * 50 + [2] * 20 + [3] * 10 + [4] * 6 + [9] * 3)
    y = 50 / (50 + 2 * 20)
    assert modified_discounts(counts) == pytest.approx((1 - 2 * y * 20 / 50, 2 - 3 * y * 10 / 20, 3 - 4 * y * 6 / 10))
    low, *_ = modified_discounts(np.array([1, 2, 2, 2, 2, 2, 2]))  # D1 would be negative: kept above zero
    assert 0 < low <= 1


def test_document_log_perplexity_is_the_mean_negative_log_probability() -> None:
    docs = _documents(60)
    model, index = _fit(docs[:40])
    tokens, offsets = _encode(docs[40:], index, len(index) + 1)
    logp = model.log_probabilities(tokens, offsets)
    per_doc = model.document_log_perplexity(tokens, offsets)
    lengths = np.diff(offsets) + 1
    assert len(logp) == lengths.sum() and np.isfinite(per_doc).all()
    assert per_doc[0] == pytest.approx(-logp[: lengths[0]].mean(), rel=1e-12)
    assert per_doc[-1] == pytest.approx(-logp[-lengths[-1] :].mean(), rel=1e-12)
    assert math.isclose(per_doc.mean(), float(np.mean(per_doc)))


@pytest.mark.parametrize(
    ("order", "discount", "match"),
    [(0, None, "E060|likelihood_order"), (7, None, "from 1 to 6"), (3, 1.5, "discount"), (3, 0.0, "discount")],
)
def test_bad_order_or_discount_is_a_usage_error(order: int, discount: float | None, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        KneserNey.fit(np.array([0, 1]), np.array([0, 2]), 2, order=order, discount=discount)
