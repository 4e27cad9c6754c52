"""A reference profile reproduces the raw reference: every value, interval, null and verdict.

One module-scoped profile of the demo's gen0 with every family (small text and linked-document
samples keep the embedding and paired families fast). The build, the raw run and the profile run
each start from an empty embedding cache, as on a fresh CI runner: a vector depends slightly on the
batch it was embedded in, so runs compared for equality must start from the same cache state.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import audit
from auditor.config import Settings
from auditor.families import FAMILY_NAMES
from auditor.refprofile import build_profile

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "corpora" / "demo"
GENERATIONS = [str(DEMO / "gen2.jsonl"), str(DEMO / "gen5.jsonl")]
SAMPLE = 60
"""Texts per generation for the sampled families: enough for every family (min_docs 20), few to embed."""

pytestmark = pytest.mark.slow  # three full audits with the embedding model


@pytest.fixture(scope="module")
def one_model_load():
    """Load the embedding model once for the module (each stage loads it again otherwise: same weights)."""
    import functools

    import auditor.embed.model
    import auditor.families.embedding.prepare

    cached = functools.lru_cache(maxsize=None)(auditor.embed.model.load_model)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auditor.embed.model, "load_model", cached)
        patch.setattr(auditor.families.embedding.prepare, "load_model", cached)
        yield


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, one_model_load):
    """(settings, profile path, raw result, profile result) for gen0 vs gen2 and gen5, all families."""
    folder = tmp_path_factory.mktemp("refprofile")
    settings = Settings(
        sample_docs=SAMPLE,
        min_docs=20,
        pair_docs=30,
        draws=5,
        splits=5,
        pair_by_order=True,
        cache_dir=str(folder / "build"),
        workers=1,
    )
    built = build_profile(str(DEMO / "gen0.jsonl"), settings=settings)
    path = folder / "gen0.auditor-profile"
    path.write_bytes(built.data)
    raw = audit([str(DEMO / "gen0.jsonl"), *GENERATIONS], settings=settings.replace(cache_dir=str(folder / "raw")))
    profiled = audit(GENERATIONS, settings=settings.replace(cache_dir=str(folder / "p")), reference_profile=path)
    return settings, path, built, raw.to_dict(), profiled.to_dict()


def test_every_family_ran_and_the_profile_held_its_costly_parts(setup) -> None:
    _, _, built, raw, profiled = setup
    assert {m["id"].split(".")[0] for m in raw["metrics"]} == set(FAMILY_NAMES)
    assert sorted(built.profile.derived) == ["embedding", "nulls", "voice"]
    assert profiled["run"]["cache"]["embedding"]["from_reference_profile"] == SAMPLE
    assert raw["run"]["cache"]["embedding"]["from_reference_profile"] == 0


def test_metrics_verdicts_artifacts_and_generations_equal_the_raw_run(setup) -> None:
    _, _, _, raw, profiled = setup
    raw_metrics = {m["id"]: m for m in raw["metrics"]}
    profile_metrics = {m["id"]: m for m in profiled["metrics"]}
    assert raw_metrics.keys() == profile_metrics.keys()
    for metric_id, metric in raw_metrics.items():
        assert profile_metrics[metric_id] == metric, metric_id  # values, intervals, null, change, status
    assert profiled["verdicts"] == raw["verdicts"]
    assert profiled["artifacts"] == raw["artifacts"]
    assert profiled["generations"] == raw["generations"]
    assert profiled["reference"] == raw["reference"] == "gen0"
    assert any(v["status"] != "ok" for v in raw["verdicts"])  # the comparison covers real verdicts


def test_config_equal_but_for_the_profile_it_names(setup) -> None:
    _, path, _, raw, profiled = setup
    described = profiled["config"]["reference_profile"]
    assert described["path"] == str(path) and len(described["sha256"]) == 64
    ignored = ("reference_profile", "cache_dir")  # each run had its own empty cache folder
    assert {k: v for k, v in profiled["config"].items() if k not in ignored} == {
        k: v for k, v in raw["config"].items() if k not in ignored
    }


def test_a_rebuilt_profile_is_byte_identical(setup) -> None:
    settings, path, _, _, _ = setup
    again = build_profile(str(DEMO / "gen0.jsonl"), settings=settings)  # embeddings now come from the cache
    assert again.data == path.read_bytes()


def test_the_profile_s_null_values_were_reused_and_equal_the_recomputed_ones(setup) -> None:
    """No generation is smaller than the reference's halves: every family with a split-half null
    took it from the profile (the equality above then covers the reused values)."""
    _, _, built, _, profiled = setup
    nulls = profiled["config"]["reference_profile"]["nulls"]
    assert nulls == {"reused": ["embedding", "likelihood", "tail", "topics", "vocabulary", "voice"], "recomputed": {}}
    assert set(built.profile.derived["nulls"]["families"]) == set(nulls["reused"])
