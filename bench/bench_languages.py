"""Benchmark: language identification and the tokenizers of other languages, on the bundled corpora.

Prints, per bundled language (corpora/de, es, fr, zh and the English State of the Union
paragraphs): py3langid's time per document (the detector reads up to 300 documents of each
generation's text sample, cut to 2,000 characters), the detected share of the right language, and
the tokenizer's words per second for that language (spans are cached, so this is the first pass
over new text, the slow case).

Usage: python bench/bench_languages.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {
    "en": ROOT / "corpora" / "state_union" / "paragraphs.jsonl",
    "de": ROOT / "corpora" / "de" / "ud_gsd.jsonl",
    "es": ROOT / "corpora" / "es" / "ud_gsd.jsonl",
    "fr": ROOT / "corpora" / "fr" / "ud_gsd.jsonl",
    "zh": ROOT / "corpora" / "zh" / "ud_gsd.jsonl",
}


def main() -> None:
    from auditor.text.langid import LANGID_DOCS, detect, language_shares
    from auditor.text.tokenize import Tokenizer, Vocabulary

    detect("warm up: the model loads on first use")
    print(f"{'language':>8} {'docs':>5} {'ms/doc':>7} {'share':>6} {'words/s':>9}")
    for language, path in CORPORA.items():
        texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")][:LANGID_DOCS]
        start = time.perf_counter()
        shares = language_shares(texts)
        per_doc = (time.perf_counter() - start) / len(texts) * 1000
        tokenizer = Tokenizer(Vocabulary(), language=language)
        start = time.perf_counter()
        words = sum(map(len, tokenizer.ids(texts)))
        rate = words / (time.perf_counter() - start)
        share = shares.shares.get(language, 0.0)
        print(f"{language:>8} {len(texts):>5} {per_doc:>7.2f} {share:>6.0%} {rate:>9,.0f}")


if __name__ == "__main__":
    main()
