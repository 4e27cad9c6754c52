"""``select()``: score one generation against the reference, decide, write the cleaned copy and
selection.json.

Everything that can be refused is refused before the scoring pass (exit 2, one line): a folder or
standard input as the generation, no reference or two, an output in another format than the
input's, an output that is an input. The output is written before selection.json, each atomically;
the same input, reference, rules and settings give the same bytes in both.
"""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor._version import __version__
from auditor.atomic import atomic_write
from auditor.config import Settings
from auditor.corpus import CorpusSpec, ReadLog, read_documents, read_options
from auditor.corpus.readers import COLUMNAR, FORMATS, STDIN, split_suffixes
from auditor.corpus.spec import parse_corpus_arg
from auditor.curation.decision import decide, describe
from auditor.curation.formats import write_selected
from auditor.curation.rules import Rules, parse_rules
from auditor.documents import GenerationRows
from auditor.errors import Errors, InputError, UsageError, stat_path
from auditor.outputs import check_output_target
from auditor.pipeline import ProgressFactory, score_documents

SELECTION_FILE = "selection.json"
"""selection.json's name beside the output when no other path is given."""

Corpus = str | Path | CorpusSpec


@dataclass(frozen=True)
class Selection:
    """What ``select`` did: where it wrote, under which rules, the counts and every dropped (and
    protected) document with its source and reasons; :meth:`to_dict` is selection.json."""

    out: Path
    record: Path
    """selection.json."""
    rules: Rules
    counts: dict[str, Any]
    dropped: list[dict[str, Any]]
    protected: list[dict[str, Any]]
    inputs: dict[str, str | None]

    def to_dict(self) -> dict[str, Any]:
        """selection.json's content (no time, no host: the same run gives the same file)."""
        return {
            "tool": "auditor.select",
            "auditor_version": __version__,
            **self.inputs,
            "out": str(self.out),
            "rules": self.rules.to_dict(),
            "counts": self.counts,
            "dropped": self.dropped,
            "protected": self.protected,
        }


