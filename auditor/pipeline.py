"""``audit()``: readers -> one pass per generation -> draws -> family metrics -> AuditResult.

The library never prints or exits: it raises :class:`auditor.errors.AuditorError` and reports
progress through an optional callback; the CLI decides what a user sees.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor import __version__
from auditor.config import Settings, settings_from_mapping
from auditor.corpus import CorpusSpec, ReadLog, ReadOptions, parse_corpus_args, read_documents
from auditor.draws import DrawSet, Prepared
from auditor.errors import Errors, InputError, UsageError
from auditor.executors import local_workers, pass_executor
from auditor.families import get_family
from auditor.families.base import Family, FamilyInput, MetricData
from auditor.result import AuditResult, GenerationInfo
from auditor.scoring import compute_metrics, family_verdicts, generation_readings
from auditor.stats import stream_label
from auditor.text.parallel import profile_parallel
from auditor.text.profile import GenerationProfile, profile_generation
from auditor.text.tokenize import Tokenizer, Vocabulary

if TYPE_CHECKING:
    from auditor.refprofile import LoadedReference

ProgressFactory = Callable[[str, "int | None"], Callable[[int, str], None]]
"""``factory(label, total)`` returns ``update(done, detail)`` for one stage of one generation
(reading: documents done and a token count; embedding: documents embedded of ``total``)."""


def audit(
    corpora: Sequence[str | Path | CorpusSpec],
    *,
    settings: Settings | None = None,
    progress: ProgressFactory | None = None,
    reference_profile: str | Path | None = None,
    **overrides: Any,
) -> AuditResult:
    """Audit an ordered series of corpora (generation 0 first) for signs of model collapse.

    Parameters
    ----------
    corpora
        Paths or ``NAME=PATH`` strings, in generation order.
    settings
        A :class:`~auditor.config.Settings`; keyword ``overrides`` replace its fields.
    progress
        Optional factory of per-generation progress callbacks.
    reference_profile
        A file written by ``auditor profile`` (:func:`auditor.refprofile.build_profile`): it is
        the reference, and every corpus in ``corpora`` is a generation audited against it. Its
        settings must match the run's (:class:`~auditor.errors.UsageError` naming each one).

    Returns
    -------
    AuditResult
        Everything metrics.json holds.

    Examples
    --------
    >>> result = audit(["gen0=corpora/demo/gen0.jsonl", "gen5=corpora/demo/gen5.jsonl"])  # doctest: +SKIP
    >>> result.verdict("tail", "gen5").status  # doctest: +SKIP
    'degraded'
    """
    settings = settings or Settings()
    if overrides:
        settings = settings_from_mapping({**settings.to_dict(), **overrides}, source="audit() arguments")
    specs = parse_corpus_args(list(corpora))
    if reference_profile is not None:
        loaded = _load_reference(reference_profile, settings, specs, "audit")
        return _run(specs, settings, progress, loaded)
    if len(specs) < 2:
        raise UsageError(Errors.E008.format(count=len(specs)))
    return _run(specs, settings, progress)


def calibrate(
    corpus: str | Path | CorpusSpec | None,
    *,
    settings: Settings | None = None,
    progress: ProgressFactory | None = None,
    reference_profile: str | Path | None = None,
) -> AuditResult:
    """Audit the reference alone: its values and its split-half null (for ``auditor init-policy``).

    The reference is ``corpus`` or, when ``corpus`` is None, the ``reference_profile`` file.
    The paired family is left out: one corpus has no descendants to link to.
    """
    settings = settings or Settings()
    families = tuple(f for f in settings.families if f != "paired") or settings.families
    settings = settings.replace(reference=None, families=families)
    if reference_profile is not None and corpus is None:
        return _run([], settings, progress, _load_reference(reference_profile, settings, [], "init-policy"))
    if corpus is None or reference_profile is not None:
        raise UsageError(Errors.E074.format(given="both" if corpus is not None else "neither"))
    return _run(parse_corpus_args([corpus]), settings, progress)


def _load_reference(path: str | Path, settings: Settings, specs: list[CorpusSpec], command: str) -> LoadedReference:
    """Read a reference profile for a run of ``specs`` (the generations) and check it fits them."""
    from auditor.refprofile import load_reference

    loaded = load_reference(path, settings)
    name = loaded.profile.name
    if settings.reference is not None and settings.reference != name:
        raise UsageError(Errors.E073.format(name=settings.reference, profile=name))
    if not specs and command != "init-policy":
        raise UsageError(Errors.E075.format(command=command, path=path))
    for spec in specs:
        if spec.name == name or _same_file(spec.path, loaded.profile.source):
            raise UsageError(Errors.E072.format(name=spec.name, corpus=spec.path, path=path))
    return loaded


def _same_file(path: Path | str, source: str) -> bool:
    """Whether a corpus argument is the file or folder a profile was made from (as far as can be told)."""
    try:
        return str(path) != "-" and Path(path).resolve() == Path(source).resolve()
    except (OSError, RuntimeError, ValueError):
        return False


def _run(
    specs: list[CorpusSpec],
    settings: Settings,
    progress: ProgressFactory | None,
    loaded: LoadedReference | None = None,
) -> AuditResult:
    """The pipeline: one pass per generation, each family's draws, metrics, verdicts, artifacts.

    With ``loaded`` (a reference profile), the profile is generation 0 and the reference, and
    ``specs`` are the later generations: their positions (random streams) are those they would
    have after the raw reference.
    """
    started = time.perf_counter()
    first = [loaded.profile.name] if loaded else []
    names = first + [s.name for s in specs]
    reference = settings.reference or names[0]
    if reference not in names:
        raise UsageError(Errors.E009.format(name=reference, names=", ".join(names)))

    requested = settings.language
    if loaded is not None:  # the profile's reference: its recorded language (checked against the run's)
        recorded = loaded.manifest["settings"].get("language", "en")
        language = recorded if settings.language == "auto" else settings.language
    else:
        language = _resolve_language(specs, names.index(reference), settings)
    settings = settings.replace(language=language)
    vocab = Vocabulary()
    if loaded is not None:
        for word in loaded.words:  # the profile's ids are its vocabulary's: 0..n-1 here too
            vocab.add(word)
    tokenizer = Tokenizer(vocab, settings.tokenizer, settings.clitics, language=language)
    with pass_executor(settings) as (executor, workers):
        profiles = ([loaded.profile] if loaded else []) + [
            _profile(spec, stream_label(i, spec.name == reference), tokenizer, settings, progress, executor, workers)
            for i, spec in enumerate(specs, start=len(first))
        ]
        _check_fields(profiles, settings)
        cluster = executor if settings.engine == "dask" else None
        if cluster is None and executor is not None:
            executor.shutdown()  # local workers are done; a Dask cluster also embeds (below)
        vocab, new_id = vocab.sorted()
        for profile in profiles:
            profile.renumber(new_id)

        language_artifact = _language_checks(profiles, reference, settings, requested)
        data = metric_data(vocab.words, settings)
        config = settings.to_dict()
        config.update(reference=reference, budget=None, budget_source="none")
        if requested != language:
            config["language_requested"] = requested
        if loaded is not None:
            config.update(reference_profile=loaded.describe())
        families = [get_family(name) for name in settings.families]
        inputs = FamilyInput(profiles, reference, settings, vocab.words, _stage_progress(progress), cluster)
        drawsets, artifacts_out, cache_stats = prepare_families(families, inputs, data, config)
        artifacts_out["language"] = language_artifact

    nulls = _profile_nulls(loaded, families, drawsets, settings, config)
    metric_results = []
    verdicts = []
    with ThreadPoolExecutor(max_workers=local_workers(settings)) as threads:
        for family in families:
            results = compute_metrics(
                family.metrics,
                drawsets[family.name],
                data,
                default_tolerance=settings.tolerance,
                executor=threads,
                nulls=nulls.get(family.name),
            )
            metric_results.extend(results)
            verdicts.extend(family_verdicts(results, family.name, names))
    return AuditResult(
        auditor_version=__version__,
        run={
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 3),
            "cache": cache_stats,
        },
        config=config,
        reference=reference,
        generations=[_info(p) for p in profiles],
        metrics=metric_results,
        verdicts=verdicts,
        artifacts=artifacts_out,
        readings=generation_readings(metric_results, names),
    )


def metric_data(words: list[str], settings: Settings) -> MetricData:
    """What every metric function reads besides its draws: the vocabulary and the metric settings."""
    data = MetricData(
        words,
        settings.segment_tokens,
        settings.max_segments,
        settings.knn_k,
        settings.pair_budget,
        language=settings.language,
    )
    data.na_reasons.update(_language_reasons(settings.language))
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


def _profile_nulls(
    loaded: LoadedReference | None,
    families: list[Family],
    drawsets: dict[str, DrawSet],
    settings: Settings,
    config: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    """Each family's null values from the reference profile, where its null draws are the profile's;
    ``config.reference_profile.nulls`` records which families reused them and why the others did not."""
    if loaded is None:
        return {}
    from auditor.refprofile.nulls import RecomputedNullWarning, reusable

    stored = loaded.profile.derived.get("nulls")
    out: dict[str, dict[str, Any]] = {}
    recomputed: dict[str, str] = {}
    for family in families:
        drawset = drawsets[family.name]
        if not drawset.storable_null:
            continue  # no null, or one not drawn from the reference's halves (the paired family's)
        values, why = reusable(stored, family.name, drawset.null_sizes, settings)
        if values is None:
            recomputed[family.name] = why
        else:
            out[family.name] = values
    config["reference_profile"]["nulls"] = {"reused": sorted(out), "recomputed": recomputed}
    if recomputed:
        reasons: dict[str, list[str]] = {}
        for name, why in recomputed.items():
            reasons.setdefault(why, []).append(name)
        detail = "; ".join(f"{', '.join(names)}: {why}" for why, names in reasons.items())
        warnings.warn(
            f"the reference profile's null values do not fit this run, so they were computed again (same "
            f"results, more time) for {detail}",
            RecomputedNullWarning,
            stacklevel=2,
        )
    return out


def _stage_progress(progress: ProgressFactory | None) -> Callable[[str, int], Callable[[int], None]] | None:
    """Adapt the run's progress factory to a stage that counts done of a known total."""
    if progress is None:
        return None

    def factory(label: str, total: int) -> Callable[[int], None]:
        update = progress(label, total)
        return lambda done: update(done, "")

    return factory


