"""The stages an audit and a reference profile share: the pass over a corpus, the run's language,
what each family uses for it, the metric data, and each family's preparation.

``auditor.pipeline`` (an audit of a series) and ``auditor.refprofile`` (the reference alone, kept
for later runs) both run these stages, so they are public here rather than private to either, and
a profile's reference is prepared exactly as an audit would prepare it. Everything about a
particular family comes from its :class:`~auditor.families.base.Family` record.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import Any

from auditor.config import AUTO, Settings
from auditor.corpus import CorpusSpec, ReadLog, read_documents, read_options
from auditor.draws import DrawSet, Prepared
from auditor.errors import Errors, InputError, UsageError
from auditor.families.base import Family, FamilyInput, LanguageUse, MetricData
from auditor.result import GenerationInfo
from auditor.stats import make_rng
from auditor.text import langid
from auditor.text.languages import check_code
from auditor.text.parallel import profile_parallel
from auditor.text.profile import GenerationProfile, profile_generation
from auditor.text.tokenize import Tokenizer

ProgressFactory = Callable[[str, "int | None"], Callable[[int, str], None]]
"""``factory(label, total)`` returns ``update(done, detail)`` for one stage of one generation
(reading: documents done and a token count; embedding: documents embedded of ``total``)."""

FIELD_FLAGS = {"label_field": "--label-field", "group_field": "--group-field", "pair_field": "--pair-field"}
"""The settings that name a document field, as the command line spells them."""


def profile_corpus(
    spec: CorpusSpec,
    stream: str,
    tokenizer: Tokenizer,
    settings: Settings,
    progress: ProgressFactory | None,
    families: list[Family],
    executor: Executor | None = None,
    workers: int = 1,
) -> GenerationProfile:
    """The one streaming pass over a corpus: counts, the token reservoir, the text sample and, when a
    family of the run needs linked documents, their sample (an empty corpus is an input error)."""
    log = ReadLog(strict=settings.strict)
    common: dict[str, Any] = dict(
        seed=settings.seed,
        reservoir_tokens=settings.reservoir_tokens,
        text_docs=settings.sample_docs,
        progress=_reading_progress(progress, spec.name),
        pair_field=settings.pair_field,
        pair_by_order=settings.pair_by_order,
        pair_docs=settings.pair_docs if any(f.links for f in families) else 0,
        stream=stream,
    )
    options = read_options(settings, (settings.label_field, settings.group_field, settings.pair_field))
    documents = read_documents(spec.path, options, log)
    if executor is None:
        profile = profile_generation(spec.name, str(spec.path), documents, tokenizer, log, **common)
    else:
        profile = profile_parallel(
            spec.name,
            str(spec.path),
            documents,
            tokenizer.vocab,
            log,
            executor,
            workers,
            tokenizer=settings.tokenizer,
            clitics=settings.clitics,
            language=settings.language,
            **common,
        )
    if profile.documents == 0:
        skipped = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(log.skipped.items()) if n)
        detail = f" (skipped: {skipped})" if skipped else " (the input is empty)"
        raise InputError(Errors.E006.format(name=spec.name, path=spec.path, detail=detail))
    return profile


def resolve_language(
    specs: list[CorpusSpec], reference: int, settings: Settings
) -> tuple[str, langid.LanguageShares | None]:
    """The run's language and, with ``auto``, the reference's detected shares it was chosen from.

    ``auto`` reads the reference once more (so standard input cannot be the reference: E092) and
    detects the language of a uniform random sample of its documents (:func:`reference_sample`), not
    of its first ones: a reference whose files come one language after another must not read as the
    language it starts with. The same shares are what metrics.json reports for the reference.
    """
    language = settings.language
    if language == AUTO:
        spec = specs[reference]
        if str(spec.path) == "-":
            raise UsageError(Errors.E092.format(name=spec.name))
        options = read_options(settings)
        documents = read_documents(spec.path, options, ReadLog())
        shares = langid.language_shares(reference_sample((d.text for d in documents), settings.seed))
        language = shares.main or "en"
        try:
            check_code(language)
        except UsageError:
            raise UsageError(Errors.E094.format(name=spec.name, language=language)) from None
        return language, shares
    if language != "en":
        check_code(language)
    return language, None


def reference_sample(texts: Iterable[str], seed: int, size: int = langid.LANGID_DOCS) -> list[str]:
    """A uniform random sample of ``size`` non-blank texts (each cut to what the detector reads),
    in one pass with bounded memory: the texts with the ``size`` smallest seeded random keys."""
    rng = make_rng(seed, "language", "reference")
    kept: list[tuple[float, int, str]] = []
    for position, text in enumerate(texts):
        if not text.strip():
            continue
        item = (-float(rng.random()), position, text[: langid.LANGID_CHARS])
        if len(kept) < size:
            heapq.heappush(kept, item)
        elif item > kept[0]:
            heapq.heapreplace(kept, item)
    return [text for _, _, text in sorted(kept, key=lambda k: k[1])]


def language_use(families: list[Family], settings: Settings) -> dict[str, LanguageUse]:
    """What each family of the run uses for ``settings.language`` (families with nothing
    language-specific are left out)."""
    return {f.name: f.language(settings.language, settings) for f in families if f.language is not None}


def language_checks(
    profiles: list[GenerationProfile],
    reference: str,
    settings: Settings,
    requested: str,
    uses: dict[str, LanguageUse],
    detected: langid.LanguageShares | None = None,
) -> dict[str, Any]:
    """Detect each generation's languages on its text sample, warn on mismatches and on what a family
    cannot do in the language (on the reference), and describe what every family uses
    (metrics.json ``artifacts.language``). ``detected``: the reference's shares ``auto`` chose the
    language from, reported as they are so the report and the choice agree."""
    shares = {p.name: langid.language_shares(p.texts.texts) for p in profiles}
    if detected is not None:
        shares[reference] = detected
    warnings = langid.language_warnings(shares, reference, settings.language, requested)
    for p in profiles:
        p.log.warnings.extend(warnings[p.name])
    notes = [use.warning for use in uses.values() if use.warning]
    ref = next(p for p in profiles if p.name == reference)
    ref.log.warnings.extend(notes)
    return {
        "requested": requested,
        "used": settings.language,
        "detector": f"{langid.DETECTOR} on up to {langid.LANGID_DOCS} sampled documents per generation",
        "generations": {name: found.to_dict() for name, found in shares.items()},
        "families": {name: use.notes for name, use in uses.items()},
        "warnings": notes,
    }


def check_fields(profiles: list[GenerationProfile], settings: Settings, families: list[Family]) -> None:
    """A field the run asked for must exist somewhere: a usage error when no generation has it,
    a warning on each generation without it (a synthetic generation may carry no writer labels).
    Only the fields a family of the run reads are checked."""
    asked = dict.fromkeys(name for f in families for name in f.fields)
    for setting in asked:
        name = getattr(settings, setting)
        if not name:
            continue
        flag = FIELD_FLAGS.get(setting, f"--{setting.replace('_', '-')}")
        if setting == "pair_field":  # linked documents are kept apart from the text sample
            lacking = [p for p in profiles if p.pairs is None or len(p.pairs.hashes) == 0]
        else:
            lacking = [p for p in profiles if not any(name in f for f in p.texts.fields)]
        if len(lacking) == len(profiles):
            where = ", ".join(f"{p.name}: {p.source}" for p in profiles)
            raise UsageError(Errors.E027.format(flag=flag, field=name, where=where))
        for p in lacking:
            p.log.warnings.append(f"{flag} '{name}' was not found in any sampled document of this generation")


def metric_data(words: list[str], settings: Settings, uses: dict[str, LanguageUse]) -> MetricData:
    """What every metric function reads besides its draws: the vocabulary, the metric settings, and
    the metrics the language leaves undefined (``uses``: :func:`language_use`)."""
    data = MetricData(
        words,
        settings.segment_tokens,
        settings.max_segments,
        settings.knn_k,
        settings.pair_budget,
        language=settings.language,
    )
    for use in uses.values():
        data.na_reasons.update(use.unavailable)
    return data


def prepare_families(
    families: list[Family],
    inputs: FamilyInput,
    data: MetricData,
    config: dict[str, Any],
    seconds: dict[str, float] | None = None,
) -> tuple[dict[str, DrawSet], dict[str, Any], dict[str, Any]]:
    """Each family's draws, from its ``prepare``; families that share one (vocabulary and tail)
    share its result. What the preparations decide goes into ``config``, the artifacts, the cache
    statistics (by family) and ``data.na_reasons``; each preparation's time into ``seconds``."""
    done: dict[object, Prepared] = {}
    drawsets: dict[str, DrawSet] = {}
    artifacts: dict[str, Any] = {}
    cache_stats: dict[str, Any] = {}
    for family in families:
        if family.prepare not in done:
            started = time.perf_counter()
            prepared = done[family.prepare] = family.prepare(inputs)
            if seconds is not None:
                seconds[family.name] = time.perf_counter() - started
            config.update(prepared.config)
            artifacts.update(prepared.artifacts)
            data.na_reasons.update(prepared.metric_reasons)
        prepared = done[family.prepare]
        drawsets[family.name] = prepared.drawset
        if prepared.cache:
            cache_stats[family.name] = prepared.cache
    return drawsets, artifacts, cache_stats


def stage_progress(progress: ProgressFactory | None) -> Callable[[str, int], Callable[[int], None]] | None:
    """Adapt the run's progress factory to a stage that counts done of a known total."""
    if progress is None:
        return None

    def factory(label: str, total: int) -> Callable[[int], None]:
        update = progress(label, total)
        return lambda done: update(done, "")

    return factory


def generation_info(p: GenerationProfile) -> GenerationInfo:
    """What metrics.json says of a generation: its size, skips and warnings."""
    return GenerationInfo(
        p.name, p.source, p.documents, p.tokens, p.types, {k: v for k, v in p.log.skipped.items() if v}, p.log.warnings
    )


def _reading_progress(progress: ProgressFactory | None, name: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    update = progress(name, None)
    return lambda docs, tokens: update(docs, f"{tokens:,} tokens")
