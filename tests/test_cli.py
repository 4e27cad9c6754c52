"""The command line: outputs on success, exit 2 with one line naming the file on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.result import validate
from tests.conftest import DATA, write_jsonl
from tests.helpers import assert_one_line_error

runner = CliRunner()


@pytest.fixture()
def small_corpora(small_pair: tuple[Path, Path]) -> tuple[Path, Path]:
    return small_pair


def run(*args: str):
    """Invoke the CLI; audits run the lexical families unless a test asks for others (embedding is slow)."""
    argv = list(args)
    if argv[0] == "audit" and "--families" not in argv:
        argv += ["--families", "vocabulary,tail"]
    return runner.invoke(app, argv)



def test_audit_writes_three_valid_outputs(small_corpora, tmp_path: Path) -> None:
    gen0, gen1 = small_corpora
    result = run("audit", str(gen0), str(gen1), "--out", str(tmp_path), "--quiet", "--draws", "5", "--splits", "5")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "metrics.json").read_text())
    validate(data)
    assert [g["name"] for g in data["generations"]] == ["gen0", "gen1"]
    assert data["config"]["draws"] == 5
    assert (tmp_path / "summary.md").read_text().startswith("# auditor summary")
    assert "<html" in (tmp_path / "report.html").read_text()
    assert str(tmp_path / "report.html") in result.stdout


def test_report_rerenders_from_metrics_json(small_corpora, tmp_path: Path) -> None:
    gen0, gen1 = small_corpora
    assert (
        run("audit", str(gen0), str(gen1), "--out", str(tmp_path), "-q", "--draws", "3", "--splits", "3").exit_code == 0
    )
    result = run("report", str(tmp_path / "metrics.json"), "--out", str(tmp_path / "again.html"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "again.html").read_text() == (tmp_path / "report.html").read_text()


def test_report_refuses_a_file_that_is_not_metrics_json(tmp_path: Path) -> None:
    bad = tmp_path / "metrics.json"
    bad.write_text(json.dumps({"schema_version": 1, "generations": []}))
    assert_one_line_error(run("report", str(bad), "--out", str(tmp_path / "r.html")), "metrics.json", "required")
    assert not (tmp_path / "r.html").exists()


def test_metrics_catalogue_lists_every_metric() -> None:
    result = run("metrics", "--json")
    assert result.exit_code == 0
    ids = [m["id"] for m in json.loads(result.stdout)]
    assert "tail.rare_survival_hapax" in ids and "vocabulary.mtld" in ids
    cited = {m["id"] for m in json.loads(result.stdout) if m["cited"]}
    assert cited == {"embedding.mauve", "voice.syntactic_diversity"}
    text = run("metrics").stdout
    assert "embedding.mauve [cited: init-policy writes its rule commented out]" in text
    assert "vocabulary.mtld [headline]" in text


def test_nonexistent_path(small_corpora, tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    assert_one_line_error(run("audit", str(small_corpora[0]), str(missing), "-o", str(tmp_path)), "missing.jsonl")


def test_single_generation(small_corpora, tmp_path: Path) -> None:
    assert_one_line_error(run("audit", str(small_corpora[0]), "-o", str(tmp_path)), "At least two corpora")


def test_empty_file(small_corpora, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert_one_line_error(run("audit", str(small_corpora[0]), str(empty), "-o", str(tmp_path)), "empty.jsonl", "empty")


def test_generation_with_only_skipped_records(small_corpora, tmp_path: Path) -> None:
    nofield = write_jsonl(tmp_path / "nofield.jsonl", [{"body": "x"}] * 3 + [{"text": "123 456"}])
    result = run("audit", str(small_corpora[0]), str(nofield), "-o", str(tmp_path))
    assert_one_line_error(result, "nofield", "3 missing field", "1 no word tokens")


def test_binary_junk(small_corpora, tmp_path: Path) -> None:
    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(bytes(range(256)) * 4)
    assert_one_line_error(run("audit", str(small_corpora[0]), str(junk), "-o", str(tmp_path)), "junk.jsonl", "binary")


def test_jsonl_line_not_json(small_corpora, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine words here"}\nnot json\n')
    assert_one_line_error(run("audit", str(small_corpora[0]), str(bad), "-o", str(tmp_path)), "bad.jsonl:2")


def test_unknown_family_and_bad_setting(small_corpora, tmp_path: Path) -> None:
    args = [str(small_corpora[0]), str(small_corpora[1]), "-o", str(tmp_path)]
    assert_one_line_error(run("audit", *args, "--families", "vocabulary,vibes"), "'vibes'", "Available")
    assert_one_line_error(run("audit", *args, "--draws", "1"), "`draws` must be an int >= 2. Got 1")
    assert_one_line_error(run("audit", *args, "--budget", "10000000"), "--budget 10000000", "gen0")
    assert_one_line_error(run("audit", *args, "--reference", "nope"), "--reference 'nope'")


def test_latin1_and_missing_fields_are_recorded_not_fatal(small_corpora, tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes((DATA / "1954-Eisenhower.txt").read_bytes())
    lines = latin.read_text("latin-1").splitlines()
    mixed = write_jsonl(tmp_path / "mixed.jsonl", [{"body": "no text"}, {"text": ""}] + [{"text": r} for r in lines])
    result = run("audit", str(small_corpora[0]), str(latin), str(mixed), "-o", str(tmp_path), "-q")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "metrics.json").read_text())
    gens = {g["name"]: g for g in data["generations"]}
    assert any("latin-1" in w for w in gens["latin"]["warnings"])
    blank = sum(1 for line in lines if not line.strip())
    assert gens["mixed"]["skipped"] == {"missing_field": 1, "empty_document": 1 + blank}


def test_too_small_generation_is_na_with_reason(small_corpora, tmp_path: Path) -> None:
    tiny = write_jsonl(tmp_path / "tiny.jsonl", [{"text": "A short synthetic document with only a few words."}] * 5)
    result = run("audit", str(small_corpora[0]), str(tiny), "-o", str(tmp_path), "-q")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "metrics.json").read_text())
    verdicts = {(v["family"], v["generation"]): v for v in data["verdicts"]}
    assert verdicts[("tail", "tiny")]["status"] == "n/a"
    assert "too little text" in verdicts[("tail", "tiny")]["reasons"][0]
    assert verdicts[("tail", "gen0")]["status"] == "ok"


def test_config_file_settings_and_unknown_keys(small_corpora, tmp_path: Path) -> None:
    cfg = tmp_path / "auditor.toml"
    cfg.write_text("draws = 3\nsplits = 4\n")
    args = [str(small_corpora[0]), str(small_corpora[1]), "-o", str(tmp_path), "-q", "--config", str(cfg)]
    assert run("audit", *args).exit_code == 0
    data = json.loads((tmp_path / "metrics.json").read_text())
    assert (data["config"]["draws"], data["config"]["splits"]) == (3, 4)
    cfg.write_text("drawz = 3\n")
    assert_one_line_error(run("audit", *args), "auditor.toml", "'drawz'")
    cfg.write_text("draws = [\n")
    assert_one_line_error(run("audit", *args), "auditor.toml", "not a valid TOML")


def test_tiny_reference_makes_everything_na_not_a_crash(small_corpora, tmp_path: Path) -> None:
    tiny = write_jsonl(tmp_path / "tiny.jsonl", [{"text": "Only a handful of words in the reference here."}] * 3)
    result = run("audit", str(tiny), str(small_corpora[1]), "-o", str(tmp_path), "-q")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "metrics.json").read_text())
    assert {v["status"] for v in data["verdicts"]} == {"n/a"}
    assert all(
        "reference unusable" in v["reasons"][0] or "too little text" in v["reasons"][0] for v in data["verdicts"]
    )
