"""Peer benchmark: auditor's ROUGE-L homogenization against ``diversity.homogenization_score``.

Why: ``auditor.voice.rouge.homogenization`` computes the homogenization score of Padmakumar & He
(2024), the mean pairwise ROUGE-L F1 between a corpus's documents, with a bit-parallel LCS. The
diversity package computes the same score with rouge_score's O(len(a) * len(b)) dynamic-programming
table, over every ordered pair, in pure Python. Ours must agree with it (same ranking of the demo
generations: Spearman >= 0.9) and be much faster (>= 50x at 300 documents).

What: the first 300 and the first 100 documents of each demo generation (``corpora/demo/gen0..5``).
Theirs is slow (minutes at n=300), so it is timed at n=300 on gen0 only and at n=100 on all six
generations (``--theirs-large-all`` adds theirs at n=300 on gen1..gen5, about 6 more minutes); ours
is timed on the same inputs and also scored at n=300 on all six, and on all 1,500 documents of each
generation (50,000 sampled pairs) to show the generations' ranking on the whole corpus. With the
default ``pair_budget`` (50,000) ours takes every pair at n=100 and n=300 (4,950 and 44,850 pairs),
so it is exact there and the rng is unused. A small definitional check (n=30, gen0) compares ours
with an unrounded mean of rouge_score's F1 over ordered pairs, and every document's tokens are
compared with rouge_score's tokenizer.

Run in the peers venv: ``.venv-peers/bin/python bench/peers/homogenization_vs_diversity.py`` (2-3
minutes, nearly all of it in diversity). Prints numbers only; it asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import numpy as np
from rouge_score import rouge_scorer
from rouge_score import tokenize as rouge_tokenize
from scipy.stats import spearmanr

from auditor.voice.rouge import homogenization, rouge_tokens

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "corpora" / "demo"
GENERATIONS = 6
N_LARGE = 300
N_SMALL = 100
N_CHECK = 30

T = TypeVar("T")


def load(generation: int, n: int) -> list[str]:
    """The first ``n`` texts of a demo generation."""
    texts = []
    with (DEMO / f"gen{generation}.jsonl").open(encoding="utf-8") as f:
        for line in f:
            texts.append(json.loads(line)["text"])
            if len(texts) == n:
                break
    return texts


def timed(fn: Callable[[], T], *, budget: float = 2.0, max_runs: int = 3) -> tuple[float, T]:
    """Best wall time of up to ``max_runs`` calls (stops once ``budget`` seconds are spent), and the result."""
    best = float("inf")
    spent = 0.0
    result: T
    for _ in range(max_runs):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        spent += elapsed
        if spent >= budget:
            break
    return best, result


def ours(texts: list[str]) -> float:
    return homogenization(texts, groups=None, pair_budget=50_000, rng=np.random.default_rng(0))


def rouge_score_unrounded(texts: list[str]) -> float:
    """diversity's loop without its final rounding: mean rouge_score ROUGE-L F1 over ordered pairs i != j."""
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    total = sum(
        scorer.score(b, a)["rougeL"].fmeasure  # score(target, prediction); diversity passes (pred, ref)
        for i, a in enumerate(texts)
        for j, b in enumerate(texts)
        if i != j
    )
    return total / (len(texts) * (len(texts) - 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--theirs-large-all",
        action="store_true",
        help=f"also run diversity at n={N_LARGE} on gen1..gen5 (about 1 more minute each)",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    from diversity import homogenization_score  # slow import (transformers); it also tries an nltk download

    import_s = time.perf_counter() - start

    def theirs(texts: list[str]) -> float:
        return homogenization_score(texts, measure="rougel", use_stemmer=False, verbose=False)

    print(
        f"diversity {version('diversity')} (rouge-score {version('rouge-score')}), "
        f"corpus-auditor {version('corpus-auditor')}; import diversity took {import_s:.1f} s (not timed below)"
    )
    print("theirs = diversity.homogenization_score(texts, measure='rougel'), rounded by it to 3 places;")
    print("ours = auditor.voice.rouge.homogenization(texts) (all pairs); speed = theirs / ours; theirs run once")
    loadavg = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cores, load average {loadavg} (other load on the machine slows both sides)\n")

    small = [load(g, N_SMALL) for g in range(GENERATIONS)]
    large = [load(g, N_LARGE) for g in range(GENERATIONS)]

    print(f"== n={N_SMALL} documents per generation ==")
    print(f"{'gen':<5} {'theirs s':>9} {'ours s':>8} {'speed':>7} {'theirs':>7} {'ours':>9} {'|diff|':>8}")
    theirs_small, ours_small = [], []
    for g, texts in enumerate(small):
        t_theirs, v_theirs = timed(lambda texts=texts: theirs(texts), max_runs=1)
        t_ours, v_ours = timed(lambda texts=texts: ours(texts))
        theirs_small.append(v_theirs)
        ours_small.append(v_ours)
        print(
            f"gen{g:<2} {t_theirs:>9.2f} {t_ours:>8.3f} {t_theirs / t_ours:>6.0f}x {v_theirs:>7.3f} {v_ours:>9.6f} "
            f"{abs(v_theirs - v_ours):>8.1e}"
        )

    print(f"\n== n={N_LARGE} documents per generation (theirs on gen0 only) ==")
    print(f"{'gen':<5} {'theirs s':>9} {'ours s':>8} {'speed':>7} {'theirs':>7} {'ours':>9} {'|diff|':>8}")
    theirs_large, ours_large = [], []
    for g, texts in enumerate(large):
        t_ours, v_ours = timed(lambda texts=texts: ours(texts))
        ours_large.append(v_ours)
        if g == 0 or args.theirs_large_all:
            t_theirs, v_theirs = timed(lambda texts=texts: theirs(texts), max_runs=1)
            theirs_large.append(v_theirs)
            print(
                f"gen{g:<2} {t_theirs:>9.2f} {t_ours:>8.3f} {t_theirs / t_ours:>6.0f}x {v_theirs:>7.3f} "
                f"{v_ours:>9.6f} {abs(v_theirs - v_ours):>8.1e}" + ("   target speed >= 50x" if g == 0 else "")
            )
        else:
            print(f"gen{g:<2} {'-':>9} {t_ours:>8.3f} {'-':>7} {'-':>7} {v_ours:>9.6f} {'-':>8}")

    # Every document of each generation, 50,000 pairs sampled out of 1.1 million: the generations' ranking
    # on the whole demo corpus, to see which of the n=100 and n=300 rankings is sampling noise.
    ours_all = [ours(load(g, 10**9)) for g in range(GENERATIONS)]
    print(
        f"ours, all {len(load(0, 10**9))} documents (50,000 sampled pairs): "
        + " ".join(f"gen{g} {v:.6f}" for g, v in enumerate(ours_all))
    )

    def rho(a: list[float], b: list[float]) -> str:
        return f"{spearmanr(a, b).statistic:.3f}"

    print("\n== Spearman rank correlation across the six generations (target >= 0.9) ==")
    print(f"theirs n={N_SMALL} vs ours n={N_SMALL}:  {rho(theirs_small, ours_small)}   (the agreement test)")
    if len(theirs_large) == GENERATIONS:
        print(f"theirs n={N_LARGE} vs ours n={N_LARGE}:  {rho(theirs_large, ours_large)}   (the agreement test)")
    print(f"theirs n={N_SMALL} vs ours n={N_LARGE}:  {rho(theirs_small, ours_large)}   (different documents)")
    print(f"ours n={N_SMALL} vs ours n={N_LARGE}:    {rho(ours_small, ours_large)}   (different documents)")
    print(f"ours n={N_SMALL} vs ours all:      {rho(ours_small, ours_all)}")
    print(f"ours n={N_LARGE} vs ours all:      {rho(ours_large, ours_all)}")
    steps = list(range(GENERATIONS))
    print(
        f"against the generation number: ours n={N_SMALL} {rho(ours_small, steps)}, ours n={N_LARGE} "
        f"{rho(ours_large, steps)}, ours all {rho(ours_all, steps)}"
    )
    spread = max(ours_large) - min(ours_large)
    print(f"(spread of ours n={N_LARGE} across generations: {spread:.4f}; theirs' 3-place rounding makes ties)")

    print("\n== Definitional checks ==")
    check = small[0][:N_CHECK]
    reference = rouge_score_unrounded(check)
    print(
        f"n={N_CHECK} gen0: unrounded mean rouge_score F1 over ordered pairs {reference!r}, ours {ours(check)!r}, "
        f"|diff| {abs(reference - ours(check)):.1e}"
    )
    docs = [text for texts in large for text in texts]
    differing = sum(rouge_tokens(text) != rouge_tokenize.tokenize(text, None) for text in docs)
    non_ascii = sum(not text.isascii() for text in docs)
    print(
        f"tokens: {differing} of {len(docs)} documents tokenise differently from rouge_score "
        f"({non_ascii} documents contain non-ASCII characters)"
    )


if __name__ == "__main__":
    main()
