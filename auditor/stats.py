"""Random streams, intervals, changes, the verdict rule and :class:`Status` (DESIGN sections 2 and 3).

Every random choice goes through :func:`make_rng`, which derives an independent
``np.random.Generator`` from the run's seed and a purpose label, so adding a generation or a
metric never changes the numbers of another. Draws themselves live in :mod:`auditor.draws`.

The one home of two questions every reader of a metric asks: how much a value changed against a
base (:func:`change`: metrics.json's ``change`` and ``step``, ``auditor diff``, the gate's
``max_relative_drop``), and whether a value is worse than another in the metric's direction
(:func:`is_worse`: the verdict rule and the gate), and how a change reads in words
(:func:`change_words`: percentage points for shares, a ratio from a base near zero, else a
percentage; every output that writes a change writes it with this function).
"""

from __future__ import annotations

import enum
import zlib
from collections.abc import Iterable

import numpy as np

from auditor.result import COMPARISON, Delta, MetricResult, clean_float


class Status(str, enum.Enum):
    """A verdict: of one metric for one generation, or of a family (the worst of its headlines).

    A ``str`` enum: each member equals its plain string (``Status.NA == "n/a"``), prints as it
    (``f"{Status.WATCH}"`` is ``watch``) and is written to metrics.json as it, so files and
    comparisons with strings read from a file are unchanged. The one ordering is :attr:`rank`.
    """

    OK = "ok"
    WATCH = "watch"
    DEGRADED = "degraded"
    NA = "n/a"

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    @property
    def rank(self) -> int:
        """Severity: ``n/a`` (nothing measured) < ``ok`` < ``watch`` < ``degraded``."""
        return _SEVERITY.index(self)


_SEVERITY = (Status.NA, Status.OK, Status.WATCH, Status.DEGRADED)


def stream_label(position: int, is_reference: bool) -> str:
    """The label of a generation's random streams: the reference's role, or a position in the series.

    Never the user's name for it: renaming a generation must not change a number, and the
    reference draws the same whatever else is audited beside it (a calibration of the reference
    alone, or a reference profile, reproduces its values).
    """
    return "reference" if is_reference else f"position-{position}"


def make_rng(seed: int, *labels: str | int) -> np.random.Generator:
    """An independent generator for (seed, labels...), stable across runs and platforms."""
    keys = [seed] + [zlib.crc32(str(label).encode("utf-8")) for label in labels]
    return np.random.default_rng(np.random.SeedSequence(keys))


