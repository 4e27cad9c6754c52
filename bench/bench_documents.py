"""Benchmark: per-document scores (issue 29: the n-gram and hash scores at >= 20,000 documents per
second per core on 100-word documents; peak memory flat from 1x to 10x the generation's size).

Corpora (written once to bench/out/documents/): the reference is the bundled State of the Union
paragraphs (about 400k words, all of it in the reference's sample). A generation is 100-word
windows of that text, each starting at a random word, with a share of its words replaced by words
drawn from the text (per document 0%, 2%, 10% or 30%: from verbatim copies to new text), and 3% of
its documents exact repeats of an earlier one; the 1x generation is the first 10,000 documents of
the 10x one (100,000). The scorer is built once, from the reference and the 1x generation.

Printed, with one process (workers=1):

* scores only: :meth:`DocumentScorer.score` and :meth:`DocumentScorer.signatures` (the n-gram and
  hash scores) on the 1x generation tokenized beforehand, in the scoring pass's chunks, repeated;
  documents per wall second and per CPU second (the CPU time is what one core did; on a shared
  machine the wall time also measures the other jobs);
* the whole scoring pass (:func:`auditor.documents.passes.score_generation`: read, tokenize, score,
  the report's top documents, near-duplicate groups) on the 1x generation, the same way;
* near-duplicate grouping alone (:func:`auditor.documents.duplicates.group`) on the generation, on
  generations full of copies (10,000 and 100,000 documents, all copies of the same 20) and on
  documents filled into one template (70 words the same, 30 drawn at random: pairwise below the
  near-duplicate threshold, yet sharing many LSH bands, so each becomes a leader of its buckets
  and is compared with all the others there; that case grows quadratically);
* peak memory of the scoring pass at 1x and 10x: each size in a fresh process that loads the
  scorer and the tokenizer (importing spaCy, about 250 MB, as the profiling pass has in a run),
  resets its RSS high-water mark (``/proc/self/clear_refs``), scores the generation and reads
  VmHWM; the ratio and the increment per document (expected: the rows' columns and a 256-byte
  signature, about 0.5 KB per document).

Usage: python bench/bench_documents.py [--repeat 5] [--skip-memory]
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "documents"
WORDS = 100
DOCS_1X = 10_000
DOCS_10X = 100_000
REPLACED = (0.0, 0.02, 0.1, 0.3)
REPEATS = 0.03
TARGET = 20_000
TEMPLATE_WORDS = 70
TEMPLATE_DOCS = (2_500, 5_000)


def build() -> tuple[Path, Path, Path]:
    """The reference and the 1x and 10x generations (built once, seeded)."""
    OUT.mkdir(parents=True, exist_ok=True)
    reference = ROOT / "corpora" / "state_union" / "paragraphs.jsonl"
    one, ten = OUT / f"gen_{DOCS_1X}.jsonl", OUT / f"gen_{DOCS_10X}.jsonl"
    if one.exists() and ten.exists():
        return reference, one, ten
    words = np.array(" ".join(json.loads(line)["text"] for line in reference.open(encoding="utf-8")).split())
    rng = np.random.default_rng(29)
    starts = rng.integers(0, len(words) - WORDS, size=DOCS_10X)
    index = starts[:, None] + np.arange(WORDS)
    rate = rng.choice(REPLACED, size=DOCS_10X)
    replaced = rng.random(index.shape) < rate[:, None]
    index[replaced] = rng.integers(0, len(words), size=int(replaced.sum()))
    repeats = np.flatnonzero(rng.random(DOCS_10X) < REPEATS)
    earlier = (rng.random(len(repeats)) * repeats).astype(np.int64)
    for i, j in zip(repeats.tolist(), earlier.tolist(), strict=True):
        if i > 0:
            index[i] = index[j]
    lines = [json.dumps({"text": " ".join(words[row].tolist())}) + "\n" for row in index]
    ten.write_text("".join(lines), encoding="utf-8")
    one.write_text("".join(lines[:DOCS_1X]), encoding="utf-8")
    return reference, one, ten


def scorer_file(reference: Path, generation: Path) -> Path:
    """Profile the reference and the 1x generation as a run does and pickle the scorer built from them."""
    from auditor.config import Settings
    from auditor.corpus import parse_corpus_args
    from auditor.documents.scorer import build_scorer
    from auditor.stages import profile_corpus
    from auditor.stats import stream_label
    from auditor.text.tokenize import Tokenizer, Vocabulary

    settings = Settings(families=(), workers=1, language="en")
    vocab = Vocabulary()
    tokenizer = Tokenizer(vocab, settings.tokenizer, settings.clitics, language=settings.language)
    specs = parse_corpus_args([str(reference), str(generation)])
    profiles = [profile_corpus(s, stream_label(i, i == 0), tokenizer, settings, None, []) for i, s in enumerate(specs)]
    vocab, new_id = vocab.sorted()
    for p in profiles:
        p.renumber(new_id)
    scorer = build_scorer(
        profiles[0],
        profiles[1:],
        vocab.words,
        seed=settings.seed,
        order=settings.likelihood_order,
        tokenizer=settings.tokenizer,
        clitics=settings.clitics,
        language=settings.language,
    )
    path = OUT / "scorer.pkl"
    path.write_bytes(pickle.dumps((scorer, profiles[1].name, profiles[1].stream), protocol=pickle.HIGHEST_PROTOCOL))
    return path


def _load(path: Path):
    return pickle.loads(path.read_bytes())


def _texts(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.open(encoding="utf-8")]


def _documents(path: Path):
    from auditor.corpus import ReadLog, ReadOptions, read_documents

    return read_documents(path, ReadOptions("text", "line", ()), ReadLog())


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _pass(scorer, name: str, stream: str, path: Path):
    from auditor.documents.passes import score_generation

    return score_generation(
        name, stream, _documents(path), scorer, seed=0, id_field=None, id_by_order=False, executor=None, workers=1
    )


def _rate(docs: int, times: list[tuple[float, float]]) -> str:
    walls = [w for w, _ in times]
    cpus = [c for _, c in times]
    return (
        f"{docs / statistics.median(walls):,.0f} docs/s wall (best {docs / min(walls):,.0f}), "
        f"{docs / statistics.median(cpus):,.0f} docs per CPU second (best {docs / min(cpus):,.0f})"
    )


def speed(path: Path, generation: Path, repeat: int) -> None:
    """Scores only, scores split, the whole pass, and grouping (see module docstring)."""
    from auditor.documents import duplicates
    from auditor.documents.passes import CHUNK_DOCS
    from auditor.text.tokenize import Tokenizer, Vocabulary

    scorer, name, stream = _load(path)
    vocab = Vocabulary()
    for word in scorer.words:
        vocab.add(word)
    tokenizer = Tokenizer(vocab, scorer.tokenizer, scorer.clitics, language=scorer.language)
    texts = _texts(generation)
    chunks = []
    for start in range(0, len(texts), CHUNK_DOCS):
        batch = tokenizer.batch(texts[start : start + CHUNK_DOCS])
        chunks.append((np.asarray(batch.ids), np.asarray(batch.bounds, dtype=np.int64)))
    docs = len(texts)
    tokens = sum(len(ids) for ids, _ in chunks)
    print(
        f"reference: {scorer.reference_signatures.shape[0]:,} documents, {len(scorer.words):,} words, "
        f"Kneser-Ney order {scorer.model.model.order} fitted on {scorer.model.model.fit_tokens:,} tokens, "
        f"{len(scorer.ngrams.hashes):,} distinct 8-grams"
    )
    print(f"generation (1x): {docs:,} documents of {WORDS} words = {tokens / docs:.1f} tokens each after tokenizing")

    def scores() -> None:
        for ids, offsets in chunks:
            scorer.score(ids, offsets, name)

    def signatures() -> None:
        for ids, offsets in chunks:
            scorer.signatures(ids, offsets)

    def both() -> None:
        for ids, offsets in chunks:
            scorer.score(ids, offsets, name)
            scorer.signatures(ids, offsets)

    both()  # warm up
    timings: dict[str, list[tuple[float, float]]] = {"both": [], "score": [], "signatures": [], "pass": []}
    for _ in range(repeat):  # interleaved, so that a busy moment of the machine hits them alike
        timings["both"].append(_timed(both))
        timings["score"].append(_timed(scores))
        timings["signatures"].append(_timed(signatures))
        timings["pass"].append(_timed(lambda: _pass(scorer, name, stream, generation)))
    cpu_both = statistics.median(c for _, c in timings["both"])
    verdict = "meets" if docs / cpu_both >= TARGET else "BELOW"
    print(f"scores only (score + signatures, {repeat} runs): {_rate(docs, timings['both'])}: {verdict} {TARGET:,}/s")
    print(f"  score (Kneser-Ney, percentile, copies, rare words, register): {_rate(docs, timings['score'])}")
    print(f"  signatures (MinHash): {_rate(docs, timings['signatures'])}")
    print(f"whole scoring pass (read, tokenize, score, top documents, groups): {_rate(docs, timings['pass'])}")

    sig = np.concatenate([scorer.signatures(ids, offsets) for ids, offsets in chunks])
    times = [_timed(lambda: duplicates.group(sig, scorer.reference_signatures)) for _ in range(repeat)]
    groups = duplicates.group(sig, scorer.reference_signatures)
    print(
        f"grouping the 1x generation ({int((groups.group >= 0).sum()):,} documents in "
        f"{len(np.unique(groups.group[groups.group >= 0])):,} groups): {statistics.median(w for w, _ in times):.3f} s"
    )
    distinct = sig[np.unique(groups.group, return_index=True)[1]][:20]
    for n in (DOCS_1X, DOCS_10X):
        copies = distinct[np.arange(n) % len(distinct)]
        seconds = min(_timed(lambda c=copies: duplicates.group(c, scorer.reference_signatures))[0] for _ in range(2))
        print(
            f"grouping {n:,} copies of the same {len(distinct)} documents: {seconds:.2f} s = {n / seconds:,.0f} docs/s"
        )
    rng = np.random.default_rng(0)
    template = chunks[0][0][:TEMPLATE_WORDS]
    for n in TEMPLATE_DOCS:
        filled = rng.integers(0, len(scorer.words), size=(n, WORDS - TEMPLATE_WORDS)).astype(template.dtype)
        ids = np.concatenate([np.broadcast_to(template, (n, TEMPLATE_WORDS)), filled], axis=1).ravel()
        sig = scorer.signatures(ids, np.arange(n + 1) * WORDS)
        seconds, _ = _timed(lambda s=sig: duplicates.group(s, scorer.reference_signatures))
        print(
            f"grouping {n:,} documents of one template ({TEMPLATE_WORDS} words the same, {WORDS - TEMPLATE_WORDS} "
            f"drawn: pairs share many bands but are not near-duplicates): {seconds:.2f} s = {n / seconds:,.0f} docs/s"
        )


def _status(field: str) -> int:
    """A /proc/self/status value in KB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def child(path: Path, generation: Path) -> None:
    """One scoring pass in this fresh process; prints its memory as JSON."""
    from auditor.documents.passes import ScoreJob, score_chunk

    scorer, name, stream = _load(path)
    score_chunk(ScoreJob(name, ["A first document."]), scorer)  # the tokenizer (and spaCy), as a run has them
    baseline = _status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # the high-water mark starts again from the current RSS
    wall, cpu = time.perf_counter(), time.process_time()
    rows, _, _ = _pass(scorer, name, stream, generation)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        json.dumps({"docs": len(rows), "baseline_kb": baseline, "peak_kb": _status("VmHWM"), "wall": wall, "cpu": cpu})
    )


