"""Properties every metric must have, checked over the whole registry (cf. scikit-learn's
``sklearn/metrics/tests/test_common.py``): a new metric is covered the moment it is registered.

The lists below are built from the registry; the real audit is one small run of every family on
three demo generations (paired by order), whose draws are captured as they are scored.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import auditor.pipeline
from auditor import audit
from auditor.aspects import ASPECTS
from auditor.families import FAMILIES, FAMILY_NAMES, all_metrics, all_specs
from auditor.families.base import spec_factory
from tests.conftest import ROOT

DEMO = [str(ROOT / "corpora" / "demo" / f"gen{k}.jsonl") for k in (0, 1, 5)]
SETTINGS = {"sample_docs": 120, "draws": 4, "splits": 4, "pair_by_order": True, "pair_docs": 120, "min_docs": 50}

SHARE_METRICS = [s.id for s in all_specs() if s.unit == "share"]
DIRECTED_METRICS = [s.id for s in all_specs() if s.better != "none"]
COMPARISON_METRICS = [m.spec.id for m in all_metrics() if m.kind == "paired"]
IDENTITY = {
    # a draw compared with itself: nothing lost, nothing moved
    "tail.rare_survival_hapax": 1.0,
    "tail.rare_survival_rare": 1.0,
    "tail.rare_survival_uncommon": 1.0,
    "tail.novel_type_rate": 0.0,
    "tail.js_divergence": 0.0,
    "embedding.centroid_shift": 0.0,
    "embedding.precision": 1.0,
    "embedding.recall": 1.0,
    "embedding.coverage": 1.0,
    "embedding.mauve": 1.0,
    "topics.topic_js_divergence": 0.0,
    "topics.vanished_topics": 0.0,
    "likelihood.typical_mass": 0.1,
    "likelihood.incoherent_mass": 0.1,
    "likelihood.distribution_shift": 0.0,
    "voice.style_centroid_distance": 0.0,
    "vocabulary.overused_mass": 0.0,
}
NO_EXACT_IDENTITY = {
    "tail.tail_mass",
    "embedding.density",
    "voice.style_drift",  # cross-validated AUC of a draw against itself is near 0.5, not exactly 0.5
}
PAIRED_IDENTITY = {
    # the paired family's reference row is each original paired with itself
    "paired.rare_retention": 1.0,
    "paired.lang_rare_retention": 1.0,
    "paired.style_shift": 0.0,
    "paired.convergence": 1.0,
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    """One audit of every family, with each family's draw set captured as scoring sees it."""
    captured = {}
    score = auditor.pipeline.compute_metrics

    def capture(metrics, drawset, data, **kwargs):
        captured[metrics[0].spec.family] = (drawset, data)
        return score(metrics, drawset, data, **kwargs)

    patch = pytest.MonkeyPatch()
    patch.setattr(auditor.pipeline, "compute_metrics", capture)
    try:
        result = audit(DEMO, cache_dir=str(tmp_path_factory.mktemp("cache")), **SETTINGS)
    finally:
        patch.undo()
    return result, captured


def test_every_family_is_registered_once_with_a_headline() -> None:
    assert len(FAMILY_NAMES) == len(set(FAMILY_NAMES))
    for family in FAMILIES:
        ids = [s.id for s in family.specs]
        assert ids and all(i.startswith(family.name + ".") for i in ids), family.name
        assert any(s.headline for s in family.specs), family.name
        assert family.label and family.question.endswith("?"), family.name


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.id)
def test_every_spec_states_its_formula(spec) -> None:
    assert spec.definition and spec.title and spec.better in ("higher", "lower", "none")
    assert spec.tolerance_kind in ("relative", "absolute")
    assert spec.tolerance is None or spec.tolerance >= 0


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.id)
def test_every_spec_declares_how_it_degrades(spec) -> None:
    """Issue 21: one primary aspect; a metric that mixes others names them and what separates them."""
    assert spec.aspect in ASPECTS
    assert all(a in ASPECTS and a != spec.aspect for a in spec.mixes) and len(set(spec.mixes)) == len(spec.mixes)
    if spec.mixes:
        assert "separate" in spec.definition, spec.id
    assert spec.to_dict()["aspect"] == spec.aspect and spec.to_dict()["mixes"] == list(spec.mixes)


def test_a_spec_without_a_valid_aspect_is_refused() -> None:
    make = spec_factory("vocabulary")
    with pytest.raises(TypeError, match="declares its aspect"):
        make("x", "X", "A formula.")
    with pytest.raises(ValueError, match=r"aspect must be one of narrowing, drift, loss\. Got 'shrinkage'"):
        make("x", "X", "A formula.", aspect="shrinkage")
    with pytest.raises(ValueError, match="cannot also be in mixes"):
        make("x", "X", "A formula.", aspect="drift", mixes=("drift",))


