"""``auditor diff``: what changed between two audits (last week's data vs this week's, main vs a PR).

:func:`diff_results` is pure: two :class:`~auditor.result.AuditResult` objects in, one frozen
:class:`Diff` out, nothing recomputed (the outputs of an audit are its metrics.json, so any two
past runs compare, whatever auditor version wrote them: schema 1, "1.0" and "1.1" all load).
The renderers (:func:`format_table`, :func:`format_markdown`, :meth:`Diff.to_dict`) only read
the Diff.

Generations are matched in three steps: the pairs the user names (``--match a=b``), then the
generations both runs name alike, then the rest in series order (the i-th unmatched generation of
A with the i-th of B), so a run whose generations were renamed still compares. What cannot be
matched, and metrics or families present in one file only, are listed, never an error.

A verdict is *worse* when its severity rose (``ok`` < ``watch`` < ``degraded``, the ordering of
:class:`~auditor.stats.Status`), or when a measured verdict became ``n/a``: like the gate, a diff
fails closed, since a family that stopped measuring is no evidence that it is fine. For the same
reason a family, or a headline metric, that A measured (a verdict or status other than ``n/a`` in
a matched generation) and B lacks altogether is *dropped*, and counts as worse. A verdict that
was ``n/a`` and is now measured is *measured*, neither better nor worse.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.config import LATER_SETTINGS, RESULT_SETTINGS
from auditor.errors import Errors, InputError, UsageError, stat_path
from auditor.result import AuditResult, format_number
from auditor.stats import Status, change, change_words
from auditor.upgrade import load_result

DIFF_VERSION = "1"
"""The version of ``auditor diff --json``'s document."""

WORSE, BETTER, SAME, MEASURED = "worse", "better", "same", "measured"
"""How a verdict moved from A to B (:func:`verdict_change`)."""


@dataclass(frozen=True)
class GenerationPair:
    """One generation of run A matched with one of run B."""

    a: str
    b: str
    how: str
    """``match`` (``--match``), ``name`` (the same name) or ``position`` (series order)."""

    @property
    def label(self) -> str:
        """``gen1``, or ``gen1 -> batch-7`` when the names differ."""
        return self.a if self.a == self.b else f"{self.a} -> {self.b}"


