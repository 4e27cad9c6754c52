"""``audit()``: readers -> one pass per generation -> draws -> family metrics -> AuditResult.

The library never prints or exits: it raises :class:`auditor.errors.AuditorError` and reports
progress through an optional callback; the CLI decides what a user sees.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from auditor._version import __version__
from auditor.config import AUTO, Settings, settings_from_mapping
from auditor.corpus import CorpusSpec, parse_corpus_args
from auditor.corpus.spec import series_positions
from auditor.documents import DocumentScores, check_request, score_series
from auditor.draws import DrawSet
from auditor.errors import Errors, UsageError
from auditor.executors import metric_threads, pass_executor
from auditor.families import chosen, resolve_settings
from auditor.families.base import Family, FamilyInput
from auditor.refprofile import LoadedReference, load_reference
from auditor.refprofile.nulls import RecomputedNullWarning, reusable
from auditor.result import AuditResult, FamilyInfo
from auditor.scoring import compute_metrics, family_verdicts, generation_readings
from auditor.stages import (
    ProgressFactory,
    check_fields,
    generation_info,
    language_checks,
    language_use,
    metric_data,
    prepare_families,
    profile_corpus,
    resolve_language,
    stage_progress,
)
from auditor.stats import stream_label
from auditor.text.tokenize import Tokenizer, Vocabulary
from auditor.trends import series_trends

__all__ = ["ProgressFactory", "audit", "calibrate", "score_documents"]


def audit(
    corpora: Sequence[str | Path | CorpusSpec],
    *,
    settings: Settings | None = None,
    progress: ProgressFactory | None = None,
    reference_profile: str | Path | None = None,
    documents: str | Path | None = None,
    positions: str | Sequence[float] | None = None,
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
    documents
        A ``.jsonl`` or ``.parquet`` path: also score every document of every later generation
        (:func:`score_documents`'s rows) and write them there; ``artifacts["documents"]``
        summarizes them.
    positions
        Each generation's position in the series (``"0,1,5,20"`` or a list, one per generation, a
        reference profile's first), for the trends; default: ``NAME@X=PATH`` arguments, else the
        numbers that end the names (``gen3``), else the order.

    Returns
    -------
    AuditResult
        Everything metrics.json holds.

    Examples
    --------
    >>> result = audit(["gen0=corpora/demo/gen0.jsonl", "gen5=corpora/demo/gen5.jsonl"])  # doctest: +SKIP
    >>> result.verdict("tail", "gen5").status  # doctest: +SKIP
    'degraded'

    In a notebook, the result shows itself as a table of generations by families (``_repr_html_``),
    and ``to_frame()`` (the ``notebook`` extra: pandas) gives one row per metric and generation:

    >>> result  # doctest: +SKIP
    <the overview table: each verdict coloured and labelled, each generation's reading>
    >>> frame = result.to_frame()  # doctest: +SKIP
    >>> frame[frame.status == "degraded"].metric.unique()  # doctest: +SKIP
    """
    settings = settings or Settings()
    source = "audit() arguments" if overrides else None
    if overrides:
        settings = settings_from_mapping({**settings.to_dict(), **overrides}, source="audit() arguments")
    settings = resolve_settings(settings, source=source)
    specs = parse_corpus_args(list(corpora))
    request = None
    if documents is not None:
        check_request(specs, documents)
        request = _Documents(documents)
    loaded = None
    if reference_profile is not None:
        loaded = _load_reference(reference_profile, settings, specs, "audit")
    elif len(specs) < 2:
        raise UsageError(Errors.E008.format(count=len(specs)))
    names = ([loaded.profile.name] if loaded else []) + [s.name for s in specs]
    given = positions if positions is None or isinstance(positions, str) else ",".join(map(str, positions))
    placed = series_positions(names, specs, given)
    result = _run(specs, settings, progress, loaded, request, placed)
    assert isinstance(result, AuditResult)
    return result


def score_documents(
    corpora: Sequence[str | Path | CorpusSpec],
    *,
    settings: Settings | None = None,
    progress: ProgressFactory | None = None,
    reference_profile: str | Path | None = None,
    out: str | Path | None = None,
    embed: bool = True,
    **overrides: Any,
) -> DocumentScores:
    """Score every document of every later generation against the reference, without the metrics.

    The rows are :data:`auditor.documents.COLUMNS` (one per document with words, in reading order):
    log-perplexity under the reference's n-gram model and its flags, copies, near-duplicate groups,
    rare reference words kept, the register score and, for the embedding sample (every document with
    ``embedding_model="static"``), novelty (``embed`` runs the family that embeds documents for it;
    without it novelty is null with the reason).

    Returns
    -------
    DocumentScores
        ``rows`` (one :class:`~auditor.documents.GenerationRows` per later generation; empty when
        ``out`` names a ``.jsonl`` or ``.parquet`` file to write them to) and ``summary``.

    Examples
    --------
    >>> scores = score_documents(["corpora/demo/gen0.jsonl", "corpora/demo/gen3.jsonl"])  # doctest: +SKIP
    >>> rows = scores.rows[0]
    >>> max(rows.columns["copy_rate"])  # doctest: +SKIP
    """
    settings = settings or Settings()
    if overrides:
        settings = settings_from_mapping({**settings.to_dict(), **overrides}, source="score_documents() arguments")
    settings = resolve_settings(settings)
    specs = parse_corpus_args(list(corpora))
    check_request(specs, out)
    loaded = None
    if reference_profile is not None:
        loaded = _load_reference(reference_profile, settings, specs, "score_documents")
    elif len(specs) < 2:
        raise UsageError(Errors.E008.format(count=len(specs)))
    embedders = tuple(f.name for f in chosen(settings) if f.vectors is not None)[:1]
    settings = settings.replace(families=embedders if embed else ())
    scores = _run(specs, settings, progress, loaded, _Documents(out, only=True))
    assert isinstance(scores, DocumentScores)
    return scores


