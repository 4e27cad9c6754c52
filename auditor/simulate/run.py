"""``simulate()``: watch model collapse happen on a real corpus.

Generation 0 is (a sample of) the seed corpus. Generation k is sampled from a fresh model
trained on generation k-1, with the same number of documents and the same length distribution,
so only *what* is said can drift, not how much. Truncated decoding (top-p / top-k / low
temperature) cuts the tail of each model's distribution, which is what makes the vocabulary
shrink in practice. ``mix_real`` keeps a share of human (gen0) documents in every training set,
the usual mitigation, so its effect can be measured with ``auditor`` itself. ``select`` is the other
one, curation: before a model is trained on generation k (k >= 1), generation k is cleaned by the
rules of ``auditor select`` (``"drop-duplicates,drop-typical=0.2,keep-rare"``), scored against
gen0; the generation files stay what each model sampled, the manifest records what was dropped.

Reproducible by construction: each generation draws from its own generator seeded with
``(seed, k)``, and nothing machine- or time-dependent is written, so the same seed and settings
give byte-identical files.

The output folder holds one simulation at a time. It must be new, empty, or hold an earlier
simulation (its ``manifest.json`` says ``"tool": "auditor.simulate"``); anything else is refused
before any work, so a simulation never mixes with other files. An earlier simulation's set is
replaced whole: generation files the new run does not write (``gen3.jsonl`` after a run with
``generations=2``) are removed once the new manifest is written. Other files beside an earlier
simulation (a README) are left alone.
"""

from __future__ import annotations

import json
import os
import platform
import re
import stat
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from auditor._version import __version__
from auditor.config import Settings
from auditor.corpus import CorpusSpec, ReadLog, read_documents, read_options
from auditor.curation import Rules, decide, parse_rules, scored_rows
from auditor.errors import Errors, InputError, UsageError, stat_path
from auditor.outputs import atomic_write
from auditor.simulate.ngram import Decoding, NGramModel, count_words

MANIFEST = "manifest.json"
GENERATION_FILE = re.compile(r"gen\d+\.jsonl")
"""Names of generation files (``gen0.jsonl``, ``gen12.jsonl``)."""
TEMPORARY_FILE = re.compile(r"\.(?:manifest\.json|gen\d+\.jsonl)\.[a-z0-9_]{8}\.tmp")
"""What a killed ``atomic_write`` of one of our files leaves behind."""
PROVENANCE = (
    "Synthetic text. gen0 is a sample of the seed corpus; each later generation was sampled from a word "
    "n-gram model (auditor.simulate, longest-context backoff) trained on the generation before it, mixed with "
    "a share `mix_real` of gen0 documents. Not human-written; do not use as real data."
)


