"""The documents section (issue 29): report.html and summary.md from ``artifacts.documents``, its schema,
round trip, hostile excerpts, and the page without it."""

from __future__ import annotations

import copy
import functools
import json
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest

from auditor.report import plots
from auditor.report.documents import COPIED, COUNTS
from auditor.report.html import format_html
from auditor.report.markdown import format_markdown
from auditor.result import AuditResult, validate
from auditor.upgrade import load_result
from tests.conftest import ROOT
from tests.helpers import LEXICAL
from tests.test_markdown_safety import assert_only_template_markup, renamed, rendered_text, shown

DEMO = ROOT / "corpora" / "demo"
LINES = 300
"""Documents per generation: enough for every score, small enough for a 3-second audit."""
HOSTILE = [
    "</details><script>window.__xss=1</script>",
    "[Approved - see details](https://evil.example) ![x](http://e/)",
    '<img src=x onerror="window.__xss=1"></td></tr></table>',
    "\x1b[31mred\x1b[0m </svg> *emph* | pipe",
]


@functools.lru_cache(maxsize=1)
def documents_result() -> AuditResult:
    """Three small demo generations audited with --documents (lexical families only; shared with the browser test)."""
    from auditor import audit

    with tempfile.TemporaryDirectory(prefix="auditor-documents-") as folder:
        paths = []
        for i in (0, 3, 5):
            lines = (DEMO / f"gen{i}.jsonl").read_text(encoding="utf-8").splitlines()[:LINES]
            path = Path(folder) / f"gen{i}.jsonl"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            paths.append(str(path))
        return audit(paths, draws=4, splits=4, families=LEXICAL, documents=str(Path(folder) / "rows.jsonl"))


@functools.lru_cache(maxsize=1)
def documents_page() -> str:
    return format_html(documents_result())


@pytest.fixture(scope="module")
def result() -> AuditResult:
    return documents_result()


@pytest.fixture(scope="module")
def page() -> str:
    return documents_page()


def hostile(base: AuditResult) -> AuditResult:
    """``base`` with markup in every corpus string of the documents artifact: excerpts, sources, the file."""
    data = json.loads(base.to_json())
    docs = data["artifacts"]["documents"]
    docs["file"] = HOSTILE[2] + ".jsonl"
    docs["columns"] = [*docs["columns"], HOSTILE[0]]
    for g in docs["generations"].values():
        for listed in g["top"].values():
            for i, d in enumerate(listed):
                d["text"] = f"{HOSTILE[i % len(HOSTILE)]} {d['text']}"
                d["source"] = HOSTILE[(i + 1) % len(HOSTILE)] + ":1"
    return AuditResult.from_dict(data)


