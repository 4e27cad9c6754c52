"""Languages beyond English (issue 22), on real German, Spanish, French and Chinese text.

The corpora are Universal Dependencies GSD documents copied into ``corpora/<lang>/`` (see
``corpora/de/README.md``). Each audit is restricted to the lexical families (and voice and topics
once), so the module stays within a few seconds per language.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from auditor import audit
from auditor.config import Settings
from auditor.errors import UsageError
from tests.conftest import ROOT, write_jsonl

LANGUAGES = ("de", "es", "fr", "zh")
LEXICAL = ("vocabulary", "tail")
FAST: dict[str, Any] = {"draws": 10, "splits": 10, "workers": 1}


def _documents(language: str) -> list[dict]:
    with (ROOT / "corpora" / language / "ud_gsd.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _gold() -> list[dict]:
    with (ROOT / "corpora" / "zh" / "ud_gsd_gold_segmentation.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def halves(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Each language's documents split at random (seed 1) into two disjoint halves."""
    folder = tmp_path_factory.mktemp("halves")
    out = {}
    for language in LANGUAGES:
        docs = _documents(language)
        random.Random(1).shuffle(docs)
        half = len(docs) // 2
        out[language] = (
            write_jsonl(folder / language / "a.jsonl", docs[:half]),
            write_jsonl(folder / language / "b.jsonl", docs[half:]),
        )
    return out


@pytest.fixture(scope="module")
def half_results(halves: dict[str, tuple[Path, Path]]) -> dict[str, Any]:
    """One lexical audit of the two halves per language (the default 20 draws and 20 null splits: with
    10 and 10 the null's range is narrower, and 2 of 20 random splits measured came out degraded);
    French with ``--language auto``."""
    return {
        language: audit(list(pair), families=LEXICAL, language="auto" if language == "fr" else language, workers=1)
        for language, pair in halves.items()
    }


def test_the_detector_names_the_language_of_each_corpus() -> None:
    from auditor.text.langid import language_shares

    for language in LANGUAGES:
        found = language_shares([d["text"] for d in _documents(language)])
        assert found.main == language
        assert found.shares[language] >= 0.95, found.shares


@pytest.mark.parametrize("language", LANGUAGES)
def test_split_halves_are_never_degraded(half_results: dict[str, Any], language: str) -> None:
    result = half_results[language]
    statuses = {(v.family, v.generation): v.status for v in result.verdicts}
    assert "degraded" not in statuses.values(), statuses
    shares = result.artifacts["language"]["generations"]
    assert {g["main"] for g in shares.values()} == {language}
    assert not any(g.warnings for g in result.generations)  # the language is the run's: nothing to warn about


