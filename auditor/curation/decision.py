"""The decision: from a generation's per-document rows and the rules, which rows are dropped and why.

Each drop rule marks rows on its own (a row may be marked by several); ``keep_rare`` then protects
every marked row that uses a rare reference word. Only the rows' own scores decide, so the same
rows give the same decision: nothing random, ties broken by reading order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from auditor.curation.rules import DROP_COPIES, DROP_DUPLICATES, DROP_RULES, DROP_TYPICAL, Rules
from auditor.documents import GenerationRows

_SHOWN = {
    DROP_DUPLICATES: ("duplicate_group", "duplicate_rank", "duplicate_of_reference"),
    DROP_COPIES: ("copy_rate", "longest_copy"),
    DROP_TYPICAL: ("log_perplexity", "perplexity_percentile"),
}
"""The columns selection.json shows beside a row marked by each rule: why the rule took it."""


@dataclass(frozen=True)
class Decision:
    """Which rows (indices in reading order) the rules mark, and which of them are dropped."""

    active: tuple[str, ...]
    """The drop rules given (in :data:`DROP_RULES` order)."""
    marked: dict[int, tuple[str, ...]]
    """Row -> the drop rules that mark it (in :data:`DROP_RULES` order)."""
    protected: frozenset[int]
    """Marked rows ``keep_rare`` keeps."""

    @property
    def dropped(self) -> list[int]:
        """The rows dropped, in reading order."""
        return sorted(i for i in self.marked if i not in self.protected)

    def by_rule(self, *, dropped: bool = True) -> dict[str, int]:
        """Dropped rows per rule, or (``dropped=False``) rows marked before ``keep_rare`` protects
        any; a row two rules take counts under both."""
        counts = dict.fromkeys(self.active, 0)
        for i in self.dropped if dropped else self.marked:
            for rule in self.marked[i]:
                counts[rule] += 1
        return counts


def decide(rows: GenerationRows, rules: Rules) -> Decision:
    """Mark the rows each drop rule takes and protect those ``keep_rare`` keeps.

    ``drop_typical`` marks the ``round(share * rows)`` rows of lowest log-perplexity (ties: the
    first read first); rows without a log-perplexity (under 5 words) are never among them.
    """
    columns = rows.columns
    n = len(rows)
    marked: dict[int, list[str]] = {}

    def mark(indices: Any, rule: str) -> None:
        for i in sorted(int(i) for i in indices):
            marked.setdefault(i, []).append(rule)

    if rules.drop_duplicates:
        mark((i for i, rank in enumerate(columns["duplicate_rank"]) if rank is not None and rank >= 1), DROP_DUPLICATES)
    if rules.drop_copies is not None:
        copy_rate = np.asarray(columns["copy_rate"], dtype=float)
        with np.errstate(invalid="ignore"):
            mark(np.flatnonzero(copy_rate >= rules.drop_copies), DROP_COPIES)
    if rules.drop_typical is not None:
        log_perplexity = np.asarray(columns["log_perplexity"], dtype=float)
        known = np.flatnonzero(~np.isnan(log_perplexity))
        typical_count = min(int(rules.drop_typical * n + 0.5), len(known))
        order = known[np.argsort(log_perplexity[known], kind="stable")]
        mark(order[:typical_count], DROP_TYPICAL)
    protected: frozenset[int] = frozenset()
    if rules.keep_rare:
        rare = columns["rare_kept"]
        protected = frozenset(i for i in marked if rare[i] > 0)
    ordered = {i: tuple(r for r in DROP_RULES if r in marked[i]) for i in sorted(marked)}
    return Decision(rules.active(), ordered, protected)


def describe(rows: GenerationRows, index: int, rules: tuple[str, ...], *, rare: bool = False) -> dict[str, Any]:
    """One marked row for selection.json: its source, the rules that mark it and the columns behind them."""
    entry: dict[str, Any] = {"source": rows.columns["source"][index], "reasons": list(rules)}
    for rule in rules:
        for name in _SHOWN[rule]:
            entry[name] = _plain(rows.columns[name][index])
    if rare:
        entry["rare_kept"] = _plain(rows.columns["rare_kept"][index])
    return entry


def _plain(value: Any) -> Any:
    """A JSON value: numpy scalars as Python ones, NaN as None, floats to 6 decimals."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    return value
