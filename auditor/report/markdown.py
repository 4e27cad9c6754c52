"""summary.md: the generation x family verdict table and the headline metrics with intervals."""

from __future__ import annotations

import html

from auditor.result import AuditResult, format_number

STATUS_MARK = {"ok": "ok", "watch": "watch", "degraded": "**DEGRADED**", "n/a": "n/a"}


def escape_cell(text: str) -> str:
    """Escape what would break a Markdown table cell (pipes, newlines) or be read as HTML."""
    text = html.escape(text, quote=False)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def format_markdown(result: AuditResult) -> str:
    """The Markdown summary of a run (also fit for a CI job summary)."""
    families = list(dict.fromkeys(v.family for v in result.verdicts))
    names = result.generation_names
    cfg = result.config
    lines = [
        "# auditor summary",
        "",
        f"Reference: `{escape_cell(result.reference)}`; budget {cfg.get('budget')} tokens per draw, "
        f"{cfg.get('draws')} draws, {cfg.get('splits')} null splits, seed {cfg.get('seed')}.",
        "",
        "| generation | " + " | ".join(families) + " |",
        "|---|" + "---|" * len(families),
    ]
    for g in names:
        cells = [STATUS_MARK[result.verdict(f, g).status] for f in families]
        lines.append(f"| {escape_cell(g)} | " + " | ".join(cells) + " |")
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
        lines.append(f"| `{m.id}` | " + " | ".join(cells) + f" | {null} |")
    reasons = [v for v in result.verdicts if v.reasons and v.status in ("watch", "degraded")]
    if reasons:
        lines += ["", "## Why", ""]
        for v in reasons:
            for r in v.reasons:
                lines.append(f"- {escape_cell(v.generation)} / {v.family}: {escape_cell(r)}")
    warnings = [(g.name, w) for g in result.generations for w in g.warnings]
    skipped = [(g.name, k, n) for g in result.generations for k, n in g.skipped.items()]
    if warnings or skipped:
        lines += ["", "## Input notes", ""]
        lines += [f"- {escape_cell(g)}: skipped {n} ({escape_cell(k.replace('_', ' '))})" for g, k, n in skipped]
        lines += [f"- {escape_cell(g)}: {escape_cell(w)}" for g, w in warnings]
    return "\n".join(lines) + "\n"