def select(
    generation: Corpus,
    *,
    reference: Corpus | None = None,
    reference_profile: str | Path | None = None,
    out: str | Path,
    rules: Rules | str,
    settings: Settings | None = None,
    selection: str | Path | None = None,
    progress: ProgressFactory | None = None,
) -> Selection:
    """Write a cleaned copy of ``generation`` (one file) to ``out``, in the input's format, and
    selection.json (``selection``, by default beside ``out``).

    ``rules``: a :class:`Rules` or a ``--select`` string (``"drop-duplicates,drop-typical=0.2"``).
    The reference is ``reference`` (a corpus: ``PATH`` or ``NAME=PATH``) or ``reference_profile``
    (a file written by ``auditor profile``), exactly one. Records without a score (skipped by the
    reader, or without a word) are copied unchanged and counted as passed through.
    """
    rules = (parse_rules(rules) if isinstance(rules, str) else rules).require_drop("auditor select")
    spec = _one_file(generation)
    if (reference is None) == (reference_profile is None):
        given = "both --reference and --reference-profile" if reference is not None else "no reference"
        raise UsageError(
            Errors.E097.format(detail=f"{given}: give the human reference as --reference REF or --reference-profile P")
        )
    out = Path(out)
    record = Path(selection) if selection is not None else out.parent / SELECTION_FILE
    _check_targets(spec, out, record, [generation, reference, reference_profile])
    settings = (settings or Settings()).replace(reference=None)
    if settings.turns != "joined":
        detail = (
            f"--turns {settings.turns} makes several documents of one record, and select keeps or drops whole "
            "records: use --turns joined"
        )
        raise UsageError(Errors.E097.format(detail=detail))
    rows = scored_rows(
        spec, reference=reference, reference_profile=reference_profile, settings=settings, progress=progress
    )
    decision = decide(rows, rules)
    drop = {rows.columns["source"][i] for i in decision.dropped}
    copied = write_selected(spec.path, out, drop, read_options(settings))
    if copied.dropped != len(drop):
        detail = f"{spec.path} changed while it was read: {len(drop)} documents to drop, {copied.dropped} found"
        raise InputError(Errors.E097.format(detail=detail))
    counts = {
        "read": copied.read,
        "kept": copied.read - copied.dropped,
        "dropped": copied.dropped,
        "dropped_by_rule": decision.by_rule(),
        "marked_by_rule": decision.by_rule(dropped=False),
        "protected": len(decision.protected),
        "scored": len(rows),
        "passed_through": copied.read - len(rows),
        "passed_through_reasons": _unscored(spec, settings, len(rows)),
    }
    result = Selection(
        out,
        record,
        rules,
        counts,
        [describe(rows, i, decision.marked[i]) for i in decision.dropped],
        [describe(rows, i, decision.marked[i], rare=True) for i in sorted(decision.protected)],
        {
            "generation": str(spec.path),
            "reference": None if reference is None else str(parse_corpus_arg(reference).path),
            "reference_profile": None if reference_profile is None else str(reference_profile),
        },
    )
    atomic_write(record, json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    return result


def scored_rows(
    generation: CorpusSpec,
    *,
    reference: Corpus | None = None,
    reference_profile: str | Path | None = None,
    settings: Settings,
    progress: ProgressFactory | None = None,
) -> GenerationRows:
    """The per-document rows of one generation against the reference (no embedding: novelty is
    not a rule). A reference named like the generation is renamed, as names must differ."""
    if reference_profile is not None:
        scores = score_documents(
            [generation], settings=settings, progress=progress, reference_profile=reference_profile, embed=False
        )
    elif reference is not None:
        ref = parse_corpus_arg(reference)
        if ref.name == generation.name:
            ref = CorpusSpec(f"{ref.name} (reference)", ref.path)
        scores = score_documents([ref, generation], settings=settings, progress=progress, embed=False)
    else:
        raise UsageError(Errors.E097.format(detail="no reference: give --reference REF or --reference-profile P"))
    return scores.rows[0]


def _one_file(generation: Corpus) -> CorpusSpec:
    """The generation, refused unless it is one readable file of a format select can write."""
    spec = parse_corpus_arg(generation)
    if spec.path == STDIN:
        detail = "GENERATION is standard input, read twice here (to score, then to copy): save it to a file first"
        raise UsageError(Errors.E097.format(detail=detail))
    st = stat_path(spec.path)
    if st is None:
        raise InputError(Errors.E001.format(path=spec.path))
    if stat.S_ISDIR(st.st_mode):
        raise UsageError(
            Errors.E097.format(
                detail=f"{spec.path} is a folder; select takes one file (run it once per file, a datasets folder's "
                ".arrow files too)"
            )
        )
    fmt, compression = split_suffixes(spec.path)
    if fmt not in FORMATS:
        raise InputError(Errors.E002.format(path=spec.path, suffix=fmt or spec.path.suffix or "(none)"))
    if fmt in COLUMNAR and compression:
        kind = "a Parquet" if fmt == ".parquet" else "an Arrow"
        raise InputError(Errors.E097.format(detail=f"{spec.path}: {kind} file compresses inside; give it unwrapped"))
    return spec


def _check_targets(spec: CorpusSpec, out: Path, record: Path, inputs: list[Any]) -> None:
    """Refuse an output over an input, in another format than the input's, or equal to selection.json."""
    given = [i for i in inputs if i is not None]
    check_output_target(out, given, directory=False)
    check_output_target(record, given, directory=False)
    fmt, _ = split_suffixes(spec.path)
    out_fmt, compression = split_suffixes(out)
    if out_fmt != fmt:
        detail = f"--out {out}: the cleaned copy is written in the input's format, so its name must end {fmt}"
        raise UsageError(Errors.E097.format(detail=detail + " (and optionally .gz, .zst, .bz2 or .xz)"))
    if fmt in COLUMNAR and compression:
        kind = "Parquet" if fmt == ".parquet" else "Arrow"
        detail = f"--out {out}: {kind} compresses inside the file; drop {compression}"
        raise UsageError(Errors.E097.format(detail=detail))
    if out.resolve() == record.resolve():
        raise UsageError(Errors.E097.format(detail=f"--out and --selection are the same file ({out})"))
    st = stat_path(record)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(Errors.E043.format(path=record, kind="folder"))


def _unscored(spec: CorpusSpec, settings: Settings, scored: int) -> dict[str, int]:
    """Why records passed through unscored: the reader's skips by reason, and documents without a word."""
    log = ReadLog()
    documents = sum(1 for _ in read_documents(spec.path, read_options(settings), log))
    reasons = dict(sorted(log.skipped.items()))
    if documents > scored:
        reasons["no_word_tokens"] = documents - scored
    return reasons
