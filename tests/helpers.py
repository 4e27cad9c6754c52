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


KEYWORD_TOPICS = {
    "economy": r"\b(tax|taxes|deficit|budget|inflation)\b",
    "defense": r"\b(soviet|military|defense|weapons|missiles?)\b",
    "health": r"\b(health|medicare|medicaid|hospitals?)\b",
    "education": r"\b(schools?|education|teachers?|students?)\b",
    "energy": r"\b(energy|oil|gas|fuel)\b",
    "crime": r"\b(crime|drugs?|police|criminals?)\b",
    "farm": r"\b(farm|farmers|agriculture|agricultural)\b",
    "environment": r"\b(environment|pollution|conservation|parks?)\b",
    "labor": r"\b(labor|wages?|unions?|workers)\b",
    "housing": r"\b(housing|homes|cities|urban)\b",
    "space": r"\b(space|science|research|technology)\b",
}


def keyword_topic_sources(rows: list[dict]) -> dict[str, list[dict]]:
    """Real paragraphs grouped by a known subject: those matching exactly one subject's keywords.

    Presidents and addresses make poor topic sources (every address covers the economy, defence,
    health...: measured, one president's paragraphs still use ~17 of 20 topics), so topic tests
    narrow over these subject groups instead.
    """
    sources: dict[str, list[dict]] = {t: [] for t in KEYWORD_TOPICS}
    for row in rows:
        hits = [t for t, pattern in KEYWORD_TOPICS.items() if re.search(pattern, row["text"], re.IGNORECASE)]
        if len(hits) == 1:
            sources[hits[0]].append(row)
    return sources
