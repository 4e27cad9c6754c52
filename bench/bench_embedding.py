"""Benchmark: the embedding stage against a bare SentenceTransformer.encode on the same texts.

Measured side by side in one process: (1) bare ``model.encode(texts, batch_size=64)``; (2) the
auditor stage (canonical batches, hashing, SQLite cache writes) with an empty cache; (3) the same
stage again, everything cached. Prints documents/s and the ratios.

Usage: python bench/bench_embedding.py [--docs N]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    args = parser.parse_args()
    from auditor.embed.cache import EmbeddingCache
    from auditor.embed.model import embed, load_model

    texts = []
    for k in range(6):
        with (ROOT / "corpora" / "demo" / f"gen{k}.jsonl").open(encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f]
    texts = list(dict.fromkeys(texts))[: args.docs]
    loaded = load_model("all-MiniLM-L6-v2")
    loaded.model.encode(texts[:64], batch_size=64)  # warm-up

    start = time.perf_counter()
    loaded.model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    bare = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as folder:
        cache = EmbeddingCache(Path(folder))
        start = time.perf_counter()
        embed(loaded, texts, cache, batch_size=64)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        embed(loaded, texts, cache, batch_size=64)
        cached = time.perf_counter() - start
        assert cache.stats.hits == len(texts)
        cache.close()
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"{len(texts)} documents, {words:.0f} words each on average")
    print(f"bare SentenceTransformer.encode: {bare:.1f} s ({len(texts) / bare:.0f} docs/s)")
    print(f"auditor stage, empty cache:      {ours:.1f} s ({len(texts) / ours:.0f} docs/s), {bare / ours:.2f}x bare")
    print(f"auditor stage, all cached:       {cached:.2f} s ({len(texts) / cached:,.0f} docs/s)")


if __name__ == "__main__":
    main()
