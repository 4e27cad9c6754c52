"""Corpus-derived strings stay text: in summary.md, the gate's Markdown, report.html, plots and the terminal.

summary.md and the gate's Markdown are parsed with markdown-it-py (CommonMark plus GFM tables, as
a job summary is rendered): no link, image, autolink, raw HTML, emphasis, heading or extra block
may come from the data, and every hostile string must still be visible in the rendered text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from auditor.gate import CheckResult, GateOutcome
from auditor.gate import format_markdown as gate_markdown
from auditor.report.html import format_html
from auditor.report.markdown import code_span, escape_cell, format_markdown
from auditor.result import AuditResult
from auditor.text.terminal import terminal_safe, terminal_safe_lines, visible_controls
from tests.conftest import write_jsonl

HOSTILE = [
    "[Approved - see details](https://evil.example)",
    "![x](http://e/)",
    "<http://e>",
    "<img src=x onerror=alert(1)>",
    "*emph* _under_ **strong** ~~gone~~",
    "back`tick``s and ```fences",
    "pipe | in a | cell",
    "line\nbreak\r\nand\ttab",
    "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x9b2J",
    "&amp; &lt;b&gt; &#x3C;",
    "# heading",
    "- item",
    "1. one",
    "> quote",
    "$\\foo{$",
    "    indented code",
    "<!-- comment -->",
    "www.evil.example http://bare.example user@evil.example",
    "trailing backslash \\",
]
TEMPLATE_HEADINGS = {
    "auditor summary",
    "Reading",
    "Headline metrics",
    "Why",
    "Register",
    "Documents",
    "Input notes",
    "Failures",
}
FORBIDDEN = {"link_open", "image", "html_inline", "html_block", "em_open", "s_open", "code_block", "fence", "hr"}
FORBIDDEN |= {"blockquote_open", "ordered_list_open"}


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").enable("strikethrough")


def walk(tokens: list[Token]) -> list[Token]:
    out = []
    for t in tokens:
        out.append(t)
        out.extend(walk(t.children or []))
    return out


def shown(text: str) -> str:
    """How a string should read once rendered: one line, control characters as visible escapes."""
    return visible_controls(re.sub(r"[\t\n\r\f\v]", " ", text)).strip()


def rendered_text(tokens: list[Token]) -> str:
    """All visible text of a document (inline runs joined, blocks on their own lines)."""
    lines = []
    for t in tokens:
        if t.type == "inline":
            lines.append("".join(c.content for c in t.children or [] if c.type in ("text", "code_inline")))
    return "\n".join(lines)


def assert_only_template_markup(md: str, *, strong: str) -> list[Token]:
    tokens = parser().parse(md)
    everything = walk(tokens)
    assert not [t.type for t in everything if t.type in FORBIDDEN], md
    assert "<a " not in parser().render(md) and "<img" not in parser().render(md)
    for i, t in enumerate(everything):
        if t.type == "strong_open":  # the template's own **DEGRADED** / **FAIL** marks only
            assert everything[i + 1].content == strong, md
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert all(h in TEMPLATE_HEADINGS or h.startswith("auditor check:") for h in headings), headings
    lists = [t for t in tokens if t.type == "bullet_list_open"]
    assert all(t.level == 0 for t in lists), "a data string opened a nested list"
    widths: list[set[int]] = []
    for t in tokens:  # every row of a table has as many cells as its header: no pipe split a cell
        if t.type == "table_open":
            widths.append(set())
        elif t.type == "tr_open":
            widths[-1].add(0)
            row = 0
        elif t.type in ("th_open", "td_open"):
            row += 1
        elif t.type == "tr_close":
            widths[-1].discard(0)
            widths[-1].add(row)
    assert widths and all(len(w) == 1 for w in widths), widths
    return tokens


def renamed(base: AuditResult, names: list[str]) -> AuditResult:
    """``base`` with its generations renamed to ``names`` and every other data string made hostile."""
    data = json.loads(base.to_json())
    text = json.dumps(data, ensure_ascii=False)
    for g, new in zip(data["generations"], names, strict=True):
        text = text.replace(json.dumps(g["name"]), json.dumps(new))
    data = json.loads(text)
    for i, g in enumerate(data["generations"]):
        g["source"] = HOSTILE[(i + 3) % len(HOSTILE)]
        g["warnings"] = list(HOSTILE)
        g["skipped"] = {HOSTILE[0]: 1, "empty_document": 2}
    for v in data["verdicts"]:
        if v["generation"] != data["reference"]:
            v["status"] = "degraded"
            v["reasons"] = list(HOSTILE)
    return AuditResult.from_dict(data)


MARKDOWN_CHARS = [*"\\`*_~[]()!|#$:@<>&;-+=.0123456789 \n\twW", "www.", "http://", "](", "<a", "&amp;", "\x1b["]
TEXT = st.lists(st.one_of(st.sampled_from(MARKDOWN_CHARS), st.characters()), max_size=40).map("".join)
"""Strings dense in Markdown syntax (plain st.text() rarely writes a "1." or a "](")."""

PAIRS = [(HOSTILE[i], HOSTILE[(i + 1) % len(HOSTILE)]) for i in range(0, len(HOSTILE), 2)]


# ---------------------------------------------------------------------------------------------
# summary.md and the gate's Markdown


@pytest.mark.parametrize("names", PAIRS, ids=[f"pair{i}" for i in range(len(PAIRS))])
def test_summary_md_shows_hostile_strings_as_text_only(small_result: AuditResult, names: tuple[str, str]) -> None:
    result = renamed(small_result, list(names))
    md = format_markdown(result)
    assert "\x1b" not in md and "\r" not in md
    tokens = assert_only_template_markup(md, strong="DEGRADED")
    text = rendered_text(tokens)
    for s in [*names, *HOSTILE]:
        assert shown(s) in text, s
    codes = [c.content for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "code_inline"]
    assert shown(names[0]) in codes, "the reference is shown verbatim in its code span"
    assert {c for c in codes if c != shown(names[0])} <= {m.id for m in result.metrics}


def test_gate_markdown_shows_hostile_strings_as_text_only() -> None:
    checks = [
        CheckResult("vocabulary.mattr", name, "fail", "0.5", ">= 0.6", f"{name} dropped: {HOSTILE[0]}")
        for name in HOSTILE
    ]
    checks.append(CheckResult("verdict.tail", HOSTILE[3], "pass", "ok", "not degraded", HOSTILE[4]))
    md = gate_markdown(GateOutcome(checks))
    assert "\x1b" not in md
    tokens = assert_only_template_markup(md, strong="FAIL")
    text = rendered_text(tokens)
    for s in HOSTILE:
        assert shown(s) in text, s


def test_gate_markdown_shows_check_ids_verbatim() -> None:
    md = gate_markdown(GateOutcome([CheckResult("tail.rare_survival_hapax", "g1", "pass", "1", ">= 0", "ok")]))
    codes = [t.content for t in walk(parser().parse(md)) if t.type == "code_inline"]
    assert codes == ["tail.rare_survival_hapax"]


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_escape_cell_is_always_literal_text(text: str) -> None:
    for md in (f"| a |\n|---|\n| {escape_cell(text)} |\n", f"- {escape_cell(text)}\n", f"x {escape_cell(text)} y\n"):
        tokens = walk(parser().parse(md))
        assert not [t.type for t in tokens if t.type in FORBIDDEN | {"strong_open"}], md
        inline = [t for t in tokens if t.type == "inline"]
        got = "".join(c.content for c in inline[-1].children or [] if c.type == "text") if inline else ""
        assert got.strip() == ("x " + shown(text) + " y" if md.startswith("x") else shown(text)).strip(), md


@settings(max_examples=300, deadline=None)
@given(TEXT.filter(lambda s: s.strip() != ""))
def test_code_span_shows_any_text_verbatim(text: str) -> None:
    for md in (f"see {code_span(text)} here\n", f"| a |\n|---|\n| {code_span(text, table=True)} |\n"):
        tokens = walk(parser().parse(md))
        codes = [t.content for t in tokens if t.type == "code_inline"]
        assert codes == [visible_controls(re.sub(r"[\t\n\r\f\v]", " ", text))], md


def test_code_span_fence_is_longer_than_any_backtick_run() -> None:
    assert code_span("a") == "`a`"
    assert code_span("a`b") == "``a`b``"
    assert code_span("``x```") == "```` ``x``` ````"
    assert code_span("a|b", table=True) == "`a\\|b`"


# ---------------------------------------------------------------------------------------------
# report.html and its plots


def test_html_shows_control_characters_as_visible_escapes_and_math_as_text(small_result: AuditResult) -> None:
    names = ["$\\foo{$", "ctl\x1b[31m\x9b\u202e"]
    result = renamed(small_result, names)
    page = format_html(result)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202e]", page), "a control character reached the page"
    assert "ctl\\x1b[31m\\x9b\\u202e" in page
    assert "\\x1b]0;title\\x07" in page  # the warning with an OSC sequence, shown
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert svgs
    svg_text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", " ".join(svgs)))
    assert "$\\foo{$" in svg_text, "the name is drawn as typed, not as mathtext"
    assert "ctl\\x1b[31m" in svg_text


def test_a_directory_corpus_file_name_with_escape_sequences_is_shown_escaped(
    shuffled: list[dict], tmp_path: Path
) -> None:
    from auditor import audit
    from tests.helpers import LEXICAL

    gen0 = write_jsonl(tmp_path / "gen0.jsonl", shuffled[:300])
    folder = tmp_path / "gen1"
    folder.mkdir()
    for i, row in enumerate(shuffled[300:600]):
        (folder / f"doc{i:03d}.txt").write_text(row["text"], encoding="utf-8")
    evil = "caf\x1b[2J\x1b[31m.txt"
    (folder / evil).write_bytes(b"caf\xe9 au lait and other words " * 5)
    result = audit([gen0, folder], draws=3, splits=3, families=LEXICAL)
    assert any("\x1b[2J" in w for g in result.generations for w in g.warnings), "the reader changed: update test"
    md = format_markdown(result)
    page = format_html(result)
    assert "\x1b" not in md and "\x1b" not in page
    assert "caf\\x1b[2J\\x1b[31m.txt" in rendered_text(parser().parse(md))
    assert "caf\\x1b[2J\\x1b[31m.txt" in page


# ---------------------------------------------------------------------------------------------
# the terminal


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("gen\x1b[2J\x1b[31mred", "gen\\x1b[2J\\x1b[31mred"),
        ("a\rb\nc\td", "a\\rb\\nc\\td"),
        ("csi\x9b31m del\x7f nul\x00", "csi\\x9b31m del\\x7f nul\\x00"),
        ("bidi\u202eevil\u2066", "bidi\\u202eevil\\u2066"),
        ("not utf-8 \udcff", "not utf-8 \\udcff"),
        ("plain é 😀 C:\\path [x](y)", "plain é 😀 C:\\path [x](y)"),
    ],
)
def test_terminal_safe_leaves_nothing_that_moves_the_cursor_or_recolours(raw: str, safe: str) -> None:
    assert terminal_safe(raw) == safe
    assert terminal_safe(Path(raw)) == safe
    safe.encode("utf-8")  # printable on any UTF-8 terminal


def test_terminal_safe_lines_keeps_newlines_only() -> None:
    assert terminal_safe_lines("a\nb\x1b[0m\r") == "a\nb\\x1b[0m\\r"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_terminal_safe_output_has_no_control_characters(text: str) -> None:
    out = terminal_safe(text)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", out)