@dataclass(frozen=True)
class MetricChange:
    """One metric for one matched generation: both values, the change and both verdicts."""

    metric: str
    family: str
    title: str
    better: str
    """``higher``, ``lower`` or ``none`` (from B's file, else A's)."""
    headline: bool
    pair: GenerationPair
    before: float | None
    after: float | None
    absolute: float | None
    """``after - before``; None when either value is missing."""
    relative: float | None
    """``absolute / |before|``; None when undefined (a missing value, or ``before`` is 0): both from
    :func:`auditor.stats.change`, as metrics.json's ``change``."""
    status_before: str
    status_after: str
    verdict: str
    """:data:`WORSE`, :data:`BETTER`, :data:`SAME` or :data:`MEASURED`."""
    unit: str = ""
    """The metric's unit (from B's file, else A's): a share's change reads in percentage points."""
    null_range: tuple[float, float] | None = None
    """A's null range for the metric: the scale on which A's value is near zero (:func:`auditor.stats.near_zero`)."""

    @property
    def words(self) -> str:
        """The change for people, by the one rule of :func:`auditor.stats.change_words` (``+16 pp``,
        ``×9.2``, ``-12%``); ``n/a`` when a value is missing."""
        return change_words(self.after, self.before, self.unit, self.null_range)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form of this row."""
        return {
            "metric": self.metric,
            "family": self.family,
            "headline": self.headline,
            "better": self.better,
            "generation_a": self.pair.a,
            "generation_b": self.pair.b,
            "before": self.before,
            "after": self.after,
            "absolute": self.absolute,
            "relative": self.relative,
            "status_before": self.status_before,
            "status_after": self.status_after,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class FamilyChange:
    """A family's verdict for one matched generation, in both runs."""

    family: str
    pair: GenerationPair
    status_before: str
    status_after: str
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form of this row."""
        return {
            "family": self.family,
            "generation_a": self.pair.a,
            "generation_b": self.pair.b,
            "status_before": self.status_before,
            "status_after": self.status_after,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class Diff:
    """Everything that changed from run A to run B; families whose verdict got worse come first."""

    source_a: str
    source_b: str
    pairs: list[GenerationPair]
    families: list[FamilyChange]
    """Worse families first (each family's rows together), then the others in A's order."""
    metrics: list[MetricChange]
    """In the order of :attr:`families`, then each run's metric order."""
    unmatched_a: list[str] = field(default_factory=list)
    unmatched_b: list[str] = field(default_factory=list)
    metrics_only_a: list[str] = field(default_factory=list)
    metrics_only_b: list[str] = field(default_factory=list)
    families_only_a: list[str] = field(default_factory=list)
    families_only_b: list[str] = field(default_factory=list)
    settings_changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    """Settings that differ between the runs (values at another budget are not comparable)."""
    dropped_families: list[str] = field(default_factory=list)
    """Families A measured in a matched generation that B does not have at all: worse."""
    dropped_metrics: list[str] = field(default_factory=list)
    """Headline metrics A measured in a matched generation that B lacks although it ran their
    family: worse (those of a dropped family count with the family)."""

    @property
    def worse(self) -> list[FamilyChange]:
        """Family verdicts that got worse."""
        return [f for f in self.families if f.verdict == WORSE]

    @property
    def worse_metrics(self) -> list[MetricChange]:
        """Metric verdicts that got worse."""
        return [m for m in self.metrics if m.verdict == WORSE]

    @property
    def any_worse(self) -> bool:
        """True when any family's or metric's verdict got worse, or B dropped a family or headline
        metric that A measured (``--fail-on-worse`` exits 1)."""
        return bool(self.worse or self.worse_metrics or self.dropped_families or self.dropped_metrics)

    def summary(self) -> str:
        """One line: how many verdicts got worse or better, what B dropped, over how many matched generations."""
        fam = {k: sum(f.verdict == k for f in self.families) for k in (WORSE, BETTER)}
        met = {k: sum(m.verdict == k for m in self.metrics) for k in (WORSE, BETTER)}
        if self.worse or self.worse_metrics:
            head = "verdicts got worse"
        else:
            head = "B dropped what A measured" if self.any_worse else "no verdict got worse"
        parts = [f"{head}: {fam[WORSE]} family and {met[WORSE]} metric verdict{'s' if met[WORSE] != 1 else ''} worse"]
        if self.dropped_families or self.dropped_metrics:
            n, m = len(self.dropped_families), len(self.dropped_metrics)
            parts.append(
                f"{n} famil{'y' if n == 1 else 'ies'} and {m} headline metric{'' if m == 1 else 's'} measured in A "
                "missing in B (worse)"
            )
        parts += [
            f"{fam[BETTER]} family and {met[BETTER]} metric better",
            f"{len(self.pairs)} generation{'s' if len(self.pairs) != 1 else ''} matched",
        ]
        unmatched = len(self.unmatched_a) + len(self.unmatched_b)
        if unmatched:
            parts.append(f"{unmatched} unmatched")
        if self.settings_changed:
            parts.append("settings differ: " + ", ".join(self.settings_changed))
        return "; ".join(parts) + "."

    def to_dict(self) -> dict[str, Any]:
        """The ``auditor diff --json`` document."""
        return {
            "diff_version": DIFF_VERSION,
            "a": self.source_a,
            "b": self.source_b,
            "any_worse": self.any_worse,
            "summary": self.summary(),
            "pairs": [{"a": p.a, "b": p.b, "how": p.how} for p in self.pairs],
            "families": [f.to_dict() for f in self.families],
            "metrics": [m.to_dict() for m in self.metrics],
            "unmatched": {"a": self.unmatched_a, "b": self.unmatched_b},
            "only_in": {
                "a": {"metrics": self.metrics_only_a, "families": self.families_only_a},
                "b": {"metrics": self.metrics_only_b, "families": self.families_only_b},
            },
            "dropped": {"families": self.dropped_families, "metrics": self.dropped_metrics},
            "settings_changed": {k: {"a": a, "b": b} for k, (a, b) in self.settings_changed.items()},
        }

    def to_json(self, *, ascii_only: bool = False) -> str:
        """The ``--json`` text (stable key order, no NaN).

        ``ascii_only`` escapes every non-ASCII character (``\\u009b``): for a terminal, where a raw
        C1 control or bidi override from a name would act; the JSON reads back the same.
        """
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=ascii_only, allow_nan=False) + "\n"