def percentile_interval(values: np.ndarray) -> tuple[float, float] | None:
    """The 2.5-97.5 percentile range of the finite values, or None if fewer than two."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if len(finite) < 2:
        return None
    lo, hi = np.percentile(finite, [2.5, 97.5])
    return float(lo), float(hi)


def change(value: float | None, base: float | None) -> Delta:
    """The change of ``value`` against ``base``: absolute ``value - base``, relative ``absolute / |base|``.

    Both are None when either value is missing; the relative one is also None when ``base`` is zero
    (``0.0`` or ``-0.0``) or so near zero that the ratio is not a finite float. Dividing by
    ``|base|`` keeps the sign of the absolute change whatever the base's sign. Both are rounded like
    every number of metrics.json (:func:`~auditor.result.clean_float`), the relative one computed
    from the unrounded absolute one.
    """
    if value is None or base is None:
        return Delta(None, None)
    absolute = value - base
    return Delta(clean_float(absolute), clean_float(absolute / abs(base)) if base != 0 else None)


POINT_UNITS = ("share", "relative change", "AUC", "F1", "macro-F1", "area")
"""Units whose values are already fractions: a share in [0, 1], a relative change, or a score on
[0, 1] read as a probability or an accuracy (a classifier's AUC and F1, MAUVE's area). Their changes
are read in percentage points (:func:`change_words`): an AUC from 0.48 (chance) to 1.0 is "+52 pp",
not "+108%", which would read as twice something."""


def near_zero(base: float, null_range: tuple[float, float] | None) -> bool:
    """True when ``base`` is too near zero for a percentage of it to mean anything.

    ``base`` is near zero when it is exactly zero, or when it is no farther from zero than the width
    of the metric's null range (the spread of the metric between two halves of the reference): a
    base that the reference's own noise moves by as much as its size has no stable magnitude to take
    a percentage of. Without a null range (a metric without one, or an older file) only zero is.
    """
    if base == 0:
        return True
    if null_range is None:
        return False
    width = abs(null_range[1] - null_range[0])
    return width > 0 and abs(base) <= width


def change_words(
    value: float | None,
    base: float | None,
    unit: str,
    null_range: tuple[float, float] | None = None,
    *,
    floor: bool = False,
) -> str:
    """The change from ``base`` to ``value`` for people: the one rule every output writes changes with.

    * a share, a relative change or a score on [0, 1] (:data:`POINT_UNITS`): **percentage points**, ``+16 pp``;
    * any other metric whose base is :func:`near_zero`, or is a ``floor`` (the reference's distance
      between its own two halves, for a distance whose ideal is 0: its whole size is noise): a
      **ratio**, ``×9.2``, when both values are non-negative and the base is not 0; else (a signed
      quantity, or a base of exactly 0) the plain **absolute** change on the metric's scale, ``+0.31``;
    * otherwise a **relative** change, ``-39%``.

    Shown words only: metrics.json's ``change.relative`` and the diff's ``relative`` keep the number.
    ``n/a`` when either value is missing.
    """
    if value is None or base is None:
        return "n/a"
    absolute = value - base
    if unit in POINT_UNITS:
        points = 100 * absolute
        return f"{points:+.0f} pp" if abs(points) >= 9.95 else f"{points:+.1f} pp"
    if floor or near_zero(base, null_range):
        if base > 0 and value >= 0:
            return _ratio(value / base)
        return _signed(absolute)
    relative = absolute / abs(base)
    return f"{relative:+.0%}" if abs(relative) >= 0.095 else f"{relative:+.1%}"


def metric_change_words(m: MetricResult, gen: str, reference: str) -> str:
    """:func:`change_words` of metric ``m`` at ``gen`` against the ``reference`` generation, on the
    scale of its null range (``n/a`` when a value is missing).

    A comparison metric (``kind`` ``paired``: each generation against the reference) that is worse
    when higher is a distance from the reference, and the reference's own row is its two halves'
    distance: a floor of noise, so a generation's distance reads as a multiple of it (``×7.1``), not
    as a percentage of noise (``+606%``).
    """
    value, base = m.values.get(gen), m.values.get(reference)
    return change_words(
        None if value is None else value.value,
        None if base is None else base.value,
        m.unit,
        None if m.null is None else m.null.range,
        floor=m.kind == COMPARISON and m.better == "lower",
    )


def _ratio(r: float) -> str:
    """``×9.2``, ``×12``, ``×0.31``."""
    return f"×{r:,.0f}" if r >= 9.95 else f"×{r:.2g}"


def _signed(x: float) -> str:
    """``+0.3125`` -> ``+0.3125``, ``-12,400``: four significant digits, thousands separated."""
    return f"{x:+,.0f}" if abs(x) >= 10_000 else f"{x:+.4g}"


def is_worse(value: float, than: float, better: str, margin: float = 0.0) -> bool:
    """True if ``value`` is worse than ``than`` by more than ``margin``, in the metric's direction.

    ``better`` is ``higher`` (worse = below ``than - margin``), ``lower`` (worse = above
    ``than + margin``) or ``none``: a descriptive metric, never worse.
    """
    if better == "higher":
        return value < than - margin
    if better == "lower":
        return value > than + margin
    return False


def worse_by_tolerance(value: float, reference: float, better: str, tolerance: float, kind: str) -> bool:
    """True if ``value`` is worse than ``reference`` by more than the tolerance.

    ``kind`` is ``relative`` (a share of the reference's magnitude) or ``absolute``.
    """
    margin = tolerance * abs(reference) if kind == "relative" else tolerance
    return is_worse(value, reference, better, margin)


def worse_than_null(value: float, null_values: np.ndarray, better: str) -> bool:
    """True if ``value`` is worse than every value of the null distribution."""
    null_values = np.asarray(null_values, dtype=float)
    null_values = null_values[np.isfinite(null_values)]
    return len(null_values) > 0 and all(is_worse(value, v, better) for v in null_values)


def verdict(
    value: float | None, reference: float | None, null_values: np.ndarray, *, better: str, tolerance: float, kind: str
) -> Status:
    """``degraded`` if worse by the tolerance AND beyond the whole null; ``watch`` if one; else ``ok``.

    Metrics without a direction are descriptive and always ``ok``; undefined values are ``n/a``.
    """
    if value is None or reference is None:
        return Status.NA
    by_tolerance = worse_by_tolerance(value, reference, better, tolerance, kind)
    by_null = worse_than_null(value, null_values, better)
    if by_tolerance and by_null:
        return Status.DEGRADED
    if by_tolerance or by_null:
        return Status.WATCH
    return Status.OK


def worst_status(statuses: Iterable[str]) -> Status:
    """The worst of several statuses (members or their strings); ``n/a`` only when every one is, or none is given."""
    return max((Status(s) for s in statuses), key=lambda s: s.rank, default=Status.NA)