def test_auto_uses_the_reference_language(half_results: dict[str, Any]) -> None:
    result = half_results["fr"]
    assert result.config["language"] == "fr"
    assert result.config["language_requested"] == "auto"
    assert result.artifacts["language"]["requested"] == "auto"
    assert result.artifacts["language"]["families"]["tail"]["wordfreq"] == "fr"


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A collapse simulated from each corpus (5 generations, top-p 0.9), gen0 against gen5."""
    from auditor.simulate import SimulationSettings, simulate

    out = {}
    for language in LANGUAGES:
        folder = tmp_path_factory.mktemp(f"sim_{language}")
        files = simulate(ROOT / "corpora" / language / "ud_gsd.jsonl", folder, SimulationSettings(top_p=0.9, seed=0))
        out[language] = audit([files[0], files[-1]], families=LEXICAL, language=language, **FAST)
    return out


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_simulated_collapse_is_detected_on_vocabulary_and_tail(simulated: dict[str, Any], language: str) -> None:
    result = simulated[language]
    later = result.generations[-1].name
    assert result.verdict("vocabulary", later).status == "degraded"
    assert result.verdict("tail", later).status == "degraded"


def test_language_changes_the_resources_recorded_in_metrics_json(halves: dict[str, tuple[Path, Path]]) -> None:
    """German audited as German and as English: metrics.json says what each family used, and the
    English run warns that the text is German."""
    families = ("vocabulary", "tail", "topics", "voice")
    german = audit(list(halves["de"]), families=families, language="de", **FAST).to_dict()
    english = audit(list(halves["de"]), families=LEXICAL, **FAST).to_dict()
    used_de = german["artifacts"]["language"]["families"]
    used_en = english["artifacts"]["language"]["families"]
    assert used_de["tail"]["wordfreq"] == "de" and used_en["tail"]["wordfreq"] == "en"
    assert used_de["vocabulary"]["tokenizer"] == "spacy.blank('de')"
    assert used_en["vocabulary"]["tokenizer"] == "spacy.blank('en') with clitic handling"
    assert "spacy.lang.de" in used_de["topics"]["stop_words"]
    assert "spacy.lang.de" in used_de["voice"]["function_words"]
    assert used_de["voice"]["sentence_splitter"] == "punkt:german"
    # no German POS pipeline is installed by the project: POS is left out, with the reason
    assert used_de["voice"]["pos_model"] is None
    pos = next(m for m in german["metrics"] if m["id"] == "voice.pos_compression_ratio")
    assert all(v["value"] is None and "no spaCy pipeline for 'de'" in v["reason"] for v in pos["values"].values())
    assert german["artifacts"]["voice"]["pos_trigrams"] == []
    # German words are rarer in English's frequency list than in German's
    rare = {
        run: next(m for m in data["metrics"] if m["id"] == "tail.lang_rare_share")["values"]
        for run, data in (("de", german), ("en", english))
    }
    for name in rare["de"]:
        assert rare["en"][name]["value"] > rare["de"][name]["value"] + 0.1
    warnings = [w for g in english["generations"] for w in g["warnings"]]
    assert any("detected language 'de'" in w and "--language en" in w for w in warnings), warnings
    assert not any(g["warnings"] for g in german["generations"])


def test_the_report_inputs_table_shows_the_languages(half_results: dict[str, Any]) -> None:
    from auditor.report.html import format_html

    page = format_html(half_results["es"])
    inputs = page[page.index('id="inputs"') : page.index('id="settings"')]
    assert "<th scope=\"col\">language</th>" in inputs
    assert "es 100%" in inputs or "es 99%" in inputs


def test_generations_in_different_languages_are_warned_about() -> None:
    from auditor.text.langid import LanguageShares, language_warnings

    shares = {"ref": LanguageShares(100, {"de": 1.0}), "gen1": LanguageShares(100, {"fr": 0.9, "de": 0.1})}
    out = language_warnings(shares, "ref", "de", "de")
    assert out["ref"] == []
    assert any("mostly 'fr'" in w and "mostly 'de'" in w for w in out["gen1"])
    assert any("detected language 'fr'" in w and "rerun with --language fr" in w for w in out["gen1"])
    mixed = language_warnings({"ref": LanguageShares(10, {"de": 0.6, "en": 0.4})}, "ref", "de", "de")
    assert mixed["ref"] == ["mixed languages: 'de' is 60% of 10 sampled documents (en 40%)"]


# ---------------------------------------------------------------------------------------------------
# Chinese: words, not runs of characters
# ---------------------------------------------------------------------------------------------------


def _spans(words: list[str], keep: Any) -> set[tuple[int, int]]:
    out, pos = set(), 0
    for w in words:
        if keep(w):
            out.add((pos, pos + len(w)))
        pos += len(w)
    return out


def test_chinese_words_agree_with_the_gold_segmentation() -> None:
    """Word F1 against the treebank's tokens, on the sentences joined without spaces (punctuation,
    which has no letter and is never a word, left out on both sides)."""
    from auditor.text.languages import segmenter

    segment = segmenter("zh")
    is_word = lambda w: any(c.isalpha() for c in w)  # noqa: E731
    tp = fp = fn = 0
    for row in _gold():
        text = "".join(row["text"].split())  # gold words leave out the spaces around Latin words
        found_words = segment(row["text"])
        assert "".join(row["words"]) == "".join(found_words) == text
        gold = _spans(row["words"], is_word)
        found = _spans(found_words, is_word)
        tp, fp, fn = tp + len(gold & found), fp + len(found - gold), fn + len(gold - found)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.8, (precision, recall, f1)


def test_chinese_types_at_budget_are_counted_in_words(half_results: dict[str, Any]) -> None:
    """The tokens the audit counts are words: as many as the gold segmentation has (within 10%), and
    far more than the runs of characters between punctuation that an English tokenizer sees."""
    from auditor.text.tokenize import Tokenizer, Vocabulary

    rows = _gold()
    texts = [r["text"] for r in rows]
    gold_words = [w for r in rows for w in r["words"] if any(c.isalpha() for c in w)]
    words = Tokenizer(Vocabulary(), language="zh").ids(texts)
    runs = Tokenizer(Vocabulary(), "regex").ids(texts)
    n_words, n_runs = sum(map(len, words)), sum(map(len, runs))
    assert abs(n_words / len(gold_words) - 1) < 0.1
    assert n_runs < 0.4 * n_words
    result = half_results["zh"]
    budget = result.config["budget"]
    types = next(m for m in result.metrics if m.id == "vocabulary.types_at_budget")
    ref = types.values[result.reference].value
    assert ref is not None and 0.3 * budget < ref < budget  # words repeat: fewer types than tokens
    assert result.artifacts["language"]["families"]["vocabulary"]["tokenizer"].startswith("jieba")


def test_the_language_reaches_the_worker_processes(halves: dict[str, tuple[Path, Path]]) -> None:
    one = audit(list(halves["zh"]), families=("vocabulary",), language="zh", draws=2, splits=2, workers=1)
    two = audit(list(halves["zh"]), families=("vocabulary",), language="zh", draws=2, splits=2, workers=2)
    assert [(g.tokens, g.types) for g in one.generations] == [(g.tokens, g.types) for g in two.generations]


# ---------------------------------------------------------------------------------------------------
# Settings and errors
# ---------------------------------------------------------------------------------------------------


def test_the_language_setting_is_checked() -> None:
    assert Settings().language == "en"
    assert Settings(language="auto").language == "auto"
    for bad in ("english", "DE", "", 3):
        with pytest.raises(UsageError, match="language"):
            Settings(language=bad)


def test_a_language_spacy_does_not_know_is_a_usage_error(halves: dict[str, tuple[Path, Path]]) -> None:
    with pytest.raises(UsageError, match=r"E090|spaCy has no rules for this language"):
        audit(list(halves["de"]), families=LEXICAL, language="qq", **FAST)


def test_auto_on_a_language_spacy_does_not_know_says_so(
    halves: dict[str, tuple[Path, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.text import langid

    monkeypatch.setattr(langid, "language_shares", lambda texts, limit=100: langid.LanguageShares(1, {"qq": 1.0}))
    with pytest.raises(UsageError, match=r"--language auto: the reference 'a' reads as 'qq'"):
        audit(list(halves["de"]), families=LEXICAL, language="auto", **FAST)


def test_auto_cannot_read_standard_input_twice(halves: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from auditor.cli import app

    a, b = halves["de"]
    argv = ["audit", "-", str(b), "--language", "auto", "--families", "vocabulary", "-q", "--out", str(tmp_path)]
    run = CliRunner().invoke(app, argv, input=a.read_text(encoding="utf-8"))
    assert run.exit_code == 2, run.output
    assert "is standard input: give the language" in run.output


def test_without_the_segmenter_chinese_is_an_error_naming_the_extra(
    halves: dict[str, tuple[Path, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import util

    from typer.testing import CliRunner

    from auditor.cli import app
    from auditor.text import languages

    real = util.find_spec
    monkeypatch.setattr(languages.util, "find_spec", lambda name, *a: None if name == "jieba" else real(name, *a))
    with pytest.raises(UsageError, match=r"corpus-auditor\[cjk\]"):
        languages.segmenter("zh")
    a, b = halves["zh"]
    run = CliRunner().invoke(app, ["audit", str(a), str(b), "--language", "zh", "--families", "vocabulary", "-q"])
    assert run.exit_code == 2, run.output
    assert "jieba missing" in run.output and "corpus-auditor[cjk]" in run.output


def test_a_spacy_tokenizer_needing_a_missing_package_is_a_usage_error() -> None:
    """Korean's spaCy tokenizer needs MeCab (natto-py), which the project does not install."""
    from importlib import util

    from auditor.text.languages import segmenter

    if util.find_spec("natto") is not None:
        pytest.skip("natto-py is installed here")
    with pytest.raises(UsageError, match=r"--language ko: spaCy's tokenizer for it needs a package"):
        segmenter("ko")


