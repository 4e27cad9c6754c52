"""The likelihood family with a neural reference model (issue 18, item 3: ``--likelihood-model``).

A tiny randomly initialised GPT-2 (one layer, 32 dimensions, a context of 64 tokens) and a
byte-level BPE tokenizer trained on a few hundred State of the Union paragraphs are built here and
saved to a folder as ``save_pretrained`` writes them, so nothing is downloaded. Its numbers mean
nothing about English; what is tested is the scoring (equal to a hand computation), the
truncation counts, determinism, the errors and the run end to end.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from auditor import audit
from auditor.cli import app
from auditor.config import Settings, settings_from_mapping
from auditor.errors import UsageError
from auditor.families import resolve_settings
from auditor.families.likelihood import neural
from auditor.report.html import format_html
from auditor.result import AuditResult
from tests.conftest import write_jsonl

# found, not imported: torch and transformers load when a test needs them, not at collection
# (seconds in each xdist worker)
if importlib.util.find_spec("transformers") is None or importlib.util.find_spec("torch") is None:
    pytest.skip("needs torch and transformers (the likelihood-neural extra)", allow_module_level=True)

CONTEXT = 64
FAMILY = "likelihood"
FAST = dict(families=(FAMILY,), draws=4, splits=4)
ENDOFTEXT = "<|endoftext|>"


def build_model(folder: Path, texts: list[str]) -> Path:
    """A byte-level BPE tokenizer trained on ``texts`` and a random 1-layer GPT-2, saved to ``folder``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=[ENDOFTEXT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token=ENDOFTEXT, eos_token=ENDOFTEXT)
    torch.manual_seed(0)
    config = GPT2Config(
        n_layer=1,
        n_head=2,
        n_embd=32,
        n_positions=CONTEXT,
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, shuffled: list[dict]) -> Path:
    return build_model(tmp_path_factory.mktemp("tiny-gpt2"), [r["text"] for r in shuffled[:300]])


@pytest.fixture(scope="module")
def lm(model_dir: Path) -> neural.CausalLM:
    return neural.load(str(model_dir))


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory, shuffled: list[dict]) -> tuple[Path, Path]:
    """A reference of 120 paragraphs and a generation of 70 others (many longer than 64 tokens)."""
    folder = tmp_path_factory.mktemp("neural-corpora")
    return write_jsonl(folder / "ref.jsonl", shuffled[300:420]), write_jsonl(folder / "gen.jsonl", shuffled[420:490])


