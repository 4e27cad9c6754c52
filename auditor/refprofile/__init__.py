"""Reference profiles: the reference's share of an audit, computed once and reused (issue 19).

In CI the reference (human text) rarely changes, yet every run re-read, re-tokenized and
re-embedded it. ``auditor profile REFERENCE --out FILE`` stores what every family reads from the
reference (its :class:`~auditor.text.profile.GenerationProfile`) and the costly results that
depend only on it (the text sample's embeddings, its POS tags), with the settings and package
versions that produced them. ``--reference-profile FILE`` then stands in for the reference: the
families run unchanged on the same inputs, so every value, interval, null and verdict equals a
run on the raw reference with the same settings.

What must match (else exit 2 naming each setting and both values): the settings of the streaming
pass (those declaring the ``pass`` effect; one a family declares is compared when that family
runs), those of a stored result when its family runs (the family's settings of the ``stored``
effect), and the versions of the code that produced what is read (a family's ``packages``); see
:func:`compared_settings`. Settings that only act after the profile (draws, splits, budget, tolerance,
outputs, workers) are free: the draws are recomputed from the stored reservoir, which is cheap. The
stored null values are reused only where this run draws its null as the profile did (same sizes and
settings, :mod:`auditor.refprofile.nulls`); elsewhere the null is recomputed, with the same result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from auditor._version import __version__
from auditor.config import AUTO, LATER_SETTINGS, Settings, settings_with_effect
from auditor.corpus import CorpusSpec, parse_corpus_args
from auditor.errors import Errors, UsageError
from auditor.executors import pass_executor
from auditor.families import chosen, families, resolve_settings
from auditor.families.base import FamilyInput
from auditor.refprofile.archive import ProfileError, read_archive, write_archive
from auditor.refprofile.codec import NULLS, profile_from_archive, profile_members
from auditor.refprofile.nulls import null_settings, show_setting, stored_nulls
from auditor.scoring import null_values
from auditor.stages import (
    ProgressFactory,
    language_use,
    metric_data,
    prepare_families,
    profile_corpus,
    resolve_language,
    stage_progress,
)
from auditor.stats import stream_label
from auditor.text.profile import GenerationProfile
from auditor.text.tokenize import Tokenizer, Vocabulary

__all__ = [
    "BuiltProfile",
    "LoadedReference",
    "ProfileError",
    "build_profile",
    "compared_settings",
    "load_reference",
]

CORE_PACKAGES = ("corpus-auditor", "numpy", "spacy")
"""Packages whose versions every profile records; each family adds those its stored result needs."""


def versioned_packages() -> tuple[str, ...]:
    """Every package whose version a profile records: the core's, then each registered family's."""
    return tuple(dict.fromkeys([*CORE_PACKAGES, *(p for f in families() for p in f.packages)]))


def compared_settings(settings: Settings, stored: list[str]) -> list[str]:
    """The settings a profile must share with a run of ``settings``, given the families whose results
    it ``stored``: every ``pass`` setting (one that families declare, only when one of them runs),
    then the ``stored`` settings of each running family whose result the profile holds."""
    running_families = chosen(settings)
    running = {f.name for f in running_families}
    owners: dict[str, set[str]] = {}
    for family in families():
        for name in family.settings:
            owners.setdefault(name, set()).add(family.name)
    names = [n for n in settings_with_effect("pass") if n not in owners or owners[n] & running]
    kept = settings_with_effect("stored")
    for family in running_families:
        if family.name in stored:
            names += [n for n in family.settings if n in kept and n not in names]
    return names


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
    for name in versioned_packages():
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
    progress: ProgressFactory | None = None,
) -> BuiltProfile:
    """Profile a reference corpus: the streaming pass, then the families' reference-only results.

    Every family of ``settings.families`` runs its ``prepare`` on the reference alone, exactly as an
    audit would: embedding and voice leave their costly results on the profile (``derived``), and
    each metric's null values are computed and kept (:mod:`auditor.refprofile.nulls`).
    """
    settings = resolve_settings(settings or Settings())
    spec = parse_corpus_args([corpus])[0]
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    settings = settings.replace(language=resolve_language([spec], 0, settings)[0])  # "auto": recorded as detected
    vocab = Vocabulary()
    tokenizer = Tokenizer(vocab, settings.tokenizer, settings.clitics, language=settings.language)
    families_run = chosen(settings)
    with pass_executor(settings) as (executor, workers):
        profile = profile_corpus(spec, stream_label(0, True), tokenizer, settings, progress, families_run, executor,
                                 workers)  # fmt: skip
        cluster = executor if settings.engine == "dask" else None
        if cluster is None and executor is not None:
            executor.shutdown()
        vocab, new_id = vocab.sorted()
        profile.renumber(new_id)
        seconds["reading"] = time.perf_counter() - started
        # every family prepared on the reference alone, as a run with no smaller generation would:
        # embedding and voice leave their results on the profile; each null is computed and kept
        inputs = FamilyInput([profile], profile.name, settings, vocab.words, stage_progress(progress), cluster)
        data = metric_data(vocab.words, settings, language_use(families_run, settings))
        drawsets, _, _ = prepare_families(families_run, inputs, data, {}, seconds)
    started = time.perf_counter()
    profile.derived[NULLS] = {
        "settings": null_settings(settings),
        "families": {
            f.name: stored_nulls(drawsets[f.name].null_sizes, null_values(f.metrics, drawsets[f.name], data))
            for f in families_run
            if drawsets[f.name].storable_null
        },
    }
    seconds["nulls"] = time.perf_counter() - started
    started = time.perf_counter()
    derived = sorted(d for d in profile.derived if d != NULLS)
    header = {
        "reference": {"name": profile.name, "source": profile.source, "documents": profile.documents},
        "settings": _recorded_settings(settings, derived),
        "derived": derived,
        "versions": package_versions(),
        "identities": {f.name: f.identity(settings) for f in families_run if f.identity and f.name in derived},
    }
    data = write_archive(profile_members(profile, vocab.words), header)
    seconds["writing"] = time.perf_counter() - started
    return BuiltProfile(data, profile, seconds)


def _recorded_settings(settings: Settings, derived: list[str]) -> dict[str, Any]:
    """Every ``pass`` setting, and the ``stored`` settings of the families whose results the profile holds."""
    values = settings.to_dict()
    kept = settings_with_effect("stored")
    stored = [n for f in families() if f.name in derived for n in f.settings if n in kept]
    return {name: values[name] for name in dict.fromkeys([*settings_with_effect("pass"), *stored])}


def load_reference(path: str | Path, settings: Settings) -> LoadedReference:
    """Read and verify a profile file, and check that it was made with this run's settings.

    Raises :class:`ProfileError` (exit 2) for a file that is not a usable profile and a
    :class:`~auditor.errors.UsageError` (E071) listing every setting or version that differs.
    """
    settings = resolve_settings(settings)
    archive = read_archive(path)
    profile, words = profile_from_archive(archive)
    differences = _differences(archive.manifest, settings, profile, archive.path)
    if differences:
        raise UsageError(Errors.E071.format(path=path, differences="; ".join(differences)))
    return LoadedReference(str(path), archive.sha256, profile, words, archive.manifest)


def _model(identity: dict[str, Any] | None) -> str:
    """An identity in a message: its fields, the weights' hash shortened."""
    if not identity:
        return "unrecorded"
    return ", ".join(f"{k} {str(v)[:12] if k == 'sha256' else v}" for k, v in identity.items())


