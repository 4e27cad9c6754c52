"""The collapse simulator: reproducible, size-preserving, and truncation really shrinks the vocabulary."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from auditor.errors import InputError, UsageError
from auditor.simulate import Decoding, NGramModel, SimulationSettings, simulate
from auditor.simulate.ngram import count_words
from tests.conftest import write_jsonl

DOCS = 400

TINY = [
    "the cat sat on the mat .",
    "the cat ate the fish .",
    "the cat saw the dog .",
    "the dog sat on the log .",
    "a bird sang .",
]
"""Hand-made: 'the' is followed by cat x3, dog x2, mat, fish and log (x1 each): 8 times."""


@pytest.fixture(scope="module")
def seed_corpus(tmp_path_factory: pytest.TempPathFactory, paragraphs: list[dict]) -> Path:
    """Every bundled State of the Union paragraph, as a JSONL seed corpus (with extra fields)."""
    return write_jsonl(tmp_path_factory.mktemp("seed") / "seed.jsonl", paragraphs)


def read_texts(path: Path) -> list[str]:
    """The texts of a generation file."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def word_types(texts: list[str]) -> set[str]:
    """Distinct lower-cased word types."""
    return {word for text in texts for word in re.findall(r"\w+", text.lower())}


def mean_words(texts: list[str]) -> float:
    """Mean white-space words per document."""
    return sum(len(text.split()) for text in texts) / len(texts)


def run(seed_corpus: Path, out_dir: Path, **settings: object) -> list[Path]:
    """Simulate with the test defaults (DOCS documents per generation)."""
    return simulate(seed_corpus, out_dir, SimulationSettings(**{"docs": DOCS, **settings}))  # type: ignore[arg-type]


def test_same_seed_gives_byte_identical_files(seed_corpus: Path, tmp_path: Path) -> None:
    first = run(seed_corpus, tmp_path / "a", generations=2, top_p=0.9, mix_real=0.25, seed=3)
    run(seed_corpus, tmp_path / "b", generations=2, top_p=0.9, mix_real=0.25, seed=3)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["gen0.jsonl", "gen1.jsonl", "gen2.jsonl", "manifest.json"]  # no temp files left over
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert [p.name for p in first] == ["gen0.jsonl", "gen1.jsonl", "gen2.jsonl"]

    other = run(seed_corpus, tmp_path / "c", generations=1, top_p=0.9, mix_real=0.25, seed=4)
    assert other[1].read_bytes() != first[1].read_bytes()


def test_manifest_records_settings_and_counts(seed_corpus: Path, tmp_path: Path) -> None:
    settings = SimulationSettings(generations=2, top_k=40, seed=1, docs=DOCS)
    paths = simulate(seed_corpus, tmp_path, settings)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed_corpus"] == str(seed_corpus)
    assert manifest["settings"]["top_k"] == 40 and manifest["settings"]["docs"] == DOCS
    for entry, path in zip(manifest["generations"], paths, strict=True):
        texts = read_texts(path)
        assert entry["file"] == path.name
        assert entry["documents"] == len(texts)
        assert entry["words"] == sum(count_words(text) for text in texts)
    assert set(manifest["versions"]) == {"auditor", "python", "numpy"}


def test_generations_keep_document_count_and_length(seed_corpus: Path, tmp_path: Path) -> None:
    ticks: list[tuple[int, int]] = []
    settings = SimulationSettings(generations=3, top_p=0.9, docs=DOCS)
    paths = simulate(seed_corpus, tmp_path, settings, progress=lambda k, n: ticks.append((k, n)))
    assert ticks == [(1, 3), (2, 3), (3, 3)]
    gen0 = read_texts(paths[0])
    assert len(gen0) == DOCS
    for k, path in enumerate(paths):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert [row["id"] for row in rows] == [f"gen{k}-{i:06d}" for i in range(DOCS)]
        texts = [row["text"] for row in rows]
        assert all(text.strip() for text in texts)
        assert mean_words(texts) == pytest.approx(mean_words(gen0), rel=0.25), path.name


def test_top_p_shrinks_the_vocabulary(seed_corpus: Path, tmp_path: Path) -> None:
    paths = run(seed_corpus, tmp_path, generations=3, top_p=0.8)
    types = [len(word_types(read_texts(path))) for path in paths]
    assert types[3] < types[1] < types[0], types


def test_mixing_real_documents_keeps_more_of_the_vocabulary(seed_corpus: Path, tmp_path: Path) -> None:
    def kept_share(mix_real: float) -> float:
        paths = run(seed_corpus, tmp_path / str(mix_real), generations=4, top_p=0.8, mix_real=mix_real)
        original = word_types(read_texts(paths[0]))
        return len(original & word_types(read_texts(paths[-1]))) / len(original)

    assert kept_share(0.5) > kept_share(0.0)


