"""``simulate()``: watch model collapse happen on a real corpus.

Generation 0 is (a sample of) the seed corpus. Generation k is sampled from a fresh model
trained on generation k-1, with the same number of documents and the same length distribution,
so only *what* is said can drift, not how much. Truncated decoding (top-p / top-k / low
temperature) cuts the tail of each model's distribution, which is what makes the vocabulary
shrink in practice. ``mix_real`` keeps a share of human (gen0) documents in every training set,
the usual mitigation, so its effect can be measured with ``auditor`` itself.

Reproducible by construction: each generation draws from its own generator seeded with
``(seed, k)``, and nothing machine- or time-dependent is written, so the same seed and settings
give byte-identical files.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from auditor import __version__
from auditor.corpus import ReadLog, ReadOptions, read_documents
from auditor.errors import Errors, InputError, UsageError
from auditor.outputs import atomic_write
from auditor.simulate.ngram import Decoding, NGramModel, count_words

MANIFEST = "manifest.json"
PROVENANCE = (
    "Synthetic text. gen0 is a sample of the seed corpus; each later generation was sampled from a word "
    "n-gram model (auditor.simulate, longest-context backoff) trained on the generation before it, mixed with "
    "a share `mix_real` of gen0 documents. Not human-written; do not use as real data."
)


def _require_int(name: str, value: Any, low: int, expected: str) -> None:
    """Raise UsageError unless ``value`` is an int (not a bool) >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise UsageError(Errors.E011.format(name=name, expected=expected, value=value))


@dataclass(frozen=True)
class SimulationSettings:
    """Everything that determines a simulation's output (all of it is written to the manifest)."""

    generations: int = 5
    order: int = 3
    temperature: float = 1.0
    top_p: float = 1.0
    """1.0 = off."""
    top_k: int = 0
    """0 = off."""
    mix_real: float = 0.0
    """Fraction of each generation's training documents replaced by human (gen0) documents."""
    seed: int = 0
    docs: int | None = None
    """Documents per generation (default: every document of the seed corpus)."""
    text_field: str = "text"

    def __post_init__(self) -> None:
        _require_int("generations", self.generations, 1, "an integer >= 1")
        _require_int("order", self.order, 1, "an integer >= 1")
        self.decoding  # noqa: B018 - validates temperature, top_p and top_k
        mix = self.mix_real
        if isinstance(mix, bool) or not isinstance(mix, (int, float)) or not 0 <= mix <= 1:
            raise UsageError(Errors.E011.format(name="mix_real", expected="a number in [0, 1]", value=mix))
        _require_int("seed", self.seed, 0, "an integer >= 0")
        if self.docs is not None:
            _require_int("docs", self.docs, 1, "an integer >= 1 or None (all documents)")
        if not isinstance(self.text_field, str) or not self.text_field:
            raise UsageError(
                Errors.E011.format(name="text_field", expected="a non-empty string", value=self.text_field)
            )

    @property
    def decoding(self) -> Decoding:
        """The decoding part of the settings (validated on construction)."""
        return Decoding(temperature=self.temperature, top_p=self.top_p, top_k=self.top_k)


