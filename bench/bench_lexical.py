"""Benchmark: the vocabulary + tail audit on >= 10M tokens in five generations.

Builds five generations of about 2.1M words each by sampling bundled State of the Union paragraphs
with replacement (seeded; the corpora are written once to bench/out/ and reused), then times
`auditor.audit` in this process. Prints tokens/s for the whole audit and for the read+count pass
alone, and the peak resident memory.

Usage: python bench/bench_lexical.py [--words-per-generation N] [--generations G]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpora" / "state_union" / "paragraphs.jsonl"
OUT = ROOT / "bench" / "out"


def build(generations: int, words: int) -> list[Path]:
    """Write (or reuse) the benchmark corpora."""
    rows = [json.loads(line)["text"] for line in SEED_CORPUS.open(encoding="utf-8")]
    paths = []
    for g in range(generations):
        path = OUT / f"lex_{words}_{g}.jsonl"
        paths.append(path)
        if path.exists():
            continue
        rng = random.Random(g)
        OUT.mkdir(parents=True, exist_ok=True)
        total = 0
        with path.open("w", encoding="utf-8") as f:
            while total < words:
                text = rng.choice(rows)
                total += len(text.split())
                f.write(json.dumps({"text": text}) + "\n")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words-per-generation", type=int, default=2_100_000)
    parser.add_argument("--generations", type=int, default=5)
    args = parser.parse_args()
    paths = build(args.generations, args.words_per_generation)

    from auditor import audit
    from auditor.corpus import ReadLog, ReadOptions, read_documents
    from auditor.text.profile import profile_generation
    from auditor.text.tokenize import Tokenizer, Vocabulary

    # The read + tokenize + count pass alone, on the first generation.
    tokenizer = Tokenizer(Vocabulary())
    start = time.perf_counter()
    log = ReadLog()
    profile = profile_generation(
        "g",
        str(paths[0]),
        read_documents(paths[0], ReadOptions(), log),
        tokenizer,
        log,
        seed=0,
        reservoir_tokens=2_000_000,
    )
    pass_seconds = time.perf_counter() - start

    start = time.perf_counter()
    result = audit(paths, families=("vocabulary", "tail"))
    seconds = time.perf_counter() - start
    tokens = sum(g.tokens for g in result.generations)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"generations: {len(paths)}; word tokens: {tokens:,}; budget: {result.config['budget']:,} tokens per draw")
    print(f"read+tokenize+count pass: {profile.tokens / pass_seconds:,.0f} tokens/s (one process)")
    print(f"full vocabulary+tail audit: {seconds:.1f} s, {tokens / seconds:,.0f} tokens/s")
    print(f"peak RSS: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
