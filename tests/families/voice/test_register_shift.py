"""Register shift (issue 17): style drift, word shift and over-used mass on State of the Union paragraphs.

The planted change is a deterministic rewrite of human paragraphs into a formal, impersonal register:
contractions expanded, intensifiers (really, very, so, just) dropped, first-person sentences made
impersonal and formal connectives (however, moreover, additionally) put at sentence starts.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from auditor import audit
from auditor.families.register_shift import register_sentences
from auditor.families.vocabulary.wordshift import SIGNIFICANT_Z, log_odds_z, overused_share, word_shift
from auditor.report.markdown import escape_cell, format_markdown
from tests.conftest import write_jsonl

FAMILIES = ("voice", "vocabulary")
CONNECTIVES = ("however", "moreover", "additionally")
INTENSIFIERS = ("really", "very", "so", "just")
_CONTRACTIONS = [
    (r"\bwon't\b", "will not"),
    (r"\bcan't\b", "cannot"),
    (r"\bshan't\b", "shall not"),
    (r"n't\b", " not"),
    (r"'re\b", " are"),
    (r"'ve\b", " have"),
    (r"'ll\b", " will"),
    (r"'m\b", " am"),
    (r"'d\b", " would"),
    (r"\b(it|that|there|what|here|he|she)'s\b", r"\1 is"),
]
_FIRST_PERSON = {
    "i": "the administration",
    "we": "the nation",
    "me": "the administration",
    "us": "the nation",
    "my": "the",
    "our": "the",
    "mine": "the administration's",
    "ours": "the nation's",
    "myself": "itself",
    "ourselves": "itself",
}
_FP_RE = re.compile(r"\b(" + "|".join(_FIRST_PERSON) + r")\b", re.IGNORECASE)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")


def formalize(text: str) -> str:
    """The planted register change (deterministic: every odd-numbered sentence of a paragraph gets a
    connective, cycling through them from an offset set by the paragraph's length)."""
    out = []
    for k, sentence in enumerate(_SENTENCE_RE.split(text)):
        for pattern, repl in _CONTRACTIONS:
            sentence = re.sub(pattern, repl, sentence, flags=re.IGNORECASE)
        sentence = re.sub(r"\b(" + "|".join(INTENSIFIERS) + r")\b\s*", "", sentence, flags=re.IGNORECASE)
        sentence = _FP_RE.sub(lambda m: _FIRST_PERSON[m.group(1).lower()], sentence)
        sentence = sentence[:1].upper() + sentence[1:]
        if sentence and k % 2 == 1:
            word = CONNECTIVES[(len(text) + k // 2) % 3].capitalize()
            sentence = f"{word}, {sentence[0].lower()}{sentence[1:]}"
        out.append(sentence)
    return " ".join(out)


def test_formalize_is_the_planted_change() -> None:
    got = formalize("I really don't know. We can't stop. It's so very late.")
    assert got == "The administration do not know. However, the nation cannot stop. It is late."


# -- word shift formulas -----------------------------------------------------------------------


def test_log_odds_is_zero_for_identical_counts_and_signed() -> None:
    counts = np.array([5, 0, 3, 100])
    assert np.all(log_odds_z(counts, counts) == 0)
    z = log_odds_z(np.array([50, 10, 100]), np.array([10, 50, 100]))
    assert z[0] > 0 > z[1]


def test_overused_share_and_word_shift_lists() -> None:
    rng = np.random.default_rng(0)
    ref = rng.integers(0, 50, 20_000)
    gen = np.concatenate([rng.integers(0, 50, 18_000), np.full(2_000, 50)])
    assert overused_share(ref, ref) == 0.0
    assert overused_share(gen, ref) >= 0.1
    words = [f"w{i}" for i in range(51)]
    shift = word_shift(gen, ref, words, top=5)
    assert shift["over"][0]["word"] == "w50"
    assert shift["over"][0]["reference_count"] == 0 and shift["over"][0]["count"] == 2_000
    assert all(row["z"] < 0 for row in shift["under"])


def test_each_word_shift_row_says_whether_its_z_is_significant() -> None:
    rng = np.random.default_rng(1)
    ref = rng.integers(0, 50, 20_000)
    gen = np.concatenate([rng.integers(0, 50, 19_800), np.full(150, 50), np.full(50, 51)])
    words = [f"w{i}" for i in range(52)]
    g = np.bincount(gen, minlength=52)
    r = np.bincount(ref, minlength=52)
    z = dict(zip(words, log_odds_z(g, r).tolist(), strict=True))
    shift = word_shift(gen, ref, words, top=10)
    rows = shift["over"] + shift["under"]
    assert all(row["significant"] is (abs(z[row["word"]]) > SIGNIFICANT_Z) for row in rows)
    assert {True, False} <= {row["significant"] for row in shift["over"]}  # both kinds occur


# -- audits ------------------------------------------------------------------------------------

SYNTAX = 100
"""Sentences parsed per generation: the fewest (syntactic diversity is not what these tests measure)."""


@pytest.fixture(scope="module")
def register_result(paragraphs: list[dict], tmp_path_factory: pytest.TempPathFactory):
    """human_a (reference), human_b (other paragraphs), formal (human_b through :func:`formalize`)."""
    folder = tmp_path_factory.mktemp("register")
    rows = list(paragraphs)
    random.Random(0).shuffle(rows)
    a, b = rows[:3000], rows[3000:6000]
    paths = [
        write_jsonl(folder / "human_a.jsonl", a),
        write_jsonl(folder / "human_b.jsonl", b),
        write_jsonl(folder / "formal.jsonl", [dict(r, text=formalize(r["text"])) for r in b]),
    ]
    return audit(paths, families=FAMILIES, syntax_sentences=SYNTAX)


def test_the_formal_rewrite_is_degraded_on_style_drift(register_result) -> None:
    drift = register_result.metric("voice.style_drift")
    assert drift.status["formal"] == "degraded"
    assert drift.status["human_b"] != "degraded"
    assert drift.values["formal"].value > drift.values["human_b"].value + 0.1
    assert drift.values["human_a"].value is not None  # the reference row holds half vs half


INSERTED = {*CONNECTIVES, "the", "nation", "administration", "administration's", "nation's", "itself"}
DROPPED = {*INTENSIFIERS, *_FIRST_PERSON, "ca", "n't", "'s", "'re", "'ve", "'ll", "'m", "'d"}


def test_the_inserted_words_top_the_overused_list(register_result) -> None:
    shift = register_result.artifacts["word_shift"]["formal"]
    over = [row["word"] for row in shift["over"]]
    assert set(CONNECTIVES) <= set(over[:6]), over
    assert set(over[:6]) <= INSERTED, over
    assert all(row["z"] > 5 for row in shift["over"][:6])


def test_the_dropped_words_top_the_underused_list(register_result) -> None:
    shift = register_result.artifacts["word_shift"]["formal"]
    under = [row["word"] for row in shift["under"]]
    assert set(under[:10]) <= DROPPED, under
    # every intensifier the reference draw uses at least 20 times is among the 10 most under-used
    frequent = [r["word"] for r in shift["under"] if r["word"] in INTENSIFIERS and r["reference_count"] >= 20]
    assert len(frequent) >= 2 and set(frequent) <= set(under[:10]), under


def test_overused_mass_sees_the_rewrite(register_result) -> None:
    mass = register_result.metric("vocabulary.overused_mass")
    assert mass.status["formal"] == "degraded"
    assert mass.status["human_b"] != "degraded"
    assert mass.values["human_a"].value is not None


def test_human_halves_have_no_strong_word_shift(register_result) -> None:
    shift = register_result.artifacts["word_shift"]["human_b"]
    assert all(abs(row["z"]) <= 4 for row in shift["over"] + shift["under"])


@pytest.mark.slow
def test_human_splits_are_never_degraded_on_style_drift(paragraphs: list[dict], tmp_path) -> None:
    statuses = []
    for s in range(20):
        rows = list(paragraphs)
        random.Random(100 + s).shuffle(rows)
        a, b = rows[:2000], rows[2000:4000]
        paths = [write_jsonl(tmp_path / f"a{s}.jsonl", a), write_jsonl(tmp_path / f"b{s}.jsonl", b)]
        # smaller samples than the defaults (noisier, so no easier to pass) keep 20 splits to about a minute
        small = {
            "pos_tokens": 20_000,
            "sample_docs": 400,
            "voice_docs": 40,
            "pair_budget": 2_000,
            "syntax_sentences": SYNTAX,
        }
        result = audit(paths, families=FAMILIES, seed=s, draws=8, splits=10, **small)
        statuses.append(result.metric("voice.style_drift").status[f"b{s}"])
        shift = result.artifacts["word_shift"][f"b{s}"]
        assert all(abs(row["z"]) <= 4 for row in shift["over"] + shift["under"]), s
    assert "degraded" not in statuses, statuses
    assert statuses.count("watch") <= 1, statuses


def test_style_shift_names_the_moved_features(register_result) -> None:
    rows = register_result.artifacts["style_shift"]["formal"]
    first = next(r for r in rows if r["feature"] == "first_person_rate")
    assert first["text"].startswith("first-person pronouns -") and first["relative"] < -0.9
    assert first["interval"][1] < 0 < first["interval"][1] - first["interval"][0]  # excludes 0, not a point
    for r in register_result.artifacts["style_shift"]["human_b"]:
        assert abs(r["smd"]) < abs(first["smd"]) / 5


def test_the_report_draws_word_shift_and_style_shift(register_result) -> None:
    from auditor.families.vocabulary.views import views as vocabulary_views
    from auditor.families.voice.views import views as voice_views

    charts = [c for c in vocabulary_views(register_result).charts if c.anchor.startswith("view-wordshift")]
    assert [c.title for c in charts] == ["Word shift: human_b", "Word shift: formal"]
    assert "<svg" in charts[1].svg and "however" in charts[1].svg
    again = [c for c in vocabulary_views(register_result).charts if c.anchor.startswith("view-wordshift")]
    assert again[1].svg == charts[1].svg
    view = voice_views(register_result)
    assert view.section == "voice/section.html.j2" and "formal" in view.context["style_shift"]


def test_the_summary_names_the_register_change(register_result) -> None:
    sentences = register_sentences(register_result)
    assert list(sentences) == ["formal"]  # the other human half is not flagged
    over, under = sentences["formal"].split("; ")[:2]
    assert over.startswith("formal writes in another register: over-uses ")
    assert set(CONNECTIVES) <= set(over.split(": over-uses ")[1].split(", "))
    assert under.startswith("under-uses ") and set(under.removeprefix("under-uses ").split(", ")) <= DROPPED
    assert "first-person pronouns -" in sentences["formal"]
    summary = format_markdown(register_result)
    assert "## Register" in summary and f"- {escape_cell(sentences['formal'])}" in summary


def test_the_register_sentence_names_the_rows_flagged_significant(register_result) -> None:
    """The words named are those whose stored z is beyond the threshold, as register.py judged them before 1.3."""
    shift = register_result.artifacts["word_shift"]["formal"]
    over = [r["word"] for r in shift["over"] if r["z"] > SIGNIFICANT_Z][:8]
    under = [r["word"] for r in shift["under"] if r["z"] < -SIGNIFICANT_Z][:8]
    assert over and under
    sentence = register_sentences(register_result)["formal"]
    assert f"over-uses {', '.join(over)}; under-uses {', '.join(under)}" in sentence


# -- paired: the same rewrite, each paragraph linked to its original -----------------------------


@pytest.fixture(scope="module")
def paired_register(paragraphs: list[dict], tmp_path_factory: pytest.TempPathFactory):
    """400 paragraphs and their formal rewrites, linked by id; one rewrite introduces markup."""
    folder = tmp_path_factory.mktemp("paired-register")
    rows = [dict(r, pid=f"p{i}") for i, r in enumerate(paragraphs[:400])]
    rewrites = [dict(r, text=formalize(r["text"])) for r in rows]
    rewrites[0]["text"] = "Moreover, <script>alert(1)</script> all."  # keeps none of its rare words
    paths = [write_jsonl(folder / "human.jsonl", rows), write_jsonl(folder / "formal.jsonl", rewrites)]
    return audit(paths, families=("paired",), pair_field="pid")


def test_paired_feature_shift_names_what_each_rewrite_moved(paired_register) -> None:
    rows = paired_register.artifacts["paired"]["feature_shift"]["formal"]
    named = {r["feature"]: r for r in rows}
    first = named["first_person_rate"]
    assert first["relative"] < -0.9 and first["interval"][1] < 0  # every rewrite dropped "I" and "we"
    assert first["text"].startswith("first-person pronouns -")
    assert "contraction_rate" not in named or named["contraction_rate"]["relative"] < 0
    assert abs(rows[0]["smd"]) >= abs(rows[-1]["smd"])  # ordered by how far they moved


def test_worst_hit_pairs_show_introduced_words_beside_lost_ones(paired_register) -> None:
    worst = paired_register.artifacts["paired"]["worst"]["formal"]
    assert worst, "rewrites that drop rare words are listed"
    introduced = {w for row in worst for w in row["introduced"]}
    assert {"however", "moreover", "additionally"} & introduced
    assert not {w for row in worst for w in row["introduced"]} & {w for row in worst for w in row["lost"]}


def test_introduced_words_are_marked_and_escaped_in_the_report(paired_register) -> None:
    from auditor.report.html import format_html

    worst = paired_register.artifacts["paired"]["worst"]["formal"]
    assert worst[0]["id"] == "p0" and {"moreover", "script"} <= set(worst[0]["introduced"])
    page = format_html(paired_register)
    assert "<script>alert" not in page
    assert "&lt;" in page.split('id="paired-worst"')[1]  # the markup is shown as text
    assert "Style features the rewrites moved most" in page
    assert '<mark class="added">Moreover</mark>' in page
