"""MTLD, HD-D and MATTR against the lexicalrichness definitions (DESIGN section 3 test vector)."""

from __future__ import annotations

import re
from collections import Counter
from math import comb

import numpy as np
import pytest

from auditor.families.vocabulary.lexdiv import hdd, local_ids, mattr, mtld, segment

VECTOR = "TEST text with some text numbers 42, hyphen-here, and text punctuations."


def lexicalrichness_words(text: str) -> list[str]:
    """lexicalrichness tokenisation: lower-case, strip digits and hyphens, punctuation to space."""
    text = re.sub(r"[0-9]", "", text.lower()).replace("-", "")
    text = re.sub(r"[^\w\s]", " ", text)
    return text.split()


def as_row(words: list[str]) -> np.ndarray:
    ids = {w: i for i, w in enumerate(dict.fromkeys(words))}
    return np.array([[ids[w] for w in words]])


def test_design_test_vector() -> None:
    words = lexicalrichness_words(VECTOR)
    assert len(words) == 10 and len(set(words)) == 8
    row = as_row(words)
    assert mtld(row)[0] == pytest.approx(14.000000000000004, abs=1e-9)
    assert hdd(row, draws=5)[0] == pytest.approx(0.8833333333333332, abs=1e-9)
    assert mattr(row, window=5)[0] == pytest.approx(0.9, abs=1e-9)


# Straightforward one-row versions of the published definitions, to check the vectorised ones.
def slow_mtld_direction(words: list[int], threshold: float = 0.72) -> float:
    terms: set[int] = set()
    count, factors, ttr = 0, 0.0, 1.0
    for w in words:
        count += 1
        terms.add(w)
        ttr = len(terms) / count
        if ttr <= threshold:
            count, terms, factors = 0, set(), factors + 1
    if count > 0:
        factors += (1 - ttr) / (1 - threshold)
    if factors == 0:
        factors = 1
    return len(words) / factors


def slow_hdd(words: list[int], draws: int = 42) -> float:
    n = len(words)
    return sum((1 - comb(n - c, draws) / comb(n, draws)) / draws for c in Counter(words).values())


def slow_mattr(words: list[int], window: int = 100) -> float:
    vals = [len(set(words[i : i + window])) / window for i in range(len(words) - window + 1)]
    return sum(vals) / len(vals)


def test_vectorised_equals_definition_on_zipfian_rows() -> None:
    rng = np.random.default_rng(3)
    rows = rng.zipf(1.4, size=(12, 1000)) % 5000
    m, h, a = mtld(rows), hdd(rows), mattr(rows)
    for i, row in enumerate(rows.tolist()):
        expected_mtld = (slow_mtld_direction(row) + slow_mtld_direction(row[::-1])) / 2
        assert m[i] == pytest.approx(expected_mtld, abs=1e-9)
        assert h[i] == pytest.approx(slow_hdd(row), abs=1e-9)
        assert a[i] == pytest.approx(slow_mattr(row), abs=1e-9)


def test_at_limits() -> None:
    all_same = np.zeros((1, 200), dtype=int)
    all_new = np.arange(200)[None, :]
    assert mattr(all_same)[0] == pytest.approx(1 / 100)
    assert mattr(all_new)[0] == 1.0
    assert hdd(all_new)[0] == pytest.approx(1.0)
    assert mtld(all_new)[0] == 200.0  # the TTR never leaves 1: one factor, as lexicalrichness counts it
    short = np.arange(30)[None, :]
    assert np.isnan(hdd(short)[0]) and np.isnan(mattr(short)[0])


def test_local_ids_keep_identity_only() -> None:
    rows = np.array([[900, 5, 900, 7], [1, 1, 1, 2]])
    ids = local_ids(rows)
    assert ids.max() < 4
    assert (ids[0, 0] == ids[0, 2]) and len(set(ids[0])) == 3 and len(set(ids[1])) == 2


def test_segment_caps_and_short_streams() -> None:
    assert segment(np.arange(2500), 1000, 20).shape == (2, 1000)
    assert segment(np.arange(25000), 1000, 20).shape == (20, 1000)
    assert segment(np.arange(300), 1000, 20).shape == (1, 300)


def test_both_mtld_paths_agree() -> None:
    """The per-row walk (few rows) and the vectorised walk (many rows) give the same numbers."""
    from auditor.families.vocabulary import lexdiv

    rng = np.random.default_rng(9)
    rows = np.vstack([rng.zipf(1.3, size=(150, 700)) % 4000, np.arange(700)[None, :]])  # last row never closes
    vectorised = lexdiv.mtld(rows)  # 151 rows: the vectorised path
    walked = np.concatenate([lexdiv.mtld(rows[i : i + 50]) for i in range(0, 151, 50)])
    assert rows.shape[0] > lexdiv.WALK_MAX_ROWS >= 50
    assert np.array_equal(vectorised, walked)
    assert walked[-1] == 700.0