# ---------------------------------------------------------------------------------------------
# Computing a diff
# ---------------------------------------------------------------------------------------------


def run_file(path: Path) -> Path:
    """The metrics.json a diff argument names: the file itself, or the one in an output folder."""
    path = Path(path)
    st = stat_path(path)
    if st is None or not stat.S_ISDIR(st.st_mode):
        return path
    inner = path / "metrics.json"
    st = stat_path(inner)
    if st is None or not stat.S_ISREG(st.st_mode):
        raise InputError(Errors.E080.format(path=path))
    return inner


def load_run(path: Path) -> AuditResult:
    """Read a metrics.json, or the metrics.json in an output folder (``auditor diff old/ new/``), upgraded."""
    return load_result(run_file(path))


def parse_matches(
    values: list[str], a: AuditResult, b: AuditResult, *, path_a: str, path_b: str
) -> list[tuple[str, str]]:
    """``--match A_NAME=B_NAME`` values as pairs, each name checked against its run.

    A name holding ``=`` is found by trying every split; an unknown name or one matched twice is a
    :class:`~auditor.errors.UsageError` naming the file it was looked up in.
    """
    names_a, names_b = a.generation_names, b.generation_names
    pairs: list[tuple[str, str]] = []
    for value in values:
        splits = [(value[:i], value[i + 1 :]) for i, ch in enumerate(value) if ch == "="]
        if not splits:
            raise UsageError(Errors.E081.format(value=value))
        found = [(x, y) for x, y in splits if x in names_a and y in names_b]
        if not found:
            x, y = splits[0]
            if x not in names_a:
                raise UsageError(Errors.E082.format(path=path_a, name=x, names=", ".join(names_a)))
            raise UsageError(Errors.E082.format(path=path_b, name=y, names=", ".join(names_b)))
        pairs.append(found[0])
    for side, path in ((0, path_a), (1, path_b)):
        seen: set[str] = set()
        for pair in pairs:
            if pair[side] in seen:
                raise UsageError(Errors.E083.format(path=path, name=pair[side]))
            seen.add(pair[side])
    return pairs


def match_generations(
    names_a: list[str],
    names_b: list[str],
    matches: Sequence[tuple[str, str]] = (),
) -> tuple[list[GenerationPair], list[str], list[str]]:
    """Pair generations: the ``matches`` given, then by equal name, then the rest by series order.

    Returns the pairs (in A's series order) and the generations of A and of B left unmatched.
    """
    pairs = {a: GenerationPair(a, b, "match") for a, b in matches}
    taken_b = {b for _, b in matches}
    for name in names_a:
        if name not in pairs and name in names_b and name not in taken_b:
            pairs[name] = GenerationPair(name, name, "name")
            taken_b.add(name)
    rest_a = [n for n in names_a if n not in pairs]
    rest_b = [n for n in names_b if n not in taken_b]
    for a, b in zip(rest_a, rest_b, strict=False):  # the longer side's tail stays unmatched
        pairs[a] = GenerationPair(a, b, "position")
    n = min(len(rest_a), len(rest_b))
    return [pairs[a] for a in names_a if a in pairs], rest_a[n:], rest_b[n:]


def verdict_change(before: str, after: str) -> str:
    """How a verdict moved: worse, better, same, or measured (was ``n/a``, now measured).

    Measured verdicts follow :attr:`auditor.stats.Status.rank`; a measured verdict that became
    ``n/a`` is worse (a diff fails closed, like the gate).
    """
    if before == after:
        return SAME
    if after == Status.NA:
        return WORSE
    if before == Status.NA:
        return MEASURED
    return WORSE if Status(after).rank > Status(before).rank else BETTER