_UNRECORDED = {"language": "en", **LATER_SETTINGS}
"""What a profile that does not record a setting was made with: these settings came after the
first profiles, which were all made with these values."""


def _differences(manifest: dict[str, Any], settings: Settings, profile: GenerationProfile, path: str) -> list[str]:
    """``name: profile X, this run Y`` for every compared setting and version that differs."""
    recorded = manifest.get("settings")
    versions = manifest.get("versions")
    if not isinstance(recorded, dict) or not isinstance(versions, dict):
        raise ProfileError(path, "the manifest records no settings or versions")
    run = settings.to_dict()
    used = [f for f in chosen(settings) if f.name in profile.derived]
    names = compared_settings(settings, [f.name for f in used])
    if run["language"] == AUTO:  # the profile's (detected) language is the reference's
        names.remove("language")
    out = [
        f"{name} is {show_setting(recorded.get(name, _UNRECORDED.get(name)))} in the profile but "
        f"{show_setting(run[name])} in this run"
        for name in names
        if recorded.get(name, _UNRECORDED.get(name)) != run[name]
    ]
    identities = manifest.get("identities") or {}
    for family in used:
        recorded_identity = identities.get(family.name) if isinstance(identities, dict) else None
        here_identity = family.identity(settings) if family.identity else None
        if recorded_identity is not None and recorded_identity != here_identity:
            out.append(
                f"the {family.name} model is {_model(recorded_identity)} in the profile "
                f"but {_model(here_identity)} here"
            )
    current = package_versions()
    packages = ["corpus-auditor"] + (["spacy"] if settings.tokenizer == "spacy" else [])
    packages += [p for f in used for p in f.packages]
    for package in dict.fromkeys(packages):
        if versions.get(package) != current[package]:
            recorded_version, here = show_setting(versions.get(package)), show_setting(current[package])
            out.append(f"{package} version is {recorded_version} in the profile but {here} here")
    return out
