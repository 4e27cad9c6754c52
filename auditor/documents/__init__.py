"""Per-document scores: one row per document of every later generation, against the reference.

The audit says *that* a generation degraded; these rows say *which documents* carry it, so a
curator can act (``auditor select``). They are a second product of the run: after the profiling
pass, :func:`score_series` builds a :class:`~auditor.documents.scorer.DocumentScorer` from the
reference's sample and every generation's counts, reads each later generation again and scores
every document (:mod:`auditor.documents.passes`). Columns: :data:`auditor.documents.rows.COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from auditor.config import Settings
from auditor.corpus import CorpusSpec, ReadLog, read_documents, read_options
from auditor.documents.novelty import StaticNovelty, VectorSource, novelty
from auditor.documents.passes import score_generation, set_forked_scorer
from auditor.documents.rows import COLUMNS, GenerationRows, check_path, rows_writer
from auditor.documents.scorer import DocumentScorer, build_scorer
from auditor.documents.summary import COPIED, generation_summary
from auditor.embed.model import load_model
from auditor.errors import Errors, InputError, UsageError
from auditor.executors import local_workers, pass_executor
from auditor.text.profile import GenerationProfile

__all__ = ["COLUMNS", "DocumentScores", "GenerationRows", "check_request", "score_series"]

Progress = Callable[[str, int], Callable[[int], None]]
"""``progress(label, total)`` returns ``update(done)``."""


@dataclass
class DocumentScores:
    """The rows (kept in memory when no file was asked for) and the metrics.json artifact."""

    rows: list[GenerationRows] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def check_request(specs: list[CorpusSpec], out: Path | str | None) -> None:
    """Refuse, before the long pass, what the scoring pass could not do (exit 2)."""
    if out is not None:
        check_path(out)
    for spec in specs:
        if str(spec.path) == "-":
            raise UsageError(Errors.E098.format(name=spec.name))


def score_series(
    specs: list[CorpusSpec],
    profiles: list[GenerationProfile],
    reference: str,
    words: list[str],
    settings: Settings,
    *,
    vectors: VectorSource | None,
    progress: Progress | None = None,
    out: Path | str | None = None,
) -> DocumentScores:
    """Score every document of the generations in ``specs`` (the later ones, read again) against
    ``reference``; ``profiles`` are the run's, in its final word ids. With ``out`` the rows go to
    that file generation by generation (and are not kept); ``vectors``: the document vectors
    of a family of the run that embeds documents (they give ``novelty``), or None."""
    by_name = {p.name: p for p in profiles}
    ref = by_name[reference]
    later = [s for s in specs if s.name != reference]
    scorer = build_scorer(
        ref,
        [by_name[s.name] for s in later],
        words,
        seed=settings.seed,
        order=settings.likelihood_order,
        tokenizer=settings.tokenizer,
        clitics=settings.clitics,
        language=settings.language,
    )
    if vectors is not None:
        scorer.novelty = StaticNovelty.build(load_model(settings.embedding_model), ref, vectors)
    result = DocumentScores(
        summary={
            "file": Path(out).name if out is not None else None,
            "columns": [c.name for c in COLUMNS],
            "thresholds": {
                "typical_below": round(scorer.low, 6),
                "incoherent_above": round(scorer.high, 6),
                "copies_at_least": COPIED,
            },
            "reference_documents": int(ref.sample.n_docs),
            "generations": {},
        }
    )
    options = read_options(settings, (settings.pair_field,))
    with _writer(out) as write, _executor(settings, scorer) as (executor, workers, handle):
        for spec in later:
            profile = by_name[spec.name]
            update = progress(f"{spec.name}: scoring documents", profile.documents) if progress else None
            rows, keys, top = score_generation(
                spec.name,
                profile.stream,
                read_documents(spec.path, options, ReadLog()),
                scorer,
                seed=settings.seed,
                id_field=settings.pair_field,
                id_by_order=settings.pair_by_order,
                executor=executor,
                workers=workers,
                scorer_handle=handle,
                progress=update,
            )
            if len(rows) != profile.documents:
                raise InputError(
                    Errors.E099.format(name=spec.name, path=spec.path, before=profile.documents, after=len(rows))
                )
            if scorer.novelty is None:
                values, notes = novelty(profile, ref, keys, vectors)
                rows.columns.update(novelty=values, novelty_note=notes)
            else:  # every document embedded as it was scored
                rows.columns.setdefault("novelty", np.full(len(rows), np.nan))
                rows.columns["novelty_note"] = [None] * len(rows)
            result.summary["generations"][spec.name] = generation_summary(rows, top)
            if write is not None:
                write(rows)
            else:
                result.rows.append(rows)
    return result


@contextmanager
def _writer(out: Path | str | None) -> Iterator[Callable[[GenerationRows], None] | None]:
    if out is None:
        yield None
        return
    with rows_writer(out) as write:
        yield write


@contextmanager
def _executor(settings: Settings, scorer: DocumentScorer) -> Iterator[tuple[Executor | None, int, Any]]:
    """Where chunks are scored: here, forked local workers (inheriting the scorer) or a Dask
    cluster (the scorer scattered to every worker once)."""
    if settings.engine == "dask":
        with pass_executor(settings) as (executor, workers):
            client = getattr(executor, "_client", None)
            handle = client.scatter(scorer, broadcast=True) if client is not None else scorer
            yield executor, workers, handle
        return
    if local_workers(settings) <= 1:
        yield None, 1, None
        return
    set_forked_scorer(scorer)
    try:
        with pass_executor(settings) as (executor, workers):
            yield executor, workers, None
    finally:
        set_forked_scorer(None)
