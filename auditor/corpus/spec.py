"""Corpus arguments: ``PATH`` or ``NAME=PATH``, in generation order."""

from __future__ import annotations

import itertools
import math
import os
import re
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
    position: float | None = None
    """Where the generation sits in the series when given as ``NAME@X=PATH``."""


def parse_corpus_arg(arg: str | Path | CorpusSpec) -> CorpusSpec:
    """Parse ``NAME=PATH`` or ``PATH`` (the name is then the file stem).

    An argument that exists as a path is a path even if it contains ``=``. ``-`` (or ``NAME=-``)
    is standard input, named ``stdin`` by default; a file called ``-`` is ``./-``.
    """
    if isinstance(arg, CorpusSpec):
        return CorpusSpec(check_name(arg.name), Path(arg.path), arg.position)
    text = str(arg)
    if text == STDIN_ARG:
        return CorpusSpec("stdin", STDIN)
    # os.path.exists is False on any OSError: a NAME=PATH too long to stat is still split
    if not isinstance(arg, Path) and "=" in text and not os.path.exists(text):
        name, _, path = text.partition("=")
        if name and path:
            position = None
            if "@" in name:
                name, _, where = name.rpartition("@")
                position = _number(where, f"{text}: the position after '@'")
            return CorpusSpec(check_name(name), _path(path), position)
    path = _path(text)
    return CorpusSpec(check_name(corpus_stem(path.resolve()) if text in (".", "..") else corpus_stem(path)), path)


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(Errors.E100.format(where=where, detail=f"'{text}' is not a number")) from None
    if not math.isfinite(value):
        raise UsageError(Errors.E100.format(where=where, detail=f"'{text}' is not a finite number"))
    return value


_TRAILING_NUMBER = re.compile(r"(\d+(?:\.\d+)?)$")


def series_positions(
    names: list[str], specs: list[CorpusSpec], given: str | None = None
) -> tuple[dict[str, float], str]:
    """Each generation's position in the series and where the positions come from.

    ``given`` (``--positions 0,1,5,20``: one number per generation, in order) or ``NAME@X=PATH`` on
    every corpus argument are the user's, and must strictly increase; otherwise names ending in a
    number (``gen3``) give them when those increase; otherwise the generations' order (0, 1, 2...).
    ``names`` are every generation's, a reference profile's first; ``specs`` the corpus arguments.
    """
    if given is not None:
        values = [_number(v.strip(), f"--positions {given}") for v in given.split(",")]
        if len(values) != len(names):
            detail = f"{len(values)} positions for {len(names)} generations ({', '.join(names)})"
            raise UsageError(Errors.E100.format(where=f"--positions {given}", detail=detail))
        return _increasing(dict(zip(names, values, strict=True)), f"--positions {given}"), "given"
    stated = [s for s in specs if s.position is not None]
    if stated:
        if len(stated) != len(specs):
            missing = ", ".join(s.name for s in specs if s.position is None)
            detail = f"give NAME@X=PATH to every corpus or to none ({missing} has no position)"
            raise UsageError(Errors.E100.format(where="NAME@X=PATH", detail=detail))
        positions = {s.name: float(s.position) for s in specs if s.position is not None}
        first = [n for n in names if n not in positions]
        for n in first:  # a reference profile's generation: its name's number, else one step before
            found = _TRAILING_NUMBER.search(n)
            positions[n] = float(found.group(1)) if found else min(positions.values()) - 1
        return _increasing({n: positions[n] for n in names}, "NAME@X=PATH"), "given"
    found = [_TRAILING_NUMBER.search(n) for n in names]
    if all(found):
        values = [float(f.group(1)) for f in found if f]
        if all(b > a for a, b in itertools.pairwise(values)):
            return dict(zip(names, values, strict=True)), "names"
    return {n: float(i) for i, n in enumerate(names)}, "order"


def _increasing(positions: dict[str, float], where: str) -> dict[str, float]:
    items = list(positions.items())
    for (a, x), (b, y) in itertools.pairwise(items):
        if y == x:
            raise UsageError(Errors.E100.format(where=where, detail=f"{a} and {b} share the position {x:g}"))
        if y < x:
            detail = f"positions must increase along the series, but {b} ({y:g}) comes after {a} ({x:g})"
            raise UsageError(Errors.E100.format(where=where, detail=detail))
    return positions


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