class Tags(HTMLParser):
    """Open elements left open or closed out of order (the page must nest whatever the data holds)."""

    VOID: ClassVar[set[str]] = {"meta", "br", "img", "input", "link", "hr", "path", "use", "rect", "circle", "ellipse"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()


def nesting_errors(html: str) -> list[str]:
    """Elements closed out of order or left open (``<p>``, ``<li>``... the template always closes them)."""
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser.errors + [f"<{t}> never closed" for t in parser.stack]


def section(html: str) -> str:
    found = re.search(r'<section id="documents".*?</section>', html, re.S)
    assert found, "no documents section"
    return found.group(0)


# ---------------------------------------------------------------------------------------------
# report.html


def test_the_section_shows_the_artifacts_counts(result: AuditResult, page: str) -> None:
    docs = result.artifacts["documents"]
    later = [g for g in result.generation_names if g != result.reference]
    assert list(docs["generations"]) == later
    html = section(page)
    rows = dict(re.findall(r'<tr data-generation="([^"]*)">(.*?)</tr>', html, re.S))
    assert list(rows) == later
    for g in later:
        cells = dict(re.findall(r'data-count="([^"]*)" data-value="([^"]*)"', rows[g]))
        assert cells == {c.key: str(docs["generations"][g][c.key]) for c in COUNTS}, g
        assert f">{docs['generations'][g]['rows']:,}<" in rows[g]
    assert sum(docs["generations"][g]["typical"] for g in later) > 0  # the small corpora flag something
    assert '<li><a href="#documents">Documents</a></li>' in page
    assert f'<code class="name">{docs["file"]}</code>' in html and docs["file"] == "rows.jsonl"
    for key in ("typical_below", "incoherent_above"):
        assert f"{docs['thresholds'][key]:.4g} nats" in html


def test_each_generation_has_its_histograms_and_top_documents(result: AuditResult, page: str) -> None:
    docs = result.artifacts["documents"]
    html = section(page)
    blocks = re.findall(
        r'<details id="documents-(\d+)" class="documents" data-generation="([^"]*)">(.*?)</details>', html, re.S
    )
    assert [g for _, g, _ in blocks] == list(docs["generations"])
    for _, g, block in blocks:
        summary = docs["generations"][g]
        drawn = [s for s, h in summary["distributions"].items() if h is not None]
        assert drawn and len(re.findall(r"<svg\b", block)) == len(drawn)
        for svg in re.findall(r"<svg\b[^>]*>", block):
            assert 'role="img"' in svg and f"documents of {g}:" in svg
        for score, h in summary["distributions"].items():
            if h is None:  # novelty: no family of this run embeds documents
                figure = re.search(rf'<figure[^>]*id="documents-\d+-dist-{score}".*?</figure>', block, re.S).group(0)
                assert "n/a" in figure and "<svg" not in figure
        for score, listed in summary["top"].items():
            table = re.search(rf'<table class="top" data-top="{score}">(.*?)</table>', block, re.S).group(1)
            assert table.count('<td class="excerpt">') == len(listed) > 0
            assert f"row {listed[0]['row']} of {g}" in table


def test_the_typical_list_shows_log_perplexities(result: AuditResult, page: str) -> None:
    """The scoring pass ranks the most typical by the negated log-perplexity; the artifact and the page
    show the log-perplexity itself, lowest first."""
    summary = next(iter(result.artifacts["documents"]["generations"].values()))
    values = [d["value"] for d in summary["top"]["typical"]]
    assert values == sorted(values) and values[0] > 0
    table = re.search(r'data-top="typical">(.*?)</table>', section(page), re.S).group(1)
    assert f'<td class="num">{values[0]:.4g}</td>' in table


def test_the_page_nests_and_stays_self_contained(page: str) -> None:
    assert nesting_errors(page) == []
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(?!#)', page.replace('href="https://github.com/rspeer/wordfreq"', ""))
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # the histograms' clip paths and anchors do not collide
    assert set(re.findall(r'href="#([^"]+)"', page)) <= set(ids)


def test_a_result_without_the_artifact_has_no_documents_section(result: AuditResult, small_result: AuditResult) -> None:
    data = json.loads(result.to_json())
    del data["artifacts"]["documents"]
    for plain in (AuditResult.from_dict(data), small_result):
        html = format_html(plain)
        assert 'id="documents"' not in html and 'href="#documents"' not in html and "documents-0" not in html
        assert nesting_errors(html) == []
        assert "## Documents" not in format_markdown(plain)


def test_hostile_excerpts_sources_and_file_are_escaped(result: AuditResult) -> None:
    html = format_html(hostile(result))
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "\x1b" not in html
    assert "&lt;/details&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;.jsonl" in html
    assert "\\x1b[31mred" in html
    assert 'href="https://evil.example"' not in html
    opened = len(result.artifacts["documents"]["generations"])
    assert section(html).count("<details") == section(html).count("</details>") == opened
    assert nesting_errors(html) == []
    assert html.count("<svg") == html.count("</svg>")


def test_hostile_names_and_file_stay_text_in_summary_md(result: AuditResult) -> None:
    names = ["[ref](https://evil.example)", "<img src=x onerror=alert(1)>", "| pipe *emph*"]
    md = format_markdown(renamed(hostile(result), names))
    assert "\x1b" not in md and "## Documents" in md
    tokens = assert_only_template_markup(md, strong="DEGRADED")
    text = rendered_text(tokens)
    for name in names:
        assert shown(name) in text
    assert shown(HOSTILE[2] + ".jsonl") in text
    assert "start of the text" not in md and HOSTILE[0] not in md  # no excerpt in a job summary


# ---------------------------------------------------------------------------------------------
# summary.md


def test_summary_md_has_the_counts_per_generation(result: AuditResult) -> None:
    md = format_markdown(result)
    docs = result.artifacts["documents"]
    part = md[md.index("## Documents") :]
    assert "`rows.jsonl`" in part and f"below {docs['thresholds']['typical_below']:.4g} nats" in part
    assert "| generation | " + " | ".join(c.label for c in COUNTS) + " |" in part
    for g, summary in docs["generations"].items():
        row = next(line for line in part.splitlines() if line.startswith(f"| {g} |"))
        counts = [cell.strip().split(" ")[0] for cell in row.strip("|").split("|")[1:]]
        assert counts == [f"{summary[c.key]:,}" for c in COUNTS], g


# ---------------------------------------------------------------------------------------------
# metrics.json


def test_the_artifact_validates_round_trips_and_re_renders(result: AuditResult, page: str, tmp_path: Path) -> None:
    data = json.loads(result.to_json())
    validate(data)
    assert AuditResult.from_dict(data).to_dict() == data
    (tmp_path / "metrics.json").write_text(result.to_json(), encoding="utf-8")
    again = load_result(tmp_path / "metrics.json")
    assert again.artifacts["documents"] == result.artifacts["documents"]
    assert format_html(again) == page and format_markdown(again) == format_markdown(result)


def test_the_schema_checks_the_artifact(result: AuditResult) -> None:
    data = json.loads(result.to_json())
    g = next(iter(data["artifacts"]["documents"]["generations"]))
    breakages: list[tuple[list[str], Any]] = [
        (["generations", g, "rows"], -1),
        (["generations", g, "copies"], 1.5),
        (["generations", g, "top"], {"copy_rate": [{"row": 1, "source": "a", "value": 0.5}]}),
        (["generations", g, "distributions"], {"copy_rate": {"edges": [0, 1], "counts": [1]}}),
        (["thresholds"], {"typical_below": 4.0}),
        (["file"], 3),
    ]
    for path, value in breakages:
        broken = copy.deepcopy(data)
        target = broken["artifacts"]["documents"]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)
    for key in ("generations", "thresholds"):
        broken = copy.deepcopy(data)
        del broken["artifacts"]["documents"][key]
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)


def test_the_copy_threshold_is_the_scoring_passes() -> None:
    """The artifact does not state it: the report's statement of it must follow the scoring pass."""
    from auditor.documents.summary import COPIED as SCORED

    assert COPIED == SCORED


def test_histograms_are_identical_for_identical_data_and_escape_labels() -> None:
    h = plots.Histogram("copy rate", [0.0, 0.5, 1.0], [3, 1], 0.2, [("<b>copy</b>", 0.5)])
    first = plots.histogram_chart(h, "</svg><script>", "k")
    assert first == plots.histogram_chart(copy.deepcopy(h), "</svg><script>", "k")
    assert "<script" not in first and "&lt;/svg&gt;&lt;script&gt;" in first and "&lt;b&gt;copy" in first
    assert "over 4 documents" in first and "median 0.2" in first
