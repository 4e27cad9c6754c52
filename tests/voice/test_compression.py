"""gzip ratios: exact definition, determinism, direction on repetitive vs varied text and tags."""

from __future__ import annotations

import gzip
import random

import pytest

from auditor.voice.compression import corpus_gzip_ratio, gzip_ratio, pos_compression_ratio


def test_definition_and_determinism() -> None:
    text = "Fellow citizens, the state of our union is strong.\nWe have work to do."
    data = text.encode("utf-8")
    assert gzip_ratio(text) == len(data) / len(gzip.compress(data, compresslevel=9, mtime=0))
    assert gzip_ratio(text) == gzip_ratio(text)
    assert gzip_ratio("") == 0.0
    assert corpus_gzip_ratio(["a b", "c d"]) == gzip_ratio("a b\nc d")
    assert gzip_ratio("caf\u00e9 " * 50) == pytest.approx(
        len(("caf\u00e9 " * 50).encode()) / len(gzip.compress(("caf\u00e9 " * 50).encode(), compresslevel=9, mtime=0))
    )


def test_repetitive_text_compresses_more(paragraphs: list[dict]) -> None:
    varied = [p["text"] for p in paragraphs[1500:1600]]
    size = sum(len(t) for t in varied)
    repetitive = []
    while sum(len(t) for t in repetitive) < size:
        repetitive.extend(varied[:5])
    assert corpus_gzip_ratio(repetitive) > 2 * corpus_gzip_ratio(varied)
    assert corpus_gzip_ratio(varied) > 1.5  # English text still compresses


def test_pos_compression_ratio() -> None:
    rnd = random.Random(0)
    tagset = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT", "VERB"]
    varied = [[rnd.choice(tagset) for _ in range(40)] for _ in range(60)]
    templated = [["DET", "ADJ", "NOUN", "VERB", "ADP", "DET", "NOUN", "PUNCT"] * 5 for _ in range(60)]
    assert pos_compression_ratio(templated) > 3 * pos_compression_ratio(varied)
    assert pos_compression_ratio([["DET", "NOUN"], ["VERB"]]) == gzip_ratio("DET NOUN\nVERB")
    assert pos_compression_ratio([]) == 0.0
    assert pos_compression_ratio(varied) == pos_compression_ratio(varied)