@dataclass(frozen=True)
class _Documents:
    """Per-document scores asked of a run: where to write them, and whether they are all it does."""

    out: str | Path | None
    only: bool = False


def calibrate(
    corpus: str | Path | CorpusSpec | None,
    *,
    settings: Settings | None = None,
    progress: ProgressFactory | None = None,
    reference_profile: str | Path | None = None,
) -> AuditResult:
    """Audit the reference alone: its values and its split-half null (for ``auditor init-policy``).

    The reference is ``corpus`` or, when ``corpus`` is None, the ``reference_profile`` file.
    Families that need linked documents are left out: one corpus has no descendants to link to.
    """
    settings = resolve_settings(settings or Settings())
    families = tuple(f.name for f in chosen(settings) if not f.links) or settings.families
    settings = settings.replace(reference=None, families=families)
    if reference_profile is not None and corpus is None:
        return _run([], settings, progress, _load_reference(reference_profile, settings, [], "init-policy"))
    if corpus is None or reference_profile is not None:
        raise UsageError(Errors.E074.format(given="both" if corpus is not None else "neither"))
    return _run(parse_corpus_args([corpus]), settings, progress)


def _load_reference(path: str | Path, settings: Settings, specs: list[CorpusSpec], command: str) -> LoadedReference:
    """Read a reference profile for a run of ``specs`` (the generations) and check it fits them."""
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
    documents: _Documents | None = None,
    positions: tuple[dict[str, float], str] | None = None,
) -> AuditResult | DocumentScores:
    """The pipeline: one pass per generation, each family's draws, metrics, verdicts, artifacts;
    with ``documents``, the scoring pass too (and nothing else when ``documents.only``).

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
    detected = None
    if loaded is not None:  # the profile's reference: its recorded language (checked against the run's)
        recorded = loaded.manifest["settings"].get("language", "en")
        language = recorded if settings.language == AUTO else settings.language
    else:
        language, detected = resolve_language(specs, names.index(reference), settings)
    settings = settings.replace(language=language)
    vocab = Vocabulary()
    if loaded is not None:
        for word in loaded.words:  # the profile's ids are its vocabulary's: 0..n-1 here too
            vocab.add(word)
    tokenizer = Tokenizer(vocab, settings.tokenizer, settings.clitics, language=language)
    families = chosen(settings)
    with pass_executor(settings) as (executor, workers):
        read = [
            profile_corpus(spec, stream_label(i, spec.name == reference), tokenizer, settings, progress, families,
                           executor, workers)
            for i, spec in enumerate(specs, start=len(first))
        ]  # fmt: skip
        profiles = ([loaded.profile] if loaded else []) + read
        check_fields(profiles, settings, families)
        cluster = executor if settings.engine == "dask" else None
        if cluster is None and executor is not None:
            executor.shutdown()  # local workers are done; a Dask cluster also embeds (below)
        vocab, new_id = vocab.sorted()
        for profile in profiles:
            profile.renumber(new_id)

        uses = language_use(families, settings)
        language_artifact = language_checks(profiles, reference, settings, requested, uses, detected)
        data = metric_data(vocab.words, settings, uses)
        config = settings.to_dict()
        config.update(reference=reference, budget=None, budget_source="none")
        if requested != language:
            config["language_requested"] = requested
        if loaded is not None:
            config.update(reference_profile=loaded.describe())
        inputs = FamilyInput(profiles, reference, settings, vocab.words, stage_progress(progress), cluster)
        drawsets, artifacts_out, cache_stats = prepare_families(families, inputs, data, config)
        artifacts_out["language"] = language_artifact

    if documents is not None:
        scores = score_series(
            specs,
            profiles,
            reference,
            vocab.words,
            settings,
            vectors=next((f.vectors for f in families if f.vectors is not None), None),
            progress=stage_progress(progress),
            out=documents.out,
        )
        if documents.only:
            return scores
        artifacts_out["documents"] = scores.summary
    nulls = _profile_nulls(loaded, families, drawsets, settings, config)
    metric_results = []
    verdicts = []
    draw_values: dict[str, dict[str, Any]] = {}
    with metric_threads(settings) as threads:
        for family in families:
            results = compute_metrics(
                family.metrics,
                drawsets[family.name],
                data,
                default_tolerance=settings.tolerance,
                executor=threads,
                nulls=nulls.get(family.name),
                draws=draw_values,
            )
            metric_results.extend(results)
            verdicts.extend(family_verdicts(results, family.name, names, reference))
    placed, placed_by = positions or series_positions(names, specs)
    config["positions"] = placed_by
    trends = series_trends(metric_results, draw_values, placed, reference)
    metric_results = [replace(m, trend=trends[m.id]) if m.id in trends else m for m in metric_results]
    return AuditResult(
        auditor_version=__version__,
        run={
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 3),
            "cache": cache_stats,
        },
        config=config,
        reference=reference,
        generations=[replace(generation_info(p), position=placed[p.name]) for p in profiles],
        metrics=metric_results,
        verdicts=verdicts,
        artifacts=artifacts_out,
        readings=generation_readings(metric_results, names),
        families=[FamilyInfo.of(f) for f in families],
    )


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
