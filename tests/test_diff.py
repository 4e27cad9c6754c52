"""``auditor diff``: two real audits of the demo corpora (gen0 vs gen1, gen0 vs gen5) compared.

gen5 is five rounds of recursive trigram training past the human text, gen1 one: the diff from
the first run to the second must report verdicts that got worse, list those families first, and
leave the shared reference row unchanged (same text, same seed, same budget).
"""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from auditor import audit
from auditor.cli import app
from auditor.diff import BETTER, MEASURED, SAME, WORSE, diff_files, diff_results, format_markdown, format_table
from auditor.result import AuditResult, read_result
from auditor.stats import Status
from tests.conftest import ROOT, write_jsonl
from tests.helpers import LEXICAL, assert_one_line_error
from tests.test_markdown_safety import HOSTILE, parser, rendered_text, shown, walk

DEMO = ROOT / "corpora" / "demo"
DOCS = 400
"""Documents taken from each demo generation: enough for a calibrated lexical audit, fast."""

runner = CliRunner()


def _head(name: str, folder: Path) -> Path:
    with (DEMO / f"{name}.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in itertools.islice(f, DOCS)]
    return write_jsonl(folder / f"{name}.jsonl", rows)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run A audits gen0 and gen1, run B gen0 and gen5 (same budget and seed): both metrics.json files."""
    folder = tmp_path_factory.mktemp("diff")
    gen0, gen1, gen5 = (_head(n, folder / "corpora") for n in ("gen0", "gen1", "gen5"))
    settings = dict(families=LEXICAL, draws=5, splits=5, budget=6000, tokenizer="regex")
    a = audit([gen0, gen1], **settings)
    b = audit([gen0, gen5], **settings)
    paths = {}
    for key, result in (("a", a), ("b", b)):
        path = folder / key / "metrics.json"
        path.parent.mkdir()
        path.write_text(result.to_json(), encoding="utf-8")
        paths[key] = path
    return {"a": a, "b": b, "paths": paths, "folder": folder}


def edited(result: AuditResult, folder: Path, name: str, edit) -> Path:
    """``result``'s metrics.json after ``edit(data)``, written to ``folder/name/metrics.json``."""
    data = copy.deepcopy(result.to_dict())
    edit(data)
    path = folder / name / "metrics.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def rename(data: dict[str, Any], old: str, new: str) -> None:
    """Rename a generation everywhere metrics.json names it."""
    for g in data["generations"]:
        if g["name"] == old:
            g["name"] = new
    if data["reference"] == old:
        data["reference"] = new
    for m in data["metrics"]:
        for key in ("values", "change", "step", "status"):
            if old in m[key]:
                m[key] = {new if g == old else g: v for g, v in m[key].items()}
    for v in data["verdicts"]:
        if v["generation"] == old:
            v["generation"] = new


def copy_generation(data: dict[str, Any], name: str, new: str) -> None:
    """Add generation ``new`` holding ``name``'s entries (as if the same batch were audited twice)."""
    data["generations"].append({**next(g for g in data["generations"] if g["name"] == name), "name": new})
    for m in data["metrics"]:
        for key in ("values", "change", "step", "status"):
            if name in m[key]:
                m[key][new] = m[key][name]
    data["verdicts"] += [{**v, "generation": new} for v in data["verdicts"] if v["generation"] == name]


def as_version_1_0(data: dict[str, Any], version: Any = 1) -> None:
    """A metrics.json as auditor wrote it before schema 1.1: no metric metadata (as tests/test_result.py)."""
    data["schema_version"] = version
    for m in data["metrics"]:
        for key in ("definition", "kind", "tolerance", "citation"):
            del m[key]


def invoke(*args: str):
    return runner.invoke(app, ["diff", *map(str, args)])



# ---------------------------------------------------------------------------------------------
# The diff itself
# ---------------------------------------------------------------------------------------------


def test_a_later_generation_makes_verdicts_worse_and_those_families_come_first(runs) -> None:
    a, b = runs["a"], runs["b"]
    diff = diff_results(a, b)
    assert [(p.a, p.b, p.how) for p in diff.pairs] == [("gen0", "gen0", "name"), ("gen1", "gen5", "position")]
    assert diff.any_worse and diff.worse, diff.summary()
    # the demo's own story: tail survival of the reference's rare words falls from gen1 to gen5
    assert b.verdict("tail", "gen5").status == Status.DEGRADED
    assert a.verdict("tail", "gen1").status != Status.DEGRADED
    assert any(f.family == "tail" and f.verdict == WORSE for f in diff.families)
    worse_families = [f.family for f in diff.families if f.verdict == WORSE]
    assert diff.families[0].family in worse_families
    seen = list(dict.fromkeys(f.family for f in diff.families))
    assert seen[: len(set(worse_families))] == list(dict.fromkeys(worse_families))
    assert list(dict.fromkeys(m.family for m in diff.metrics)) == seen  # metric rows follow the same order
    assert not (diff.unmatched_a or diff.unmatched_b or diff.metrics_only_a or diff.metrics_only_b)
    assert not diff.settings_changed
    assert diff.summary().startswith("verdicts got worse: ")


def test_rows_hold_both_values_and_the_change(runs) -> None:
    a, b = runs["a"], runs["b"]
    diff = diff_results(a, b)
    assert len(diff.metrics) == len(a.metrics) * 2
    for row in diff.metrics:
        before = a.metric(row.metric).values[row.pair.a].value
        after = b.metric(row.metric).values[row.pair.b].value
        assert (row.before, row.after) == (before, after)
        assert row.status_before == a.metric(row.metric).status[row.pair.a]
        assert row.status_after == b.metric(row.metric).status[row.pair.b]
        if before is None or after is None:
            assert row.absolute is None and row.relative is None
            continue
        assert row.absolute == pytest.approx(after - before)
        if before != 0:
            assert row.relative == pytest.approx((after - before) / abs(before))
    # the shared reference: same text, seed and budget in both runs, so nothing moved
    for row in (r for r in diff.metrics if r.pair.a == "gen0"):
        assert row.absolute in (0.0, None) and row.verdict == SAME, row
    hapax = next(r for r in diff.metrics if r.metric == "tail.rare_survival_hapax" and r.pair.a == "gen1")
    assert hapax.absolute < 0 and hapax.relative < 0  # rare words lost from gen1 to gen5


def test_verdict_change_follows_the_status_ordering_and_fails_closed_on_na() -> None:
    from auditor.diff import verdict_change

    measured = [Status.OK, Status.WATCH, Status.DEGRADED]
    for x, y in itertools.product(measured, measured):
        expected = SAME if x == y else (WORSE if y.rank > x.rank else BETTER)
        assert verdict_change(str(x), str(y)) == expected
    for x in measured:
        assert verdict_change(str(x), "n/a") == WORSE  # stopped measuring: no evidence it is fine
        assert verdict_change("n/a", str(x)) == MEASURED
    assert verdict_change("n/a", "n/a") == SAME


def test_generations_match_by_name_first(runs) -> None:
    folder = runs["folder"]
    b_named = edited(runs["b"], folder, "b-named", lambda d: rename(d, "gen5", "gen1"))
    diff = diff_files(runs["paths"]["a"], b_named)
    assert [(p.a, p.b, p.how) for p in diff.pairs] == [("gen0", "gen0", "name"), ("gen1", "gen1", "name")]
    # same numbers as matching the differently named run by position
    by_position = diff_results(runs["a"], runs["b"])
    assert [(r.before, r.after, r.verdict) for r in diff.metrics] == [
        (r.before, r.after, r.verdict) for r in by_position.metrics
    ]


def test_match_pairs_generations_explicitly(runs) -> None:
    a, b = runs["paths"]["a"], runs["paths"]["b"]
    diff = diff_files(a, b, matches=["gen1=gen0", "gen0=gen5"])
    assert [(p.a, p.b, p.how) for p in diff.pairs] == [("gen0", "gen5", "match"), ("gen1", "gen0", "match")]
    row = next(r for r in diff.metrics if r.metric == "tail.rare_survival_hapax" and r.pair.a == "gen1")
    assert row.after == runs["b"].metric("tail.rare_survival_hapax").values["gen0"].value
    # one explicit pair; the other generations still pair by name, then by position
    diff = diff_files(a, b, matches=["gen1=gen5"])
    assert [(p.a, p.b, p.how) for p in diff.pairs] == [("gen0", "gen0", "name"), ("gen1", "gen5", "match")]


def test_unmatched_generations_and_one_sided_metrics_are_listed(runs) -> None:
    folder = runs["folder"]

    def one_more(data: dict[str, Any]) -> None:
        copy_generation(data, "gen5", "gen6")
        data["metrics"] = [m for m in data["metrics"] if m["id"] != "tail.js_divergence"]

    b_longer = edited(runs["b"], folder, "b-longer", one_more)
    diff = diff_files(runs["paths"]["a"], b_longer)
    assert [(p.a, p.b) for p in diff.pairs] == [("gen0", "gen0"), ("gen1", "gen5")]
    assert diff.unmatched_b == ["gen6"] and diff.unmatched_a == []
    assert diff.metrics_only_a == ["tail.js_divergence"] and diff.metrics_only_b == []
    assert not any(r.metric == "tail.js_divergence" for r in diff.metrics)
    table = format_table(diff)
    assert "generations only in B: gen6" in table and "metrics only in A: tail.js_divergence" in table
    assert "generations only in B: gen6" in format_markdown(diff)
    data = diff.to_dict()
    assert data["unmatched"] == {"a": [], "b": ["gen6"]}
    assert data["only_in"]["a"]["metrics"] == ["tail.js_divergence"]
    reverse = diff_files(b_longer, runs["paths"]["a"])  # and from the other side
    assert reverse.unmatched_a == ["gen6"] and reverse.metrics_only_b == ["tail.js_divergence"]


def without_vocabulary(data: dict[str, Any]) -> None:
    """A metrics.json of a run without the vocabulary family."""
    data["metrics"] = [m for m in data["metrics"] if m["family"] != "vocabulary"]
    data["verdicts"] = [v for v in data["verdicts"] if v["family"] != "vocabulary"]
    data["families"] = [f for f in data.get("families", []) if f["name"] != "vocabulary"]


def test_a_family_run_in_one_audit_only_is_listed(runs) -> None:
    b_tail = edited(runs["b"], runs["folder"], "b-tail", without_vocabulary)
    diff = diff_files(runs["paths"]["a"], b_tail)
    assert diff.families_only_a == ["vocabulary"] and diff.families_only_b == []
    assert diff.metrics_only_a == [m.id for m in runs["a"].metrics if m.family == "vocabulary"]
    assert {f.family for f in diff.families} == {m.family for m in diff.metrics} == {"tail"}
    assert "Measured in A, missing in B (worse):\n- families: vocabulary" in format_table(diff)
    reverse = diff_files(b_tail, runs["paths"]["a"])  # a family B measures and A did not: listed, not worse
    assert reverse.families_only_b == ["vocabulary"] and reverse.dropped_families == []
    assert "families only in B: vocabulary" in format_table(reverse)


def test_a_family_or_headline_metric_b_dropped_is_worse(runs) -> None:
    """B = A without a family (or a headline metric) A measured: nothing else changed, yet B is worse."""
    folder, a = runs["folder"], runs["paths"]["a"]
    b = edited(runs["a"], folder, "a-without-vocabulary", without_vocabulary)
    diff = diff_files(a, b)
    assert not diff.worse and not diff.worse_metrics
    assert diff.dropped_families == ["vocabulary"] and diff.dropped_metrics == [] and diff.any_worse
    assert diff.summary().startswith("B dropped what A measured: 0 family and 0 metric verdicts worse; 1 family")
    assert "families only in A" not in format_table(diff)  # listed once, as dropped
    assert "### Measured in A, missing in B (**worse**)\n\n- families: vocabulary" in format_markdown(diff)
    assert diff.to_dict()["dropped"] == {"families": ["vocabulary"], "metrics": []}
    failed = invoke(a, b, "--fail-on-worse")
    assert failed.exit_code == 1 and "B lacks a family or headline metric that A measured" in failed.stderr
    assert invoke(b, a, "--fail-on-worse").exit_code == 0  # B measures more than A: not worse

    headline = next(m.id for m in runs["a"].metrics if m.headline and m.family == "tail")

    def without_headline(data: dict[str, Any]) -> None:
        data["metrics"] = [m for m in data["metrics"] if m["id"] != headline]

    diff = diff_files(a, edited(runs["a"], folder, "a-without-headline", without_headline))
    assert diff.dropped_metrics == [headline] and diff.dropped_families == [] and diff.any_worse
    assert f"- headline metrics: {headline}" in format_table(diff)
    other = next(m.id for m in runs["a"].metrics if not m.headline)

    def without_other(data: dict[str, Any]) -> None:
        data["metrics"] = [m for m in data["metrics"] if m["id"] != other]

    diff = diff_files(a, edited(runs["a"], folder, "a-without-other", without_other))
    assert diff.metrics_only_a == [other] and not diff.any_worse  # any other metric is only listed


def test_a_family_a_never_measured_is_not_dropped(runs) -> None:
    def vocabulary_na(data: dict[str, Any]) -> None:
        for v in data["verdicts"]:
            if v["family"] == "vocabulary":
                v["status"] = "n/a"

    a = edited(runs["a"], runs["folder"], "a-vocabulary-na", vocabulary_na)
    diff = diff_files(a, edited(runs["a"], runs["folder"], "a-without-vocabulary-2", without_vocabulary))
    assert diff.families_only_a == ["vocabulary"] and diff.dropped_families == [] and not diff.any_worse


def test_schema_1_0_files_diff_like_the_current_ones(runs) -> None:
    folder = runs["folder"]
    for version in (1, "1.0"):
        old_a = edited(runs["a"], folder, f"a-{version}", lambda d, v=version: as_version_1_0(d, v))
        assert read_result(old_a).schema_version == version
        old = diff_files(old_a, runs["paths"]["b"]).to_dict()
        new = diff_files(runs["paths"]["a"], runs["paths"]["b"]).to_dict()
        assert old["a"] != new["a"]
        old.pop("a"), new.pop("a")
        assert old == new


def test_differing_settings_are_noted(runs) -> None:
    def other_budget(data: dict[str, Any]) -> None:
        data["config"]["budget"] = 9000

    b = edited(runs["b"], runs["folder"], "b-budget", other_budget)
    diff = diff_files(runs["paths"]["a"], b)
    assert diff.settings_changed == {"budget": (6000, 9000)}
    assert "settings differ: budget" in diff.summary()
    assert "note: setting 'budget' differs: A 6000, B 9000" in format_table(diff)


def test_settings_a_file_predates_are_read_as_runs_before_them_read(runs) -> None:
    def before_turns(data: dict[str, Any]) -> None:  # written before format and turns existed
        del data["config"]["format"], data["config"]["turns"]

    old_a = edited(runs["a"], runs["folder"], "a-before-turns", before_turns)
    assert not diff_files(old_a, runs["paths"]["b"]).settings_changed

    def turns_each(data: dict[str, Any]) -> None:
        data["config"]["turns"] = "each"

    b = edited(runs["b"], runs["folder"], "b-turns", turns_each)
    assert diff_files(old_a, b).settings_changed == {"turns": ("joined", "each")}


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


def test_cli_table_exit_codes_and_fail_on_worse(runs) -> None:
    a, b = runs["paths"]["a"], runs["paths"]["b"]
    result = invoke(a, b)
    assert result.exit_code == 0, result.output
    assert "gen1 -> gen5" in result.stdout and "WORSE" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("verdicts got worse")
    assert invoke(a, b, "--fail-on-worse").exit_code == 1
    assert "--fail-on-worse" in invoke(a, b, "--fail-on-worse").stderr
    same = invoke(a, a, "--fail-on-worse")  # nothing changed: passes
    assert same.exit_code == 0 and "no verdict got worse" in same.stdout
    folders = invoke(a.parent, b.parent, "--quiet")  # output folders work too
    assert folders.exit_code == 0 and folders.stdout == "" and "verdicts got worse" in folders.stderr
    back = invoke(b, a, "--fail-on-worse")  # gen5 -> gen1 improves
    assert back.exit_code == (1 if diff_files(b, a).any_worse else 0)
    assert "better" in back.stdout


def test_cli_json_to_stdout_or_a_file_and_markdown(runs, tmp_path: Path) -> None:
    a, b = runs["paths"]["a"], runs["paths"]["b"]
    expected = diff_files(a, b).to_dict()
    result = invoke(a, b, "--json", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout holds the JSON only
    assert data == expected and data["any_worse"] is True and data["diff_version"] == "1"
    assert "verdicts got worse" in result.stderr
    assert invoke(a, b, "--json", "-").stdout == result.stdout  # deterministic: no clock, no random
    out, md = tmp_path / "diff.json", tmp_path / "diff.md"
    result = invoke(a, b, "--json", out, "--markdown", md)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == expected
    assert "WORSE" in result.stdout  # the table still goes to the terminal
    text = md.read_text()
    assert text.startswith("## auditor diff") and "**worse**" in text
    tokens = walk(parser().parse(text))
    assert sum(t.type == "table_open" for t in tokens) >= 2


def test_markdown_folds_the_other_metrics_and_drops_them_past_the_comment_limit(runs) -> None:
    diff = diff_results(runs["a"], runs["b"])
    full = format_markdown(diff)
    folded = [m for m in diff.metrics if not m.headline and m.verdict == SAME]
    assert folded and "<details><summary>Other metrics</summary>" in full
    for m in folded:  # every row is in the comment, each once
        assert full.count(f"| `{m.metric}` | {m.pair.label.replace('>', '&gt;')} |") == 1
    short = format_markdown(diff, limit=len(full) - 1)
    assert "<details>" not in short and f"{len(folded)} other metric rows" in short
    assert short.split("### Headline metrics")[0] == full.split("### Headline metrics")[0]


def test_cli_refuses_to_overwrite_an_input(runs) -> None:
    a, b = runs["paths"]["a"], runs["paths"]["b"]
    assert_one_line_error(invoke(a, b, "--markdown", a), str(a))
    assert_one_line_error(invoke(a, b, "--json", b), str(b))
    assert_one_line_error(invoke(a.parent, b.parent, "--json", b), str(b))  # the metrics.json of a folder given
    beside = b.parent / "diff.md"  # but a comment may go into an output folder, beside its metrics.json
    assert invoke(a.parent, b.parent, "--markdown", beside, "-q").exit_code == 0 and beside.is_file()
    beside.unlink()


def test_bad_input_is_one_line_naming_the_file(runs, tmp_path: Path) -> None:
    a, b = runs["paths"]["a"], runs["paths"]["b"]
    missing = tmp_path / "nope" / "metrics.json"
    assert_one_line_error(invoke(missing, b), str(missing), "no such file")
    not_json = tmp_path / "not.json"
    not_json.write_text("{ this is not json")
    assert_one_line_error(invoke(a, not_json), str(not_json), "not a metrics.json")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"passed": True, "checks": []}))
    assert_one_line_error(invoke(other, b), str(other), "not a metrics.json")
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    assert_one_line_error(invoke(a, empty), str(empty), "folder without a metrics.json")
    assert_one_line_error(invoke(a, b, "--match", "gen7=gen5"), str(a), "gen7", "gen0, gen1")
    assert_one_line_error(invoke(a, b, "--match", "gen1=gen7"), str(b), "gen7", "gen0, gen5")
    assert_one_line_error(invoke(a, b, "--match", "gen1"), "--match 'gen1'", "A_NAME=B_NAME")
    assert_one_line_error(invoke(a, b, "--match", "gen1=gen5", "--match", "gen0=gen5"), str(b), "gen5")


