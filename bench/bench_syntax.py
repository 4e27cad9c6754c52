"""Benchmark: what syntactic diversity (``voice.syntactic_diversity``) adds per generation, and MAUVE.

Prints, on State of the Union paragraphs at the default budget (``syntax_sentences`` = 3,000):
(1) the parser's load time (once per process); (2) per generation, the time to cut the sentences,
draw 3,000, parse them with spaCy and count their Weisfeiler-Lehman subtree labels (the stage's
whole cost; the issue allows 60 s per generation on 2 cores); (3) the metric on 20 draws of half
the sentences, with its value; (4) the time of one ``embedding.mauve`` comparison of the demo's
gen0 and gen1 (750 MiniLM vectors a side, 75 clusters; embedded through the default cache), and
of one generation's draws and null pairs.

Usage: python bench/bench_syntax.py
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    rows = [json.loads(line) for line in (ROOT / "corpora" / "state_union" / "paragraphs.jsonl").open()]
    random.Random(0).shuffle(rows)
    texts = [r["text"] for r in rows[:2000]]  # one generation's text sample (sample_docs = 2,000)
    from auditor.config import Settings
    from auditor.families.voice.prepare import syntax_pools
    from auditor.text.style_language import ENGLISH_STYLE
    from auditor.voice.syntax import load_parser, mean_dissimilarity, parser_model

    model, _ = parser_model("en_core_web_sm")
    assert model is not None
    start = time.perf_counter()
    load_parser(model)
    print(f"Parser {model}: loaded in {time.perf_counter() - start:.1f} s (once per process)")

    settings = Settings()
    start = time.perf_counter()
    pools = syntax_pools({"gen": texts}, model, ENGLISH_STYLE, settings, {"gen": "g"})
    seconds = time.perf_counter() - start
    unit = pools["gen"]
    print(
        f"Syntactic diversity stage: {unit.shape[0]:,} sentences (budget {settings.syntax_sentences:,}) cut, "
        f"parsed and counted in {seconds:.1f} s per generation (limit 60 s on 2 cores)"
    )
    rng = np.random.default_rng(0)
    n = unit.shape[0] // 2
    start = time.perf_counter()
    values = [mean_dissimilarity(unit[rng.choice(unit.shape[0], n, replace=False)]) for _ in range(20)]
    print(
        f"Metric on 20 draws of {n:,} sentences: {time.perf_counter() - start:.2f} s; "
        f"value {np.mean(values):.4f} (draws {min(values):.4f}-{max(values):.4f})"
    )

    from auditor.embed.cache import EmbeddingCache, default_cache_dir
    from auditor.embed.model import embed, load_model
    from auditor.families.embedding.mauve import mauve

    loaded = load_model(settings.embedding_model)
    cache = EmbeddingCache(default_cache_dir())
    try:
        pools = [
            embed(
                loaded,
                [json.loads(line)["text"] for line in (ROOT / "corpora" / "demo" / f"gen{k}.jsonl").open()],
                cache,
            )
            for k in (0, 1)
        ]
    finally:
        cache.close()
    n = min(len(pools[0]) // 2, len(pools[1]))
    start = time.perf_counter()
    value = mauve(pools[0][:n], pools[1][:n])
    one = time.perf_counter() - start
    print(
        f"MAUVE, demo gen0 vs gen1, {n:,} MiniLM vectors a side ({round(n / 10)} clusters): {value:.4f} in "
        f"{one:.2f} s; one generation's {settings.draws} draws and {settings.splits} null pairs: "
        f"~{(settings.draws + settings.splits) * one:.0f} s"
    )


if __name__ == "__main__":
    main()
