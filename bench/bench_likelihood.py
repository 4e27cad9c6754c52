"""Benchmark: the likelihood family at a 200k-token budget (issue 18: at most 10 s per generation).

The reference is 400k word tokens of State of the Union paragraphs (so the model is fitted on
200k tokens and the held-out half is 200k), and each of 5 generations is 200k tokens, all
sampled with replacement (seeded) from the bundled corpus. Reading and tokenizing are timed
apart; the family's work is timed as the pipeline runs it: ``prepare`` (fit the Kneser-Ney model,
hash the reference's 8-grams, score every document, plan 20 draws and 20 null splits) plus
scoring every metric on those draws.

With a neural reference model (``--likelihood-model``), the n-gram timing is followed by the
model's: ``--neural PATH`` (or ``AUDITOR_BENCH_LM=PATH``) times a local causal LM folder scoring
``--neural-docs`` paragraphs (default 200) as the family does (tokenize, cut to the context, batched
forward passes on CPU), and prints documents and tokens per second and what the default
``sample_docs`` (2,000 documents per generation) would take. ``--neural random-gpt2`` builds a
GPT-2-small-shaped model (12 layers, 768 dimensions, 1,024 positions, 50,257 outputs) with random
weights and a byte-level BPE tokenizer trained on the paragraphs: its numbers mean nothing, but its
cost per token is GPT-2 small's, for machines without a real one.

Usage: python bench/bench_likelihood.py [--neural PATH | --neural random-gpt2] [--neural-docs N] [--neural-only]
"""

from __future__ import annotations

import argparse
import json
import os
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
    from auditor.scoring import compute_metrics
    from auditor.stages import profile_corpus
    from auditor.stats import stream_label
    from auditor.text.tokenize import Tokenizer, Vocabulary

    settings = Settings(families=("likelihood",), workers=1)
    vocab = Vocabulary()
    tokenizer = Tokenizer(vocab, settings.tokenizer, settings.clitics)
    start = time.perf_counter()
    specs = parse_corpus_args([str(p) for p in paths])
    family = get_family("likelihood")
    profiles = [
        profile_corpus(s, stream_label(i, i == 0), tokenizer, settings, None, [family]) for i, s in enumerate(specs)
    ]
    reading = time.perf_counter() - start

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


def random_gpt2(rows: list[str], folder: Path) -> Path:
    """GPT-2 small's shape with random weights, and a BPE tokenizer trained on ``rows`` (see module docstring)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=8_000,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(rows, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<|endoftext|>", eos_token="<|endoftext|>")
    torch.manual_seed(0)
    config = GPT2Config(bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def neural_timing(path: str, docs: int) -> None:
    """Load a causal LM folder and time it scoring ``docs`` paragraphs (see module docstring)."""
    import torch

    from auditor.families.likelihood import neural

    rows = [json.loads(line)["text"] for line in (ROOT / "corpora" / "state_union" / "paragraphs.jsonl").open()]
    OUT.mkdir(parents=True, exist_ok=True)
    if path == "random-gpt2":
        start = time.perf_counter()
        path = str(random_gpt2(rows, OUT / "random-gpt2"))
        print(f"built a random GPT-2-small-shaped model in {OUT / 'random-gpt2'}: {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    lm = neural.load(path)
    loading = time.perf_counter() - start
    texts = random.Random(0).sample(rows, docs)
    start, cpu = time.perf_counter(), time.process_time()
    scores = neural.score(lm, texts)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    model = lm.describe()
    tokens = int(scores.tokens.sum())
    words = sum(len(t.split()) for t in texts)
    print(
        f"neural model {model['name']} ({model['model_type']}, context {model['context_length']}, vocabulary "
        f"{model['vocab_size']:,}), torch {torch.__version__} on {torch.get_num_threads()} threads: loaded in "
        f"{loading:.1f} s"
    )
    print(
        f"scored {docs} paragraphs ({words:,} words, {tokens:,} model tokens, {tokens / words:.2f} per word; "
        f"{int((scores.truncated > 0).sum())} cut to the context) in {seconds:.1f} s: {docs / seconds:.1f} "
        f"documents/s, {tokens / seconds:,.0f} tokens/s ({cpu:.1f} s of CPU: {tokens / cpu:,.0f} tokens per CPU "
        "second; on a busy machine the wall time is longer)"
    )
    print(f"at the default sample_docs (2,000 such documents per generation): about {2000 * seconds / docs:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neural", default=os.environ.get("AUDITOR_BENCH_LM"), help="causal LM folder, or random-gpt2")
    parser.add_argument("--neural-docs", type=int, default=200, help="paragraphs the neural model scores")
    parser.add_argument("--neural-only", action="store_true", help="skip the n-gram timing")
    args = parser.parse_args()
    if not args.neural_only:
        main()
    if args.neural:
        neural_timing(args.neural, args.neural_docs)