def simulate(
    seed_corpus: Path,
    out_dir: Path,
    settings: SimulationSettings,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write gen0.jsonl .. genN.jsonl and manifest.json into ``out_dir``; return the generation files.

    ``progress(k, generations)`` is called after each simulated generation k = 1..N.
    """
    gen0 = _read_seed(Path(seed_corpus), settings)
    out_dir = Path(out_dir)
    paths = [_write_generation(out_dir, 0, gen0)]
    stats = [_stats(0, gen0)]
    previous = gen0
    for k in range(1, settings.generations + 1):
        previous = _next_generation(k, previous, gen0, settings)
        paths.append(_write_generation(out_dir, k, previous))
        stats.append(_stats(k, previous))
        if progress is not None:
            progress(k, settings.generations)
    atomic_write(out_dir / MANIFEST, _manifest(seed_corpus, settings, stats))
    return paths


def _rng(seed: int, generation: int) -> np.random.Generator:
    """The generator of one generation: independent of every other generation and of anything else."""
    return np.random.default_rng(np.random.SeedSequence([seed, generation]))


def _read_seed(path: Path, settings: SimulationSettings) -> list[str]:
    """The seed documents, or a seeded sample of ``settings.docs`` of them (in corpus order)."""
    texts = [doc.text for doc in read_documents(path, ReadOptions(text_field=settings.text_field), ReadLog())]
    if not texts:
        detail = f"no documents with text in field '{settings.text_field}' to seed the simulation."
        raise InputError(Errors.E013.format(path=path, detail=detail))
    if settings.docs is None or settings.docs >= len(texts):
        return texts
    chosen = np.sort(_rng(settings.seed, 0).choice(len(texts), size=settings.docs, replace=False))
    return [texts[i] for i in chosen.tolist()]


def _training_set(previous: list[str], gen0: list[str], mix_real: float, rng: np.random.Generator) -> list[str]:
    """Generation k-1, with a random share ``mix_real`` of its documents replaced by random gen0 documents.

    Generation 1 trains on gen0 as is (mixing gen0 into itself would only duplicate documents).
    """
    n_real = int(mix_real * len(previous) + 0.5)
    if n_real == 0 or previous is gen0:
        return previous
    kept = np.sort(rng.choice(len(previous), size=len(previous) - n_real, replace=False))
    real = np.sort(rng.choice(len(gen0), size=min(n_real, len(gen0)), replace=False))
    return [previous[i] for i in kept.tolist()] + [gen0[i] for i in real.tolist()]


def _target_lengths(train: Sequence[str], n_docs: int, rng: np.random.Generator) -> list[int]:
    """Word lengths for the new documents, drawn from the training documents (without replacement if possible)."""
    lengths = np.array([count_words(text) for text in train], dtype=np.int64)
    return rng.choice(lengths, size=n_docs, replace=n_docs > lengths.size).tolist()


def _next_generation(k: int, previous: list[str], gen0: list[str], settings: SimulationSettings) -> list[str]:
    """Train a fresh model on generation k-1 (mixed with gen0) and sample generation k."""
    rng = _rng(settings.seed, k)
    train = _training_set(previous, gen0, settings.mix_real, rng)
    model = NGramModel(settings.order)
    model.fit(train)
    lengths = _target_lengths(train, len(gen0), rng)
    return model.sample(len(gen0), lengths, rng, settings.decoding)


def _write_generation(out_dir: Path, k: int, docs: list[str]) -> Path:
    """Write one generation as JSON lines with ids ``genK-000123``, atomically."""
    lines = (
        json.dumps({"id": f"gen{k}-{i:06d}", "text": text}, ensure_ascii=False) + "\n" for i, text in enumerate(docs)
    )
    path = out_dir / f"gen{k}.jsonl"
    atomic_write(path, "".join(lines))
    return path


def _stats(k: int, docs: list[str]) -> dict[str, Any]:
    """The manifest entry of one generation."""
    return {
        "name": f"gen{k}",
        "file": f"gen{k}.jsonl",
        "documents": len(docs),
        "words": sum(count_words(text) for text in docs),
    }


def _manifest(seed_corpus: Path, settings: SimulationSettings, stats: list[dict[str, Any]]) -> str:
    """manifest.json: settings, seed path as given, per-generation counts, versions. No timestamps."""
    manifest = {
        "tool": "auditor.simulate",
        "provenance": PROVENANCE,
        "seed_corpus": str(seed_corpus),
        "settings": asdict(settings),
        "model": {"kind": "ngram", "backoff": "longest-context (stupid backoff, no discounting)"},
        "word_unit": "regex word tokens (auditor.simulate.ngram.count_words)",
        "generations": stats,
        "versions": {"auditor": __version__, "python": platform.python_version(), "numpy": np.__version__},
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
