"""Benchmark: the embedding stage against a bare SentenceTransformer.encode on the same texts.

Measured side by side in one process: (1) bare ``model.encode(texts, batch_size=64)``; (2) the
auditor stage (canonical batches, hashing, SQLite cache writes) with an empty cache; (3) the same
stage again, everything cached. Prints documents/s and the ratios.

Then MiniLM against the static model (``--embedding-model static``, model2vec distilled from it),
side by side on the same 100-word paragraphs (consecutive State of the Union paragraphs joined up
to 100 words), and the static model's cached load time in a fresh process. The issue's targets:
static at least 50x MiniLM's documents/s, and a load under 1 s.

Usage: python bench/bench_embedding.py [--docs N] [--static-docs N]
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
    parser.add_argument("--static-docs", type=int, default=400, help="100-word paragraphs for MiniLM vs static")
    args = parser.parse_args()
    static_vs_minilm(args.static_docs)
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


def paragraphs_of(words: int, count: int) -> list[str]:
    """Consecutive State of the Union paragraphs joined until each has ``words`` words, cut there."""
    out: list[str] = []
    pending: list[str] = []
    with (ROOT / "corpora" / "state_union" / "paragraphs.jsonl").open(encoding="utf-8") as f:
        for line in f:
            pending += json.loads(line)["text"].split()
            if len(pending) >= words:
                out.append(" ".join(pending[:words]))
                pending = []
                if len(out) == count:
                    break
    return out


def static_vs_minilm(count: int) -> None:
    """Documents per second of both models on the same 100-word paragraphs, and the cached load."""
    import subprocess
    import sys

    from auditor.embed.model import encode_static, load_model

    texts = paragraphs_of(100, count)
    minilm, static = load_model("all-MiniLM-L6-v2"), load_model("static")  # builds it on first use
    minilm.model.encode(texts[:32], batch_size=64)
    start = time.perf_counter()
    minilm.model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    minilm_s = time.perf_counter() - start
    repeats = 20  # the static model is too fast to time on one pass of the same texts
    encode_static(static, texts[:32])
    start = time.perf_counter()
    for _ in range(repeats):
        encode_static(static, texts)
    static_s = (time.perf_counter() - start) / repeats
    load = subprocess.run(
        [sys.executable, "-c", "import time; t = time.perf_counter(); from auditor.embed.model import load_model; "
         "load_model('static'); print(time.perf_counter() - t)"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    print(f"\n{len(texts)} paragraphs of 100 words, MiniLM and static side by side")
    print(f"MiniLM (sentence-transformers): {len(texts) / minilm_s:,.0f} docs/s")
    print(f"static ({static.model_id}): {len(texts) / static_s:,.0f} docs/s")
    print(f"static / MiniLM: {minilm_s / static_s:.0f}x (target: at least 50x)")
    print(f"cached static model load in a fresh process (imports included): {float(load.stdout):.2f} s (target: < 1 s)")


if __name__ == "__main__":
    main()
