"""Bring a result read from an older metrics.json up to what this version's outputs read: one function.

A file states what its schema version states. The outputs (report.html, summary.md, the terminal
table, the gate's starting policy, ``auditor diff``) read only the AuditResult, so what a file
older than schema 1.3 does not state is filled in here, once, from this version's registry:

* each metric's ``definition``, ``kind``, ``citation`` (a 1.0 file) and effective ``tolerance``
  (the metric's own, else the run's ``config.tolerance``, relative), for the metrics the registry
  knows (one it does not know keeps what the file says: nothing);
* the run's ``families`` with their label, question and subject (before 1.3), in run order; a
  family the registry does not know is labelled by its name, with no question or subject;
* each word-shift row's ``significant`` flag (before 1.3), from its stored z.

Judgements are not filled in: a file older than 1.2 stays without aspects and readings, as the run
that wrote it did not make them. The result keeps the ``schema_version`` it was read with.

Layering: :mod:`auditor.result` is the contract (imports nothing above it) and cannot know the
registry, so this module sits just above :mod:`auditor.families`. Everything that reads a
metrics.json file for an output calls :func:`load_result`; the renderers also pass the result they
are given through :func:`upgrade` (which returns a current result as it is), so a result built by
hand from an older document renders like the file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from auditor.config import Settings
from auditor.result import AuditResult, FamilyInfo, MetricResult, read_result

DEFAULT_TOLERANCE = Settings.tolerance
"""The run's default tolerance, for a file whose ``config`` does not state it."""


def load_result(path: Path) -> AuditResult:
    """Read and validate a metrics.json file (schema 1.0 to 1.3) and :func:`upgrade` it."""
    return upgrade(read_result(path))


def upgrade(result: AuditResult) -> AuditResult:
    """``result`` with what its file did not state filled in from this version's registry.

    A result that states everything (any computed one, or one read from a 1.3 file) is returned as
    it is; otherwise a copy, with the same ``schema_version``. Idempotent.
    """
    families = _families(result)
    metrics = [_metric(m, result.config) for m in result.metrics]
    artifacts = _artifacts(result.artifacts)
    if (
        families is result.families
        and artifacts is result.artifacts
        and all(new is old for new, old in zip(metrics, result.metrics, strict=True))
    ):
        return result
    return dataclasses.replace(result, families=families, metrics=metrics, artifacts=artifacts)


def unknown_family(name: str) -> FamilyInfo:
    """A family this version's registry does not know: its name as its label, no question or subject."""
    return FamilyInfo(name, name.replace("_", " ").capitalize(), "", "")


def _families(result: AuditResult) -> list[FamilyInfo]:
    """The listed families, then every other family of the run (verdicts, then metrics), in run order."""
    from auditor.families import find_family

    listed = {f.name for f in result.families}
    run = dict.fromkeys([*(v.family for v in result.verdicts), *(m.family for m in result.metrics)])
    missing = [name for name in run if name not in listed]
    if not missing:
        return result.families
    found = [FamilyInfo.of(record) if (record := find_family(n)) else unknown_family(n) for n in missing]
    return [*result.families, *found]


def _metric(m: MetricResult, config: dict[str, Any]) -> MetricResult:
    """A metric with its 1.1 metadata from the registry, when its file (1.0) did not state it."""
    if m.definition is not None and m.kind is not None and m.tolerance is not None:
        return m
    from auditor.families import all_metrics

    known = next((k for k in all_metrics() if k.spec.id == m.id), None)
    if known is None:
        return m
    spec = known.spec
    stated = m.definition is not None  # its citation then is as stated, None included
    return dataclasses.replace(
        m,
        definition=m.definition if stated else spec.definition,
        kind=m.kind or known.kind,
        citation=m.citation if stated else spec.citation or None,
        tolerance=m.tolerance or spec.effective_tolerance(config.get("tolerance", DEFAULT_TOLERANCE)),
    )


def _artifacts(artifacts: dict[str, Any]) -> dict[str, Any]:
    """The artifacts with each word-shift row's ``significant`` flag (a copy, when a row lacked it)."""
    from auditor.families.vocabulary.wordshift import is_significant

    shifts = artifacts.get("word_shift") or {}
    rows = [r for shift in shifts.values() for side in ("over", "under") for r in shift.get(side, [])]
    if all("significant" in r for r in rows):
        return artifacts
    flagged = {
        gen: {
            **shift,
            **{
                side: [r if "significant" in r else {**r, "significant": is_significant(r["z"])} for r in side_rows]
                for side, side_rows in shift.items()
                if side in ("over", "under")
            },
        }
        for gen, shift in shifts.items()
    }
    return {**artifacts, "word_shift": flagged}