# ---------------------------------------------------------------------------------------------
# Hostile names
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_paths(runs) -> list[tuple[str, Path]]:
    folder = runs["folder"]
    out = []
    for i, name in enumerate(HOSTILE):
        # a generation named like a link, an escape sequence, a table cell... in run B (a metrics.json
        # can hold any name: it may come from anywhere); matched with gen1 by position
        out.append((name, edited(runs["b"], folder, f"hostile-{i}", lambda d, n=name: rename(d, "gen5", n))))
    return out


def test_hostile_names_stay_inert_on_the_terminal(runs, hostile_paths) -> None:
    for name, path in hostile_paths:
        result = invoke(runs["paths"]["a"], path)
        assert result.exit_code == 0, result.output
        for char in "\x1b\r\x9b\x07":
            assert char not in result.stdout, name
        lines = result.stdout.splitlines()
        assert all(not line.startswith(("break", "and\ttab")) for line in lines)  # no line forged by a \n
        as_json = invoke(runs["paths"]["a"], path, "--json", "-")
        assert as_json.stdout.isascii() and "\x1b" not in as_json.stdout
        assert json.loads(as_json.stdout)["pairs"][1] == {"a": "gen1", "b": name, "how": "position"}


ALLOWED_HTML = {"<details><summary>Other metrics</summary>\n", "</details>\n"}
"""The only raw HTML of a diff comment: the template's own fold."""


