"""summary.md: the generation x family verdict table (with how each degraded and the overall reading),
each family's verdict over the series, and the headline metrics with intervals.

Every string from the data (generation names, sources, reasons, warnings) goes through
:func:`escape_cell` (running text, table cells, list items) or :func:`code_span` (inline code), so
nothing a corpus is named can become a link, an image, raw HTML, emphasis, a new table cell, a
new line or block, or a terminal escape sequence, in summary.md or in a CI job summary.
"""

from __future__ import annotations

import html
import re

from auditor.families.register_shift import register_sentences
from auditor.report.documents import COPIED, COUNTS, documents_context
from auditor.report.reading import aspect_sentence, reading_line, verdict_cell
from auditor.report.series import forecast_sentence, series_verdicts
from auditor.result import AuditResult, format_number
from auditor.text.terminal import visible_controls
from auditor.upgrade import upgrade

STATUS_MARK = {"ok": "ok", "watch": "watch", "degraded": "**DEGRADED**", "n/a": "n/a"}

# Backslash-escaped (CommonMark 2.4: an escaped ASCII punctuation character is always literal):
#   \\ `          escapes and code spans
#   * _ ~         emphasis, strong, GFM strikethrough (and *** ___ thematic breaks)
#   [ ] !         links, images, reference definitions, footnotes: with every bracket escaped,
#                 ( ) can never form a link destination, so they are left readable
#   |             GFM table cells
#   #             ATX headings
#   $             GitHub's $math$
#   :             GFM extended autolinks (https://..., mailto:) and :emoji: (cmark-gfm starts
#                 them at an unescaped ':'; with "www." below, at a 'w' followed by "www.")
# HTML-escaped as entities (as before): < > &  (raw HTML, autolinks <...>, block quotes, entities).
# At the start of the text only (where it follows "- " in a list item): - + and the . or ) of
# "1." / "1)", which would open a nested list; and the dot of "www." anywhere (GFM autolink).
# Not preventable by escaping: GitHub links a bare e-mail address (user@host.tld) as mailto: after
# joining text nodes, escapes or not. Such a link shows its own target, so it cannot disguise one.
_ESCAPED = re.compile(r"([\\`*_~\[\]!|#$:])")
_LIST_START = re.compile(r"^([-+])|^(\d+)([.)])")
_WWW = re.compile(r"(?i)(www)\.")
_WHITESPACE = re.compile(r"[\t\n\r\f\v]")
_BACKTICKS = re.compile("`+")


def _plain(text: str) -> str:
    """One line: line breaks and tabs to spaces, other control characters to visible escapes."""
    return visible_controls(_WHITESPACE.sub(" ", str(text)))


def escape_cell(text: str) -> str:
    """``text`` as literal Markdown text: fit for a table cell, a list item or running text.

    Newlines and tabs become spaces and other control characters visible escapes (``\\x1b``);
    surrounding whitespace is dropped (it could start an indented code block). Then every
    character with a meaning in CommonMark, GFM or GitHub's renderer is neutralised: see the
    table above ``_ESCAPED``. Nothing in the result can become a link, image, autolink, HTML,
    emphasis, heading, list, code or a new table cell; the rendered text reads as the input.
    """
    text = _ESCAPED.sub(r"\\\1", _plain(text).strip())
    text = _LIST_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", text)
    text = _WWW.sub(r"\1\\.", text)
    return html.escape(text, quote=False)


def code_span(text: str, *, table: bool = False) -> str:
    """``text`` as a CommonMark code span, shown verbatim whatever it holds.

    Backslash escapes do not work inside a code span, so instead the fence is one backtick longer
    than the longest run of backticks in the text, padded with a space (which CommonMark strips)
    when the text starts or ends with a backtick or space. ``table=True`` escapes ``|`` as ``\\|``
    for a GFM table cell (where the pipe would otherwise end the cell, even inside a code span).
    """
    body = _plain(text)
    if table:
        body = body.replace("|", "\\|")
    if not body:
        return "` `"
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(body)), default=0) + 1)
    if body.strip(" ") and (body[0] in "` " or body[-1] in "` "):  # (all spaces: shown as is)
        body = f" {body} "
    return f"{fence}{body}{fence}"