@pytest.fixture(scope="module")
def cli_run(model_dir: Path, corpora: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`auditor audit ... --families likelihood --likelihood-model DIR`, once for the module."""
    out = tmp_path_factory.mktemp("neural-out")
    ref, gen = corpora
    args = ["audit", f"ref={ref}", f"gen={gen}", "--families", FAMILY, "--likelihood-model", str(model_dir)]
    result = CliRunner().invoke(app, [*args, "--draws", "4", "--splits", "4", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def hand_score(lm: neural.CausalLM, text: str) -> tuple[float, int]:
    """One document alone, unpadded: BOS, its tokens cut to the context, the mean of -log p(token | before)."""
    import torch

    ids = [lm.bos, *lm.tokenizer(text, add_special_tokens=False)["input_ids"]]
    cut = max(0, len(ids) - CONTEXT)
    ids = ids[:CONTEXT]
    with torch.no_grad():
        log_p = torch.log_softmax(lm.model(torch.tensor([ids])).logits[0].double(), dim=-1)
    return -sum(float(log_p[i, ids[i + 1]]) for i in range(len(ids) - 1)) / (len(ids) - 1), cut


def test_scores_equal_a_hand_computation(lm: neural.CausalLM, shuffled: list[dict]) -> None:
    texts = [r["text"] for r in shuffled[500:520]]
    scores = neural.score(lm, texts)
    lengths = [len(lm.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
    short = int(np.argmin(lengths))  # padded in its batch up to longer documents
    long = int(np.argmax(lengths))  # cut to the context
    for i in (short, long):
        value, cut = hand_score(lm, texts[i])
        assert scores.log_perplexity[i] == pytest.approx(value, abs=1e-5)
        assert scores.truncated[i] == cut
    assert lengths[long] + 1 > CONTEXT and scores.truncated[long] == lengths[long] + 1 - CONTEXT
    assert scores.tokens[long] == CONTEXT - 1
    assert lm.describe()["first_token"] == ENDOFTEXT and lm.context_length == CONTEXT


def test_the_models_own_loss_agrees(lm: neural.CausalLM, shuffled: list[dict]) -> None:
    """transformers' mean cross-entropy with labels = inputs is the same quantity, computed its own way."""
    import torch

    text = shuffled[530]["text"]
    ids = torch.tensor([[lm.bos, *lm.tokenizer(text, add_special_tokens=False)["input_ids"]][:CONTEXT]])
    with torch.no_grad():
        loss = float(lm.model(ids, labels=ids).loss)
    assert neural.score(lm, [text]).log_perplexity[0] == pytest.approx(loss, abs=1e-5)


def test_batches_are_canonical_and_bounded() -> None:
    lengths = [5, 64, 3, 64, 10, 3]
    out = neural.batches(lengths, vocab_size=neural.LOGIT_ELEMENTS // 100)  # 100 tokens of logits per batch
    assert sorted(i for b in out for i in b) == list(range(len(lengths)))
    assert [i for b in out for i in b] == [2, 5, 0, 4, 1, 3]  # by length, then position
    assert all(len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 100 for b in out)


def test_metrics_json_records_the_model_and_the_truncation(cli_run: Path, model_dir: Path, lm, corpora) -> None:
    data = json.loads((cli_run / "metrics.json").read_text(encoding="utf-8"))
    assert data["config"]["likelihood_model"] == str(model_dir)
    assert data["config"]["likelihood_scorer"] == "neural"
    info = data["artifacts"]["likelihood"]
    assert info["scorer"] == "neural"
    assert info["model"] == {
        "path": str(model_dir.resolve()),
        "name": model_dir.name,
        "model_type": "gpt2",
        "context_length": CONTEXT,
        "vocab_size": 300,
        "first_token": ENDOFTEXT,
    }
    per = info["generations"]["gen"]
    assert per["skipped_short"] == 0 and per["documents"] == 70
    texts = [json.loads(line)["text"] for line in corpora[1].read_text(encoding="utf-8").splitlines()]
    cut = neural.encode(lm, texts)[1]
    assert per["truncated_documents"] == int(np.count_nonzero(cut)) > 10
    assert per["truncated_tokens"] == int(cut.sum())
    assert info["generations"]["ref"]["documents"] == 120  # nothing fitted: every sampled document is scored
    assert info["n"] == 60  # half the reference: the null's two halves
    values = {m["id"]: m["values"] for m in data["metrics"]}
    for metric in ("typical_mass", "incoherent_mass", "distribution_shift", "mean_log_perplexity", "copy_rate"):
        assert values[f"likelihood.{metric}"]["gen"]["value"] is not None, metric
    assert values["likelihood.typical_mass"]["ref"]["value"] == pytest.approx(0.1, abs=0.06)  # half vs half


def test_the_report_says_which_model_scored(cli_run: Path) -> None:
    html = (cli_run / "report.html").read_text(encoding="utf-8")
    assert "scored by the causal language model" in html and "a context of 64 tokens" in html
    assert "under the causal language model" in html  # the density chart's caption
    reread = AuditResult.from_dict(json.loads((cli_run / "metrics.json").read_text(encoding="utf-8")))
    assert "scored by the causal language model" in format_html(reread)


def test_deterministic_for_a_seed(cli_run: Path, model_dir: Path, corpora: tuple[Path, Path]) -> None:
    """The library run with the CLI's seed (0) gives the CLI run's numbers; another seed draws others."""
    first = json.loads((cli_run / "metrics.json").read_text(encoding="utf-8"))
    again, other = (
        audit([f"ref={corpora[0]}", f"gen={corpora[1]}"], likelihood_model=str(model_dir), seed=s, **FAST).to_dict()
        for s in (0, 1)
    )
    assert again["metrics"] == first["metrics"] and again["artifacts"] == first["artifacts"]
    assert other["metrics"] != first["metrics"]
    assert other["artifacts"]["likelihood"]["histogram"] == first["artifacts"]["likelihood"]["histogram"]


def test_too_few_sampled_documents_is_na_with_a_reason(
    model_dir: Path, corpora: tuple[Path, Path], shuffled: list[dict], tmp_path: Path
) -> None:
    small = write_jsonl(tmp_path / "small.jsonl", shuffled[490:520])
    result = audit([f"ref={corpora[0]}", f"small={small}"], likelihood_model=str(model_dir), **FAST)
    assert result.verdict(FAMILY, "small").status == "n/a"
    reason = result.metric("likelihood.typical_mass").values["small"].reason
    assert "too few documents: 30 sampled documents" in reason and "min_docs" in reason


def test_an_unknown_path_is_exit_2_with_one_line(corpora: tuple[Path, Path], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    args = ["audit", *map(str, corpora), "--families", FAMILY, "--likelihood-model", str(missing)]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(missing) in lines[0] and "no such folder" in lines[0]
    assert not (tmp_path / "out").exists()  # refused before any work


def not_a_model(folder: Path, kind: str) -> Path:
    """A folder that is not a causal LM, of one ``kind``."""
    folder.mkdir()
    if kind == "corpus":
        (folder / "a.txt").write_text("Some text.\n", encoding="utf-8")
    elif kind == "masked":
        (folder / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertForMaskedLM"]}))
        (folder / "model.safetensors").write_bytes(b"")
        (folder / "vocab.txt").write_text("[PAD]\n")
    elif kind == "broken":
        (folder / "config.json").write_text("{not json")
    return folder


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("corpus", "no config.json in it"),
        ("masked", "model type 'bert' (BertForMaskedLM) has no causal language-model head"),
        ("broken", "config.json is not readable JSON"),
    ],
)
def test_a_folder_that_is_not_a_causal_lm_is_refused(tmp_path: Path, kind: str, reason: str) -> None:
    folder = not_a_model(tmp_path / kind, kind)
    # the likelihood family's early check runs when the registry resolves the settings
    with pytest.raises(UsageError, match=re.escape(f"{folder}: --likelihood-model is not a causal language model")):
        resolve_settings(Settings(likelihood_model=str(folder)))
    with pytest.raises(UsageError, match=re.escape(reason)):
        resolve_settings(Settings(likelihood_model=str(folder)))
    assert resolve_settings(Settings(likelihood_model=str(folder), families=("vocabulary",)))  # unused: not checked


def test_a_non_model_folder_is_exit_2_naming_it(corpora: tuple[Path, Path], tmp_path: Path) -> None:
    folder = not_a_model(tmp_path / "corpus", "corpus")
    args = ["audit", *map(str, corpora), "--families", FAMILY, "--likelihood-model", str(folder)]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(folder) in lines[0] and "no config.json" in lines[0]


def test_corrupt_weights_are_a_usage_error_naming_the_folder(model_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "corrupt"
    folder.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (folder / name).write_bytes((model_dir / name).read_bytes())
    (folder / "model.safetensors").write_bytes(b"not a safetensors file")
    Settings(likelihood_model=str(folder))  # the folder looks right: only loading can tell
    with pytest.raises(UsageError, match=re.escape(f"{folder}: --likelihood-model could not be loaded offline (")):
        neural.load(str(folder))


def test_a_config_file_sets_it_and_check_and_init_policy_take_the_flag(model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "auditor.toml"
    path.write_text(f"likelihood_model = {json.dumps(str(model_dir))}\n", encoding="utf-8")
    from auditor.config import load_config_file

    assert settings_from_mapping(load_config_file(path), source=str(path)).likelihood_model == str(model_dir)
    for command in ("audit", "check", "init-policy"):
        assert "--likelihood-model" in CliRunner().invoke(app, [command, "--help"], terminal_width=200).output


def test_without_transformers_the_metrics_are_na_naming_the_extra(
    model_dir: Path, corpora: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)  # `import transformers` fails, find_spec says None
    result = audit(list(corpora), likelihood_model=str(model_dir), **FAST)
    for metric in result.metrics:
        for g in ("ref", "gen"):
            assert metric.values[g].value is None
            assert "likelihood-neural extra" in metric.values[g].reason
            assert "pip install 'corpus-auditor[likelihood-neural]'" in metric.values[g].reason
    assert result.verdict(FAMILY, "gen").status == "n/a"