def test_hostile_names_stay_text_in_markdown(runs, hostile_paths) -> None:
    forbidden = {"link_open", "image", "html_inline", "em_open", "strong_open", "s_open", "code_block", "fence"}
    forbidden |= {"hr", "blockquote_open", "ordered_list_open"}
    for name, path in hostile_paths:
        diff = diff_files(runs["paths"]["a"], path)
        md = format_markdown(diff)
        tokens = walk(parser().parse(md))
        bad = [t.type for t in tokens if t.type in forbidden and not _template_strong(t, tokens)]
        assert not bad, (name, bad)
        html = [t.content for t in tokens if t.type == "html_block"]
        assert set(html) <= ALLOWED_HTML, (name, html)
        headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
        assert headings == ["auditor diff", "Family verdicts (worse first)", "Headline metrics and changed verdicts"]
        assert shown(f"gen1 -> {name}") in rendered_text(tokens), name


def _template_strong(token, tokens) -> bool:
    """The template's own bold: the summary line and ``**worse**`` / ``**DEGRADED**`` marks."""
    if token.type != "strong_open":
        return False
    i = tokens.index(token)
    text = tokens[i + 1].content if tokens[i + 1].type == "text" else ""
    return text in ("worse", "DEGRADED") or text.startswith(("verdicts got", "no verdict"))
