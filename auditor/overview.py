"""What a notebook shows of an AuditResult (issue 31): an HTML overview, and the long pandas frame.

:meth:`auditor.result.AuditResult._repr_html_` and :meth:`~auditor.result.AuditResult.to_frame`
hand their plain values here. This module sits just below the contract layer (``auditor.result``
imports it, so it imports nothing of the result, nor of the report): it knows statuses, not families
or metrics. The HTML is one self-contained table, inline styles only (a ``<style>`` block would
restyle the whole notebook), and well-formed XML too. Every string from the corpora or the run
(generation and family names, labels, reasons, readings) is escaped with :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from auditor.errors import Errors, MissingExtraError

STATUS_STYLE: dict[str, tuple[str, str]] = {
    "ok": ("#009E73", "\u2713"),  # Okabe-Ito bluish green, check mark
    "watch": ("#E69F00", "!"),  # Okabe-Ito orange
    "degraded": ("#D55E00", "\u2717"),  # Okabe-Ito vermillion, ballot x
    "n/a": ("#BBBBBB", "\u2013"),  # neutral grey, en dash
}
"""Per status: its fill (the Okabe-Ito palette, safe for colour-blind readers) and a glyph, shown with
the status word so that colour is never the only cue. Every fill keeps black text above 4.5:1."""

STATUSES = tuple(STATUS_STYLE)
"""Statuses in the order the legend lists them."""

FRAME_COLUMNS = ("metric", "family", "generation", "value", "low", "high", "status", "aspect")
"""The columns of :meth:`auditor.result.AuditResult.to_frame`, in order."""

_FLOAT_COLUMNS = ("value", "low", "high")
NOTEBOOK_EXTRA = "notebook"
"""The optional dependencies that bring pandas (``pip install 'corpus-auditor[notebook]'``)."""

_TABLE = "border-collapse:collapse;font-family:sans-serif;font-size:13px;color:#000;background:#fff"
_HEAD = "padding:4px 8px;border:1px solid #999;background:#eee;text-align:left"
_CELL = "padding:4px 8px;border:1px solid #999;white-space:nowrap"


@dataclass(frozen=True)
class Cell:
    """One family's verdict for one generation, as the overview shows it."""

    status: str
    aspects: Sequence[str] = ()
    """The aspects the status is about (degraded ones for ``degraded``, watched ones for ``watch``)."""
    reasons: Sequence[str] = field(default_factory=tuple)
    """Why, shown as the cell's tooltip."""


def status_label(status: str) -> str:
    """The glyph and the word: ``✗ degraded``; an unknown status shows as itself."""
    glyph = STATUS_STYLE.get(status, STATUS_STYLE["n/a"])[1]
    return f"{glyph} {status}"


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _cell(family: str, generation: str, cell: Cell) -> str:
    fill = STATUS_STYLE.get(cell.status, STATUS_STYLE["n/a"])[0]
    text = status_label(cell.status) + (f" ({', '.join(cell.aspects)})" if cell.aspects else "")
    tip = f' title="{_attr("; ".join(cell.reasons))}"' if cell.reasons else ""
    return (
        f'<td class="auditor-status" data-family="{_attr(family)}" data-generation="{_attr(generation)}" '
        f'data-status="{_attr(cell.status)}" style="{_CELL};background:{fill}"{tip}>{escape(text)}</td>'
    )


def overview_html(
    *,
    generations: Sequence[str],
    reference: str,
    families: Sequence[tuple[str, str]],
    cells: Mapping[tuple[str, str], Cell],
    readings: Mapping[str, str] | None = None,
    caption: str = "",
) -> str:
    """A table of ``generations`` (rows) by ``families`` (``(name, label)`` columns), each cell coloured
    and labelled by its status, with each generation's reading in a last column when ``readings`` is
    given. ``cells`` is keyed by ``(family, generation)``; a missing cell shows as ``n/a``."""
    head = [f'<th style="{_HEAD}">generation</th>']
    head += [f'<th style="{_HEAD}" data-family="{_attr(name)}">{escape(label)}</th>' for name, label in families]
    if readings is not None:
        head.append(f'<th style="{_HEAD}">reading</th>')
    rows = []
    for gen in generations:
        name = escape(gen) + (" <small>(reference)</small>" if gen == reference else "")
        row = [f'<th scope="row" style="{_HEAD}">{name}</th>']
        row += [_cell(family, gen, cells.get((family, gen), Cell("n/a"))) for family, _ in families]
        if readings is not None:
            row.append(f'<td class="auditor-reading" style="{_CELL}">{escape(readings.get(gen, ""))}</td>')
        rows.append(f'<tr data-generation="{_attr(gen)}">{"".join(row)}</tr>')
    legend = " \u00b7 ".join(
        f'<span style="background:{fill};padding:0 4px">{escape(status_label(status))}</span>'
        for status, (fill, _) in STATUS_STYLE.items()
    )
    title = f'<caption style="text-align:left;padding:4px 0">{escape(caption)}</caption>' if caption else ""
    return (
        '<div class="auditor-overview">'
        f'<table style="{_TABLE}">{title}<thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p style="font-family:sans-serif;font-size:12px;color:#000">{legend}</p>'
        "</div>"
    )


def frame(rows: Sequence[Mapping[str, Any]]) -> Any:
    """A pandas DataFrame of ``rows`` with :data:`FRAME_COLUMNS` (missing values as NaN in the
    number columns); :class:`~auditor.errors.MissingExtraError` naming the extra when pandas is not
    installed."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise MissingExtraError(
            Errors.E101.format(what="AuditResult.to_frame()", package="pandas", extra=NOTEBOOK_EXTRA, detail=exc)
        ) from exc
    out = pd.DataFrame(list(rows), columns=list(FRAME_COLUMNS))
    for column in _FLOAT_COLUMNS:
        out[column] = out[column].astype(float)
    return out