def test_docs_none_uses_the_whole_corpus(tmp_path: Path, paragraphs: list[dict]) -> None:
    seed = write_jsonl(tmp_path / "small.jsonl", paragraphs[:50])
    paths = simulate(seed, tmp_path / "out", SimulationSettings(generations=1, seed=2))
    assert read_texts(paths[0]) == [row["text"] for row in paragraphs[:50]]
    assert len(read_texts(paths[1])) == 50


def test_empty_seed_corpus_raises_input_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.jsonl"):
        simulate(empty, tmp_path / "out", SimulationSettings())
    blank = write_jsonl(tmp_path / "blank.jsonl", [{"text": ""}, {"text": "   "}])
    with pytest.raises(InputError, match=r"blank\.jsonl"):
        simulate(blank, tmp_path / "out", SimulationSettings())
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("top_p", 0),
        ("top_p", 1.5),
        ("order", 0),
        ("generations", 0),
        ("mix_real", 1.5),
        ("mix_real", -0.1),
        ("temperature", 0.0),
        ("top_k", -1),
        ("docs", 0),
        ("seed", -1),
    ],
)
def test_invalid_settings_raise_usage_error(name: str, value: float) -> None:
    with pytest.raises(UsageError, match=f"`{name}` must be"):
        SimulationSettings(**{name: value})  # type: ignore[arg-type]


def tiny_model(order: int = 3) -> NGramModel:
    model = NGramModel(order)
    model.fit(TINY)
    return model


def test_distribution_after_a_seen_context() -> None:
    probs = tiny_model(order=2).probabilities(["the"])
    assert probs == pytest.approx({"cat": 3 / 8, "dog": 2 / 8, "mat": 1 / 8, "fish": 1 / 8, "log": 1 / 8})


def test_decoding_truncates_as_documented() -> None:
    model = tiny_model(order=2)
    assert model.probabilities(["the"], Decoding(top_k=1)) == {"cat": 1.0}
    assert model.probabilities(["the"], Decoding(top_k=2)) == pytest.approx({"cat": 0.6, "dog": 0.4})
    # Nucleus: cat (3/8) alone is short of 0.5, cat + dog (5/8) reaches it.
    assert model.probabilities(["the"], Decoding(top_p=0.5)) == pytest.approx({"cat": 0.6, "dog": 0.4})
    assert set(model.probabilities(["the"], Decoding(top_p=0.375))) == {"cat"}
    cold = model.probabilities(["the"], Decoding(temperature=0.5))  # weights ~ counts squared
    assert cold["cat"] == pytest.approx(9 / (9 + 4 + 1 + 1 + 1))


def test_unseen_context_backs_off() -> None:
    model = tiny_model(order=3)
    tokens = [token for doc in TINY for token in doc.split()] + ["</s>"] * len(TINY)
    unigram = {token: count / len(tokens) for token, count in Counter(tokens).items()}
    assert model.probabilities(["zebra", "unicorn"]) == pytest.approx(unigram)
    # "zebra the" is unseen as a trigram context, so the bigram context "the" decides.
    assert model.probabilities(["zebra", "the"]) == pytest.approx(tiny_model(order=2).probabilities(["the"]))
    # A seen trigram context is used as is.
    assert model.probabilities(["on", "the"]) == pytest.approx({"mat": 0.5, "log": 0.5})


def test_top_k_1_is_deterministic_whatever_the_seed() -> None:
    model = tiny_model(order=3)
    greedy = Decoding(top_k=1)
    runs = [model.sample(4, [6, 6, 9, 3], np.random.default_rng(seed), greedy) for seed in (0, 1, 2)]
    assert runs[0] == runs[1] == runs[2]
    assert runs[0][0] == "the cat sat on the mat."


def test_sampling_follows_target_lengths_even_beyond_seen_contexts() -> None:
    # Targets far longer than any training document force </s> to be refused and contexts to back off.
    model = tiny_model(order=4)
    targets = [1, 2, 5, 12, 30]
    docs = model.sample(len(targets), targets, np.random.default_rng(5), Decoding())
    for target, doc in zip(targets, docs, strict=True):
        assert (target + 1) // 2 <= count_words(doc) <= target + target // 2, (target, doc)


def test_sample_needs_a_fitted_model() -> None:
    with pytest.raises(ValueError, match="fit"):
        NGramModel().sample(1, [3], np.random.default_rng(0), Decoding())
    with pytest.raises(UsageError, match="`order` must be"):
        NGramModel(order=0)


