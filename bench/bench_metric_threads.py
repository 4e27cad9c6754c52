"""The metrics' thread pool with BLAS held to one thread (as audits run) against BLAS left free.

Runs the same audit of the demo's first three generations in fresh child processes, alternately
with :func:`auditor.executors.metric_threads` as shipped and with it replaced by a plain thread pool
(OpenBLAS then starts a thread per core inside each metric thread), and prints the wall times and
their ratio. The embedding cache is warmed first, so both sides measure the same work.

Usage: python bench/bench_metric_threads.py [--repeats N] [--families embedding,topics,vocabulary,tail]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import contextlib, json, sys, time
from concurrent.futures import ThreadPoolExecutor
import auditor.executors, auditor.pipeline
free, families, cache, *paths = sys.argv[1:]
if free == "1":
    @contextlib.contextmanager
    def plain(settings):
        with ThreadPoolExecutor(max_workers=auditor.executors.local_workers(settings)) as threads:
            yield threads
    auditor.pipeline.metric_threads = plain
from auditor import audit
start = time.perf_counter()
audit(paths, families=families.split(","), cache_dir=cache)
print(json.dumps(time.perf_counter() - start))
"""


def run(free: bool, families: str, cache: str, paths: list[str]) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, "1" if free else "0", families, cache, *paths],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--families", default="embedding,topics,vocabulary,tail")
    args = parser.parse_args()
    paths = [str(ROOT / "corpora" / "demo" / f"gen{k}.jsonl") for k in range(3)]
    with tempfile.TemporaryDirectory() as cache:
        run(False, args.families, cache, paths)  # warms the embedding cache
        limited, free = [], []
        for _ in range(args.repeats):
            limited.append(run(False, args.families, cache, paths))
            free.append(run(True, args.families, cache, paths))
    a, b = statistics.median(limited), statistics.median(free)
    print(f"cores {os.cpu_count()}, families {args.families}, {args.repeats} runs each, medians:")
    print(f"  BLAS one thread per metric thread (shipped): {a:.1f} s   {[round(x, 1) for x in limited]}")
    print(f"  BLAS free:                                   {b:.1f} s   {[round(x, 1) for x in free]}")
    print(f"  ratio free / shipped: {b / a:.2f}")


if __name__ == "__main__":
    main()
