"""The committed demo generations show collapse; mixing real text back in slows it (DESIGN, issue 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import audit
from auditor.simulate import SimulationSettings, simulate
from tests.conftest import PARAGRAPHS, ROOT
from tests.helpers import LEXICAL

DEMO = ROOT / "corpora" / "demo"
LATER = ["gen1", "gen2", "gen3", "gen4", "gen5"]


@pytest.fixture(scope="module")
def demo_result(demo_lexical):
    return demo_lexical


def test_demo_vocabulary_shrinks_at_every_generation(demo_result) -> None:
    types = demo_result.metric("vocabulary.types_at_budget")
    values = [types.values[g].value for g in ["gen0", *LATER]]
    assert values == sorted(values, reverse=True) and len(set(values)) == 6
    assert all(demo_result.verdict("vocabulary", g).status == "degraded" for g in LATER)


def test_demo_rare_words_are_lost_more_with_each_generation(demo_result) -> None:
    hapax = demo_result.metric("tail.rare_survival_hapax")
    later = [hapax.values[g].value for g in LATER]
    assert later == sorted(later, reverse=True)  # falls from gen1 on
    assert later[-1] < hapax.null.range[0]
    statuses = [demo_result.verdict("tail", g).status for g in LATER]
    # once degraded, a later generation stays degraded
    first = statuses.index("degraded")
    assert all(s == "degraded" for s in statuses[first:])
    assert first <= 2


def test_demo_reads_narrowing_and_loss_from_gen2_on(demo_result) -> None:
    """Issue 21: the recursive trigram model narrows its vocabulary and loses the reference's rare words."""
    for g in LATER[1:]:
        reading = demo_result.reading(g)
        assert {"narrowing", "loss"} <= set(reading.aspects), (g, reading.text)
        assert "vocabulary.types_at_budget" in reading.metrics["narrowing"]
        assert any(i.startswith("tail.rare_survival") for i in reading.metrics["loss"])
    assert demo_result.reading("gen0").aspects == []


def test_demo_lost_words_grow(demo_result) -> None:
    lost = demo_result.artifacts["lost_words"]
    assert len(lost["gen5"]) == 50
    gen1_top = {w for w, _ in lost["gen1"]}
    assert {w for w, _ in lost["gen5"][:10]} - gen1_top  # new, more frequent words vanish later


def test_demo_files_are_what_the_simulator_makes(tmp_path: Path) -> None:
    """The committed demo is reproducible from its manifest's command (byte for byte)."""
    settings = SimulationSettings(generations=5, top_p=0.9, seed=0, docs=1500)
    simulate(PARAGRAPHS.relative_to(ROOT), tmp_path, settings)
    for k in range(6):
        assert (tmp_path / f"gen{k}.jsonl").read_bytes() == (DEMO / f"gen{k}.jsonl").read_bytes(), k


def test_mixing_real_text_degrades_less(tmp_path: Path) -> None:
    """Same seed and settings: --mix-real 0.5 keeps more hapax survival at the last generation than 0."""
    survival = {}
    for mix in (0.0, 0.5):
        out = tmp_path / f"mix{mix}"
        settings = SimulationSettings(generations=4, top_p=0.9, seed=3, docs=600, mix_real=mix)
        paths = simulate(PARAGRAPHS, out, settings)
        result = audit([paths[0], paths[-1]], budget=12_000, families=LEXICAL)
        survival[mix] = result.metric("tail.rare_survival_hapax").values["gen4"].value
    assert survival[0.5] > survival[0.0] + 0.03
