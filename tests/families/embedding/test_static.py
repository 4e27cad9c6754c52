"""The static embedding model (``--embedding-model static``): built offline, whole texts, identity,
every document's novelty, and one-line errors for a bad folder.

The model is distilled once per machine into the user cache (about a minute), under a guard that
fails the build if it opens a network connection; every test here shares it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from auditor import audit, score_documents
from auditor.cli import app
from auditor.embed import static
from auditor.embed.model import count_truncated, encode_static, load_model, model_identity
from tests.conftest import write_jsonl

EMBEDDING = ("embedding",)


@pytest.fixture(scope="module")
def folder() -> Path:
    """The default static model, built here if this machine has none, with the network refused."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the distillation opened a network connection: {args}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        return static.build_static()


@pytest.fixture(scope="module")
def loaded(folder: Path):
    return load_model(static.STATIC)


def test_the_identity_names_the_source_the_pca_the_version_and_the_weights(folder: Path, loaded) -> None:
    ident = model_identity(static.STATIC)
    assert ident == loaded.identity
    assert ident["kind"] == "model2vec"
    assert ident["source_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert ident["pca_dims"] == loaded.dimension == 256
    assert ident["model2vec"] == static.model2vec_version()
    assert ident["sha256"] == hashlib.sha256((folder / static.WEIGHTS).read_bytes()).hexdigest()
    assert folder == static.default_static_dir()


def test_whole_texts_are_embedded_unit_length_and_alone(loaded, paragraphs: list[dict]) -> None:
    texts = [p["text"] for p in paragraphs[:200]]
    long = " ".join(texts[:60])  # far past MiniLM's 256 word pieces
    assert count_truncated(loaded, [long]) == 0
    vectors = encode_static(loaded, [*texts, long])
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    # a text's vector does not depend on the texts embedded with it
    np.testing.assert_array_equal(encode_static(loaded, [texts[5]])[0], vectors[5])
    # the end of a long text counts: its vector is not the vector of its beginning
    head = encode_static(loaded, [" ".join(long.split()[:150])])[0]
    assert float(head @ vectors[-1]) < 0.999


def _series(paragraphs: list[dict], tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A reference of 200 distinct paragraphs (20 words or more) and a generation of 280 others
    plus 20 copies of reference paragraphs."""
    distinct = list({p["text"]: p for p in paragraphs if len(p["text"].split()) >= 20}.values())
    ref, others = distinct[:200], distinct[1000:1280]
    copies = [dict(p) for p in ref[:20]]
    texts = [c["text"] for c in copies]
    return write_jsonl(tmp_path / "gen0.jsonl", ref), write_jsonl(tmp_path / "gen1.jsonl", others + copies), texts


def test_every_document_gets_novelty_and_copies_of_the_reference_get_zero(
    folder: Path, paragraphs: list[dict], tmp_path: Path
) -> None:
    gen0, gen1, copies = _series(paragraphs, tmp_path)
    gen = score_documents([gen0, gen1], embedding_model=static.STATIC, sample_docs=200, cache=False).rows[0]
    novelty = np.asarray(gen.columns["novelty"], dtype=float)
    assert len(gen) == 300 and np.isfinite(novelty).all()  # the embedding sample is 200: all 300 have a value
    assert all(note is None for note in gen.columns["novelty_note"])
    texts = [json.loads(line)["text"] for line in gen1.read_text(encoding="utf-8").splitlines()]
    copied = np.array([t in set(copies) for t in texts])
    assert np.all(novelty[copied] < 1e-5)
    assert np.all(novelty[~copied] > 1e-3)


def test_streamed_novelty_equals_the_nearest_reference_distance_computed_directly(
    folder: Path, paragraphs: list[dict], tmp_path: Path
) -> None:
    """Streamed novelty equals the key lookup's on the sample: same model, same text, same reference."""
    from auditor.documents.novelty import nearest_distance

    gen0, gen1, _ = _series(paragraphs, tmp_path)
    rows = score_documents([gen0, gen1], embedding_model=static.STATIC, sample_docs=200, cache=False).rows[0]
    loaded = load_model(static.STATIC)
    texts = [json.loads(line)["text"] for line in gen1.read_text(encoding="utf-8").splitlines()]
    reference = [json.loads(line)["text"] for line in gen0.read_text(encoding="utf-8").splitlines()]
    unit = lambda v: v / np.linalg.norm(v, axis=1, keepdims=True)  # noqa: E731
    expected = nearest_distance(
        unit(encode_static(loaded, texts).astype(np.float64)), unit(encode_static(loaded, reference).astype(np.float64))
    )
    np.testing.assert_allclose(np.asarray(rows.columns["novelty"], dtype=float), expected, atol=1e-9)


def test_metrics_json_records_the_model_identity_and_the_report_its_limits(folder: Path, small_pair) -> None:
    from auditor.report.html import format_html

    result = audit(list(small_pair), families=EMBEDDING, embedding_model=static.STATIC, sample_docs=200, cache=False)
    art = result.artifacts["embedding"]
    assert art["model_identity"] == model_identity(static.STATIC)
    assert art["model"].startswith("model2vec:sentence-transformers/all-MiniLM-L6-v2:pca256:")
    assert art["truncated"] == {"gen0": 0, "gen1": 0}
    assert art["centred_on_reference"] is True
    page = format_html(result)
    assert "A static model (model2vec)" in page and "Gate with the default model" in page
    assert "texts truncated at" not in page  # a static model reads whole texts
    art["centred_on_reference"] = False  # as MiniLM's artifacts say
    assert "A static model (model2vec)" not in format_html(result)


def test_split_halves_of_human_text_are_not_degraded(folder: Path, paragraphs: list[dict], tmp_path: Path) -> None:
    """At the benchmark's size (700 sampled documents), as bench/bench_static_agreement.py compares."""
    import random

    statuses = []
    for seed in range(2):  # 20 splits: bench/bench_static_graded.py and the README
        rows = list(paragraphs)
        random.Random(100 + seed).shuffle(rows)
        a = write_jsonl(tmp_path / f"a{seed}.jsonl", rows[:1500])
        b = write_jsonl(tmp_path / f"b{seed}.jsonl", rows[1500:3000])
        result = audit([a, b], families=EMBEDDING, embedding_model=static.STATIC, sample_docs=700, cache=False)
        statuses.append(result.verdict("embedding", f"b{seed}").status)
    assert "degraded" not in statuses, statuses


def test_a_profile_made_with_another_static_model_is_refused(folder: Path, small_pair, tmp_path: Path) -> None:
    other = tmp_path / "other-static"
    shutil.copytree(folder, other)
    made = json.loads((other / static.IDENTITY_FILE).read_text(encoding="utf-8"))
    (other / static.IDENTITY_FILE).write_text(json.dumps({**made, "pca_dims": 128}), encoding="utf-8")
    profile = tmp_path / "ref.auditprofile"
    runner = CliRunner()
    common = ["--families", "embedding", "--sample-docs", "200", "--no-cache"]
    made_it = runner.invoke(
        app, ["profile", str(small_pair[0]), "--out", str(profile), "--embedding-model", "static", *common]
    )
    assert made_it.exit_code == 0, made_it.output
    refused = runner.invoke(
        app, ["audit", str(small_pair[1]), "--reference-profile", str(profile), "--embedding-model", str(other),
              "--out", str(tmp_path / "out"), *common],
    )  # fmt: skip
    assert refused.exit_code == 2, refused.output
    assert "model is kind model2vec" in refused.output and "pca_dims 256" in refused.output
    assert "pca_dims 128" in refused.output


def test_a_corrupt_static_folder_exits_2_in_one_line(folder: Path, small_pair, tmp_path: Path) -> None:
    broken = tmp_path / "broken-static"
    shutil.copytree(folder, broken)
    (broken / static.WEIGHTS).write_bytes(b"not safetensors")
    result = CliRunner().invoke(
        app, ["audit", *map(str, small_pair), "--families", "embedding", "--embedding-model", str(broken),
              "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(broken) in lines[0] and "model2vec" in lines[0]
    assert not (tmp_path / "out").exists()


def test_a_folder_that_is_no_model_is_not_overwritten_by_build(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(app, ["embed-model", "build", "--out", str(taken)])
    assert result.exit_code == 2, result.output
    assert "is not a model2vec folder" in result.output
    assert (taken / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_build_reports_the_existing_model_and_its_load_time(folder: Path) -> None:
    result = CliRunner().invoke(app, ["embed-model", "build"])
    assert result.exit_code == 0, result.output
    first, rest = result.output.split("\n", 1)
    assert first == str(folder)
    shown = json.loads(rest)
    assert shown["sha256"] == model_identity(static.STATIC)["sha256"] and shown["load_seconds"] >= 0