def _check_fields(profiles: list[GenerationProfile], settings: Settings) -> None:
    """A field the run asked for must exist somewhere: a usage error when no generation has it,
    a warning on each generation without it (a synthetic generation may carry no writer labels)."""
    asked = [
        ("--label-field", settings.label_field, "voice"),
        ("--group-field", settings.group_field, "voice"),
        ("--pair-field", settings.pair_field, "paired"),
    ]
    for flag, name, family in asked:
        if not name or family not in settings.families:
            continue
        if flag == "--pair-field":
            lacking = [p for p in profiles if p.pairs is None or len(p.pairs.hashes) == 0]
        else:
            lacking = [p for p in profiles if not any(name in f for f in p.texts.fields)]
        if len(lacking) == len(profiles):
            where = ", ".join(f"{p.name}: {p.source}" for p in profiles)
            raise UsageError(Errors.E027.format(flag=flag, field=name, where=where))
        for p in lacking:
            p.log.warnings.append(f"{flag} '{name}' was not found in any sampled document of this generation")


def _profile(
    spec: CorpusSpec,
    stream: str,
    tokenizer: Tokenizer,
    settings: Settings,
    progress: ProgressFactory | None,
    executor: Executor | None = None,
    workers: int = 1,
) -> GenerationProfile:
    log = ReadLog(strict=settings.strict)
    extra = tuple(f for f in (settings.label_field, settings.group_field, settings.pair_field) if f)
    common: dict[str, Any] = dict(
        seed=settings.seed,
        reservoir_tokens=settings.reservoir_tokens,
        text_docs=settings.sample_docs,
        progress=_reading_progress(progress, spec.name),
        pair_field=settings.pair_field,
        pair_by_order=settings.pair_by_order,
        pair_docs=settings.pair_docs if "paired" in settings.families else 0,
        stream=stream,
    )
    options = ReadOptions(settings.text_field, settings.txt_mode, extra)
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


