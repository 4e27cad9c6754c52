"""Corpus arguments: ``PATH`` or ``NAME=PATH``, in generation order."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from auditor.corpus.readers import STDIN, corpus_stem
from auditor.errors import Errors, UsageError

MAX_NAME_LENGTH = 100
STDIN_ARG = "-"
"""The corpus argument that means standard input (its default name is ``stdin``)."""


@dataclass(frozen=True)
class CorpusSpec:
    """One generation: its display name and where its documents are."""

    name: str
    path: Path


def parse_corpus_arg(arg: str | Path | CorpusSpec) -> CorpusSpec:
    """Parse ``NAME=PATH`` or ``PATH`` (the name is then the file stem).

    An argument that exists as a path is a path even if it contains ``=``. ``-`` (or ``NAME=-``)
    is standard input, named ``stdin`` by default; a file called ``-`` is ``./-``.
    """
    if isinstance(arg, CorpusSpec):
        return CorpusSpec(check_name(arg.name), Path(arg.path))
    text = str(arg)
    if text == STDIN_ARG:
        return CorpusSpec("stdin", STDIN)
    # os.path.exists is False on any OSError: a NAME=PATH too long to stat is still split
    if not isinstance(arg, Path) and "=" in text and not os.path.exists(text):
        name, _, path = text.partition("=")
        if name and path:
            return CorpusSpec(check_name(name), _path(path))
    path = _path(text)
    return CorpusSpec(check_name(corpus_stem(path.resolve()) if text in (".", "..") else corpus_stem(path)), path)


def _path(text: str) -> Path:
    """``-`` is standard input; any other spelling of it (``./-``) is the file of that name."""
    if text == STDIN_ARG:
        return STDIN
    path = Path(text)
    return path.absolute() if path == STDIN else path


def check_name(name: str) -> str:
    """Refuse names that cannot be shown or used as keys safely (empty, control characters, huge)."""
    if not name.strip():
        raise UsageError(Errors.E019.format(name=name, detail="it is empty"))
    if len(name) > MAX_NAME_LENGTH:
        raise UsageError(Errors.E019.format(name=name[:40] + "...", detail=f"longer than {MAX_NAME_LENGTH} characters"))
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise UsageError(
            Errors.E019.format(name=name.encode("unicode_escape").decode(), detail="it has control characters")
        )
    return name


def parse_corpus_args(args: list[str | Path | CorpusSpec]) -> list[CorpusSpec]:
    """Parse every corpus argument and refuse duplicate names."""
    specs = [parse_corpus_arg(a) for a in args]
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise UsageError(Errors.E007.format(name=spec.name))
        seen.add(spec.name)
    stdin = [spec.name for spec in specs if spec.path == STDIN]
    if len(stdin) > 1:
        raise UsageError(Errors.E037.format(first=stdin[0], second=stdin[1]))
    return specs