class SimulationWarning(UserWarning):
    """Something about a simulation the user should know (e.g. the seed had fewer documents than asked)."""


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
    format: str | None = None
    """A preset for the text field (``chat``, ``sharegpt``), as in :class:`auditor.config.Settings`."""
    turns: str = "joined"
    """A record's matching turns are one seed document (``joined``) or one each (``each``)."""
    select: str | None = None
    """Curation rules (``auditor select``'s, as one ``--select`` string) applied to each generation
    before the next model trains on it; None = train on every document."""

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
        self.read_settings  # noqa: B018 - validates format and turns
        self.rules  # noqa: B018 - validates select

    @property
    def read_settings(self) -> Settings:
        """How the seed corpus is read (text field, format preset, turns), as an audit reads it."""
        return Settings(text_field=self.text_field, format=self.format, turns=self.turns)

    @property
    def rules(self) -> Rules | None:
        """The curation rules of ``select`` (validated on construction), or None."""
        if self.select is None:
            return None
        if not isinstance(self.select, str):
            raise UsageError(Errors.E011.format(name="select", expected="a string of rules or None", value=self.select))
        return parse_rules(self.select)

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

    ``progress(k, generations)`` is called after each simulated generation k = 1..N. ``out_dir``
    must be new, empty or an earlier simulation's folder (else :class:`UsageError`, E053/E054);
    an earlier simulation's generation files are replaced as a set. When the seed corpus has
    fewer documents than ``settings.docs``, every seed document is used, the manifest records the
    number written (``settings.docs``, beside ``docs_requested`` and a note) and a
    :class:`SimulationWarning` says so.
    """
    out_dir = Path(out_dir)
    earlier = _earlier_outputs(out_dir)
    _check_seed(Path(seed_corpus), out_dir, earlier, settings.generations)
    gen0, available = _read_seed(Path(seed_corpus), settings)
    notes: list[str] = []
    if settings.docs is not None and settings.docs > available:
        notes.append(Errors.E056.format(available=available, requested=settings.docs))
        warnings.warn(notes[-1], SimulationWarning, stacklevel=2)
    paths = [_write_generation(out_dir, 0, gen0)]
    stats = [_stats(0, gen0)]
    previous = gen0
    for k in range(1, settings.generations + 1):
        train = previous
        if settings.rules is not None and k > 1:
            train, stats[-1]["selection"] = _curated(paths[0], paths[-1], previous, settings)
        previous = _next_generation(k, train, gen0, settings)
        paths.append(_write_generation(out_dir, k, previous))
        stats.append(_stats(k, previous))
        if progress is not None:
            progress(k, settings.generations)
    atomic_write(out_dir / MANIFEST, _manifest(seed_corpus, settings, stats, len(gen0), notes))
    _remove_stale(earlier, {p.name for p in paths})
    return paths


def _earlier_outputs(out_dir: Path) -> list[Path]:
    """The files of an earlier simulation in ``out_dir`` (none if it is new or empty).

    Raises :class:`UsageError` when ``out_dir`` is not a folder, or is a non-empty folder that
    does not hold an earlier simulation (no ``manifest.json`` of ``auditor simulate``).
    """
    st = stat_path(out_dir)
    if st is None and not out_dir.is_symlink():
        return []
    if st is None or not stat.S_ISDIR(st.st_mode):
        kind = "a broken symbolic link" if st is None else "an existing file"
        raise UsageError(Errors.E054.format(path=out_dir, kind=kind))
    try:
        entries = sorted(out_dir.iterdir())
    except OSError as exc:
        raise UsageError(Errors.E013.format(path=out_dir, detail=f"cannot list the --out folder ({exc}).")) from None
    if not entries:
        return []
    ours = [
        p
        for p in entries
        if (GENERATION_FILE.fullmatch(p.name) or TEMPORARY_FILE.fullmatch(p.name))
        and p.is_file()
        and not p.is_symlink()
    ]
    if not _is_simulation_manifest(out_dir / MANIFEST):
        found = [p.name for p in entries if p.name != MANIFEST]
        shown = found[:3] + ([f"{len(found) - 3} more"] if len(found) > 3 else [])
        if (out_dir / MANIFEST).exists():
            shown.insert(0, "a manifest.json not written by auditor simulate")
        elif ours:
            shown.append("no manifest.json")
        raise UsageError(Errors.E053.format(path=out_dir, found=", ".join(shown)))
    odd = [p.name for p in entries if GENERATION_FILE.fullmatch(p.name) and p not in ours]
    if odd:  # a folder or a symbolic link named like a generation: never written through or removed
        raise UsageError(Errors.E053.format(path=out_dir, found=", ".join(odd[:3]) + " (not regular files)"))
    return ours


def _check_seed(seed_corpus: Path, out_dir: Path, earlier: list[Path], generations: int) -> None:
    """Refuse a seed corpus that this run would overwrite or remove, or a seed folder the outputs land in."""
    seed = Path(os.path.realpath(seed_corpus))
    out = Path(os.path.realpath(out_dir))
    st = stat_path(seed_corpus)
    if st is not None and stat.S_ISDIR(st.st_mode):
        if seed == out or seed in out.parents:
            raise UsageError(Errors.E057.format(path=seed_corpus, out=out_dir))
        return
    targets = {Path(os.path.realpath(p)) for p in earlier}
    targets |= {out / f"gen{k}.jsonl" for k in range(generations + 1)} | {out / MANIFEST}
    if seed in targets:
        raise UsageError(Errors.E057.format(path=seed_corpus, out=out_dir))


def _is_simulation_manifest(path: Path) -> bool:
    """Whether ``path`` is a regular file holding the manifest of an ``auditor simulate`` run."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and data.get("tool") == "auditor.simulate"


def _remove_stale(earlier: list[Path], written: set[str]) -> None:
    """Remove an earlier simulation's generation files (and their temporaries) that this run did not write."""
    for path in earlier:
        # a temporary is ".<name>.XXXXXXXX.tmp"; those of files just written are atomic_write's to clean
        target = path.name if GENERATION_FILE.fullmatch(path.name) else path.name[1 : -len(".XXXXXXXX.tmp")]
        if target in written or target == MANIFEST:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            detail = f"a stale file of the earlier simulation could not be removed ({exc})."
            raise UsageError(Errors.E013.format(path=path, detail=detail)) from None


