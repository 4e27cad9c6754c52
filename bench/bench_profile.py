"""Benchmark: `auditor check` of one generation against a reference profile vs the raw reference.

The CI case of issue 19: a fresh runner (an empty embedding cache for every run) and all families.
One generation (corpora/demo/gen5.jsonl, 1,500 documents) is checked

* against the raw reference of the same size (corpora/demo/gen0.jsonl, 1,500 documents);
* against a profile of that reference (`auditor profile`, built once, not timed in the check);
* against a profile of a reference 10x larger (gen0 followed by State of the Union paragraphs
  repeated up to 15,000 documents, written once to bench/out/profile/);
* and, for scale, against that 10x reference raw.

Every run is its own `auditor check` process with its own empty cache folder; the runs are
interleaved and repeated (``--repeat``), and the medians and their ratios are printed side by
side. ``--sample-docs 1500 --budget 40000`` are fixed for every run, so that only the reference
changes (with the automatic settings a larger reference also allows a larger text sample and
budget, which are more precise measurements, not more work on the reference).

Targets (issue 19): profile <= 0.6x raw; the 10x profile within 10% of the 1x profile.

Wall and CPU seconds are both printed: on a shared machine the wall time also measures the other
jobs, the CPU time of the check's processes much less so.

Usage: python bench/bench_profile.py [--repeat 1] [--skip-raw-10x] [--sample-docs 1500]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "profile"
DEMO = ROOT / "corpora" / "demo"
FAMILIES = "vocabulary,tail,embedding,topics,voice,likelihood,paired"
POLICY = '[check]\nno_degraded = ["vocabulary"]\n'


def reference_10x() -> Path:
    """gen0 then State of the Union paragraphs (repeated) up to 10x gen0's documents (built once)."""
    path = OUT / "ref10x.jsonl"
    if path.exists():
        return path
    gen0 = (DEMO / "gen0.jsonl").read_text(encoding="utf-8").splitlines()
    union = (ROOT / "corpora" / "state_union" / "paragraphs.jsonl").read_text(encoding="utf-8").splitlines()
    rows = list(gen0)
    while len(rows) < 10 * len(gen0):
        rows.extend(union[: 10 * len(gen0) - len(rows)])
    texts = [json.loads(r)["text"] for r in rows]
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    return path


def auditor(*args: str) -> tuple[float, float, str]:
    """Run the CLI with a fresh, empty embedding cache; return (wall seconds, CPU seconds, stdout).

    CPU seconds (user + system of the process and its workers) are the steadier number on a
    shared machine, where wall time also measures the other jobs.
    """
    cache = tempfile.mkdtemp(prefix="bench-profile-cache-")
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "auditor", *args, "--cache-dir", cache, "--quiet"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"auditor {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-raw-10x", action="store_true")
    parser.add_argument("--sample-docs", default="1500", help="texts per generation (default 1500: all of gen5)")
    args = parser.parse_args()
    fixed = ["--sample-docs", args.sample_docs, "--budget", "40000"]
    OUT.mkdir(parents=True, exist_ok=True)
    policy = OUT / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    ref10 = reference_10x()
    profiles = {}
    for label, ref in (("1x", DEMO / "gen0.jsonl"), ("10x", ref10)):
        target = OUT / f"{label}.auditor-profile"
        seconds, _, stdout = auditor("profile", str(ref), "--out", str(target), "--families", FAMILIES, *fixed)
        size = target.stat().st_size
        print(f"profile {label}: built in {seconds:.1f} s, {size / 1e6:.2f} MB; {stdout.strip().splitlines()[-1]}")
        profiles[label] = target

    gen = str(DEMO / "gen5.jsonl")
    check = ["check", "--policy", str(policy), "--families", FAMILIES, *fixed]
    runs = {
        "raw 1x": [*check, str(DEMO / "gen0.jsonl"), gen],
        "profile 1x": [*check, gen, "--reference-profile", str(profiles["1x"])],
        "profile 10x": [*check, gen, "--reference-profile", str(profiles["10x"])],
    }
    if not args.skip_raw_10x:
        runs["raw 10x"] = [*check, f"gen0={ref10}", gen]
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in runs}
    for r in range(args.repeat):
        for label, argv in runs.items():
            seconds, cpu, _ = auditor(*argv)
            times[label].append((seconds, cpu))
            print(f"  round {r + 1}: {label}: {seconds:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    print(f"\ncheck of gen5 (1,500 documents), all families, --sample-docs {args.sample_docs}, empty cache, medians:")
    for i, kind in enumerate(("wall", "CPU")):
        median = {label: statistics.median(t[i] for t in ts) for label, ts in times.items()}
        print(f"{kind}: " + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in median.items()))
        print(f"  {kind} profile 1x / raw 1x:      {median['profile 1x'] / median['raw 1x']:.2f}  (target <= 0.60)")
        print(
            f"  {kind} profile 10x / profile 1x: {median['profile 10x'] / median['profile 1x']:.2f}  (target <= 1.10)"
        )
        if "raw 10x" in median:
            print(f"  {kind} profile 10x / raw 10x:    {median['profile 10x'] / median['raw 10x']:.2f}")


if __name__ == "__main__":
    main()
