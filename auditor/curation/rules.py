"""The selection rules: which documents of a generation to drop, and which never to.

One :class:`Rules` value serves both spellings: the flags of ``auditor select`` (``--drop-typical
0.2``) and the one string of ``auditor simulate --select`` (``drop-duplicates,drop-typical=0.2,
keep-rare``), parsed by :func:`parse_rules`, so a simulation curates exactly as ``select`` would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from auditor.errors import Errors, UsageError

DROP_DUPLICATES = "drop-duplicates"
DROP_COPIES = "drop-copies"
DROP_TYPICAL = "drop-typical"
KEEP_RARE = "keep-rare"
DROP_RULES = (DROP_DUPLICATES, DROP_COPIES, DROP_TYPICAL)
"""The rules that drop documents, in the order they are reported."""
_WITH_SHARE = (DROP_COPIES, DROP_TYPICAL)


@dataclass(frozen=True)
class Rules:
    """What to drop: near-duplicates (all but the one kept of each group), documents copying at
    least ``drop_copies`` of their 8-grams from the reference, the most typical ``drop_typical``
    share; ``keep_rare`` keeps every document using a rare reference word whatever else says."""

    drop_duplicates: bool = False
    drop_copies: float | None = None
    drop_typical: float | None = None
    keep_rare: bool = False

    def __post_init__(self) -> None:
        for rule, share in ((DROP_COPIES, self.drop_copies), (DROP_TYPICAL, self.drop_typical)):
            if share is not None:
                _check_share(f"--{rule} {share}", share)

    def active(self) -> tuple[str, ...]:
        """The drop rules given, in :data:`DROP_RULES` order (``keep_rare`` alone keeps everything)."""
        given = (self.drop_duplicates, self.drop_copies is not None, self.drop_typical is not None)
        return tuple(rule for rule, on in zip(DROP_RULES, given, strict=True) if on)

    def text(self) -> str:
        """The rules as one ``--select`` string, in a fixed order (what manifests record)."""
        parts = [DROP_DUPLICATES] if self.drop_duplicates else []
        if self.drop_copies is not None:
            parts.append(f"{DROP_COPIES}={self.drop_copies:g}")
        if self.drop_typical is not None:
            parts.append(f"{DROP_TYPICAL}={self.drop_typical:g}")
        if self.keep_rare:
            parts.append(KEEP_RARE)
        return ",".join(parts)

    def to_dict(self) -> dict[str, object]:
        """The rules as JSON values, with their ``--select`` spelling."""
        return {
            "text": self.text(),
            "drop_duplicates": self.drop_duplicates,
            "drop_copies": self.drop_copies,
            "drop_typical": self.drop_typical,
            "keep_rare": self.keep_rare,
        }

    def require_drop(self, given: str) -> Rules:
        """These rules, refused (E096, naming ``given``) unless one of them drops documents."""
        if not self.active():
            raise UsageError(Errors.E096.format(rule=given, detail="no rule that drops documents"))
        return self


def _check_share(given: str, share: object) -> float:
    """A share as a float in [0, 1], else E096 naming ``given``."""
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1 or math.isnan(share):
        raise UsageError(Errors.E096.format(rule=given, detail="SHARE must be a number from 0 to 1"))
    return float(share)


def parse_rules(text: str) -> Rules:
    """``drop-duplicates,drop-copies=0.5,drop-typical=0.2,keep-rare`` (any order, spaces allowed)
    as :class:`Rules`, with at least one drop rule; anything else is E096 naming the part."""
    given: dict[str, float | None] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = (s.strip() for s in part.partition("="))
        if name not in (*DROP_RULES, KEEP_RARE):
            raise UsageError(Errors.E096.format(rule=part, detail="unknown rule"))
        if name in given:
            raise UsageError(Errors.E096.format(rule=part, detail=f"{name} is given twice"))
        if name in _WITH_SHARE:
            if not sep or not value:
                raise UsageError(Errors.E096.format(rule=part, detail=f"write {name}=SHARE"))
            try:
                given[name] = _check_share(part, float(value))
            except ValueError:
                raise UsageError(Errors.E096.format(rule=part, detail="SHARE must be a number from 0 to 1")) from None
        elif sep:
            raise UsageError(Errors.E096.format(rule=part, detail=f"{name} takes no value"))
        else:
            given[name] = None
    rules = Rules(
        drop_duplicates=DROP_DUPLICATES in given,
        drop_copies=given.get(DROP_COPIES),
        drop_typical=given.get(DROP_TYPICAL),
        keep_rare=KEEP_RARE in given,
    )
    return rules.require_drop(f"--select {text!r}")
