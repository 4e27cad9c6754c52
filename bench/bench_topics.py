"""Benchmark: the topics family on 5 generations x 2,000 documents.

Generations are 2,000 State of the Union paragraphs each, sampled with replacement (seeded) from
the bundled corpus. Prints the whole audit's time with only the topics family, and the time of the
stage alone (fit on 1,000 reference documents, score 6 x 2,000 documents) for comparison.

Usage: python bench/bench_topics.py
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def main() -> None:
    rows = [json.loads(line)["text"] for line in (ROOT / "corpora" / "state_union" / "paragraphs.jsonl").open()]
    OUT.mkdir(parents=True, exist_ok=True)
    paths = []
    for g in range(5):
        rng = random.Random(100 + g)
        path = OUT / f"topics_gen{g}.jsonl"
        path.write_text("".join(json.dumps({"text": rng.choice(rows)}) + "\n" for _ in range(2000)), encoding="utf-8")
        paths.append(path)

    from auditor import audit
    from auditor.config import Settings
    from auditor.corpus import parse_corpus_args
    from auditor.families.topics.prepare import prepare as run_topics_stage
    from auditor.pipeline import _profile
    from auditor.text.tokenize import Tokenizer, Vocabulary

    start = time.perf_counter()
    result = audit(paths, families=("topics",))
    total = time.perf_counter() - start

    settings = Settings()
    tokenizer = Tokenizer(Vocabulary())
    profiles = [_profile(spec, tokenizer, settings, None) for spec in parse_corpus_args(paths)]
    start = time.perf_counter()
    run_topics_stage(profiles, profiles[0].name, settings)
    stage = time.perf_counter() - start
    print(f"5 generations x 2,000 documents; k = {result.config['topics_k']}, n = {result.config['topics_n']}")
    print(f"whole audit (read, fit, score, {settings.draws} draws, {settings.splits} null splits): {total:.1f} s")
    print(f"topics stage alone (fit + score): {stage:.1f} s")


if __name__ == "__main__":
    main()
