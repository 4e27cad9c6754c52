"""Does the static model (``--embedding-model static``) reach MiniLM's conclusions?

Runs the embedding family with both models on the same series and compares:

* the family's verdict on every generation (must agree everywhere);
* the Spearman correlation of Vendi, coverage and recall between the two models (must be at least
  0.9), over every generation of every series as each generation's change against its own series'
  reference (the quantity verdicts read; raw values of different series are not on one scale),
  and within each series over its generations, the reference included;
* split halves of human text (two disjoint random halves of the State of the Union paragraphs,
  several seeds): never ``degraded`` with either model.

Series: the demo (``corpora/demo``, sample 700), and built from ``corpora/state_union``:
``topic`` (gen1 half, gen2 all paragraphs on the economy), ``repeats`` (gen1 half, gen2 90% of the
documents repeats of 40 paragraphs) and ``halves`` (one per seed).

Usage: python bench/bench_static_agreement.py [--halves N] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
HEADLINES = ("embedding.vendi", "embedding.coverage", "embedding.recall")
ECONOMY = ("econom", "tax", "budget", "inflation", "dollar", "price", "wage", "jobs", "deficit", "spending")
SIZE = 700


def paragraphs() -> list[dict[str, Any]]:
    """The State of the Union paragraphs of at least 20 words."""
    with (ROOT / "corpora" / "state_union" / "paragraphs.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return [r for r in rows if len(r["text"].split()) >= 20]


def write(folder: Path, name: str, texts: list[str]) -> str:
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    return str(path)


def built_series(folder: Path, halves: int) -> dict[str, list[str]]:
    """name -> corpus paths (generation 0 first)."""
    rows = [r["text"] for r in paragraphs()]
    rng = random.Random(0)
    shuffled = rows[:]
    rng.shuffle(shuffled)
    ref, rest = shuffled[:SIZE], shuffled[SIZE:]
    economy = [t for t in rest if any(w in t.lower() for w in ECONOMY)]
    other = [t for t in rest if t not in set(economy)]
    series = {
        "topic": [
            write(folder, "topic0", ref),
            write(folder, "topic1", economy[: SIZE // 2] + other[: SIZE // 2]),
            write(folder, "topic2", economy[SIZE // 2 : SIZE // 2 + SIZE]),
        ],
        "repeats": [
            write(folder, "rep0", ref),
            write(folder, "rep1", rest[:SIZE // 2] + [rest[i % 40] for i in range(SIZE // 2)]),
            write(folder, "rep2", rest[SIZE: SIZE + SIZE // 10] + [rest[i % 40] for i in range(SIZE - SIZE // 10)]),
        ],
    }  # fmt: skip
    for seed in range(halves):
        order = rows[:]
        random.Random(100 + seed).shuffle(order)
        series[f"halves{seed}"] = [
            write(folder, f"h{seed}a", order[:SIZE]),
            write(folder, f"h{seed}b", order[SIZE : 2 * SIZE]),
        ]
    series["demo"] = [str(ROOT / "corpora" / "demo" / f"gen{k}.jsonl") for k in range(6)]
    return series


def run(paths: list[str], model: str, cache: Path) -> dict[str, Any]:
    import auditor

    result = auditor.audit(paths, families=["embedding"], embedding_model=model, sample_docs=SIZE, cache_dir=str(cache))
    return result.to_dict()


def verdicts(metrics: dict[str, Any]) -> dict[str, str]:
    return {v["generation"]: v["status"] for v in metrics["verdicts"]}


def headline_values(metrics: dict[str, Any], series: str) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(series, metric, generation) -> (value, change against the series' reference)."""
    out = {}
    for m in metrics["metrics"]:
        if m["id"] in HEADLINES:
            for gen, cell in m["values"].items():
                change = m["change"][gen]
                if cell["value"] is not None:
                    shift = change["relative"] if m["id"] == "embedding.vendi" else change["absolute"]
                    out[(series, m["id"], gen)] = (cell["value"], shift)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halves", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "static_agreement.json")
    args = parser.parse_args()
    from scipy.stats import spearmanr

    cache = args.out.parent / "embedding-cache"  # MiniLM's vectors, kept between runs of this bench
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        series = built_series(folder, args.halves)
        table: dict[str, Any] = {}
        values: dict[str, dict[tuple[str, str, str], tuple[float, float]]] = {"minilm": {}, "static": {}}
        for name, paths in series.items():
            row = {}
            for label, model in (("minilm", "all-MiniLM-L6-v2"), ("static", "static")):
                metrics = run(paths, model, cache)
                row[label] = verdicts(metrics)
                values[label].update(headline_values(metrics, name))
            agree = row["minilm"] == row["static"]
            table[name] = {**row, "agree": agree}
            print(f"{name:10s} agree={agree}  minilm={row['minilm']}  static={row['static']}", flush=True)
    rho: dict[str, Any] = {}
    for metric in HEADLINES:
        keys = sorted(k for k in values["minilm"] if k[1] == metric and k in values["static"])
        pooled = spearmanr([values["minilm"][k][1] for k in keys], [values["static"][k][1] for k in keys])[0]
        within = {}
        for name in series:
            mine = [k for k in keys if k[0] == name]
            if len(mine) >= 3:
                within[name] = float(
                    spearmanr([values["minilm"][k][0] for k in mine], [values["static"][k][0] for k in mine])[0]
                )
        rho[metric] = {"pooled_changes": float(pooled), "within_series": within}
        shown = ", ".join(f"{n} {r:.2f}" for n, r in within.items())
        print(f"Spearman {metric}: {pooled:.3f} over {len(keys)} generations' changes; within series: {shown}")
    halves_degraded = {
        label: sum(
            v == "degraded" for name, row in table.items() if name.startswith("halves") for v in row[label].values()
        )
        for label in ("minilm", "static")
    }
    print(f"verdicts agree on every generation: {all(r['agree'] for r in table.values())}")
    print(f"split halves degraded: {halves_degraded}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"series": table, "spearman": rho, "halves_degraded": halves_degraded}, indent=2))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
