"""The rows are complete, agree with the family metrics on the same documents, fill novelty for the
embedding sample, come out the same on every engine, and bad requests are refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from auditor import audit
from auditor.cli import app
from auditor.documents.rows import read_rows
from auditor.families.likelihood.metrics import interpolated_cdf
from auditor.pipeline import score_documents
from tests.conftest import ROOT, write_jsonl
from tests.helpers import assert_one_line_error

runner = CliRunner()
DEMO = [ROOT / "corpora" / "demo" / f"gen{k}.jsonl" for k in range(6)]


@pytest.fixture(scope="module")
def audited(shuffled, tmp_path_factory: pytest.TempPathFactory):
    """An audit with --documents of a reference and a generation holding copies, short documents,
    documents without words and a record whose text is null (the reader skips the last two)."""
    folder = tmp_path_factory.mktemp("documents")
    ref = write_jsonl(folder / "ref.jsonl", shuffled[:500])
    rows = [{"text": r["text"]} for r in shuffled[500:900]] + [{"text": r["text"]} for r in shuffled[:40]]
    rows += [{"text": "Yes."}, {"text": "12 34 56"}, {"text": "Thank you all."}, {"text": None}]
    gen = write_jsonl(folder / "gen.jsonl", rows)
    out = folder / "rows.jsonl"
    result = audit([ref, gen], families=("likelihood",), documents=out, draws=5, splits=5, workers=1)
    return result, read_rows(out)


def test_every_document_read_has_one_row(audited) -> None:
    result, rows = audited
    info = {g.name: g for g in result.generations}
    assert len(rows) == info["gen"].documents == 442  # 400 + 40 copies + 2 short ("12 34 56" has no word)
    assert info["gen"].skipped == {"text_is_null": 1, "no_word_tokens": 1}
    assert [r["source"].rsplit(":", 1)[1] for r in rows[:3]] == ["1", "2", "3"]
    assert result.artifacts["documents"]["generations"]["gen"]["rows"] == 442


def test_the_mean_copy_rate_and_perplexity_equal_the_family_on_the_same_documents(audited) -> None:
    result, rows = audited
    family = result.artifacts["likelihood"]["generations"]["gen"]
    scored = [r for r in rows if r["log_perplexity"] is not None]  # the family's documents: 5 words or more
    assert len(scored) == family["documents"]
    ngrams = np.array([max(r["tokens"] - 7, 0) for r in scored], dtype=float)
    copied = np.array([(r["copy_rate"] or 0.0) for r in scored]) * ngrams
    assert round(copied.sum() / ngrams.sum(), 6) == family["copy_rate"]
    mean = np.mean([r["log_perplexity"] for r in scored])
    assert round(float(mean), 6) == family["mean_log_perplexity"]


def test_the_typical_share_is_the_typical_mass_of_the_same_documents(audited) -> None:
    result, rows = audited
    low = result.artifacts["likelihood"]["percentiles"]["low"][1]
    thresholds = result.artifacts["documents"]["thresholds"]
    assert round(thresholds["typical_below"], 6) == low
    scored = np.array([r["log_perplexity"] for r in rows if r["log_perplexity"] is not None])
    flags = [r["typical"] for r in rows if r["log_perplexity"] is not None]
    assert flags == (scored < thresholds["typical_below"]).tolist()
    # typical_mass is the share below the reference's 10th percentile read on the CDF interpolated
    # between order statistics (interpolated_cdf): it and the count of flagged documents differ by at
    # most one position in n - 1
    mass = interpolated_cdf(np.sort(scored), low)
    assert abs(np.mean(flags) - mass) <= 1 / (len(scored) - 1)


def test_novelty_is_filled_for_the_embedding_sample_only(small_pair) -> None:
    pytest.importorskip("sentence_transformers")
    scores = score_documents(list(small_pair), workers=1, sample_docs=60, cache=False)
    rows = scores.rows[0].columns
    novelty = np.asarray(rows["novelty"], dtype=float)
    filled = np.isfinite(novelty)
    assert filled.sum() == 60
    assert np.all((novelty[filled] > 0) & (novelty[filled] < 1))
    notes = {n for n, f in zip(rows["novelty_note"], filled, strict=True) if not f}
    assert len(notes) == 1 and "embedding sample" in notes.pop()
    without = score_documents(list(small_pair), workers=1, embed=False).rows[0].columns
    assert set(without["novelty_note"]) == {"no family of the run embeds documents"}


def test_a_copy_of_a_reference_document_is_a_neighbour_at_distance_zero(shuffled, tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers")
    ref = write_jsonl(tmp_path / "ref.jsonl", shuffled[:80])
    gen = write_jsonl(tmp_path / "gen.jsonl", shuffled[:80])  # the same documents
    rows = score_documents([ref, gen], workers=1, sample_docs=80, min_docs=20, knn_k=5, cache=False).rows[0]
    assert np.allclose(np.asarray(rows.columns["novelty"], dtype=float), 0.0, atol=1e-5)


def test_two_local_workers_and_a_dask_cluster_give_the_same_rows() -> None:
    distributed = pytest.importorskip("distributed")
    corpora = [DEMO[0], DEMO[2], DEMO[5]]
    one = score_documents(corpora, workers=1, embed=False)
    two = score_documents(corpora, workers=2, embed=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = score_documents(corpora, engine="dask", scheduler=cluster.scheduler_address, embed=False)
    records = [[r for rows in s.rows for r in rows.records()] for s in (one, two, remote)]
    assert len(records[0]) == 3000
    assert records[0] == records[1] == records[2]


def test_a_reference_profile_gives_the_rows_of_the_raw_reference(small_pair, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["profile", str(small_pair[0]), "--out", str(tmp_path / "ref.auditor-profile"), "--families", "likelihood"]
    )
    assert result.exit_code == 0, result.output
    raw = score_documents(list(small_pair), workers=1, embed=False)
    profiled = score_documents(
        [small_pair[1]], reference_profile=tmp_path / "ref.auditor-profile", workers=1, embed=False
    )
    assert [list(r.records()) for r in raw.rows] == [list(r.records()) for r in profiled.rows]


def test_the_cli_writes_the_rows_and_says_where(small_pair, tmp_path: Path) -> None:
    rows = tmp_path / "rows.parquet"
    argv = ["audit", *map(str, small_pair), "--out", str(tmp_path / "rep"), "--families", "likelihood"]
    result = runner.invoke(app, [*argv, "--documents", str(rows), "-q"])
    assert result.exit_code == 0, result.output
    assert f"Documents: {rows}" in result.stdout
    assert len(read_rows(rows)) == 400
    metrics = json.loads((tmp_path / "rep" / "metrics.json").read_text())
    assert metrics["artifacts"]["documents"]["file"] == "rows.parquet"


@pytest.mark.parametrize(
    ("target", "fragments"),
    [
        ("rows.csv", ["--documents", "rows.csv", ".jsonl or .parquet"]),
        ("GEN", ["would overwrite or delete the input"]),
    ],
)
def test_a_bad_documents_path_is_refused_before_any_work(small_pair, tmp_path: Path, target, fragments) -> None:
    path = small_pair[1] if target == "GEN" else tmp_path / target
    before = small_pair[1].read_bytes()
    result = runner.invoke(
        app, ["audit", *map(str, small_pair), "--out", str(tmp_path / "rep"), "--documents", str(path)]
    )
    assert_one_line_error(result, *fragments)
    assert small_pair[1].read_bytes() == before
    assert not (tmp_path / "rep").exists()


def test_standard_input_cannot_be_scored_twice(small_pair, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["audit", str(small_pair[0]), "-", "--out", str(tmp_path / "rep"), "--documents", str(tmp_path / "r.jsonl")],
        input=small_pair[1].read_text(),
    )
    assert_one_line_error(result, "standard input", "Save it to a file")


def test_the_readme_documents_every_column_as_the_code_defines_it() -> None:
    from auditor.documents.rows import columns_table

    assert columns_table() in (ROOT / "README.md").read_text(encoding="utf-8")
