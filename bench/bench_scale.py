"""Benchmark: the vocabulary+tail audit at 10M and 50M tokens, and the full demo audit.

Corpora: simulated text (the collapse simulator's trigram generations of the bundled State of the
Union seed, with many seeds, concatenated) in files of about 2M words. Both sizes have five
generations: 10M = one file per generation, 50M = a folder of five files per generation, so the
comparison isolates corpus length. They are written once to bench/out/ and reused.

Each audit runs in its own process so its peak RSS is its own; the largest worker process's peak
RSS is printed beside it. Prints tokens/s and peak RSS for
10M and 50M tokens and their ratio (the memory target: 50M within 1.2x of 10M), the 10M corpus
again with 5% of its words misspelled (many one-off spans: the tokenizer's span table helps least),
and the time of a full audit (all families) of the demo corpora.

Usage: python bench/bench_scale.py [--skip-50m]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "scale"
WORDS_PER_FILE = 2_000_000


def build(files: int) -> list[Path]:
    """Simulated generations of ~2M words each (built once)."""
    from auditor.simulate import SimulationSettings, simulate

    OUT.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        path = OUT / f"sim{i:02d}.jsonl"
        paths.append(path)
        if path.exists():
            continue
        words = 0
        with path.open("w", encoding="utf-8") as out:
            seed = i * 1000
            while words < WORDS_PER_FILE:
                folder = OUT / "tmp"
                gens = simulate(
                    ROOT / "corpora" / "state_union" / "paragraphs.jsonl",
                    folder,
                    SimulationSettings(generations=2, top_p=0.95, seed=seed),
                )
                for gen in gens[1:]:
                    for line in gen.open(encoding="utf-8"):
                        out.write(line)
                        words += len(json.loads(line)["text"].split())
                seed += 1
    return paths


def _five_folders(paths: list[Path]) -> list[Path]:
    """Five generations of five files each (symbolic links in a folder per generation)."""
    folders = []
    for g in range(5):
        folder = OUT / f"gen50m_{g}"
        folder.mkdir(exist_ok=True)
        for path in paths[g * 5 : g * 5 + 5]:
            link = folder / path.name
            if not link.exists():
                link.symlink_to(path)
        folders.append(folder)
    return folders


TYPO_RATE = 0.05


def with_typos(paths: list[Path]) -> list[Path]:
    """Copies of the 10M files with 5% of words misspelled (a random letter inserted, seeded).

    Simulated text repeats its spans far more than web text; typos make hundreds of thousands of
    one-off spans, the case the span table helps least. Built once.
    """
    import random

    out = []
    for path in paths:
        target = OUT / f"typo_{path.name}"
        out.append(target)
        if target.exists():
            continue
        rng = random.Random(path.name)
        with path.open(encoding="utf-8") as src, target.open("w", encoding="utf-8") as dst:
            for line in src:
                record = json.loads(line)
                words = record["text"].split(" ")
                for i, w in enumerate(words):
                    if w and rng.random() < TYPO_RATE:
                        k = rng.randrange(len(w) + 1)
                        words[i] = w[:k] + rng.choice("abcdefghijklmnopqrstuvwxyz") + w[k:]
                record["text"] = " ".join(words)
                dst.write(json.dumps(record) + "\n")
    return out


def distinct_spans(paths: list[Path]) -> int:
    """White-space spans that occur in ``paths``, counted once."""
    seen: set[str] = set()
    for path in paths:
        for line in path.open(encoding="utf-8"):
            seen.update(json.loads(line)["text"].split())
    return len(seen)


def child(paths: list[str], families: str) -> None:
    """Run one audit in this process and print its numbers as JSON."""
    from auditor import audit

    start = time.perf_counter()
    result = audit(paths, families=tuple(families.split(",")))
    seconds = time.perf_counter() - start
    tokens = sum(g.tokens for g in result.generations)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest worker process
    print(json.dumps({"tokens": tokens, "seconds": seconds, "rss_mb": rss, "worker_rss_mb": worker}))


def run(paths: list[Path], families: str) -> dict:
    cmd = [sys.executable, __file__, "--child", families, *map(str, paths)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-50m", action="store_true")
    parser.add_argument("--child", default=None)
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    if args.child:
        child(args.paths, args.child)
        return
    paths = build(5 if args.skip_50m else 25)
    typos = with_typos(paths[:5])
    results = {"10M": run(paths[:5], "vocabulary,tail")}
    results[f"10M with {TYPO_RATE:.0%} typos"] = run(typos, "vocabulary,tail")
    if not args.skip_50m:
        results["50M"] = run(_five_folders(paths), "vocabulary,tail")
    for name, r in results.items():
        print(
            f"vocabulary+tail, {name}: {r['tokens']:,} tokens in {r['seconds']:.1f} s = "
            f"{r['tokens'] / r['seconds']:,.0f} tokens/s; peak RSS {r['rss_mb']:,.0f} MB "
            f"(largest worker {r['worker_rss_mb']:,.0f} MB)"
        )
    print(f"distinct white-space spans: 10M {distinct_spans(paths[:5]):,}; with typos {distinct_spans(typos):,}")
    if "50M" in results:
        print(
            f"peak RSS 50M / 10M: {results['50M']['rss_mb'] / results['10M']['rss_mb']:.2f}x "
            f"(largest worker {results['50M']['worker_rss_mb'] / results['10M']['worker_rss_mb']:.2f}x)"
        )
    demo = [ROOT / "corpora" / "demo" / f"gen{k}.jsonl" for k in range(6)]
    full = run(demo, "vocabulary,tail,embedding,topics,voice")
    print(
        f"full audit of the demo (6 x 1,500 documents, all families): {full['seconds']:.1f} s; "
        f"peak RSS {full['rss_mb']:,.0f} MB"
    )


if __name__ == "__main__":
    main()
