"""Benchmark: does curating each generation (`auditor simulate --select`) slow the collapse?

Simulates the README's example on the bundled State of the Union paragraphs (every paragraph, 5
generations, top-p 0.9) once without curation and once per rule set, for each seed, then audits
every series in one run against the shared gen0 (with every paragraph as the seed, gen0 is the same
file whatever the seed), so all values share one budget and one null. Prints types at budget and
hapax survival per generation (first seed) with their draw intervals and status, both at the last
generation for every seed (the spread between seeds is the simulation's own noise, which the draw
intervals do not show), and how many documents each curation dropped.

The simulations go to bench/out/select/ and are reused when their manifest matches.

Usage: python bench/bench_select.py [--rules RULES ...] [--seeds S ...] [--generations G] [--top-p P]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpora" / "state_union" / "paragraphs.jsonl"
OUT = ROOT / "bench" / "out" / "select"
DEFAULT_RULES = ("drop-duplicates,drop-typical=0.2,keep-rare", "drop-duplicates,drop-typical=0.2")
METRICS = {"types at budget": "vocabulary.types_at_budget", "hapax survival": "tail.rare_survival_hapax"}
NONE = "no selection"


def simulated(rules: str | None, seed: int, args: argparse.Namespace) -> list[Path]:
    """The generation files of one simulation (run unless bench/out holds it with these settings)."""
    from auditor.simulate import SimulationSettings, simulate

    settings = SimulationSettings(generations=args.generations, top_p=args.top_p, seed=seed, select=rules)
    folder = OUT / (("plain" if rules is None else "select-" + rules.replace(",", "+")) + f"-seed{seed}")
    wanted = asdict(settings)
    if rules is None:
        del wanted["select"]  # as the manifest records a run without curation
    manifest = folder / "manifest.json"
    if not (manifest.is_file() and json.loads(manifest.read_text(encoding="utf-8"))["settings"] == wanted):
        start = time.perf_counter()
        simulate(SEED_CORPUS, folder, settings)
        print(f"simulated {folder.name}: {time.perf_counter() - start:.0f} s")
    return [folder / f"gen{k}.jsonl" for k in range(args.generations + 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", nargs="*", default=list(DEFAULT_RULES), help="--select strings to compare")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0])
    parser.add_argument("--generations", type=int, default=5)
    parser.add_argument("--top-p", type=float, default=0.9)
    args = parser.parse_args()
    from auditor import audit

    labels = [NONE, *args.rules]
    series = {
        (label, seed): simulated(None if label == NONE else label, seed, args)
        for label in labels
        for seed in args.seeds
    }
    assert len({paths[0].read_bytes() for paths in series.values()}) == 1, "the simulations do not share gen0"

    corpora = [f"gen0={next(iter(series.values()))[0]}"]
    names: dict[tuple[str, int], list[str]] = {}
    for s, (key, paths) in enumerate(series.items()):
        names[key] = [f"s{s}-gen{k}" for k in range(1, len(paths))]
        corpora += [f"{name}={path}" for name, path in zip(names[key], paths[1:], strict=True)]
    start = time.perf_counter()
    result = audit(corpora, families=("vocabulary", "tail"))
    print(f"audited {len(corpora)} generations in one run: {time.perf_counter() - start:.0f} s")
    print(f"seed corpus {SEED_CORPUS.name}, {args.generations} generations, top-p {args.top_p}")
    print(f"budget {result.config['budget']:,} tokens, {result.config['draws']} draws")

    width = max(len(label) for label in labels) + 2
    last = f"gen{args.generations}"
    for title, metric_id in METRICS.items():
        metric = result.metric(metric_id)
        null = f"null {metric.null.range[0]:.4g}-{metric.null.range[1]:.4g}" if metric.null else "no null"
        print(f"\n{title} ({metric_id}): gen0 {metric.values['gen0'].value:.4g}, {null}")
        print(f"  seed {args.seeds[0]}, value [draw interval] status:")
        for label in labels:
            cells = []
            for name in names[label, args.seeds[0]]:
                value = metric.values[name]
                low, high = value.interval or (float("nan"), float("nan"))
                cells.append(f"{value.value:.4g} [{low:.4g}-{high:.4g}] {metric.status[name]}")
            print(f"    {label.ljust(width)}" + "; ".join(f"gen{k} {c}" for k, c in enumerate(cells, start=1)))
        print(f"  {last}, seed by seed (mean):")
        for label in labels:
            values = [metric.values[names[label, seed][-1]].value for seed in args.seeds]
            shown = "  ".join(f"{v:.4g}" for v in values)
            print(f"    {label.ljust(width)}{shown}  ({statistics.mean(values):.4g})")

    print(f"\ndocuments dropped before each model trained (gen1 .. gen{args.generations - 1}), seed {args.seeds[0]}:")
    for label in args.rules:
        manifest = json.loads(series[label, args.seeds[0]][0].with_name("manifest.json").read_text(encoding="utf-8"))
        counts = [g["selection"] for g in manifest["generations"] if "selection" in g]
        shown = ", ".join(f"{c['dropped']} ({c['protected']} protected)" for c in counts)
        print(f"  {label.ljust(width)}{shown} of {manifest['generations'][0]['documents']} documents")


if __name__ == "__main__":
    main()