def test_embedding_has_a_headline_for_narrowing_beside_drift() -> None:
    """Coverage falls both when a generation drifts and when it narrows: Vendi tells them apart."""
    heads = {s.id: s.aspect for s in all_specs() if s.family == "embedding" and s.headline}
    assert heads["embedding.vendi"] == "narrowing" and heads["embedding.coverage"] == "drift"


def test_verdict_aspects_are_those_of_the_degraded_headlines(run) -> None:
    result, _ = run
    for v in result.verdicts:
        heads = [m for m in result.metrics if m.family == v.family and m.headline]
        assert v.aspects == sorted({m.aspect for m in heads if m.status[v.generation] == "degraded"})
        assert set(v.watch_aspects).isdisjoint(v.aspects)
        assert (v.status == "degraded") == bool(v.aspects)
    for g in result.generation_names:
        reading = result.reading(g)
        families = [result.verdict(f, g) for f in FAMILY_NAMES]
        assert reading.aspects == sorted({a for v in families for a in v.aspects})
        for aspect, ids in reading.metrics.items():
            carriers = [result.metric(i) for i in ids]
            assert carriers and all(m.aspect == aspect and m.status[g] == "degraded" for m in carriers)
    assert result.reading("gen0").text == "no sign"
    # the demo's collapse narrows and loses the reference's content (gen5 of the recursive trigram model)
    assert {"narrowing", "loss"} <= set(result.reading("gen5").aspects)


def test_descriptive_metrics_never_carry_a_degraded_aspect(run) -> None:
    result, _ = run
    for r in result.readings:
        for ids in r.metrics.values():
            assert all(result.metric(i).better != "none" for i in ids)


def test_every_comparison_metric_has_an_identity_value() -> None:
    assert set(COMPARISON_METRICS) - NO_EXACT_IDENTITY <= set(IDENTITY)


@pytest.mark.parametrize("metric_id", sorted(IDENTITY))
def test_a_draw_compared_with_itself(run, metric_id: str) -> None:
    _, captured = run
    family = metric_id.split(".")[0]
    drawset, data = captured[family]
    metric = next(m for m in all_metrics() if m.spec.id == metric_id)
    draw = drawset.draws[drawset.reference][0]
    values = metric.fn([(draw, draw)], data)
    value = (values[metric.output] if metric.output is not None else values)[0]
    assert value == pytest.approx(IDENTITY[metric_id], abs=1e-9)


@pytest.mark.parametrize("metric_id", sorted(PAIRED_IDENTITY))
def test_the_paired_reference_row_is_the_identity(run, metric_id: str) -> None:
    result, _ = run
    assert result.metric(metric_id).values["gen0"].value == pytest.approx(PAIRED_IDENTITY[metric_id], abs=1e-9)


def test_values_are_plain_floats_or_null_with_a_reason(run) -> None:
    result, _ = run
    assert {m.id for m in result.metrics} == {s.id for s in all_specs()}
    for m in result.metrics:
        for g, v in m.values.items():
            if v.value is None:
                assert v.reason, (m.id, g)
            else:
                assert type(v.value) is float and math.isfinite(v.value), (m.id, g)
            if v.interval is not None:
                assert all(type(x) is float for x in v.interval), (m.id, g)


@pytest.mark.parametrize("metric_id", SHARE_METRICS)
def test_shares_lie_in_zero_one(run, metric_id: str) -> None:
    result, _ = run
    values = [v.value for v in result.metric(metric_id).values.values() if v.value is not None]
    assert all(0.0 <= x <= 1.0 for x in values), values


@pytest.mark.parametrize("metric_id", DIRECTED_METRICS)
def test_a_degraded_value_is_worse_in_the_stated_direction(run, metric_id: str) -> None:
    result, _ = run
    m = result.metric(metric_id)
    ref = m.values[result.reference].value
    for g, status in m.status.items():
        if status == "degraded":
            value = m.values[g].value
            assert value < ref if m.better == "higher" else value > ref, (g, value, ref)


def test_the_same_seed_gives_the_same_values(run, tmp_path) -> None:
    result, _ = run
    again = audit(DEMO, cache_dir=str(tmp_path), families=("vocabulary", "tail", "topics"), **SETTINGS)
    for m in again.metrics:
        assert m.values == result.metric(m.id).values, m.id


def test_seeded_draws_differ_between_seeds(run) -> None:
    _, captured = run
    drawset, _ = captured["vocabulary"]
    first, second = drawset.draws[drawset.reference][:2]
    assert not np.array_equal(first.tokens, second.tokens)