def _curated(gen0: Path, path: Path, docs: list[str], settings: SimulationSettings) -> tuple[list[str], dict[str, Any]]:
    """Generation ``docs`` (written at ``path``) without what the rules drop, scored against gen0
    as ``auditor select`` scores it, and the manifest's counts. Documents without a score (no
    word) are kept, as select passes them through."""
    rules = settings.rules
    assert rules is not None
    rows = scored_rows(
        CorpusSpec(path.stem, path), reference=CorpusSpec(gen0.stem, gen0), settings=_scoring_settings(settings)
    )
    decision = decide(rows, rules)
    dropped = {rows.columns["source"][i] for i in decision.dropped}
    where = str(path)
    kept = [doc for i, doc in enumerate(docs, start=1) if f"{where}:{i}" not in dropped]
    if not kept:
        raise UsageError(
            Errors.E096.format(rule=f"--select {settings.select!r}", detail=f"it drops every document of {path.stem}")
        )
    summary = {
        "kept": len(kept),
        "dropped": len(docs) - len(kept),
        "dropped_by_rule": decision.by_rule(),
        "protected": len(decision.protected),
    }
    return kept, summary


def _scoring_settings(settings: SimulationSettings) -> Settings:
    """How ``select`` scores a generation inside a simulation: the default settings, this seed."""
    return Settings(seed=settings.seed, text_field="text")


def _rng(seed: int, generation: int) -> np.random.Generator:
    """The generator of one generation: independent of every other generation and of anything else."""
    return np.random.default_rng(np.random.SeedSequence([seed, generation]))


def _read_seed(path: Path, settings: SimulationSettings) -> tuple[list[str], int]:
    """The seed documents, or a seeded sample of ``settings.docs`` of them (in corpus order), and
    how many documents the seed has."""
    options = read_options(settings.read_settings)
    texts = [doc.text for doc in read_documents(path, options, ReadLog())]
    if not texts:
        detail = f"no documents with text in field '{options.text_field}' to seed the simulation."
        raise InputError(Errors.E013.format(path=path, detail=detail))
    if settings.docs is None or settings.docs >= len(texts):
        return texts, len(texts)
    chosen = np.sort(_rng(settings.seed, 0).choice(len(texts), size=settings.docs, replace=False))
    return [texts[i] for i in chosen.tolist()], len(texts)


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


def _manifest(
    seed_corpus: Path, settings: SimulationSettings, stats: list[dict[str, Any]], written: int, notes: list[str]
) -> str:
    """manifest.json: settings, seed path as given, per-generation counts, versions. No timestamps.

    ``settings.docs`` is recorded as the number of documents actually written per generation
    (``written``) when the seed had fewer than asked; ``docs_requested`` and ``notes`` then say so
    (the same settings reproduce the same files either way).
    """
    recorded = asdict(settings)
    for name, default in (("select", None), ("format", None), ("turns", "joined")):
        if recorded[name] == default:
            del recorded[name]  # a simulation without curation or presets: the manifest of earlier versions
    short = settings.docs is not None and settings.docs > written
    if short:
        recorded["docs"] = written
    manifest: dict[str, Any] = {
        "tool": "auditor.simulate",
        "provenance": PROVENANCE,
        "seed_corpus": str(seed_corpus),
        "settings": recorded,
    }
    if short:
        manifest["docs_requested"] = settings.docs
    if notes:
        manifest["notes"] = notes
    if settings.rules is not None:
        scoring = _scoring_settings(settings)
        manifest["selection"] = {
            "rules": settings.rules.to_dict(),
            "reference": "gen0",
            "applied": "to each generation before the next model is trained on it (its counts: generations)",
            "scoring": {"tokenizer": scoring.tokenizer, "language": scoring.language, "seed": scoring.seed},
        }
    manifest.update(
        {
            "model": {"kind": "ngram", "backoff": "longest-context (stupid backoff, no discounting)"},
            "word_unit": "regex word tokens (auditor.simulate.ngram.count_words)",
            "generations": stats,
            "versions": {"auditor": __version__, "python": platform.python_version(), "numpy": np.__version__},
        }
    )
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