def _resolve_language(specs: list[CorpusSpec], reference: int, settings: Settings) -> str:
    """The run's language: the setting, or with ``auto`` the main language of the reference's first
    documents (read once more, so standard input cannot be the reference: E092)."""
    from auditor.text.langid import LANGID_DOCS, language_shares
    from auditor.text.languages import AUTO, check_code

    language = settings.language
    if language == AUTO:
        spec = specs[reference]
        if str(spec.path) == "-":
            raise UsageError(Errors.E092.format(name=spec.name))
        options = ReadOptions(settings.text_field, settings.txt_mode, ())
        documents = read_documents(spec.path, options, ReadLog())
        texts = [d.text for d, _ in zip(documents, range(LANGID_DOCS), strict=False)]
        language = language_shares(texts).main or "en"
        try:
            check_code(language)
        except UsageError:
            raise UsageError(Errors.E094.format(name=spec.name, language=language)) from None
    elif language != "en":
        check_code(language)
    return language


def _language_reasons(language: str) -> dict[str, str]:
    """Metrics undefined for ``language`` whatever the data, and why (wordfreq has no list for it)."""
    from auditor.text.languages import wordfreq_language

    code, why = wordfreq_language(language)
    if code is not None:
        return {}
    return {"tail.lang_rare_share": why, "paired.lang_rare_retention": why}


def _language_checks(
    profiles: list[GenerationProfile], reference: str, settings: Settings, requested: str
) -> dict[str, Any]:
    """Detect each generation's languages on its text sample, warn on mismatches, and describe what
    every family uses (metrics.json ``artifacts.language``)."""
    from auditor.text.langid import DETECTOR, LANGID_DOCS, language_shares, language_warnings
    from auditor.text.languages import describe

    shares = {p.name: language_shares(p.texts.texts) for p in profiles}
    warnings = language_warnings(shares, reference, settings.language, requested)
    for p in profiles:
        p.log.warnings.extend(warnings[p.name])
    families = describe(settings.language, settings)
    notes = [w for w in (families.get("embedding", {}).get("warning"),) if w]
    ref = next(p for p in profiles if p.name == reference)
    ref.log.warnings.extend(notes)
    return {
        "requested": requested,
        "used": settings.language,
        "detector": f"{DETECTOR} on up to {LANGID_DOCS} sampled documents per generation",
        "generations": {name: found.to_dict() for name, found in shares.items()},
        "families": families,
        "warnings": notes,
    }


def _reading_progress(progress: ProgressFactory | None, name: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    update = progress(name, None)
    return lambda docs, tokens: update(docs, f"{tokens:,} tokens")


def _info(p: GenerationProfile) -> GenerationInfo:
    return GenerationInfo(
        p.name, p.source, p.documents, p.tokens, p.types, {k: v for k, v in p.log.skipped.items() if v}, p.log.warnings
    )