def diff_results(
    a: AuditResult,
    b: AuditResult,
    *,
    matches: Sequence[tuple[str, str]] = (),
    source_a: str = "A",
    source_b: str = "B",
) -> Diff:
    """Compare run ``b`` with run ``a`` (the earlier or baseline run): a pure function of the two."""
    pairs, unmatched_a, unmatched_b = match_generations(a.generation_names, b.generation_names, matches)
    fam_a = list(dict.fromkeys(v.family for v in a.verdicts))
    fam_b = list(dict.fromkeys(v.family for v in b.verdicts))
    verdicts_a = {(v.family, v.generation): str(v.status) for v in a.verdicts}
    verdicts_b = {(v.family, v.generation): str(v.status) for v in b.verdicts}
    families: list[FamilyChange] = []
    for fam in (f for f in fam_a if f in fam_b):
        for p in pairs:
            was = verdicts_a.get((fam, p.a), str(Status.NA))
            now = verdicts_b.get((fam, p.b), str(Status.NA))
            families.append(FamilyChange(fam, p, was, now, verdict_change(was, now)))
    order = _family_order(families, [f for f in fam_a if f in fam_b])
    families.sort(key=lambda f: order[f.family])

    ids_b = {m.id: m for m in b.metrics}
    ids_a = {m.id for m in a.metrics}
    rows: list[MetricChange] = []
    for ma in a.metrics:
        mb = ids_b.get(ma.id)
        if mb is None:
            continue
        for p in pairs:
            va, vb = ma.values.get(p.a), mb.values.get(p.b)
            before = None if va is None else va.value
            after = None if vb is None else vb.value
            sa, sb = ma.status.get(p.a, str(Status.NA)), mb.status.get(p.b, str(Status.NA))
            moved = change(after, before)  # metrics.json's convention, rounded like it: reruns print alike
            rows.append(
                MetricChange(
                    ma.id, mb.family, mb.title, mb.better, mb.headline, p, before, after,
                    moved.absolute, moved.relative, str(sa), str(sb), verdict_change(str(sa), str(sb)),
                    mb.unit or ma.unit, None if ma.null is None else ma.null.range,
                )
            )  # fmt: skip
    rows.sort(key=lambda r: order.get(r.family, len(order)))
    matched_a = [p.a for p in pairs]
    na = str(Status.NA)
    dropped_families = [f for f in fam_a if f not in fam_b and any(verdicts_a.get((f, g), na) != na for g in matched_a)]
    dropped_metrics = [
        m.id
        for m in a.metrics
        if m.headline
        and m.id not in ids_b
        and m.family in fam_b
        and any(str(m.status.get(g, na)) != na for g in matched_a)
    ]
    return Diff(
        source_a=source_a,
        source_b=source_b,
        pairs=pairs,
        families=families,
        metrics=rows,
        unmatched_a=unmatched_a,
        unmatched_b=unmatched_b,
        metrics_only_a=[m.id for m in a.metrics if m.id not in ids_b],
        metrics_only_b=[m.id for m in b.metrics if m.id not in ids_a],
        families_only_a=[f for f in fam_a if f not in fam_b],
        families_only_b=[f for f in fam_b if f not in fam_a],
        settings_changed=_settings_changed(a.config, b.config),
        dropped_families=dropped_families,
        dropped_metrics=dropped_metrics,
    )


