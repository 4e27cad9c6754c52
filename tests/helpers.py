"""Small generators of test corpora with known properties (not part of the package)."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict

import numpy as np

WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|[.,;:!?]")


def bigram_top_p_corpus(texts: list[str], *, top_p: float, seed: int) -> list[str]:
    """Sample texts from a bigram model of ``texts`` with nucleus (top-p) decoding.

    Each sampled text matches the length (in tokens) of one training text, so the corpus size
    follows the original. Top-p removes every continuation outside the smallest set holding
    ``top_p`` of the probability: the tail is cut, as truncated decoding does in practice.
    """
    rng = np.random.default_rng(seed)
    docs = [["<s>", *WORD.findall(t)] for t in texts]
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in docs:
        for a, b in itertools.pairwise(doc):
            table[a][b] += 1
    nucleus: dict[str, tuple[list[str], np.ndarray]] = {}
    for a, counter in table.items():
        items = counter.most_common()
        counts = np.array([c for _, c in items], dtype=float)
        probs = counts / counts.sum()
        keep = int(np.searchsorted(np.cumsum(probs), top_p) + 1)
        words = [w for w, _ in items[:keep]]
        nucleus[a] = (words, probs[:keep] / probs[:keep].sum())
    out = []
    for doc in docs:
        prev, words = "<s>", []
        for _ in range(len(doc) - 1):
            if prev not in nucleus:
                prev = "<s>"
            choices, probs = nucleus[prev]
            prev = choices[int(rng.choice(len(choices), p=probs))]
            words.append(prev)
        out.append(" ".join(words))
    return out