def format_markdown(result: AuditResult) -> str:
    """The Markdown summary of a run (also fit for a CI job summary); an older file's result is upgraded first."""
    result = upgrade(result)
    families = list(dict.fromkeys(v.family for v in result.verdicts))
    names = result.generation_names
    readings = bool(result.readings)
    cfg = result.config
    lines = [
        "# auditor summary",
        "",
        f"Reference: {code_span(result.reference)}; budget {cfg.get('budget')} tokens per draw, "
        f"{cfg.get('draws')} draws, {cfg.get('splits')} null splits, seed {cfg.get('seed')}.",
        "",
        "| generation | " + " | ".join(escape_cell(f) for f in families) + (" | reading |" if readings else " |"),
        "|---|" + "---|" * (len(families) + bool(readings)),
    ]
    for g in names:
        cells = [_verdict_mark(result, f, g) for f in families]
        reading = result.reading(g)
        if readings:
            cells.append(escape_cell(reading.text) if reading is not None else "n/a")
        lines.append(f"| {escape_cell(g)} | " + " | ".join(cells) + " |")
    lines += ["", "Over the series (the worst verdict of the later generations, and since when):", ""]
    lines += [
        f"- {escape_cell(s.family)}: {escape_cell(s.text)}"
        + (f". {escape_cell(ahead)}" if (ahead := forecast_sentence(result, s.family)) else "")
        for s in series_verdicts(result)
    ]
    if readings:
        lines += ["", "## Reading", ""]
        lines.append(
            "How each generation degraded: narrowing (less variety within it), drift (farther from the "
            "reference), loss (the reference's own content gone)."
        )
        lines.append("")
        for g in names:
            if g == result.reference:
                continue
            lines.append(f"- {escape_cell(g)}: {escape_cell(reading_line(result, g))}")
            for f in families:
                sentence = aspect_sentence(result, f, g)
                if sentence:
                    lines.append(f"- {escape_cell(g)} / {escape_cell(f)}: {escape_cell(sentence)}")
    lines += [
        "",
        "## Headline metrics",
        "",
        "Value (2.5-97.5% interval over draws); reference null range in the last column.",
        "",
    ]
    lines.append("| metric | " + " | ".join(escape_cell(g) for g in names) + " | null range |")
    lines.append("|---|" + "---|" * (len(names) + 1))
    for m in result.metrics:
        if not m.headline:
            continue
        cells = []
        for g in names:
            v = m.values[g]
            text = format_number(v.value)
            if v.interval:
                text += f" ({format_number(v.interval[0])} to {format_number(v.interval[1])})"
            if m.status[g] in ("watch", "degraded"):
                text += f" {STATUS_MARK[m.status[g]]}"
            cells.append(text)
        null = f"{format_number(m.null.range[0])} to {format_number(m.null.range[1])}" if m.null else "n/a"
        lines.append(f"| {code_span(m.id, table=True)} | " + " | ".join(cells) + f" | {null} |")
    reasons = [v for v in result.verdicts if v.reasons and v.status in ("watch", "degraded")]
    if reasons:
        lines += ["", "## Why", ""]
        for v in reasons:
            for r in v.reasons:
                lines.append(f"- {escape_cell(v.generation)} / {escape_cell(v.family)}: {escape_cell(r)}")
    register = register_sentences(result)
    if register:
        lines += ["", "## Register", ""]
        lines += [f"- {escape_cell(sentence)}" for sentence in register.values()]
    lines += _documents_lines(result)
    warnings = [(g.name, w) for g in result.generations for w in g.warnings]
    skipped = [(g.name, k, n) for g in result.generations for k, n in g.skipped.items()]
    if warnings or skipped:
        lines += ["", "## Input notes", ""]
        lines += [f"- {escape_cell(g)}: skipped {n} ({escape_cell(k.replace('_', ' '))})" for g, k, n in skipped]
        lines += [f"- {escape_cell(g)}: {escape_cell(w)}" for g, w in warnings]
    return "\n".join(lines) + "\n"


def _verdict_mark(result: AuditResult, family: str, gen: str) -> str:
    """A verdict cell: the status (bold when degraded) and its aspects, e.g. ``**DEGRADED** (loss)``."""
    v = result.verdict(family, gen)
    aspects = verdict_cell(v).removeprefix(str(v.status)).strip()
    return f"{STATUS_MARK[v.status]} {escape_cell(aspects)}" if aspects else STATUS_MARK[v.status]


def _documents_lines(result: AuditResult) -> list[str]:
    """The per-document scores in brief: where the rows are, the thresholds and the counts per generation.

    The top documents stay in report.html: corpus excerpts do not belong in a CI job summary.
    """
    docs = documents_context(result, charts=False)
    if docs is None:
        return []
    where = f"rows in {code_span(docs['file'])}" if docs["file"] else "rows not written to a file"
    reference = "n/a" if docs["reference_documents"] is None else f"{docs['reference_documents']:,}"
    low, high = format_number(docs["typical_below"]), format_number(docs["incoherent_above"])
    lines = [
        "",
        "## Documents",
        "",
        f"Every document of each later generation scored against the reference's sample ({reference} documents); "
        f"{where}. Typical: log-perplexity below {low} nats; incoherent: above {high}; copy: at least "
        f"{COPIED:.0%} of its word 8-grams in the reference sample.",
        "",
        "| generation | " + " | ".join(c.label for c in COUNTS) + " |",
        "|---|" + "---:|" * len(COUNTS),
    ]
    for g in docs["generations"]:
        cells = [f"{c['text']} ({c['share']})" if c["share"] else c["text"] for c in g.counts]
        lines.append(f"| {escape_cell(g.name)} | " + " | ".join(cells) + " |")
    return lines