def _settings_changed(a: dict[str, Any], b: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The result settings whose values differ, as (A's, B's); a setting a file does not record
    because it came later is read as the value runs had before it (:data:`LATER_SETTINGS`)."""
    values = [(k, a.get(k, LATER_SETTINGS.get(k)), b.get(k, LATER_SETTINGS.get(k))) for k in RESULT_SETTINGS]
    return {k: (x, y) for k, x, y in values if x != y}


def _family_order(changes: list[FamilyChange], families: list[str]) -> dict[str, int]:
    """Families with a worse verdict first (most worse rows first), then the others as A lists them."""
    worse = {f: sum(c.verdict == WORSE for c in changes if c.family == f) for f in families}
    ordered = sorted((f for f in families if worse[f]), key=lambda f: (-worse[f], families.index(f)))
    ordered += [f for f in families if not worse[f]]
    return {f: i for i, f in enumerate(ordered)}


def diff_files(
    path_a: Path,
    path_b: Path,
    *,
    matches: Sequence[str] = (),
) -> Diff:
    """Load two metrics.json files (or output folders) and diff them; bad input raises AuditorError."""
    a, b = load_run(path_a), load_run(path_b)
    pairs = parse_matches(list(matches), a, b, path_a=str(path_a), path_b=str(path_b))
    return diff_results(a, b, matches=pairs, source_a=os.fspath(path_a), source_b=os.fspath(path_b))


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

_VERDICT_MARK = {WORSE: "WORSE", BETTER: "better", SAME: "", MEASURED: "measured"}


def format_change(absolute: float | None) -> str:
    """A signed change for people (``+0.0123``), ``n/a`` when a value is missing."""
    if absolute is None:
        return "n/a"
    if absolute == 0:
        return "0"
    return f"{absolute:+,.0f}" if abs(absolute) >= 10_000 else f"{absolute:+.4g}"


def format_words(m: MetricChange) -> str:
    """The change in words (:attr:`MetricChange.words`), empty when a value is missing."""
    return "" if m.absolute is None else m.words


def format_status(before: str, after: str) -> str:
    """``ok`` when unchanged, ``ok -> watch`` when changed."""
    return before if before == after else f"{before} -> {after}"


def format_table(diff: Diff) -> str:
    """The terminal form: the family verdicts, then every metric row, then what was not compared.

    Every name from the files goes through :func:`auditor.text.terminal.terminal_safe`.
    """
    from auditor.text.terminal import terminal_safe as safe

    lines = [f"auditor diff: A = {safe(diff.source_a)}, B = {safe(diff.source_b)}"]
    lines += [safe(f"note: setting '{k}' differs: A {a!r}, B {b!r}") for k, (a, b) in diff.settings_changed.items()]
    head = ("family", "generation", "verdict A -> B", "")
    fam_rows = [(safe(f.family), safe(f.pair.label), format_status(f.status_before, f.status_after),
                 _VERDICT_MARK[f.verdict]) for f in diff.families]  # fmt: skip
    lines += ["", *_columns([head, *fam_rows])]
    head2 = ("metric", "generation", "A", "B", "change", "reads as", "verdict A -> B", "")
    met_rows = [
        (safe(m.metric) + (" *" if m.headline else ""), safe(m.pair.label), format_number(m.before),
         format_number(m.after), format_change(m.absolute), format_words(m),
         format_status(m.status_before, m.status_after), _VERDICT_MARK[m.verdict])
        for m in diff.metrics
    ]  # fmt: skip
    lines += ["", *_columns([head2, *met_rows]), "(* headline metric)"]
    dropped = _dropped(diff, safe)
    if dropped:
        lines += ["", "Measured in A, missing in B (worse):", *[f"- {line}" for line in dropped]]
    left_out = _left_out(diff, safe)
    if left_out:
        lines += ["", "Not compared:", *[f"- {line}" for line in left_out]]
    lines += ["", diff.summary()]
    return "\n".join(lines) + "\n"


def _columns(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _dropped(diff: Diff, show: Any) -> list[str]:
    """What A measured and B lacks (worse), one line each (names made safe by ``show``)."""
    out = []
    if diff.dropped_families:
        out.append("families: " + ", ".join(show(n) for n in diff.dropped_families))
    if diff.dropped_metrics:
        out.append("headline metrics: " + ", ".join(show(n) for n in diff.dropped_metrics))
    return out


def _left_out(diff: Diff, show: Any) -> list[str]:
    """What could not be compared, one line each (names already made safe by ``show``); what B
    dropped is listed by :func:`_dropped` instead."""
    out = []
    families_only_a = [f for f in diff.families_only_a if f not in diff.dropped_families]
    metrics_only_a = [m for m in diff.metrics_only_a if m not in diff.dropped_metrics]
    if diff.unmatched_a:
        out.append("generations only in A: " + ", ".join(show(n) for n in diff.unmatched_a))
    if diff.unmatched_b:
        out.append("generations only in B: " + ", ".join(show(n) for n in diff.unmatched_b))
    if families_only_a:
        out.append("families only in A: " + ", ".join(show(n) for n in families_only_a))
    if diff.families_only_b:
        out.append("families only in B: " + ", ".join(show(n) for n in diff.families_only_b))
    if metrics_only_a:
        out.append("metrics only in A: " + ", ".join(show(n) for n in metrics_only_a))
    if diff.metrics_only_b:
        out.append("metrics only in B: " + ", ".join(show(n) for n in diff.metrics_only_b))
    return out


COMMENT_LIMIT = 60_000
"""Characters a diff comment may take: GitHub refuses a comment over 65,536."""


def format_markdown(diff: Diff, *, limit: int = COMMENT_LIMIT) -> str:
    """A pull-request comment: summary, family verdicts, headline and changed metrics, the rest folded.

    When the folded table of the other metrics would take the comment over ``limit`` characters
    (many families and generations), it is left out with a line saying so; ``--json`` has every row.

    Every string from the files goes through :func:`auditor.report.markdown.escape_cell` or
    :func:`~auditor.report.markdown.code_span`, so a generation named like a link stays text.
    """
    from auditor.report.markdown import STATUS_MARK, code_span, escape_cell

    def status(before: str, after: str) -> str:
        return STATUS_MARK[before] if before == after else f"{STATUS_MARK[before]} → {STATUS_MARK[after]}"

    def mark(verdict: str) -> str:
        return "**worse**" if verdict == WORSE else _VERDICT_MARK[verdict]

    lines = [
        "## auditor diff",
        "",
        f"A: {code_span(diff.source_a)}, B: {code_span(diff.source_b)}",
        "",
        f"**{escape_cell(diff.summary())}**",
        "",
    ]
    for k, (a, b) in diff.settings_changed.items():
        lines.append(f"- Setting {code_span(k)} differs: A {code_span(repr(a))}, B {code_span(repr(b))}")
    if diff.settings_changed:
        lines.append("")
    lines += ["### Family verdicts (worse first)", "", "| family | generation | verdict A → B | |", "|---|---|---|---|"]
    lines += [
        f"| {escape_cell(f.family)} | {escape_cell(f.pair.label)} | {status(f.status_before, f.status_after)} "
        f"| {mark(f.verdict)} |"
        for f in diff.families
    ]

    def table(rows: list[MetricChange]) -> list[str]:
        out = ["| metric | generation | A | B | change | verdict A → B | |", "|---|---|---|---|---|---|---|"]
        for m in rows:
            change = format_change(m.absolute) + (f" ({format_words(m)})" if m.absolute is not None else "")
            cells = [code_span(m.metric, table=True), escape_cell(m.pair.label), format_number(m.before)]
            cells += [format_number(m.after), change, status(m.status_before, m.status_after), mark(m.verdict)]
            out.append("| " + " | ".join(cells) + " |")
        return out

    shown = [m for m in diff.metrics if m.headline or m.verdict != SAME]
    rest = [m for m in diff.metrics if not (m.headline or m.verdict != SAME)]
    lines += ["", "### Headline metrics and changed verdicts", "", *table(shown)]
    dropped = _dropped(diff, escape_cell)
    if dropped:
        lines += ["", "### Measured in A, missing in B (**worse**)", "", *[f"- {line}" for line in dropped]]
    closing: list[str] = []
    left_out = _left_out(diff, escape_cell)
    if left_out:
        closing += ["", "### Not compared", "", *[f"- {line}" for line in left_out]]
    if rest:
        folded = ["", "<details><summary>Other metrics</summary>", "", *table(rest), "", "</details>"]
        if sum(len(line) + 1 for line in [*lines, *folded, *closing]) > limit:
            note = f"{len(rest)} other metric rows (no verdict changed) are left out: `auditor diff --json` has them."
            folded = ["", note]
        lines += folded
    return "\n".join([*lines, *closing]) + "\n"
