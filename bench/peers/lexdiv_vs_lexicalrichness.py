"""Peer benchmark: auditor's MTLD, HD-D and MATTR against ``lexicalrichness`` on the same token lists.

Why: ``auditor.families.vocabulary.lexdiv`` re-implements the three measures with lexicalrichness's definitions
(DESIGN section 3), so it must give the same numbers (to 1e-9) and be worth having: at least 10x
faster on MATTR(100) and HD-D(42), and not slower on MTLD, which lexicalrichness already does fast.

What: about 700,000 words of real text, drawn (seeded, with replacement) from the bundled State of
the Union paragraphs and tokenised ONCE with lexicalrichness's own ``preprocess`` + ``tokenize``, so
both sides see identical words; tokenisation, building the ``LexicalRichness`` objects and mapping
words to int ids are all outside the timings. Two layouts:

* the whole list as one text (for auditor: one row, ``np.array([ids])``, the worst case of its
  MTLD, which is vectorised across rows);
* consecutive 1,000-word segments, the way auditor uses the measures (lexicalrichness: one object
  per segment, called in a loop; auditor: one call on the segments x 1000 array).

For HD-D on the whole text it also prints the exact value (rational arithmetic with ``math.comb``)
to show which side the difference comes from. The last table times a sketch of a faster MTLD path
for few long rows (a plain-Python O(L) walk per row, defined below; not part of auditor) against
the vectorised path, to choose where to switch between them.

Run in the peers venv: ``.venv-peers/bin/python bench/peers/lexdiv_vs_lexicalrichness.py``.
Prints numbers only; it asserts nothing about timing.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from importlib.metadata import version
from math import comb
from pathlib import Path
from typing import TypeVar

import numpy as np
from lexicalrichness import LexicalRichness
from lexicalrichness.lexicalrichness import preprocess, tokenize

from auditor.families.vocabulary import lexdiv
from auditor.families.vocabulary.lexdiv import hdd, mattr, mtld

ROOT = Path(__file__).resolve().parents[2]
SEED_CORPUS = ROOT / "corpora" / "state_union" / "paragraphs.jsonl"
TOTAL_WORDS = 700_000
SEGMENT = 1_000
THRESHOLD = 0.72
DRAWS = 42
WINDOW = 100

T = TypeVar("T")


def build_words(total: int, seed: int = 0) -> list[str]:
    """``total`` words: whole paragraphs drawn with replacement, tokenised as lexicalrichness does."""
    paragraphs = [json.loads(line)["text"] for line in SEED_CORPUS.open(encoding="utf-8")]
    rng = random.Random(seed)
    words: list[str] = []
    while len(words) < total:
        # What LexicalRichness(text) does: preprocess, then tokenize (which preprocesses again).
        words.extend(tokenize(preprocess(rng.choice(paragraphs))))
    return words[:total]


def timed(fn: Callable[[], T], *, budget: float = 2.0, max_runs: int = 3) -> tuple[float, T]:
    """Best wall time of up to ``max_runs`` calls (stops once ``budget`` seconds are spent), and the result."""
    best = float("inf")
    spent = 0.0
    result: T
    for _ in range(max_runs):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        spent += elapsed
        if spent >= budget:
            break
    return best, result


def hdd_exact(words: list[str], draws: int) -> float:
    """HD-D in exact rational arithmetic: sum over types of P(type drawn at least once) / draws."""
    n = len(words)
    types_per_frequency = Counter(Counter(words).values())
    total = comb(n, draws)
    exact = sum(
        Fraction(types) * (1 - Fraction(comb(n - freq, draws), total)) for freq, types in types_per_frequency.items()
    )
    return float(exact / draws)


def mtld_rowwise_sketch(segments: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """The per-row walk auditor.mtld now uses for few rows (called directly, whatever the row count)."""
    return lexdiv._mtld_rows(np.asarray(segments), threshold)


def fmt_row(name: str, theirs_s: float, ours_s: float, diff: float, target: str) -> str:
    return f"{name:<12} {theirs_s:>10.3f} {ours_s:>10.3f} {theirs_s / ours_s:>8.3g}x {diff:>11.2e}  {target}"


HEADER = f"{'measure':<12} {'theirs s':>10} {'ours s':>10} {'speed':>9} {'max |diff|':>11}  target"


def whole_text(words: list[str], ids: np.ndarray) -> None:
    lr = LexicalRichness(words, preprocessor=None, tokenizer=None)
    row = ids[None, :]
    cases: list[tuple[str, Callable[[], float], Callable[[], float], str]] = [
        (
            f"MATTR({WINDOW})",
            lambda: lr.mattr(window_size=WINDOW),
            lambda: float(mattr(row, window=WINDOW)[0]),
            ">= 10x, equal to 1e-9",
        ),
        (
            f"HD-D({DRAWS})",
            lambda: float(lr.hdd(draws=DRAWS)),
            lambda: float(hdd(row, draws=DRAWS)[0]),
            ">= 10x, equal to 1e-9",
        ),
        (
            f"MTLD({THRESHOLD})",
            lambda: lr.mtld(threshold=THRESHOLD),
            lambda: float(mtld(row, threshold=THRESHOLD)[0]),
            ">= 1x (not slower), equal to 1e-9",
        ),
    ]
    print(f"\n== Whole text as one row: {len(words):,} words, {lr.terms:,} types ==")
    print(HEADER)
    values: dict[str, tuple[float, float]] = {}
    for name, theirs, ours, target in cases:
        t_theirs, v_theirs = timed(theirs)
        t_ours, v_ours = timed(ours)
        values[name] = (v_theirs, v_ours)
        print(fmt_row(name, t_theirs, t_ours, abs(v_theirs - v_ours), target))
    t_sketch, v_sketch = timed(lambda: float(mtld_rowwise_sketch(row)[0]))
    t_lr_mtld = timed(lambda: lr.mtld(threshold=THRESHOLD))[0]
    print(
        fmt_row("MTLD sketch", t_lr_mtld, t_sketch, abs(values[f"MTLD({THRESHOLD})"][0] - v_sketch), "")
        + "proposed per-row walk (defined in this script), vs lexicalrichness"
    )
    print("\nValues (theirs / ours):")
    for name, (v_theirs, v_ours) in values.items():
        print(f"  {name:<12} {v_theirs!r:<22} {v_ours!r}")
    exact = hdd_exact(words, DRAWS)
    v_theirs, v_ours = values[f"HD-D({DRAWS})"]
    print(
        f"  HD-D exact (rational arithmetic) {exact!r}: |lexicalrichness - exact| = {abs(v_theirs - exact):.2e}, "
        f"|auditor - exact| = {abs(v_ours - exact):.2e}"
    )


def segments(words: list[str], ids: np.ndarray) -> None:
    n_seg = len(words) // SEGMENT
    word_segments = [words[i * SEGMENT : (i + 1) * SEGMENT] for i in range(n_seg)]
    objects = [LexicalRichness(seg, preprocessor=None, tokenizer=None) for seg in word_segments]
    grid = ids[: n_seg * SEGMENT].reshape(n_seg, SEGMENT)
    cases: list[tuple[str, Callable[[], list[float]], Callable[[], np.ndarray]]] = [
        (
            f"MATTR({WINDOW})",
            lambda: [o.mattr(window_size=WINDOW) for o in objects],
            lambda: mattr(grid, window=WINDOW),
        ),
        (
            f"HD-D({DRAWS})",
            lambda: [o.hdd(draws=DRAWS) for o in objects],
            lambda: hdd(grid, draws=DRAWS),
        ),
        (
            f"MTLD({THRESHOLD})",
            lambda: [o.mtld(threshold=THRESHOLD) for o in objects],
            lambda: mtld(grid, threshold=THRESHOLD),
        ),
    ]
    print(f"\n== {n_seg} segments of {SEGMENT:,} words (per-segment values compared) ==")
    print(HEADER)
    for name, theirs, ours in cases:
        t_theirs, v_theirs = timed(theirs)
        t_ours, v_ours = timed(ours)
        diff = float(np.max(np.abs(np.asarray(v_theirs) - v_ours)))
        print(fmt_row(name, t_theirs, t_ours, diff, "equal to 1e-9"))


def mtld_crossover(ids: np.ndarray) -> None:
    print(f"\n== MTLD: vectorised auditor.mtld vs the per-row walk sketch, rows of {SEGMENT:,} words ==")
    print(f"{'rows':>6} {'vectorised s':>13} {'walk s':>9} {'walk speed-up':>14} {'max |diff|':>11}")
    for n in (1, 10, 30, 100, 300, 700):
        grid = ids[: n * SEGMENT].reshape(n, SEGMENT)
        t_vec, v_vec = timed(lambda grid=grid: mtld(grid, threshold=THRESHOLD))
        t_walk, v_walk = timed(lambda grid=grid: mtld_rowwise_sketch(grid))
        diff = float(np.max(np.abs(v_vec - v_walk)))
        print(f"{n:>6} {t_vec:>13.4f} {t_walk:>9.4f} {t_vec / t_walk:>13.3g}x {diff:>11.2e}")


def main() -> None:
    print(
        f"lexicalrichness {version('lexicalrichness')}, corpus-auditor {version('corpus-auditor')}, "
        f"numpy {np.__version__}; best of up to 3 runs (fewer when a run is slow); speed = theirs / ours"
    )
    loadavg = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cores, load average {loadavg} (other load on the machine slows both sides)")
    words = build_words(TOTAL_WORDS)
    vocab: dict[str, int] = {}
    ids = np.array([vocab.setdefault(w, len(vocab)) for w in words], dtype=np.int64)
    whole_text(words, ids)
    segments(words, ids)
    mtld_crossover(ids)


if __name__ == "__main__":
    main()