def memory(path: Path, one: Path, ten: Path) -> None:
    results = {}
    for label, generation in (("1x", one), ("10x", ten)):
        cmd = [sys.executable, __file__, "--child", str(path), str(generation)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[label] = r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"scoring pass, {label} ({r['docs']:,} documents): peak RSS {r['peak_kb'] / 1024:,.0f} MB "
            f"(scorer loaded: {r['baseline_kb'] / 1024:,.0f} MB; pass's own increase "
            f"{(r['peak_kb'] - r['baseline_kb']) / 1024:,.0f} MB); {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU = "
            f"{r['docs'] / r['cpu']:,.0f} docs per CPU second"
        )
    a, b = results["1x"], results["10x"]
    per_doc = (b["peak_kb"] - a["peak_kb"]) * 1024 / (b["docs"] - a["docs"])
    print(
        f"peak RSS 10x / 1x: {b['peak_kb'] / a['peak_kb']:.2f}x; increment per document: {per_doc:,.0f} bytes "
        f"(the rows' columns and signature: about 500)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--child", nargs=2, default=None, metavar=("SCORER", "GENERATION"))
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    reference, one, ten = build()
    path = scorer_file(reference, one)
    speed(path, one, args.repeat)
    if not args.skip_memory:
        memory(path, one, ten)


if __name__ == "__main__":
    main()