def test_japanese_is_segmented_when_sudachi_is_installed() -> None:
    pytest.importorskip("sudachipy")
    pytest.importorskip("sudachidict_core")
    from auditor.text.tokenize import Tokenizer, Vocabulary

    tokenizer = Tokenizer(Vocabulary(), language="ja")
    words = tokenizer.span_words("今日は良い天気です。")
    assert "".join(words) == "今日は良い天気です" and len(words) >= 4


def test_every_family_says_what_it_uses() -> None:
    from auditor.families import FAMILY_NAMES, chosen
    from auditor.stages import language_use

    def describe(language: str, settings: Settings) -> set[str]:
        return set(language_use(chosen(settings), settings.replace(language=language)))

    assert describe("de", Settings()) == set(FAMILY_NAMES)
    assert describe("de", Settings(families="vocabulary,topics")) == {"vocabulary", "topics"}


def test_the_embedding_warning_names_english_only_models() -> None:
    from auditor.embed.notes import embedding_note

    assert embedding_note("all-MiniLM-L6-v2", "en")["warning"] is None
    assert "English only" in embedding_note("all-MiniLM-L6-v2", "de")["warning"]
    multilingual = embedding_note("/models/paraphrase-multilingual-MiniLM-L12-v2", "de")
    assert multilingual["languages"] == "multilingual" and multilingual["warning"] is None


def test_style_features_of_another_language_drop_the_english_only_ones() -> None:
    from auditor.text.style_language import ENGLISH_STYLE, style_for
    from auditor.voice.features import style_feature_names
    from auditor.voice.style import style_features

    german = style_for("de")
    names = style_feature_names(german)
    assert "contraction_rate" not in names and "first_person_rate" not in names
    assert len(german.function_words) == 150 and {"und", "der", "die"} <= set(german.function_words)
    text = "Ich habe das Buch gelesen. Es war sehr gut, und ich empfehle es. Wir lesen es wieder!"
    rows, _ = style_features([text], style=german)
    column = dict(zip(names, rows[0], strict=True))
    assert column["sentence_length_mean"] == pytest.approx(17 / 3)
    assert column["fw:und"] == pytest.approx(1 / 17)
    assert style_for("en") is ENGLISH_STYLE
    chinese = style_for("zh")
    rows, _ = style_features(["我 喜欢 读书 。 你 呢 ？"], style=chinese)
    column = dict(zip(style_feature_names(chinese), rows[0], strict=True))
    assert column["sentence_length_mean"] == pytest.approx(2.5)
    assert column["punct:period"] == pytest.approx(1 / 5) and column["punct:question"] == pytest.approx(1 / 5)