def test_prefixes_open_each_document_and_the_model_continues() -> None:
    import numpy as np

    from auditor.simulate.ngram import Decoding, NGramModel

    model = NGramModel(3)
    model.fit(["the cat sat on the mat.", "the dog sat on the rug.", "a bird flew over the house."])
    out = model.sample(
        2, [8, 8], np.random.default_rng(0), Decoding(top_k=1), prefixes=["the dog sat", "zebras unknown here"]
    )
    assert out[0].startswith("the dog sat on the")  # greedy continuation of a seen context
    assert out[1].startswith("zebras unknown here")  # unseen words: kept, and the model backs off
    assert len(out[1].split()) > 3


# --- the output folder holds one simulation at a time; the manifest says what was written ---

SMALL = 60


@pytest.fixture(scope="module")
def small_seed(tmp_path_factory: pytest.TempPathFactory, paragraphs: list[dict]) -> Path:
    """A 40-paragraph seed corpus: fewer documents than SMALL."""
    return write_jsonl(tmp_path_factory.mktemp("small_seed") / "seed.jsonl", paragraphs[:40])


def folder_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_rerun_with_fewer_generations_removes_the_stale_ones(seed_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "sim"
    run(seed_corpus, out, docs=SMALL, generations=4)
    assert folder_names(out) == [f"gen{k}.jsonl" for k in range(5)] + ["manifest.json"]
    paths = run(seed_corpus, out, docs=SMALL, generations=2, seed=5)
    assert folder_names(out) == ["gen0.jsonl", "gen1.jsonl", "gen2.jsonl", "manifest.json"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [g["file"] for g in manifest["generations"]] == [p.name for p in paths]
    # the set equals a fresh run's, byte for byte
    fresh = run(seed_corpus, tmp_path / "fresh", docs=SMALL, generations=2, seed=5)
    for new, ref in zip(paths, fresh, strict=True):
        assert new.read_bytes() == ref.read_bytes()
    assert (out / "manifest.json").read_bytes() == (tmp_path / "fresh" / "manifest.json").read_bytes()


def test_stale_files_an_older_version_left_are_removed_too(seed_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "sim"
    run(seed_corpus, out, docs=SMALL, generations=1)
    for k in (2, 3, 7):  # beside a manifest that does not list them, as older versions left them
        (out / f"gen{k}.jsonl").write_text('{"id": "old", "text": "stale"}\n', encoding="utf-8")
    (out / ".gen3.jsonl.abcd1234.tmp").write_text("a killed write", encoding="utf-8")
    (out / "README.md").write_text("What this folder is.\n", encoding="utf-8")
    run(seed_corpus, out, docs=SMALL, generations=2)
    assert folder_names(out) == ["README.md", "gen0.jsonl", "gen1.jsonl", "gen2.jsonl", "manifest.json"]
    assert (out / "README.md").read_text(encoding="utf-8") == "What this folder is.\n"  # not ours: left alone
    assert "stale" not in (out / "gen2.jsonl").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (lambda out: (out / "notes.txt").write_text("mine"), r"notes\.txt"),
        (lambda out: (out / "gen0.jsonl").write_text('{"text": "my real data"}\n'), r"gen0\.jsonl, no manifest\.json"),
        (
            lambda out: (out / "manifest.json").write_text('{"tool": "something else"}'),
            r"a manifest\.json not written by auditor simulate",
        ),
        (lambda out: (out / "manifest.json").write_text("not json"), r"a manifest\.json not written by auditor"),
        (lambda out: (out / "sub").mkdir(), r"\(sub\)"),
    ],
    ids=["other-file", "gen-without-manifest", "foreign-manifest", "broken-manifest", "subfolder"],
)
def test_a_folder_that_is_not_a_simulation_is_refused_untouched(
    small_seed: Path, tmp_path: Path, setup, fragment: str
) -> None:
    out = tmp_path / "folder"
    out.mkdir()
    setup(out)
    before = {p.name: p.read_bytes() if p.is_file() else None for p in out.iterdir()}
    with pytest.raises(
        UsageError, match=rf"{re.escape(str(out))}: the --out folder holds files that are not .*{fragment}"
    ):
        simulate(small_seed, out, SimulationSettings(generations=1))
    assert {p.name: p.read_bytes() if p.is_file() else None for p in out.iterdir()} == before


def test_a_generation_symlink_in_a_simulation_folder_is_refused(small_seed: Path, tmp_path: Path) -> None:
    out = tmp_path / "sim"
    simulate(small_seed, out, SimulationSettings(generations=1))
    elsewhere = write_jsonl(tmp_path / "precious.jsonl", [{"text": "keep me"}])
    (out / "gen1.jsonl").unlink()
    (out / "gen1.jsonl").symlink_to(elsewhere)
    with pytest.raises(UsageError, match=r"gen1\.jsonl \(not regular files\)"):
        simulate(small_seed, out, SimulationSettings(generations=1))
    assert read_texts(elsewhere) == ["keep me"]


def test_out_that_is_a_file_is_refused(small_seed: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("x")
    with pytest.raises(UsageError, match=rf"{re.escape(str(target))}: --out is an existing file, not a folder"):
        simulate(small_seed, target, SimulationSettings(generations=1))


def test_a_seed_the_run_would_overwrite_or_remove_is_refused(small_seed: Path, tmp_path: Path) -> None:
    out = tmp_path / "sim"
    simulate(small_seed, out, SimulationSettings(generations=3))
    for seed in (out / "gen3.jsonl", out / "gen1.jsonl", out):
        with pytest.raises(UsageError, match="the seed corpus would be overwritten or removed"):
            simulate(seed, out, SimulationSettings(generations=1))
    assert folder_names(out) == [f"gen{k}.jsonl" for k in range(4)] + ["manifest.json"]


def test_the_cli_refuses_a_foreign_folder_with_exit_2(small_seed: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from auditor.cli import app

    out = tmp_path / "mine"
    out.mkdir()
    (out / "data.csv").write_text("text\nhello\n")
    result = CliRunner().invoke(app, ["simulate", str(small_seed), "--out", str(out), "--generations", "1"])
    assert result.exit_code == 2, result.output
    assert "data.csv" in result.stderr and str(out) in result.stderr and "Traceback" not in result.output
    assert folder_names(out) == ["data.csv"]


def test_docs_beyond_the_seed_records_what_was_written(small_seed: Path, tmp_path: Path) -> None:
    from auditor.simulate.run import SimulationWarning

    with pytest.warns(SimulationWarning, match="The seed corpus has 40 documents, fewer than the 5000 asked for"):
        paths = simulate(small_seed, tmp_path / "a", SimulationSettings(generations=1, docs=5000))
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["docs"] == 40 and manifest["docs_requested"] == 5000
    assert manifest["notes"] == [
        "The seed corpus has 40 documents, fewer than the 5000 asked for (docs): "
        "every seed document was used, 40 per generation."
    ]
    assert [g["documents"] for g in manifest["generations"]] == [40, 40] == [len(read_texts(p)) for p in paths]
    # the recorded settings reproduce the same files
    again = simulate(small_seed, tmp_path / "b", SimulationSettings(generations=1, docs=40))
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]
    plain = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert "docs_requested" not in plain and "notes" not in plain  # only when the seed fell short


def test_the_demo_command_reproduces_the_committed_demo_in_place(tmp_path: Path, monkeypatch) -> None:
    """corpora/demo/README.md's command, run over a copy of the folder: same files, README kept."""
    import shutil

    from tests.conftest import PARAGRAPHS, ROOT

    monkeypatch.chdir(ROOT)  # the manifest records the seed path as given, relative to the repository
    demo = ROOT / "corpora" / "demo"
    copy = tmp_path / "demo"
    shutil.copytree(demo, copy)
    simulate(PARAGRAPHS.relative_to(ROOT), copy, SimulationSettings(generations=5, top_p=0.9, seed=0, docs=1500))
    assert folder_names(copy) == folder_names(demo)
    for name in folder_names(demo):
        if name != "manifest.json":
            assert (copy / name).read_bytes() == (demo / name).read_bytes(), name
    ours, committed = (json.loads((d / "manifest.json").read_text(encoding="utf-8")) for d in (copy, demo))
    ours.pop("versions"), committed.pop("versions")  # Python and numpy versions vary by machine
    assert ours == committed


def test_a_chat_seed_corpus_is_read_with_the_format_preset_and_turns(paragraphs: list[dict], tmp_path: Path) -> None:
    """--format and --turns read the seed as audit reads it; the manifest records them (and only
    when set, so a plain simulation's manifest is that of earlier versions)."""
    chats = [
        {"messages": [{"role": "user", "content": "Say something."}, {"role": "assistant", "content": p["text"]}]}
        for p in paragraphs[:80]
    ]
    seed = write_jsonl(tmp_path / "chat.jsonl", chats)
    run(seed, tmp_path / "out", docs=SMALL, generations=1, format="chat", turns="each")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["settings"]["format"], manifest["settings"]["turns"]) == ("chat", "each")
    gen0 = read_texts(tmp_path / "out" / "gen0.jsonl")
    assert len(gen0) == SMALL and all(text in {p["text"] for p in paragraphs[:80]} for text in gen0)
    run(seed, tmp_path / "plain", docs=SMALL, generations=1, text_field="messages[*].content")
    plain = json.loads((tmp_path / "plain" / "manifest.json").read_text(encoding="utf-8"))
    assert "format" not in plain["settings"] and "turns" not in plain["settings"]
    with pytest.raises(UsageError, match="`format` must be a preset"):
        SimulationSettings(format="openai")
