"""Benchmark: the likelihood family at a 200k-token budget (issue 18: at most 10 s per generation).

The reference is 400k word tokens of State of the Union paragraphs (so the model is fitted on
200k tokens and the held-out half is 200k), and each of 5 generations is 200k tokens, all
sampled with replacement (seeded) from the bundled corpus. Reading and tokenizing are timed
apart; the family's work is timed as the pipeline runs it: ``prepare`` (fit the Kneser-Ney model,
hash the reference's 8-grams, score every document, plan 20 draws and 20 null splits) plus
scoring every metric on those draws.

Usage: python bench/bench_likelihood.py
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
GENERATIONS = 5
REFERENCE_TOKENS = 400_000
GENERATION_TOKENS = 200_000


def _corpus(rows: list[str], tokens: int, seed: int, path: Path) -> Path:
    """Paragraphs drawn with replacement until about ``tokens`` whitespace words."""
    rng = random.Random(seed)
    out, total = [], 0
    while total < tokens:
        text = rng.choice(rows)
        out.append(json.dumps({"text": text}) + "\n")
        total += len(text.split())
    path.write_text("".join(out), encoding="utf-8")
    return path


def main() -> None:
    rows = [json.loads(line)["text"] for line in (ROOT / "corpora" / "state_union" / "paragraphs.jsonl").open()]
    OUT.mkdir(parents=True, exist_ok=True)
    paths = [_corpus(rows, REFERENCE_TOKENS, 200, OUT / "likelihood_gen0.jsonl")]
    for g in range(1, 1 + GENERATIONS):
        paths.append(_corpus(rows, GENERATION_TOKENS, 200 + g, OUT / f"likelihood_gen{g}.jsonl"))

    from auditor.config import Settings
    from auditor.corpus import parse_corpus_args
    from auditor.families import get_family
    from auditor.families.base import FamilyInput, MetricData
    from auditor.pipeline import _profile
    from auditor.scoring import compute_metrics
    from auditor.stats import stream_label
    from auditor.text.tokenize import Tokenizer, Vocabulary

    settings = Settings(families=("likelihood",), workers=1)
    vocab = Vocabulary()
    tokenizer = Tokenizer(vocab, settings.tokenizer, settings.clitics)
    start = time.perf_counter()
    specs = parse_corpus_args([str(p) for p in paths])
    profiles = [_profile(s, stream_label(i, i == 0), tokenizer, settings, None) for i, s in enumerate(specs)]
    reading = time.perf_counter() - start

    family = get_family("likelihood")
    data = MetricData(vocab.words, settings.segment_tokens, settings.max_segments)
    start = time.perf_counter()
    prepared = family.prepare(FamilyInput(profiles, profiles[0].name, settings, vocab.words))
    fitted = time.perf_counter() - start
    results = compute_metrics(family.metrics, prepared.drawset, data, default_tolerance=settings.tolerance)
    total = time.perf_counter() - start

    info = prepared.artifacts["likelihood"]
    tokens = ", ".join(f"{p.name} {p.sample.n_tokens:,}" for p in profiles)
    print(f"word tokens per generation: {tokens}")
    print(
        f"model: order {info['order']}, fitted on {info['fit_tokens']:,} tokens, "
        f"vocabulary {info['vocabulary_size']:,}; n = {info['n']} documents per draw, "
        f"{settings.draws} draws, {settings.splits} null splits"
    )
    print(f"reading and tokenizing (not the family's work): {reading:.1f} s")
    print(f"prepare (fit, hash, score every document, plan draws): {fitted:.2f} s")
    print(f"prepare + scoring {len(results)} metrics: {total:.2f} s = {total / len(profiles):.2f} s per generation")
    typical = next(r for r in results if r.id == "likelihood.typical_mass")
    print("typical mass:", ", ".join(f"{g} {v.value:.3f}" for g, v in typical.values.items() if v.value is not None))


if __name__ == "__main__":
    main()
