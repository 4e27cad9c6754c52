"""Where do the static model and MiniLM disagree? Graded series, a second demo sample, split halves.

``bench_static_agreement.py`` runs the whole audit on a few series. This bench asks the broader
question behind its numbers, on many generations at once, by running the embedding family's own
steps (pools -> the same draws and null -> Vendi, recall and coverage -> the family verdict; the
static model's pools centred as :func:`auditor.families.embedding.prepare.centred_on_reference`
does, or left raw for comparison) on vectors embedded once:

* **graded series**: for 3 random reference samples of 700 State of the Union paragraphs, four
  series of four generations of rising severity: a topic keeping 25/50/75/100% of its documents on
  the economy, the same on war and defence, repeats (20/40/60/80% of the documents repeats of 40
  paragraphs) and era drift (25-100% of the documents from 1945-64 against a 1985-2006 reference).
  Prints how many of the 48 generations' verdicts agree, which disagree, and the Spearman
  correlation of the changes against the reference.
* **the demo twice**: the first 700 and the next 700 documents of each demo generation. Does each
  model order the generations the same way on both samples (the ceiling any agreement can reach),
  and does the static model order them as MiniLM does?
* **split halves**: 20 random pairs of disjoint 700-paragraph samples: how often ``degraded``.

MiniLM's vectors are cached in ``bench/out/embedding-cache`` (the first run embeds about 13,000
texts, about 4 minutes on 2 cores). Usage: python bench/bench_static_graded.py [--splits N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SIZE = 700
FRACTIONS = (0.25, 0.5, 0.75, 1.0)
ECONOMY = ("econom", "tax", "budget", "inflation", "dollar", "price", "wage", "jobs", "deficit", "spending")
WAR = ("war", "military", "defense", "troops", "soviet", "enemy", "nuclear", "weapon", "army", "navy")
MODELS = ("minilm", "static", "static-raw")
HEADLINES = ("vendi", "recall", "coverage")


def paragraphs() -> list[dict[str, Any]]:
    """The State of the Union paragraphs of at least 20 words."""
    with (ROOT / "corpora" / "state_union" / "paragraphs.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [r for r in rows if len(r["text"].split()) >= 20]


def demo(start: int) -> list[list[str]]:
    """Documents ``start`` to ``start + 700`` of each demo generation."""
    out = []
    for k in range(6):
        with (ROOT / "corpora" / "demo" / f"gen{k}.jsonl").open(encoding="utf-8") as f:
            out.append([json.loads(line)["text"] for line in f][start : start + SIZE])
    return out


def graded(rows: list[dict[str, Any]]) -> dict[str, list[list[str]]]:
    """name -> generations (texts), the reference first."""
    texts = [r["text"] for r in rows]
    old = [r["text"] for r in rows if r["year"] < 1965]
    new = [r["text"] for r in rows if r["year"] >= 1985]
    out = {}
    for seed in range(3):
        shuffled = texts[:]
        random.Random(seed).shuffle(shuffled)
        ref, rest = shuffled[:SIZE], shuffled[SIZE:]
        for name, words in (("economy", ECONOMY), ("war", WAR)):
            topic = [t for t in rest if any(w in t.lower() for w in words)]
            chosen = set(topic)
            other = [t for t in rest if t not in chosen]
            cut = [int(f * SIZE) for f in FRACTIONS]
            out[f"{name}{seed}"] = [ref] + [topic[:c] + other[: SIZE - c] for c in cut]
        cut = [int(f * SIZE) for f in (0.2, 0.4, 0.6, 0.8)]
        out[f"repeats{seed}"] = [ref] + [rest[: SIZE - c] + [rest[SIZE + i % 40] for i in range(c)] for c in cut]
        rng = random.Random(seed)
        o, n = old[:], new[:]
        rng.shuffle(o)
        rng.shuffle(n)
        cut = [int(f * SIZE) for f in FRACTIONS]
        out[f"era{seed}"] = [n[:SIZE]] + [n[SIZE : 2 * SIZE - c] + o[:c] for c in cut]
    return out


def embed_all(texts: list[str]) -> dict[str, dict[str, np.ndarray]]:
    """model -> text -> unit vector (MiniLM through the bench's cache; the static model directly)."""
    from auditor.embed.cache import EmbeddingCache
    from auditor.embed.model import embed, encode_static, load_model

    cache = EmbeddingCache(ROOT / "bench" / "out" / "embedding-cache")
    try:
        minilm = embed(load_model("all-MiniLM-L6-v2"), texts, cache, batch_size=64)
    finally:
        cache.close()
    static = encode_static(load_model("static"), texts)
    return {"minilm": dict(zip(texts, minilm, strict=True)), "static": dict(zip(texts, static, strict=True))}


def family(vectors: dict[str, dict[str, np.ndarray]], model: str, gens: list[list[str]]) -> dict[str, Any]:
    """The embedding family's headline values and verdicts, run as ``prepare`` and the scorer run it."""
    from auditor.config import Settings
    from auditor.draws import draw_size, pool_drawset
    from auditor.families.base import MetricData
    from auditor.families.embedding.metrics import METRICS, EmbeddingDraw
    from auditor.families.embedding.prepare import centred_on_reference
    from auditor.scoring import compute_metrics, family_verdicts

    names = [f"g{k}" for k in range(len(gens))]
    source = vectors["minilm" if model == "minilm" else "static"]
    pools = {name: np.stack([source[t] for t in g]) for name, g in zip(names, gens, strict=True)}
    if model == "static":
        pools = centred_on_reference(pools, names[0])
    settings = Settings()
    n = draw_size({k: len(v) for k, v in pools.items()}, names[0])
    drawset = pool_drawset(names, names[0], {k: k for k in names}, pools, n, settings, EmbeddingDraw, {}, "embedding")
    headlines = [m for m in METRICS if m.spec.headline]
    data = MetricData(words=[], segment_tokens=0, max_segments=0)
    results = compute_metrics(headlines, drawset, data, default_tolerance=settings.tolerance)
    verdicts = [str(v.status) for v in family_verdicts(results, "embedding", names, names[0])]
    values = {r.id.split(".")[1]: [r.values[g].value for g in names] for r in results}
    return {"verdicts": verdicts, "values": values}


def changes(series: list[list[float]]) -> list[float]:
    """Each later generation's relative change against its series' reference."""
    return [(v[k] - v[0]) / v[0] for v in series for k in range(1, len(v))]


def spearman(a: list[float], b: list[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "static_graded.json")
    args = parser.parse_args()
    rows = paragraphs()
    series = graded(rows)
    demos = {"demo-a": demo(0), "demo-b": demo(SIZE)}
    texts = [r["text"] for r in rows]
    halves = {}
    for s in range(args.splits):
        order = texts[:]
        random.Random(1000 + s).shuffle(order)
        halves[f"halves{s}"] = [order[:SIZE], order[SIZE : 2 * SIZE]]
    every = [t for group in (series, demos, halves) for gens in group.values() for g in gens for t in g]
    vectors = embed_all(list(dict.fromkeys(every)))
    report: dict[str, Any] = {}

    runs = {name: {m: family(vectors, m, gens) for m in MODELS} for name, gens in series.items()}
    report["graded"] = runs
    print("graded series: 48 generations of rising severity")
    for model in MODELS[1:]:
        pairs = [
            (name, k, r["minilm"]["verdicts"][k], r[model]["verdicts"][k])
            for name, r in runs.items()
            for k in range(1, 5)
        ]
        differ = [p for p in pairs if p[2] != p[3]]
        print(f"  {model}: verdicts agree on {len(pairs) - len(differ)} of {len(pairs)}")
        for name, k, a, b in differ:
            print(f"    {name} gen{k}: MiniLM {a}, {model} {b}")
        for metric in HEADLINES:
            a = changes([r["minilm"]["values"][metric] for r in runs.values()])
            b = changes([r[model]["values"][metric] for r in runs.values()])
            within = [spearman(r["minilm"]["values"][metric], r[model]["values"][metric]) for r in runs.values()]
            print(
                f"    {metric}: Spearman of the 48 changes {spearman(a, b):.2f}; within each series "
                f"median {np.median(within):.2f}, lowest {min(within):.2f}"
            )

    report["demo"] = {name: {m: family(vectors, m, gens) for m in MODELS} for name, gens in demos.items()}
    print("the demo, two disjoint samples of 700 documents per generation")
    a, b = report["demo"]["demo-a"], report["demo"]["demo-b"]
    for metric in HEADLINES:
        ceiling = spearman(a["minilm"]["values"][metric], b["minilm"]["values"][metric])
        line = f"  {metric}: MiniLM sample a vs b {ceiling:.2f}"
        for model in MODELS[1:]:
            same = spearman(a[model]["values"][metric], b[model]["values"][metric])
            vs = [spearman(s["minilm"]["values"][metric], s[model]["values"][metric]) for s in (a, b)]
            line += f"; {model} a vs b {same:.2f}, vs MiniLM {vs[0]:.2f} / {vs[1]:.2f}"
        print(line)
        for model in MODELS:
            shown = ", ".join(f"{x:.3g}" for x in a[model]["values"][metric])
            print(f"    {model:10s} (sample a) {shown}")

    counts = {m: 0 for m in MODELS}
    for gens in halves.values():
        for m in MODELS:
            counts[m] += family(vectors, m, gens)["verdicts"][1] == "degraded"
    report["halves_degraded"] = counts
    print(f"split halves degraded, of {args.splits}: {counts}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
