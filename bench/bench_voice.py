"""Benchmark: POS tagging speed and the voice family on real paragraphs.

Prints (1) spaCy tagging speed (tokens/s, model load excluded) up to the 50,000-token cap on
State of the Union paragraphs, and checks the cap holds; (2) the time of a voice audit of three
generations of 2,000 paragraphs (reference, another sample, the same sample again); (3) the time of
the style-drift test (``voice.style_drift`` and ``voice.style_centroid_distance``, one shared
computation) on that audit's own draws and null pairs, and its share of the voice audit's time;
(4) the style features of 2,000 chunks (target 4 s).

Usage: python bench/bench_voice.py
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def main() -> None:
    rows = [json.loads(line) for line in (ROOT / "corpora" / "state_union" / "paragraphs.jsonl").open()]
    random.Random(0).shuffle(rows)
    from auditor.voice.style import load_tagger, pos_tags

    load_tagger()
    texts = [r["text"] for r in rows]
    start = time.perf_counter()
    tags = pos_tags(texts, max_tokens=50_000)
    seconds = time.perf_counter() - start
    tagged = sum(map(len, tags))
    assert tagged <= 50_000, tagged
    print(f"POS tagging: {tagged:,} tokens (cap 50,000) in {seconds:.2f} s: {tagged / seconds:,.0f} tokens/s")

    from auditor.voice.style import chunk_texts, style_features

    chunks = [c.text for c in chunk_texts(texts * 2)[:2000]]
    start = time.perf_counter()
    style_features(chunks)
    print(f"Style features: 2,000 chunks of ~200 words in {time.perf_counter() - start:.2f} s (target 4 s)")

    OUT.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, part in (("ref", rows[:2000]), ("other", rows[2000:4000]), ("again", rows[2000:4000])):
        path = OUT / f"voice_{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
        paths.append(path)
    import auditor.pipeline
    from auditor import audit
    from auditor.families.voice.metrics import style_drift_parts

    captured = {}
    score = auditor.pipeline.compute_metrics

    def capture(metrics, drawset, data, **kwargs):
        captured["voice"] = (drawset, data)
        return score(metrics, drawset, data, **kwargs)

    auditor.pipeline.compute_metrics = capture
    start = time.perf_counter()
    result = audit(paths, families=("voice",), label_field="president")
    total = time.perf_counter() - start
    auditor.pipeline.compute_metrics = score
    drawset, data = captured["voice"]
    ref = drawset.draws[drawset.reference]
    later = [gen for name, gen in drawset.draws.items() if name != drawset.reference]
    pairs = [(r, g) for gen in later for r, g in zip(ref, gen, strict=True)]
    pairs += list(drawset.null_pairs)
    start = time.perf_counter()
    style_drift_parts(pairs, data)
    drift = time.perf_counter() - start
    print(
        f"style drift: {len(pairs)} classifier two-sample tests in {drift:.2f} s, "
        f"{100 * drift / max(total - drift, 1e-9):.1f}% on top of the rest of the voice audit"
    )
    print(
        f"voice audit, 3 generations x 2,000 paragraphs, label field on: {total:.1f} s "
        f"(n = {result.config['voice_chunks']} chunks, m = {result.config['voice_documents']} documents per draw)"
    )


if __name__ == "__main__":
    main()
